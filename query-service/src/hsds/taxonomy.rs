//! The taxonomies the portal publishes in HSDS: the MPSV kinds of social
//! service, the paragraphs of Act 108/2006 Sb., the MPSV target groups and
//! age groups, and the forms of provision. Terms are named from the code
//! lists when loaded; codes in use that a list does not know are published
//! too, named by their code.

use super::ids::uuid_for;
use crate::index::{Index, ServiceEntry};
use events::values::codes::KINDS;
use infra::codelists::CodeLists;
use std::collections::BTreeMap;

/// A taxonomy: its key (in ids and `taxonomy_term_id=key/code`), name and description.
pub struct Taxonomy {
    /// Key.
    pub key: &'static str,
    /// Name.
    pub name: &'static str,
    /// Description.
    pub description: &'static str,
    /// The MPSV code list its terms come from, if any.
    pub list: Option<&'static str>,
}

/// Every taxonomy.
pub const TAXONOMIES: [Taxonomy; 5] = [
    Taxonomy {
        key: "mpsv-druh",
        name: "Druhy sociálních služeb",
        description: "Druhy sociálních služeb podle zákona č. 108/2006 Sb. (číselník MPSV DruhSocialniSluzby).",
        list: Some("DruhSocialniSluzby"),
    },
    Taxonomy {
        key: "zakon-108-2006",
        name: "Paragrafy zákona č. 108/2006 Sb.",
        description: "Paragraf zákona o sociálních službách, který daný druh služby upravuje.",
        list: None,
    },
    Taxonomy {
        key: "mpsv-cilova-skupina",
        name: "Cílové skupiny",
        description: "Cílové skupiny osob (číselník MPSV CilovaSkupinaOsoby).",
        list: Some("CilovaSkupinaOsoby"),
    },
    Taxonomy {
        key: "mpsv-vekova-skupina",
        name: "Věkové skupiny",
        description: "Věkové skupiny osob (číselník MPSV VekovaSkupinaOsoby).",
        list: Some("VekovaSkupinaOsoby"),
    },
    Taxonomy {
        key: "mpsv-forma",
        name: "Formy poskytování",
        description: "Forma poskytování sociální služby: pobytová, ambulantní, terénní.",
        list: Some("FormaSocSluzby"),
    },
];

/// A term of a taxonomy.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The taxonomy's key.
    pub taxonomy: &'static str,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

fn taxonomy(key: &str) -> Option<&'static Taxonomy> {
    TAXONOMIES.iter().find(|t| t.key == key)
}

/// A taxonomy as HSDS `taxonomy`.
pub fn taxonomy_object(t: &Taxonomy) -> super::objects::Taxonomy {
    super::objects::Taxonomy {
        id: uuid_for("taxonomy", t.key),
        name: t.name,
        description: t.description,
        version: "1",
    }
}

/// The terms of a service, as (taxonomy key, code).
pub fn service_terms(e: &ServiceEntry) -> Vec<(&'static str, String)> {
    let d = &e.view.details;
    let mut terms = vec![("mpsv-druh", d.kind.to_string())];
    if let Some(p) = &e.view.paragraph {
        terms.push(("zakon-108-2006", p.clone()));
    }
    terms.extend(
        d.target_groups
            .iter()
            .map(|g| ("mpsv-cilova-skupina", g.clone())),
    );
    terms.extend(
        d.age_groups
            .iter()
            .map(|g| ("mpsv-vekova-skupina", g.clone())),
    );
    for f in &d.forms {
        terms.push(("mpsv-forma", form_code(f.form).to_string()));
    }
    terms
}

/// `pob`, `amb` or `ter`.
pub fn form_code(form: events::values::Form) -> &'static str {
    match form {
        events::values::Form::Residential => "pob",
        events::values::Form::Outpatient => "amb",
        events::values::Form::Field => "ter",
    }
}

/// The term of a code: named from the code lists or the Act, else by its code.
pub fn term(codes: &CodeLists, taxonomy_key: &'static str, code: &str) -> Term {
    let kind = || {
        code.parse::<u16>()
            .ok()
            .and_then(|c| KINDS.iter().find(|k| k.0 == c))
    };
    let (name, description) = match taxonomy_key {
        "mpsv-druh" => match kind() {
            Some((_, name, p)) if !p.is_empty() => (
                name.to_string(),
                format!("{name}, § {p} zákona č. 108/2006 Sb."),
            ),
            Some((_, name, _)) => (name.to_string(), format!("{name} (druh sociální služby)")),
            None => (
                format!("druh {code}"),
                format!("druh sociální služby s kódem {code}"),
            ),
        },
        "zakon-108-2006" => (
            format!("§ {code}"),
            format!("§ {code} zákona č. 108/2006 Sb., o sociálních službách"),
        ),
        "mpsv-forma" => {
            let name = match code {
                "pob" => "pobytová",
                "amb" => "ambulantní",
                "ter" => "terénní",
                other => other,
            };
            (name.to_string(), format!("{name} forma poskytování"))
        }
        key => {
            let t = taxonomy(key);
            let listed = t.and_then(|t| t.list).and_then(|l| codes.name(l, code));
            let what = t.map_or("", |t| t.name);
            match listed {
                Some(name) => (name.to_string(), format!("{what}: {name}")),
                None => (
                    format!("{what} {code}"),
                    format!("{what}: kód {code} (mimo číselník)"),
                ),
            }
        }
    };
    Term {
        taxonomy: taxonomy_key,
        code: code.to_string(),
        name,
        description,
    }
}

/// A term's id.
pub fn term_id(taxonomy_key: &str, code: &str) -> uuid::Uuid {
    uuid_for("taxonomy_term", &format!("{taxonomy_key}/{code}"))
}

/// A term as HSDS `taxonomy_term`.
pub fn term_object(t: &Term) -> super::objects::TaxonomyTerm {
    super::objects::TaxonomyTerm {
        id: term_id(t.taxonomy, &t.code),
        code: t.code.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        taxonomy: taxonomy(t.taxonomy).map_or("", |x| x.name),
        taxonomy_id: uuid_for("taxonomy", t.taxonomy),
        language: "cs",
    }
}

/// Every term: each code-list code, each kind and §, and every code in use.
pub fn all_terms(codes: &CodeLists, index: &Index) -> Vec<Term> {
    let mut all: BTreeMap<(&'static str, String), Term> = BTreeMap::new();
    let mut add = |key: &'static str, code: &str| {
        all.entry((key, code.to_string()))
            .or_insert_with(|| term(codes, key, code));
    };
    for (code, _, p) in KINDS {
        add("mpsv-druh", &code.to_string());
        if !p.is_empty() {
            add("zakon-108-2006", p);
        }
    }
    for form in ["pob", "amb", "ter"] {
        add("mpsv-forma", form);
    }
    for t in &TAXONOMIES {
        if let (Some(list), "mpsv-cilova-skupina" | "mpsv-vekova-skupina") = (t.list, t.key) {
            for (code, _) in codes.codes(list) {
                add(t.key, code);
            }
        }
    }
    for e in index.services() {
        for (key, code) in service_terms(e) {
            add(key, &code);
        }
    }
    all.into_values().collect()
}

/// Resolves `taxonomy_term_id`: a term's UUID or `taxonomy-key/code`.
pub fn resolve_term(
    codes: &CodeLists,
    index: &Index,
    value: &str,
) -> Option<(&'static str, String)> {
    if let Some((key, code)) = value.split_once('/') {
        return taxonomy(key).map(|t| (t.key, code.to_string()));
    }
    let id = uuid::Uuid::parse_str(value).ok()?;
    all_terms(codes, index)
        .into_iter()
        .find(|t| term_id(t.taxonomy, &t.code) == id)
        .map(|t| (t.taxonomy, t.code))
}
