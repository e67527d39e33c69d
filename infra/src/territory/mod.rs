//! The Czech territorial structure as reference data: kraje, ORP and
//! municipalities with their codes in both schemes (ČSÚ and RÚIAN), the
//! municipality → ORP → kraj mapping, centroids, population by age per ORP
//! and boundaries, read from the published files (`struktura_uzemi_cr.csv`,
//! `obce_souradnice.csv`, `orp_sldb2021.geojson`, `kraje.geojson`). Every
//! part but the structure is optional; the portal works without any of it.

mod load;

pub use load::{load_dir, LoadError};

use serde::Serialize;
use std::collections::BTreeMap;

/// A kraj (region).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kraj {
    /// NUTS 3 code, e.g. `CZ042`: the key used across the portal.
    pub nuts: String,
    /// ČSÚ code (číselník 100), e.g. `3069`.
    pub csu_code: String,
    /// RÚIAN VÚSC code, e.g. `60`.
    pub ruian_code: String,
    /// Name, e.g. `Ústecký kraj`.
    pub name: String,
    /// Abbreviation, e.g. `ULK`.
    pub abbreviation: String,
    /// Inhabitants (census 2021, from the kraj boundaries file), when loaded.
    pub population: Option<u64>,
}

/// An ORP (municipality with extended powers).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orp {
    /// ČSÚ code (číselník 65), e.g. `4202`: the key used across the portal.
    pub csu_code: String,
    /// RÚIAN code, e.g. `728`.
    pub ruian_code: String,
    /// Name, e.g. `Děčín`.
    pub name: String,
    /// NUTS code of its kraj.
    pub kraj_nuts: String,
    /// Population by age (census 2021), when loaded.
    pub population: Option<Population>,
}

/// Inhabitants by age group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Population {
    /// All inhabitants.
    pub total: u64,
    /// Aged 0–14.
    pub age_0_14: u64,
    /// Aged 15–64.
    pub age_15_64: u64,
    /// Aged 65 and over.
    pub age_65_plus: u64,
}

/// A municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Municipality {
    /// Code (the same in ČSÚ and RÚIAN), e.g. `562335`.
    pub code: String,
    /// Name.
    pub name: String,
    /// ČSÚ code of its ORP.
    pub orp: String,
    /// NUTS code of its kraj.
    pub kraj_nuts: String,
    /// The name of its okres (district), which tells municipalities of one name apart.
    pub okres: String,
    /// Centre (WGS84), when the coordinates file is loaded.
    pub centre: Option<(f64, f64)>,
    /// Postcode (PSČ) of its centre, when the coordinates file is loaded.
    pub postcode: Option<String>,
}

/// The territorial structure with its look-ups.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Territory {
    /// Kraje by NUTS code.
    pub kraje: BTreeMap<String, Kraj>,
    /// ORP by ČSÚ code.
    pub orp: BTreeMap<String, Orp>,
    /// Municipalities by code.
    pub municipalities: BTreeMap<String, Municipality>,
    /// Boundaries as GeoJSON geometries: kraje by NUTS code.
    #[serde(skip)]
    pub kraj_boundaries: BTreeMap<String, serde_json::Value>,
    /// Boundaries as GeoJSON geometries: ORP by ČSÚ code.
    #[serde(skip)]
    pub orp_boundaries: BTreeMap<String, serde_json::Value>,
}

impl Territory {
    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.municipalities.is_empty()
    }

    /// The ORP of a municipality.
    pub fn orp_of_municipality(&self, code: &str) -> Option<&Orp> {
        self.orp.get(&self.municipalities.get(code)?.orp)
    }

    /// The ORP with this code in either scheme (ČSÚ `4202` or RÚIAN `728`).
    pub fn orp_by_any_code(&self, code: &str) -> Option<&Orp> {
        self.orp
            .get(code)
            .or_else(|| self.orp.values().find(|o| o.ruian_code == code))
    }

    /// The kraj with this code in any scheme (NUTS, ČSÚ or RÚIAN).
    pub fn kraj_by_any_code(&self, code: &str) -> Option<&Kraj> {
        self.kraje.get(code).or_else(|| {
            self.kraje
                .values()
                .find(|k| k.csu_code == code || k.ruian_code == code)
        })
    }

    /// The ORP of a kraj.
    pub fn orp_in_kraj<'a>(&'a self, nuts: &'a str) -> impl Iterator<Item = &'a Orp> + 'a {
        self.orp.values().filter(move |o| o.kraj_nuts == nuts)
    }

    /// The kraj (NUTS) of a municipality's code.
    pub fn kraj_of_municipality(&self, code: &str) -> Option<&str> {
        self.municipalities.get(code).map(|m| m.kraj_nuts.as_str())
    }

    /// Whether a service works in the kraj `nuts`: one of its facilities is
    /// there, or its catchment names the kraj, an ORP or a municipality of it.
    pub fn serves_kraj(
        &self,
        service: &events::registry::service::ServiceDetails,
        nuts: &str,
    ) -> bool {
        let facility = service.facilities.iter().any(|f| {
            f.address
                .municipality_code
                .as_deref()
                .and_then(|m| self.kraj_of_municipality(m))
                == Some(nuts)
        });
        let c = &service.catchment;
        facility
            || c.kraje
                .iter()
                .any(|k| self.kraj_by_any_code(k).is_some_and(|k| k.nuts == nuts))
            || c.orp
                .iter()
                .any(|o| self.orp_by_any_code(o).is_some_and(|o| o.kraj_nuts == nuts))
            || c.municipalities
                .iter()
                .any(|m| self.kraj_of_municipality(m) == Some(nuts))
    }
}
