//! Reads one item of the MPSV open-data registry file (`rpss.json`, root
//! `polozky`, format in `../shared/data/MANIFEST.md`) into the portal's
//! provider and service descriptions. Only named keys are read: the names of
//! statutory bodies and of facility heads are never touched. Code-list
//! references (`"DruhSocialniSluzby/20"`) are kept as their codes, known or
//! not; the domain's checks decide later. A facility without a RÚIAN
//! address-place code is keyed by its name and address; duplicated facility
//! rows are merged.

use events::registry::provider::RegisterProvider;
use events::registry::service::{Capacity, FormSpec, ServiceDetails};
use events::registry::service::{Catchment, Facility};
use events::values::{Address, CapacityUnit, Contacts, Form, ServiceKind};
use serde_json::Value;
use std::collections::BTreeSet;
use time::Date;

/// What an item of the registry describes.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryItem {
    /// The registry's id of the service (`id`).
    pub registry_id: String,
    /// The portal's stream id for it: `rpss-<id>`.
    pub service_id: String,
    /// The provider, as registered.
    pub provider: RegisterProvider,
    /// The service.
    pub details: ServiceDetails,
    /// `datumPoskytovaniDo`, when the registration has ended.
    pub ended_on: Option<Date>,
}

/// An item that cannot be read: its id (when it has one), the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// `id` of the item, if readable.
    pub registry_id: Option<String>,
    /// The JSON path of the field.
    pub field: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "item {}: {}: {}",
            self.registry_id.as_deref().unwrap_or("without id"),
            self.field,
            self.reason
        )
    }
}

/// The code of a code-list reference: `"Prefix/code"` or `{"id": "Prefix/code"}`.
pub fn code_of(reference: &Value) -> Option<String> {
    let text = match reference {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("id")?.as_str()?,
        _ => return None,
    };
    let code = text.rsplit('/').next()?.trim();
    (!code.is_empty()).then(|| code.to_string())
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// E-mails, phones and webs of `emaily[].email`, `telefony[].telefon`, `weby[].web`.
fn contacts(of: &Value) -> Contacts {
    let list = |key: &str, field: &str| -> Vec<String> {
        let mut seen = BTreeSet::new();
        of[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| text(&c[field]).or_else(|| text(c)))
            .filter(|c| seen.insert(c.clone()))
            .take(10)
            .collect()
    };
    Contacts {
        emails: list("emaily", "email"),
        phones: list("telefony", "telefon"),
        webs: list("weby", "web"),
    }
}

/// The name of a municipality by its code, when the territory is known.
pub type MunicipalityNames<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

fn address(a: &Value, names: MunicipalityNames<'_>) -> Address {
    let street = text(&a["ulice"]["nazev"]).unwrap_or_default();
    let number = match (text(&a["cisloDomovni"]), text(&a["cisloOrientacni"])) {
        (Some(d), Some(o)) => format!("{d}/{o}"),
        (Some(d), None) => d,
        (None, Some(o)) => o,
        (None, None) => String::new(),
    };
    let municipality_code = code_of(&a["obec"]);
    Address {
        street: [street, number]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        // The file names municipalities by code only: the territory names them,
        // and without it the code stands in.
        city: text(&a["obec"]["nazev"])
            .or_else(|| municipality_code.as_deref().and_then(names))
            .or_else(|| municipality_code.as_ref().map(|c| format!("obec {c}")))
            .unwrap_or_default(),
        postcode: text(&a["psc"]).unwrap_or_default().replace(' ', ""),
        municipality_code,
        ruian_code: a["kodAdresnihoMista"].as_u64().filter(|c| *c > 0),
    }
}

fn date(value: &Value, field: &str, id: &Option<String>) -> Result<Option<Date>, ItemError> {
    let Some(s) = value.as_str() else {
        return Ok(None);
    };
    let day = s.get(..10).unwrap_or(s);
    Date::parse(
        day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(Some)
    .map_err(|_| ItemError {
        registry_id: id.clone(),
        field: field.into(),
        reason: format!("{s:?} is not a date (YYYY-MM-DD)"),
    })
}

/// Reads one item.
///
/// # Errors
/// The first field that cannot be read (the item is then skipped by the importer).
pub fn read_item(item: &Value, names: MunicipalityNames<'_>) -> Result<RegistryItem, ItemError> {
    let registry_id = text(&item["id"]);
    let fail = |field: &str, reason: &str| ItemError {
        registry_id: registry_id.clone(),
        field: field.into(),
        reason: reason.into(),
    };
    let id = registry_id.clone().ok_or_else(|| fail("id", "missing"))?;
    let p = &item["poskytovatel"];
    let ico = text(&p["ico"]).ok_or_else(|| fail("poskytovatel.ico", "missing"))?;
    // IČO is text of 8 digits; a number loses its leading zeros.
    let ico = if ico.len() < 8 && ico.bytes().all(|b| b.is_ascii_digit()) {
        format!("{ico:0>8}")
    } else {
        ico
    };
    let provider_name = text(&p["nazev"]).ok_or_else(|| fail("poskytovatel.nazev", "missing"))?;
    let kind_code = code_of(&item["druhSocialniSluzby"])
        .ok_or_else(|| fail("druhSocialniSluzby", "missing"))?;
    let kind: u16 = kind_code
        .parse()
        .map_err(|_| fail("druhSocialniSluzby", "not a number"))?;
    let kind_name = ServiceKind::from_code(kind).map_or("sociální služba", |k| k.name());
    let mut forms = Vec::new();
    for (i, f) in item["formy"].as_array().into_iter().flatten().enumerate() {
        let field = format!("formy[{i}]");
        let form: Form = code_of(&f["forma"])
            .and_then(|c| serde_json::from_value(Value::String(c)).ok())
            .ok_or_else(|| fail(&format!("{field}.forma"), "not pob, amb or ter"))?;
        let mut capacities: Vec<Capacity> = Vec::new();
        for (j, c) in f["kapacity"].as_array().into_iter().flatten().enumerate() {
            let cfield = format!("{field}.kapacity[{j}]");
            let unit: CapacityUnit = code_of(&c["typ"])
                .and_then(|u| serde_json::from_value(Value::String(u)).ok())
                .ok_or_else(|| fail(&format!("{cfield}.typ"), "not a capacity unit"))?;
            let count = c["pocet"]
                .as_i64()
                .filter(|n| *n >= 0)
                .ok_or_else(|| fail(&format!("{cfield}.pocet"), "not a count"))?;
            match capacities.iter_mut().find(|x| x.unit == unit) {
                Some(x) => x.count = x.count.max(count),
                None => capacities.push(Capacity { unit, count }),
            }
        }
        let non_stop = f["nepretrzitePoskytovani"].as_bool().unwrap_or(false);
        match forms.iter_mut().find(|x: &&mut FormSpec| x.form == form) {
            Some(x) => x.capacities.extend(capacities),
            None => forms.push(FormSpec {
                form,
                capacities,
                non_stop,
            }),
        }
    }
    let mut facilities: Vec<Facility> = Vec::new();
    for f in item["zarizeni"].as_array().into_iter().flatten() {
        let address = address(&f["adresa"], names);
        let name = text(&f["nazev"]).unwrap_or_else(|| provider_name.clone());
        let facility_id = match address.ruian_code {
            Some(code) => code.to_string(),
            None => format!("{}|{}|{}", name, address.street, address.postcode),
        };
        if facilities.iter().any(|x| x.facility_id == facility_id) {
            continue;
        }
        facilities.push(Facility {
            facility_id,
            name,
            address,
            location: None,
        });
    }
    let list = |key: &str| -> Vec<String> {
        let mut seen = BTreeSet::new();
        item[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(code_of)
            .filter(|c| seen.insert(c.clone()))
            .collect()
    };
    let details = ServiceDetails {
        name: format!("{} – {}", capitalised(kind_name), provider_name),
        description: String::new(),
        kind,
        forms,
        target_groups: list("ciloveSkupiny"),
        age_groups: list("vekoveSkupiny"),
        catchment: Catchment::default(),
        facilities,
        opening_hours: String::new(),
        contacts: contacts(item),
        registered_on: date(
            &item["datumPoskytovaniOd"],
            "datumPoskytovaniOd",
            &registry_id,
        )?,
        categories: Vec::new(),
    };
    Ok(RegistryItem {
        service_id: format!("rpss-{id}"),
        registry_id: id,
        provider: RegisterProvider {
            ico,
            name: provider_name,
            legal_form: code_of(&p["pravniForma"]),
            address: address(&p["adresa"], names),
            contacts: contacts(p),
        },
        details,
        ended_on: date(
            &item["datumPoskytovaniDo"],
            "datumPoskytovaniDo",
            &registry_id,
        )?,
    })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(code: &str) -> Option<String> {
        (code == "562335").then(|| "Děčín".to_string())
    }

    fn item() -> Value {
        json!({
            "id": 1042, "identifikator": "7564531", "portalId": 99,
            "datumPoskytovaniOd": "2007-01-01T00:00:00", "datumPoskytovaniDo": null,
            "druhSocialniSluzby": { "id": "DruhSocialniSluzby/20" },
            "poskytovatel": {
                "ico": 64581, "nazev": "Oblastní charita Děčín",
                "pravniForma": { "id": "FormaPravni/745" },
                "adresa": { "ulice": { "nazev": "Kamenická" }, "cisloDomovni": 1188, "cisloOrientacni": "5",
                    "psc": "405 02", "obec": { "id": "Obec/562335" } },
                "emaily": [{ "email": "info@charitadecin.cz", "poznamka": null }],
                "statutarniOrgany": [{ "jmeno": "Jan", "prijmeni": "Novák" }]
            },
            "zarizeni": [
                { "nazev": "Azylový dům Kamenická", "adresa": { "kodAdresnihoMista": 21676682, "psc": "40502",
                    "obec": { "id": "Obec/562335" }, "ulice": { "nazev": "Kamenická" }, "cisloDomovni": 1188 } },
                { "nazev": "Azylový dům Kamenická", "adresa": { "kodAdresnihoMista": 21676682, "psc": "40502",
                    "obec": { "id": "Obec/562335" } } },
                { "nazev": "Noclehárna", "adresa": { "kodAdresnihoMista": null, "psc": "40502",
                    "obec": { "id": "Obec/562335" }, "ulice": { "nazev": "Teplická" } } }
            ],
            "ciloveSkupiny": [{ "id": "CilovaSkupinaOsoby/18" }, { "id": "CilovaSkupinaOsoby/30" }, { "id": "CilovaSkupinaOsoby/18" }],
            "vekoveSkupiny": ["VekovaSkupinaOsoby/8"],
            "formy": [{ "forma": { "id": "FormaSocialniSluzby/pob" }, "nepretrzitePoskytovani": true,
                "kapacity": [{ "pocet": 32, "popis": "Maximální kapacita 32 lůžek", "typ": { "id": "TypKapacitySocialniSluzby/luzka" } }] }],
            "telefony": [{ "telefon": "412 510 000", "poznamka": null }],
            "weby": [{ "web": "https://charitadecin.cz" }]
        })
    }

    #[test]
    fn an_item_becomes_a_provider_and_a_service() {
        let r = read_item(&item(), &names).unwrap();
        assert_eq!(
            (r.registry_id.as_str(), r.service_id.as_str()),
            ("1042", "rpss-1042")
        );
        assert_eq!(r.provider.ico, "00064581", "leading zeros kept");
        assert_eq!(r.provider.address.street, "Kamenická 1188/5");
        assert_eq!(r.provider.address.postcode, "40502");
        assert_eq!(r.provider.address.city, "Děčín", "named from the territory");
        assert_eq!(r.provider.legal_form.as_deref(), Some("745"));
        assert_eq!(r.provider.contacts.emails, ["info@charitadecin.cz"]);
        let d = &r.details;
        assert_eq!(d.name, "Azylové domy – Oblastní charita Děčín");
        assert_eq!(d.kind, 20);
        assert_eq!(
            d.target_groups,
            ["18", "30"],
            "unknown 30 kept, duplicate dropped"
        );
        assert_eq!(d.age_groups, ["8"]);
        assert_eq!(d.forms.len(), 1);
        assert_eq!(
            (d.forms[0].form, d.forms[0].non_stop),
            (Form::Residential, true)
        );
        assert_eq!(
            d.forms[0].capacities,
            [Capacity {
                unit: CapacityUnit::Beds,
                count: 32
            }]
        );
        assert_eq!(
            d.facilities.len(),
            2,
            "the duplicated facility row is merged"
        );
        assert_eq!(d.facilities[0].facility_id, "21676682");
        assert_eq!(
            d.facilities[0].address.municipality_code.as_deref(),
            Some("562335")
        );
        assert_eq!(d.facilities[1].facility_id, "Noclehárna|Teplická|40502");
        assert_eq!(d.contacts.phones, ["412 510 000"]);
        assert_eq!(d.registered_on, Some(time::macros::date!(2007 - 01 - 01)));
        assert_eq!(r.ended_on, None);
        let debug = format!("{r:?}");
        assert!(!debug.contains("Novák"), "statutory bodies are never read");
    }

    #[test]
    fn a_broken_item_names_its_id_and_field() {
        let mut broken = item();
        broken["formy"][0]["kapacity"][0]["pocet"] = json!("třicet");
        let e = read_item(&broken, &names).unwrap_err();
        assert_eq!(e.registry_id.as_deref(), Some("1042"));
        assert_eq!(e.field, "formy[0].kapacity[0].pocet");
        let mut ended = item();
        ended["datumPoskytovaniDo"] = json!("2026-13-01");
        assert_eq!(
            read_item(&ended, &names).unwrap_err().field,
            "datumPoskytovaniDo"
        );
        ended["datumPoskytovaniDo"] = json!("2026-06-30");
        assert_eq!(
            read_item(&ended, &names).unwrap().ended_on,
            Some(time::macros::date!(2026 - 06 - 30))
        );
        let e = read_item(&json!({ "poskytovatel": {} }), &names).unwrap_err();
        assert_eq!((e.registry_id, e.field.as_str()), (None, "id"));
        assert_eq!(
            code_of(&json!("DruhSocialniSluzby/13")).as_deref(),
            Some("13")
        );
        assert_eq!(code_of(&json!({ "id": "Kraj/51" })).as_deref(), Some("51"));
        assert_eq!(code_of(&json!(null)), None);
    }
}
