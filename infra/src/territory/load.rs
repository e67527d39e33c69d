//! Reading the published territory files.

use super::{Kraj, Municipality, Orp, Population, Territory};
use serde::Deserialize;
use std::path::Path;

/// Why the territory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file does not have the expected format.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn format_error(path: &Path, reason: impl std::fmt::Display) -> LoadError {
    LoadError::Format {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

#[derive(Deserialize)]
struct StructureRow {
    obec_text: String,
    obec_kod: String,
    orp_text: String,
    okres_text: String,
    orp_csu_cis65_kod: String,
    orp_ruian_kod: String,
    kraj_text: String,
    kraj_zkratka: String,
    kraj_csu_cis100_kod: String,
    kraj_csu_cis108_nuts_kod: String,
    kraj_ruian_vusc_kod: String,
}

/// Reads `struktura_uzemi_cr.csv` (the structure; required).
///
/// # Errors
/// When the text is not the ČSÚ structure file.
pub fn parse_structure(text: &str, path: &Path) -> Result<Territory, LoadError> {
    let mut territory = Territory::default();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for (line, row) in reader.deserialize::<StructureRow>().enumerate() {
        let row = row.map_err(|e| format_error(path, format!("row {}: {e}", line + 2)))?;
        territory
            .kraje
            .entry(row.kraj_csu_cis108_nuts_kod.clone())
            .or_insert_with(|| Kraj {
                nuts: row.kraj_csu_cis108_nuts_kod.clone(),
                csu_code: row.kraj_csu_cis100_kod.clone(),
                ruian_code: row.kraj_ruian_vusc_kod.clone(),
                name: row.kraj_text.clone(),
                abbreviation: row.kraj_zkratka.clone(),
                population: None,
            });
        territory
            .orp
            .entry(row.orp_csu_cis65_kod.clone())
            .or_insert_with(|| Orp {
                csu_code: row.orp_csu_cis65_kod.clone(),
                ruian_code: row.orp_ruian_kod.clone(),
                name: row.orp_text.clone(),
                kraj_nuts: row.kraj_csu_cis108_nuts_kod.clone(),
                population: None,
            });
        let previous = territory.municipalities.insert(
            row.obec_kod.clone(),
            Municipality {
                code: row.obec_kod.clone(),
                name: row.obec_text,
                orp: row.orp_csu_cis65_kod,
                kraj_nuts: row.kraj_csu_cis108_nuts_kod,
                okres: row.okres_text,
                centre: None,
                postcode: None,
            },
        );
        if previous.is_some() {
            return Err(format_error(
                path,
                format!("municipality {} appears twice", row.obec_kod),
            ));
        }
    }
    if territory.municipalities.is_empty() {
        return Err(format_error(path, "no municipalities"));
    }
    Ok(territory)
}

#[derive(Deserialize)]
struct CentreRow {
    #[serde(rename = "Kód obce")]
    code: String,
    #[serde(rename = "PSČ")]
    postcode: String,
    #[serde(rename = "Latitude")]
    lat: f64,
    #[serde(rename = "Longitude")]
    lon: f64,
}

/// Adds municipality centres from `obce_souradnice.csv`; codes not in the structure are ignored.
///
/// # Errors
/// When the text is not the coordinates file.
pub fn add_centres(territory: &mut Territory, text: &str, path: &Path) -> Result<usize, LoadError> {
    let mut added = 0;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for (line, row) in reader.deserialize::<CentreRow>().enumerate() {
        let row = row.map_err(|e| format_error(path, format!("row {}: {e}", line + 2)))?;
        if let Some(m) = territory.municipalities.get_mut(&row.code) {
            m.centre = Some((row.lat, row.lon));
            m.postcode = Some(row.postcode.replace(' ', "")).filter(|p| !p.is_empty());
            added += 1;
        }
    }
    Ok(added)
}

fn features(text: &str, path: &Path) -> Result<Vec<serde_json::Value>, LoadError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| format_error(path, e))?;
    doc["features"]
        .as_array()
        .cloned()
        .ok_or_else(|| format_error(path, "not a GeoJSON FeatureCollection"))
}

fn code_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Adds ORP population by age and boundaries from `orp_sldb2021.geojson` (keyed by RÚIAN code).
///
/// # Errors
/// When the text is not that GeoJSON.
pub fn add_orp_census(
    territory: &mut Territory,
    text: &str,
    path: &Path,
) -> Result<usize, LoadError> {
    let mut added = 0;
    for f in features(text, path)? {
        let p = &f["properties"];
        let Some(ruian) = code_of(&p["kod"]) else {
            continue;
        };
        let number = |k: &str| p[k].as_u64();
        let Some(orp) = territory.orp.values_mut().find(|o| o.ruian_code == ruian) else {
            continue;
        };
        if let (Some(total), Some(a), Some(b), Some(c)) = (
            number("poc_obyv_SLDB_2021"),
            number("poc_obyv_0_14"),
            number("poc_obyv_15_64"),
            number("poc_obyv_nad_65"),
        ) {
            orp.population = Some(Population {
                total,
                age_0_14: a,
                age_15_64: b,
                age_65_plus: c,
            });
        }
        let code = orp.csu_code.clone();
        territory.orp_boundaries.insert(code, f["geometry"].clone());
        added += 1;
    }
    Ok(added)
}

/// Adds kraj population and boundaries from `kraje.geojson` (keyed by NUTS code).
///
/// # Errors
/// When the text is not that GeoJSON.
pub fn add_kraje(territory: &mut Territory, text: &str, path: &Path) -> Result<usize, LoadError> {
    let mut added = 0;
    for f in features(text, path)? {
        let p = &f["properties"];
        let Some(nuts) = p["nutslau"].as_str() else {
            continue;
        };
        let Some(kraj) = territory.kraje.get_mut(nuts) else {
            continue;
        };
        kraj.population = p["populace_2021"].as_u64();
        territory
            .kraj_boundaries
            .insert(nuts.to_string(), f["geometry"].clone());
        added += 1;
    }
    Ok(added)
}

/// Loads everything found in `dir`: the structure is required, the rest is
/// added when its file is there.
///
/// # Errors
/// When the structure file is missing or any file present is malformed.
pub fn load_dir(dir: &Path) -> Result<Territory, LoadError> {
    let structure = dir.join("struktura_uzemi_cr.csv");
    let mut territory = parse_structure(&read(&structure)?, &structure)?;
    let centres = dir.join("obce_souradnice.csv");
    if centres.exists() {
        add_centres(&mut territory, &read(&centres)?, &centres)?;
    }
    let census = dir.join("orp_sldb2021.geojson");
    if census.exists() {
        add_orp_census(&mut territory, &read(&census)?, &census)?;
    }
    let kraje = dir.join("kraje.geojson");
    if kraje.exists() {
        add_kraje(&mut territory, &read(&kraje)?, &kraje)?;
    }
    Ok(territory)
}
