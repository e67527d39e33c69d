//! A WGS84 location, checked to lie in the Czech Republic (its bounding box
//! with a small margin: latitude 48.55–51.06, longitude 12.09–18.86).

use serde::{Deserialize, Serialize};

/// Southernmost, northernmost, westernmost and easternmost values accepted.
pub const CZ_BOUNDS: (f64, f64, f64, f64) = (48.55, 51.06, 12.09, 18.86);

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

impl Location {
    /// Checks that the point lies in the Czech Republic; names the bad coordinate.
    ///
    /// # Errors
    /// `("lat" | "lon", reason)`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let (south, north, west, east) = CZ_BOUNDS;
        if !self.lat.is_finite() || !(south..=north).contains(&self.lat) {
            return Err((
                "lat",
                format!(
                    "{} is outside the Czech Republic (latitude {south}–{north})",
                    self.lat
                ),
            ));
        }
        if !self.lon.is_finite() || !(west..=east).contains(&self.lon) {
            return Err((
                "lon",
                format!(
                    "{} is outside the Czech Republic (longitude {west}–{east})",
                    self.lon
                ),
            ));
        }
        Ok(())
    }

    /// Great-circle distance in kilometres.
    pub fn distance_km(&self, other: &Location) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn czech_towns_pass_and_neighbours_do_not() {
        let decin = Location {
            lat: 50.7736,
            lon: 14.1961,
        };
        let ostrava = Location {
            lat: 49.8209,
            lon: 18.2625,
        };
        assert!(decin.check().is_ok() && ostrava.check().is_ok());
        assert_eq!(
            Location {
                lat: 48.2082,
                lon: 16.3738
            }
            .check()
            .unwrap_err()
            .0,
            "lat"
        ); // Vienna
        assert_eq!(
            Location {
                lat: 50.06,
                lon: 19.94
            }
            .check()
            .unwrap_err()
            .0,
            "lon"
        ); // Kraków
        assert!(Location {
            lat: f64::NAN,
            lon: 15.0
        }
        .check()
        .is_err());
        let d = decin.distance_km(&ostrava);
        assert!((d - 309.0).abs() < 10.0, "{d}");
    }
}
