//! The MPSV code lists of the registry (saved responses of the MPSV
//! code-list API: `seznam[]` with `kod`, `nazev` and `ciselnik`), by list
//! name (`CilovaSkupinaOsoby`, `VekovaSkupinaOsoby`, ...). Optional: without
//! them codes are shown as codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Code → name, by list.
#[derive(Debug, Default, Clone)]
pub struct CodeLists {
    lists: BTreeMap<String, BTreeMap<String, String>>,
}

impl CodeLists {
    /// The name of a code in a list, when loaded.
    pub fn name(&self, list: &str, code: &str) -> Option<&str> {
        self.lists.get(list)?.get(code).map(String::as_str)
    }

    /// The codes of a list with their names (none when not loaded).
    pub fn codes(&self, list: &str) -> impl Iterator<Item = (&str, &str)> {
        self.lists
            .get(list)
            .into_iter()
            .flatten()
            .map(|(c, n)| (c.as_str(), n.as_str()))
    }

    /// Adds a list (for tests and tools).
    pub fn insert(&mut self, list: &str, codes: impl IntoIterator<Item = (String, String)>) {
        self.lists
            .entry(list.to_string())
            .or_default()
            .extend(codes);
    }

    /// Loaded lists.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Nothing loaded.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

/// Reads every `*.json` code list of `dir`.
///
/// # Errors
/// A file that cannot be read or does not have the code-list shape.
pub fn load_dir(dir: &Path) -> anyhow::Result<CodeLists> {
    let mut lists = CodeLists::default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        read_list(&value, &mut lists).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(lists)
}

/// Reads one code list in either published form: the code-list API's answer
/// (`{"pocet", "seznam": [{"ciselnik", "kod", "nazev"}]}`, or the bare list;
/// its numeric `id` is not the code) or the open-data file beside the
/// registry (`{"polozky": [{"id": "DruhSocialniSluzby/13", "nazev": {"cs": …}}]}`).
///
/// # Errors
/// Neither form.
fn read_list(value: &serde_json::Value, lists: &mut CodeLists) -> anyhow::Result<()> {
    if let Some(items) = value.get("polozky").and_then(|v| v.as_array()) {
        for item in items {
            let name = item["nazev"]["cs"]
                .as_str()
                .or_else(|| item["nazev"].as_str());
            let reference = item["id"].as_str().and_then(|r| r.split_once('/'));
            if let (Some((list, code)), Some(name)) = (reference, name) {
                lists.insert(list, [(code.to_string(), name.to_string())]);
            }
        }
        return Ok(());
    }
    let items = value
        .get("seznam")
        .unwrap_or(value)
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("neither a \"seznam\" nor a \"polozky\" list"))?;
    for item in items {
        let (Some(list), Some(code), Some(name)) = (
            item["ciselnik"].as_str(),
            item["kod"].as_str(),
            item["nazev"].as_str(),
        ) else {
            continue;
        };
        lists.insert(list, [(code.to_string(), name.to_string())]);
    }
    Ok(())
}

/// `PORTAL_CODELISTS_DIR`, else `../shared/data/codelists` when present.
pub fn dir_from_env() -> Option<PathBuf> {
    std::env::var_os("PORTAL_CODELISTS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let default = PathBuf::from("../shared/data/codelists");
            default.is_dir().then_some(default)
        })
}

/// The code lists of `dir`, or none (logged) when absent or unreadable.
pub fn load(dir: Option<&Path>) -> CodeLists {
    match dir.map(load_dir) {
        None => CodeLists::default(),
        Some(Ok(lists)) => {
            tracing::info!(lists = lists.len(), "MPSV code lists loaded");
            lists
        }
        Some(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot load the MPSV code lists; codes are shown as codes");
            CodeLists::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_data_form_of_a_code_list_loads_by_its_codes() {
        let mut lists = CodeLists::default();
        let file = serde_json::json!({ "polozky": [
            { "id": "DruhSocialniSluzby/13", "nazev": { "cs": "domovy pro seniory", "en": "homes for the elderly" } },
            { "id": "CilovaSkupinaOsoby/30", "nazev": { "cs": "osoby žijící s demencí" } },
            { "id": "bez kódu", "nazev": { "cs": "x" } }
        ] });
        read_list(&file, &mut lists).unwrap();
        assert_eq!(
            lists.name("DruhSocialniSluzby", "13"),
            Some("domovy pro seniory")
        );
        assert_eq!(
            lists.name("CilovaSkupinaOsoby", "30"),
            Some("osoby žijící s demencí")
        );
        assert_eq!(lists.len(), 2);
        // The API's answer: `kod` is the code, the numeric `id` is not.
        let api = serde_json::json!({ "pocet": 1, "seznam": [
            { "id": 3847, "kod": "13", "ciselnik": "DruhSocialniSluzby", "nazev": "domovy pro seniory" }
        ] });
        let mut lists = CodeLists::default();
        read_list(&api, &mut lists).unwrap();
        assert_eq!(
            lists.name("DruhSocialniSluzby", "13"),
            Some("domovy pro seniory")
        );
        assert_eq!(lists.name("DruhSocialniSluzby", "3847"), None);
        assert!(read_list(&serde_json::json!({ "x": 1 }), &mut lists).is_err());
    }

    #[test]
    fn the_published_code_lists_load() {
        let dir = test_support::shared_data_dir().join("codelists");
        let lists = load_dir(&dir).unwrap();
        assert_eq!(lists.name("CilovaSkupinaOsoby", "24"), Some("senioři"));
        assert_eq!(lists.name("DruhSocialniSluzby", "20"), Some("azylové domy"));
        assert_eq!(lists.codes("CilovaSkupinaOsoby").count(), 27);
        assert_eq!(lists.codes("VekovaSkupinaOsoby").count(), 10);
        assert_eq!(lists.name("CilovaSkupinaOsoby", "99"), None);
    }
}
