//! Per-area counts of active services by kind (the country, each kraj, each
//! ORP), kept up to date as services are indexed and unindexed, so that map
//! aggregates read a few hundred counters instead of walking every service.

use crate::index::ServiceEntry;
use std::collections::{BTreeMap, HashMap};

/// The counts of one area.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Active services in the area.
    pub services: usize,
    /// Active services by kind (kinds with none are absent).
    pub by_kind: BTreeMap<u16, usize>,
}

impl Counts {
    fn add(&mut self, kind: u16) {
        self.services += 1;
        *self.by_kind.entry(kind).or_default() += 1;
    }

    fn remove(&mut self, kind: u16) {
        self.services = self.services.saturating_sub(1);
        if let Some(n) = self.by_kind.get_mut(&kind) {
            *n -= 1;
            if *n == 0 {
                self.by_kind.remove(&kind);
            }
        }
    }
}

/// Counts of the country, by kraj (NUTS) and by ORP (ČSÚ code).
#[derive(Debug, Default)]
pub struct AreaCounts {
    country: Counts,
    kraje: HashMap<String, Counts>,
    orp: HashMap<String, Counts>,
}

impl AreaCounts {
    /// The counts of an area of a level (`country`, `kraj`, `orp`), if it has any service.
    pub fn get(&self, level: &str, code: &str) -> Option<&Counts> {
        match level {
            "country" => Some(&self.country),
            "kraj" => self.kraje.get(code),
            "orp" => self.orp.get(code),
            _ => None,
        }
    }

    /// Counts an active service in (`added`) or out of (`!added`) its areas.
    pub fn count(&mut self, e: &ServiceEntry, added: bool) {
        if !e.active() {
            return;
        }
        let kind = e.view.details.kind;
        let change = |c: &mut Counts| {
            if added {
                c.add(kind)
            } else {
                c.remove(kind)
            }
        };
        change(&mut self.country);
        for (areas, codes) in [(&mut self.kraje, &e.kraje), (&mut self.orp, &e.orp)] {
            for code in codes {
                let c = areas.entry(code.clone()).or_default();
                change(c);
                if c.services == 0 {
                    areas.remove(code);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::index::Index;
    use read_models::registry::ServiceView;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn service(id: usize, kind: u16, kraj: &str, orp: &str, status: &str) -> ServiceView {
        serde_json::from_value(json!({
            "id": format!("s{id}"), "provider_ico": "00064581", "kind_name": "", "paragraph": null,
            "status": status, "last_verified_on": null, "vacancies": [], "version": 1,
            "updated_at": "2026-11-23T10:00:00Z",
            "details": { "name": format!("Služba {id}"), "kind": kind, "forms": [],
                "catchment": { "kraje": [kraj], "orp": [orp] } }
        }))
        .unwrap()
    }

    /// The counts walked afresh over every indexed service.
    fn walked(index: &Index, level: &str) -> BTreeMap<String, BTreeMap<u16, usize>> {
        let mut all: BTreeMap<String, BTreeMap<u16, usize>> = BTreeMap::new();
        for e in index.services().filter(|e| e.active()) {
            let codes = if level == "kraj" { &e.kraje } else { &e.orp };
            for code in codes {
                *all.entry(code.clone())
                    .or_default()
                    .entry(e.view.details.kind)
                    .or_default() += 1;
            }
        }
        all
    }

    #[test]
    fn counts_follow_every_change_like_a_walk_over_all_services() {
        let mut index = Index::default();
        let kraje = ["CZ042", "CZ080", "CZ010"];
        let statuses = ["active", "active", "suspended", "ended"];
        // Register, then change kind, area and status of many, then remove some.
        for round in 0..3 {
            for i in 0..200 {
                let kind = [20, 26, 13][(i + round) % 3];
                let k = (i * 7 + round) % 3;
                let status = statuses[(i + 2 * round) % 4];
                index.put_service(service(i, kind, kraje[k], &format!("{k}{}", i % 5), status));
            }
        }
        for i in (0..200).step_by(9) {
            index.remove_service(&format!("s{i}"));
        }
        for level in ["kraj", "orp"] {
            let expected = walked(&index, level);
            assert!(!expected.is_empty());
            for (code, by_kind) in &expected {
                let counts = index.area_counts().get(level, code).unwrap();
                assert_eq!(&counts.by_kind, by_kind, "{level} {code}");
                assert_eq!(counts.services, by_kind.values().sum::<usize>());
            }
        }
        let active = index.services().filter(|e| e.active()).count();
        assert_eq!(
            index.area_counts().get("country", "CZ").unwrap().services,
            active
        );
        // An area left without services has no counts.
        for i in 0..200 {
            index.remove_service(&format!("s{i}"));
        }
        assert!(index.area_counts().get("kraj", "CZ042").is_none());
        assert_eq!(
            index.area_counts().get("country", "CZ").unwrap().services,
            0
        );
    }
}
