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
        // Some saved responses are the list itself, most an object holding it.
        let items = value
            .get("seznam")
            .unwrap_or(&value)
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("{}: no \"seznam\" list", path.display()))?;
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
    }
    Ok(lists)
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
    fn the_published_code_lists_load() {
        let dir = crate::testing::shared_data_dir().join("codelists");
        let lists = load_dir(&dir).unwrap();
        assert_eq!(lists.name("CilovaSkupinaOsoby", "24"), Some("senioři"));
        assert_eq!(lists.name("DruhSocialniSluzby", "20"), Some("azylové domy"));
        assert_eq!(lists.codes("CilovaSkupinaOsoby").count(), 27);
        assert_eq!(lists.codes("VekovaSkupinaOsoby").count(), 10);
        assert_eq!(lists.name("CilovaSkupinaOsoby", "99"), None);
    }
}
