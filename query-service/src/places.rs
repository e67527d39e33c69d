//! Places as people name them: a municipality by its name (diacritics and
//! case aside; "Nová Ves, Brno-venkov" names the okres too), its postcode
//! (PSČ, "405 02") or its code — so that a search can be ordered by the
//! distance from where someone is without their coordinates.

use crate::text::normalise;
use infra::territory::{Municipality, Territory};
use std::collections::HashMap;

/// The municipalities by the names and postcodes people use.
#[derive(Debug, Default)]
pub struct Places {
    /// Codes by name without diacritics, in lower case.
    by_name: HashMap<String, Vec<String>>,
    /// Codes by postcode (five digits).
    by_postcode: HashMap<String, Vec<String>>,
}

/// What a name found.
#[derive(Debug, PartialEq)]
pub enum Found<'t> {
    /// One municipality.
    One(&'t Municipality),
    /// Several: the name is ambiguous (by name, with their okres).
    Several(Vec<&'t Municipality>),
    /// None of that name, postcode or code.
    Nothing,
}

impl Places {
    /// The places of a territory's municipalities with a centre.
    pub fn of(territory: &Territory) -> Self {
        let mut places = Self::default();
        for m in territory
            .municipalities
            .values()
            .filter(|m| m.centre.is_some())
        {
            places
                .by_name
                .entry(normalise(&m.name))
                .or_default()
                .push(m.code.clone());
            if let Some(p) = &m.postcode {
                places
                    .by_postcode
                    .entry(p.clone())
                    .or_default()
                    .push(m.code.clone());
            }
        }
        places
    }

    /// The municipality (or municipalities) `text` names in `territory`.
    pub fn find<'t>(&self, territory: &'t Territory, text: &str) -> Found<'t> {
        let text = text.trim();
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let codes: Vec<&String> = if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())
        {
            territory
                .municipalities
                .get_key_value(&digits)
                .map(|(code, _)| code)
                .into_iter()
                .collect()
        } else if digits.len() == 5 && digits.chars().all(|c| c.is_ascii_digit()) {
            self.by_postcode
                .get(&digits)
                .into_iter()
                .flatten()
                .collect()
        } else {
            let (name, okres) = match text.split_once(',') {
                Some((name, okres)) => (name, Some(normalise(okres.trim()))),
                None => (text, None),
            };
            let named = self.by_name.get(&normalise(name.trim()));
            named
                .into_iter()
                .flatten()
                .filter(|code| {
                    okres.as_ref().is_none_or(|o| {
                        territory
                            .municipalities
                            .get(*code)
                            .is_some_and(|m| normalise(&m.okres).starts_with(o.as_str()))
                    })
                })
                .collect()
        };
        let mut found: Vec<&Municipality> = codes
            .into_iter()
            .filter_map(|c| territory.municipalities.get(c))
            .filter(|m| m.centre.is_some())
            .collect();
        found.sort_by_cached_key(|m| (crate::text::collation_key(&m.okres), m.code.clone()));
        match found.len() {
            0 => Found::Nothing,
            1 => Found::One(found[0]),
            _ => Found::Several(found),
        }
    }

    /// The municipalities whose name (or postcode) begins as `text` does, for
    /// suggestions as someone types: a name of that very spelling first, then
    /// the shorter names, in Czech order; at most `limit`. A name that
    /// begins like none is shortened to its first three letters, so that a
    /// typo at its end still suggests something.
    pub fn suggest<'t>(
        &self,
        territory: &'t Territory,
        text: &str,
        limit: usize,
    ) -> Vec<&'t Municipality> {
        let text = text.trim();
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let matching = |prefix: &str| -> Vec<&'t Municipality> {
            let keys: Box<dyn Iterator<Item = (&String, &Vec<String>)>> =
                if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                    Box::new(
                        self.by_postcode
                            .iter()
                            .filter(|(p, _)| p.starts_with(&digits)),
                    )
                } else {
                    Box::new(self.by_name.iter().filter(|(n, _)| n.starts_with(prefix)))
                };
            let mut found: Vec<&Municipality> = keys
                .flat_map(|(_, codes)| codes)
                .filter_map(|c| territory.municipalities.get(c))
                .collect();
            found.sort_by_cached_key(|m| {
                (
                    normalise(&m.name) != prefix,
                    m.name.chars().count(),
                    crate::text::collation_key(&m.name),
                    crate::text::collation_key(&m.okres),
                )
            });
            found.dedup_by(|a, b| a.code == b.code);
            found.truncate(limit);
            found
        };
        let name = normalise(text);
        if name.chars().count() < 2 {
            return Vec::new();
        }
        let found = matching(&name);
        if !found.is_empty() || name.chars().count() <= 3 {
            return found;
        }
        let shorter: String = name.chars().take(3).collect();
        matching(&shorter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn municipality(code: &str, name: &str, okres: &str, postcode: &str) -> Municipality {
        Municipality {
            code: code.into(),
            name: name.into(),
            orp: "4202".into(),
            kraj_nuts: "CZ042".into(),
            okres: okres.into(),
            centre: Some((50.77, 14.2)),
            postcode: Some(postcode.into()),
        }
    }

    #[test]
    fn a_place_is_found_by_name_postcode_or_code_and_an_ambiguous_name_lists_its_okresy() {
        let mut territory = Territory::default();
        for m in [
            municipality("562335", "Děčín", "Děčín", "40502"),
            municipality("583375", "Nová Ves", "Brno-venkov", "66491"),
            municipality("562491", "Nová Ves", "Děčín", "40502"),
        ] {
            territory.municipalities.insert(m.code.clone(), m);
        }
        let places = Places::of(&territory);
        let one = |text: &str| match places.find(&territory, text) {
            Found::One(m) => m.code.clone(),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(one("decin"), "562335");
        // Suggestions as someone types: by the beginning of the name, the exact one first.
        let names = |text: &str| -> Vec<String> {
            places
                .suggest(&territory, text, 10)
                .iter()
                .map(|m| format!("{} ({})", m.name, m.okres))
                .collect()
        };
        assert_eq!(
            names("nová"),
            ["Nová Ves (Brno-venkov)", "Nová Ves (Děčín)"]
        );
        assert_eq!(names("Dě"), ["Děčín (Děčín)"]);
        assert_eq!(names("Děčínx"), ["Děčín (Děčín)"], "a typo at the end");
        assert_eq!(names("664"), ["Nová Ves (Brno-venkov)"]);
        assert!(names("D").is_empty());
        assert_eq!(one(" DĚČÍN "), "562335");
        assert_eq!(one("562335"), "562335");
        assert_eq!(one("Nová Ves, Brno"), "583375");
        assert_eq!(one("nova ves, decin"), "562491");
        let Found::Several(both) = places.find(&territory, "Nová Ves") else {
            panic!("ambiguous")
        };
        assert_eq!(
            both.iter().map(|m| m.okres.as_str()).collect::<Vec<_>>(),
            ["Brno-venkov", "Děčín"]
        );
        assert!(matches!(
            places.find(&territory, "405 02"),
            Found::Several(_)
        ));
        assert_eq!(one("664 91"), "583375");
        for nothing in ["Praha", "12345", "999999", ""] {
            assert_eq!(
                places.find(&territory, nothing),
                Found::Nothing,
                "{nothing}"
            );
        }
    }
}
