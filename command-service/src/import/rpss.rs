//! Reads one item of the MPSV open-data registry file (`rpss.json`, root
//! `polozky`, its real shape in `../shared/data/MANIFEST.md`) into the
//! portal's provider and service descriptions. Only named keys are read: the
//! names of statutory bodies and of facility heads are never touched, nor the
//! links to MPSV's documents in `doplnkoveUdaje`.
//!
//! What is wrong in an optional part (a phone, a web, a capacity, a form, a
//! date, a postcode) is dropped with a warning naming the field; only a
//! missing id, provider or kind skips the item. Code references
//! (`{"id": "DruhSocialniSluzby/20"}`, target groups one level deeper as
//! `{"cilovaSkupina": {"id": …}}`) are kept as their codes, known or not.
//! Addresses carry codes only: the municipality is named from the territory.
//! A facility is keyed by its RÚIAN address-place code, else by a digest of
//! its name and address; repeated rows are merged; a facility closed by
//! `poskytujeDo` is kept as closed. A secret address (`utajenaAdresa`) is
//! never read beyond its municipality.

use events::registry::provider::RegisterProvider;
use events::registry::service::{Capacity, FormSpec, ServiceDetails};
use events::registry::service::{Catchment, Facility};
use events::values::address::{
    check_email, check_phone, check_web, is_municipality_code, normalise_postcode,
};
use events::values::{Address, CapacityUnit, Contacts, Form, ServiceKind};
use serde_json::Value;
use sha2::{Digest, Sha256};
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
    /// `datumPoskytovaniDo`, when the registration has ended or will end.
    pub ended_on: Option<Date>,
    /// What was dropped from the item, by field.
    pub warnings: Vec<ItemError>,
}

impl RegistryItem {
    /// Facilities whose address is secret.
    pub fn secret_addresses(&self) -> usize {
        self.details
            .facilities
            .iter()
            .filter(|f| f.secret_address)
            .count()
    }
}

/// A field of an item that cannot be read: the item's id (when it has one),
/// the field and why. It skips the item, or is a warning when only an
/// optional part was dropped.
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

/// The code of a list entry that may wrap its reference one level deeper
/// (`{"cilovaSkupina": {"id": …}, …}`) or be the reference itself.
fn entry_code(entry: &Value, wrapper: &str) -> Option<String> {
    match entry.get(wrapper) {
        Some(inner) => code_of(inner),
        None => code_of(entry),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `utajenaAdresa` says the address is secret (a flag, a word or the
/// withheld address itself: anything but null, false, 0, "" or "ne").
fn is_secret(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !matches!(s.trim().to_lowercase().as_str(), "" | "false" | "ne" | "0"),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

/// A short stable digest (16 hex digits of SHA-256) for keys.
fn digest(parts: &[&str]) -> String {
    let hash = Sha256::digest(parts.join("\u{1f}").as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The name of a municipality by its code, when the territory is known.
pub type MunicipalityNames<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Reads the fields of one item, collecting what it drops.
struct Reader<'a> {
    id: Option<String>,
    names: MunicipalityNames<'a>,
    today: Date,
    warnings: Vec<ItemError>,
}

impl Reader<'_> {
    fn warn(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(ItemError {
            registry_id: self.id.clone(),
            field: field.into(),
            reason: reason.into(),
        });
    }

    fn date(&mut self, value: &Value, field: &str) -> Option<Date> {
        let s = value.as_str()?;
        let day = s.get(..10).unwrap_or(s);
        let parsed = Date::parse(
            day,
            time::macros::format_description!("[year]-[month]-[day]"),
        );
        match parsed {
            Ok(d) => Some(d),
            Err(_) => {
                self.warn(field, format!("{s:?} is not a date (YYYY-MM-DD); left out"));
                None
            }
        }
    }

    /// The codes of a list of references, each known or not, once each.
    fn codes(&mut self, item: &Value, key: &str, wrapper: &str) -> Vec<String> {
        let mut codes: Vec<String> = Vec::new();
        for (i, entry) in item[key].as_array().into_iter().flatten().enumerate() {
            match entry_code(entry, wrapper) {
                Some(c) if !codes.contains(&c) => codes.push(c),
                Some(_) => {}
                None => self.warn(format!("{key}[{i}]"), "not a code reference; left out"),
            }
        }
        codes
    }

    /// E-mails, phones and webs of `emaily[].email`, `telefony[].telefon`,
    /// `weby[].web` (faxes are not kept). An entry may hold several,
    /// separated by commas or semicolons; a web without a scheme gets
    /// `http://` (the address as registered, not an assumed `https://`);
    /// what is still not valid is dropped with a warning; at most 10 of each.
    fn contacts(&mut self, of: &Value, prefix: &str) -> Contacts {
        type Check = fn(&str) -> Result<(), String>;
        let mut lists: [Vec<String>; 3] = Default::default();
        let kinds: [(&str, &str, Check); 3] = [
            ("emaily", "email", check_email),
            ("telefony", "telefon", check_phone),
            ("weby", "web", check_web),
        ];
        for (list, (key, field, check)) in lists.iter_mut().zip(kinds) {
            for (i, entry) in of[key].as_array().into_iter().flatten().enumerate() {
                let path = format!("{prefix}{key}[{i}].{field}");
                let Some(raw) = text(&entry[field]).or_else(|| text(entry)) else {
                    self.warn(path, "empty; left out");
                    continue;
                };
                for part in raw
                    .split([',', ';'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    let value = normalise_contact(key, part);
                    if let Err(reason) = check(&value) {
                        self.warn(&path, format!("{reason}; left out"));
                    } else if list.len() == 10 {
                        self.warn(&path, format!("more than 10 {key}; {value:?} left out"));
                    } else if !list.contains(&value) {
                        list.push(value);
                    }
                }
            }
        }
        let [emails, phones, webs] = lists;
        Contacts {
            emails,
            phones,
            webs,
        }
    }

    fn address(&mut self, a: &Value, field: &str) -> Address {
        let street = text(&a["ulice"]["nazev"])
            .or_else(|| text(&a["ulice"]))
            .unwrap_or_default();
        let number = match (text(&a["cisloDomovni"]), text(&a["cisloOrientacni"])) {
            (Some(d), Some(o)) => format!("{d}/{o}"),
            (Some(d), None) => d,
            (None, Some(o)) => o,
            (None, None) => String::new(),
        };
        let mut municipality_code = code_of(&a["obec"]);
        if let Some(code) = &municipality_code {
            if !is_municipality_code(code) {
                self.warn(
                    format!("{field}.obec"),
                    format!("{code:?} is not a municipality code; left out"),
                );
                municipality_code = None;
            }
        }
        let postcode = match text(&a["psc"]) {
            None => String::new(),
            Some(p) => normalise_postcode(&p).unwrap_or_else(|reason| {
                self.warn(format!("{field}.psc"), format!("{reason}; left out"));
                String::new()
            }),
        };
        // Without a street the village's name and the house number make the address.
        let street = match (street.is_empty(), number.is_empty()) {
            (false, false) => format!("{street} {number}"),
            (false, true) => street,
            (true, false) => format!("č. p. {number}"),
            (true, true) => String::new(),
        };
        Address {
            street,
            // The file names municipalities by code only: the territory names
            // them, and without it the code stands in.
            city: text(&a["obec"]["nazev"])
                .or_else(|| municipality_code.as_deref().and_then(self.names))
                .or_else(|| municipality_code.as_ref().map(|c| format!("obec {c}")))
                .unwrap_or_default(),
            postcode,
            municipality_code,
            ruian_code: a["kodAdresnihoMista"].as_u64().filter(|c| *c > 0),
        }
    }

    /// The first contact address (`kontaktniAdresy[].adresa`), read once.
    fn contact_address(&mut self, item: &Value) -> Option<Address> {
        let (i, a) = item["kontaktniAdresy"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c.get("adresa").unwrap_or(c))
            .enumerate()
            .find(|(_, a)| a.is_object())?;
        Some(self.address(a, &format!("kontaktniAdresy[{i}].adresa")))
    }

    /// The provider's seat (`poskytovatel.adresa`, or `sidlo`); where the
    /// file gives none whole, the item's contact address, else the address
    /// of its first current public facility.
    fn provider_address(
        &mut self,
        item: &Value,
        contact: Option<&Address>,
        facilities: &[Facility],
    ) -> Address {
        let p = &item["poskytovatel"];
        let mut first = None;
        for key in ["adresa", "sidlo", "adresaSidla"] {
            if p[key].is_object() {
                let a = self.address(&p[key], &format!("poskytovatel.{key}"));
                if !a.city.is_empty() && !a.postcode.is_empty() {
                    return a;
                }
                first.get_or_insert(a);
            }
        }
        let from_facility = facilities
            .iter()
            .find(|f| f.is_open() && !f.secret_address && !f.address.postcode.is_empty())
            .map(|f| f.address.clone());
        contact
            .filter(|a| !a.city.is_empty() && !a.postcode.is_empty())
            .cloned()
            .or(from_facility)
            .or(first)
            .unwrap_or_default()
    }

    fn facility(&mut self, f: &Value, field: &str, fallback_name: &str) -> Facility {
        let name = text(&f["nazev"]).unwrap_or_else(|| fallback_name.to_string());
        let secret = is_secret(&f["utajenaAdresa"]);
        let address = if secret {
            // Only the municipality is read: nothing else of the address is
            // ever stored, so nothing can be published.
            let city = code_of(&f["adresa"]["obec"]).filter(|c| is_municipality_code(c));
            Address {
                city: city.as_deref().and_then(self.names).unwrap_or_default(),
                municipality_code: city,
                ..Address::default()
            }
        } else if f["adresa"].is_object() {
            self.address(&f["adresa"], &format!("{field}.adresa"))
        } else {
            Address::default()
        };
        let facility_id = match (secret, address.ruian_code) {
            (true, _) => format!("utajena-{}", digest(&[&name])),
            (false, Some(code)) => code.to_string(),
            (false, None) => format!(
                "misto-{}",
                digest(&[&name, &address.street, &address.postcode, &address.city])
            ),
        };
        let closed_on = self
            .date(&f["poskytujeDo"], &format!("{field}.poskytujeDo"))
            .filter(|d| *d <= self.today);
        Facility {
            facility_id,
            name,
            address,
            location: None,
            closed_on,
            secret_address: secret,
        }
    }

    fn forms(&mut self, item: &Value) -> Vec<FormSpec> {
        let mut forms: Vec<FormSpec> = Vec::new();
        for (i, f) in item["formy"].as_array().into_iter().flatten().enumerate() {
            let field = format!("formy[{i}]");
            let Some(form) = code_of(&f["forma"])
                .and_then(|c| serde_json::from_value::<Form>(Value::String(c)).ok())
            else {
                self.warn(
                    format!("{field}.forma"),
                    "not pob, amb or ter; the form is left out",
                );
                continue;
            };
            let mut capacities: Vec<Capacity> = Vec::new();
            for (j, c) in f["kapacity"].as_array().into_iter().flatten().enumerate() {
                let cfield = format!("{field}.kapacity[{j}]");
                let Some(unit) = code_of(&c["typ"])
                    .and_then(|u| serde_json::from_value::<CapacityUnit>(Value::String(u)).ok())
                else {
                    self.warn(
                        format!("{cfield}.typ"),
                        "not a capacity unit; the capacity is left out",
                    );
                    continue;
                };
                let Some(count) = c["pocet"].as_i64().filter(|n| *n >= 0) else {
                    self.warn(
                        format!("{cfield}.pocet"),
                        format!("{} is not a count; the capacity is left out", c["pocet"]),
                    );
                    continue;
                };
                merge_capacity(&mut capacities, Capacity { unit, count });
            }
            let non_stop = f["nepretrzitePoskytovani"].as_bool().unwrap_or(false);
            match forms.iter_mut().find(|x| x.form == form) {
                Some(x) => {
                    x.non_stop |= non_stop;
                    for c in capacities {
                        merge_capacity(&mut x.capacities, c);
                    }
                }
                None => forms.push(FormSpec {
                    form,
                    capacities,
                    non_stop,
                }),
            }
        }
        forms
    }

    /// The facilities, repeated rows merged (an open row of a place wins over
    /// a closed one); where no current facility has a public address, the
    /// item's contact address stands as the place to turn to.
    fn facilities(
        &mut self,
        item: &Value,
        contact: Option<&Address>,
        fallback_name: &str,
    ) -> Vec<Facility> {
        let mut facilities: Vec<Facility> = Vec::new();
        for (i, f) in item["zarizeni"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let facility = self.facility(f, &format!("zarizeni[{i}]"), fallback_name);
            match facilities
                .iter_mut()
                .find(|x| x.facility_id == facility.facility_id)
            {
                Some(x) => {
                    x.closed_on = match (x.closed_on, facility.closed_on) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                None => facilities.push(facility),
            }
        }
        let public = |f: &Facility| {
            f.is_open()
                && !f.secret_address
                && (f.address.ruian_code.is_some() || !f.address.street.is_empty())
        };
        if !facilities.iter().any(public) {
            if let Some(address) = contact.filter(|a| !a.city.is_empty()).cloned() {
                let facility_id = match address.ruian_code {
                    Some(code) => code.to_string(),
                    None => format!("kontakt-{}", digest(&[&address.street, &address.city])),
                };
                if !facilities.iter().any(|f| f.facility_id == facility_id) {
                    facilities.push(Facility {
                        facility_id,
                        name: "Kontaktní adresa".into(),
                        address,
                        location: None,
                        closed_on: None,
                        secret_address: false,
                    });
                }
            }
        }
        facilities
    }
}

/// A web without a scheme gets `http://`; an e-mail loses a `mailto:`.
fn normalise_contact(key: &str, value: &str) -> String {
    match key {
        "weby" if !value.contains("://") => format!("http://{value}"),
        "emaily" => value.trim_start_matches("mailto:").to_string(),
        _ => value.to_string(),
    }
}

/// One capacity per unit: the largest registered.
fn merge_capacity(capacities: &mut Vec<Capacity>, c: Capacity) {
    match capacities.iter_mut().find(|x| x.unit == c.unit) {
        Some(x) => x.count = x.count.max(c.count),
        None => capacities.push(c),
    }
}

/// Reads one item; `today` decides which facilities have closed.
///
/// # Errors
/// A missing id, provider or kind (the item is then skipped by the importer).
pub fn read_item(
    item: &Value,
    names: MunicipalityNames<'_>,
    today: Date,
) -> Result<RegistryItem, ItemError> {
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
    let mut r = Reader {
        id: registry_id.clone(),
        names,
        today,
        warnings: Vec::new(),
    };
    let contact = r.contact_address(item);
    let details = ServiceDetails {
        name: format!("{} – {}", capitalised(kind_name), provider_name),
        description: String::new(),
        kind,
        forms: r.forms(item),
        target_groups: r.codes(item, "ciloveSkupiny", "cilovaSkupina"),
        age_groups: r.codes(item, "vekoveSkupiny", "vekovaSkupina"),
        catchment: Catchment::default(),
        facilities: r.facilities(item, contact.as_ref(), &provider_name),
        opening_hours: String::new(),
        contacts: r.contacts(item, ""),
        registered_on: r.date(&item["datumPoskytovaniOd"], "datumPoskytovaniOd"),
        categories: Vec::new(),
        media: Vec::new(),
    };
    let provider = RegisterProvider {
        ico,
        name: provider_name,
        legal_form: code_of(&p["pravniForma"]),
        address: r.provider_address(item, contact.as_ref(), &details.facilities),
        contacts: r.contacts(p, "poskytovatel."),
    };
    let ended_on = r.date(&item["datumPoskytovaniDo"], "datumPoskytovaniDo");
    Ok(RegistryItem {
        service_id: format!("rpss-{id}"),
        registry_id: id,
        provider,
        details,
        ended_on,
        warnings: r.warnings,
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
    use time::macros::date;

    const TODAY: Date = date!(2026 - 09 - 15);

    fn names(code: &str) -> Option<String> {
        match code {
            "562335" => Some("Děčín".into()),
            "554782" => Some("Praha".into()),
            _ => None,
        }
    }

    fn read(item: &Value) -> RegistryItem {
        read_item(item, &names, TODAY).unwrap()
    }

    /// An address as the file holds it: codes and numbers, no names.
    fn address(ruian: Option<u64>, street: Option<&str>, number: u32) -> Value {
        json!({
            "cisloDomovni": number, "cisloOrientacni": "5", "dodatekAdresy": null,
            "kodAdresnihoMista": ruian, "psc": "40502",
            "typCislaDomovniho": { "id": "TypStavebnihoObjektu/1" },
            "kraj": { "id": "Kraj/60" }, "okres": { "id": "Okres/3502" },
            "obec": { "id": "Obec/562335" }, "castObce": { "id": "CastObce/414701" },
            "mestskyObvodMestskaCast": null, "mestskyObvodVPraze": null,
            "ulice": street.map(|s| json!({ "nazev": s }))
        })
    }

    /// An item in the real shape (after MANIFEST.md's verbatim excerpts).
    fn item() -> Value {
        json!({
            "portalId": 99, "id": "1042", "identifikator": "7564531",
            "datumPoskytovaniOd": "2007-01-01", "datumPoskytovaniDo": null,
            "kontaktniAdresy": [{ "adresa": address(Some(21676682), Some("Kamenická"), 1188) }],
            "druhSocialniSluzby": { "id": "DruhSocialniSluzby/20" },
            "poskytovatel": {
                "ico": "00064581", "nazev": "Oblastní charita Děčín",
                "pravniForma": { "id": "FormaPravni/745" },
                "adresa": address(Some(21676682), Some("Kamenická"), 1188),
                "emaily": [{ "email": "info@charitadecin.cz", "poznamka": null }],
                "telefony": [{ "telefon": "412 510 000", "poznamka": "ústředna" }],
                "weby": [{ "web": "www.charitadecin.cz", "poznamka": null }],
                "statutarniOrgany": [{ "titulPred": "Mgr.", "jmeno": "Jan", "prijmeni": "Novák" }]
            },
            "zarizeni": [
                { "nazev": "Azylový dům Kamenická", "adresa": address(Some(21676682), Some("Kamenická"), 1188),
                  "poskytujeOd": "2007-01-01", "poskytujeDo": null,
                  "vedouci": { "jmeno": "Karel", "prijmeni": "Vedoucí" } },
                { "nazev": "Azylový dům Kamenická", "adresa": address(Some(21676682), Some("Kamenická"), 1188),
                  "poskytujeOd": "2007-01-01", "poskytujeDo": null }
            ],
            "emaily": [{ "email": "azyl@charitadecin.cz", "poznamka": null }],
            "telefony": [{ "telefon": "354 403 131", "poznamka": null }],
            "faxy": [{ "fax": "412 510 001", "poznamka": null }],
            "weby": [{ "web": "https://charitadecin.cz/azyl", "poznamka": null }],
            "ciloveSkupiny": [
                { "cilovaSkupina": { "id": "CilovaSkupinaOsoby/18" }, "poznamka": null },
                { "cilovaSkupina": { "id": "CilovaSkupinaOsoby/30" } },
                { "cilovaSkupina": { "id": "CilovaSkupinaOsoby/18" } }
            ],
            "vekoveSkupiny": [{ "vekovaSkupina": { "id": "VekovaSkupinaOsoby/8" } }, { "id": "VekovaSkupinaOsoby/9" }],
            "doplnujiciInformaceVekoveSkupiny": null,
            "formy": [{ "forma": { "id": "FormaSocialniSluzby/pob" }, "nepretrzitePoskytovani": true,
                "casoveRozsahy": null,
                "kapacity": [{ "pocet": 32, "popis": "Maximální kapacita 32 lůžek", "typ": { "id": "TypKapacitySocialniSluzby/luzka" } }] }],
            "rozsirenePusobnostiVKraji": [],
            "doplnkoveUdaje": { "realizacePoskytovani": [{ "priloha": { "url": "https://www.mpsv.cz/agportal-server/rest/documents/1" } }] }
        })
    }

    #[test]
    fn an_item_in_the_real_shape_becomes_a_provider_and_a_service() {
        let r = read(&item());
        assert_eq!(
            (r.registry_id.as_str(), r.service_id.as_str()),
            ("1042", "rpss-1042")
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.provider.ico, "00064581");
        assert_eq!(r.provider.address.street, "Kamenická 1188/5");
        assert_eq!(r.provider.address.postcode, "40502");
        assert_eq!(r.provider.address.city, "Děčín", "named from the territory");
        assert_eq!(r.provider.legal_form.as_deref(), Some("745"));
        assert_eq!(r.provider.contacts.emails, ["info@charitadecin.cz"]);
        assert_eq!(r.provider.contacts.phones, ["412 510 000"]);
        assert_eq!(
            r.provider.contacts.webs,
            ["http://www.charitadecin.cz"],
            "a web without a scheme keeps the address as registered"
        );
        let d = &r.details;
        assert_eq!(d.name, "Azylové domy – Oblastní charita Děčín");
        assert_eq!(d.kind, 20);
        assert_eq!(
            d.target_groups,
            ["18", "30"],
            "nested target groups read; unknown 30 kept, duplicate dropped"
        );
        assert_eq!(d.age_groups, ["8", "9"], "both shapes of age group");
        assert_eq!(
            d.forms,
            [FormSpec {
                form: Form::Residential,
                non_stop: true,
                capacities: vec![Capacity {
                    unit: CapacityUnit::Beds,
                    count: 32
                }]
            }]
        );
        assert_eq!(d.facilities.len(), 1, "the repeated row is merged");
        let f = &d.facilities[0];
        assert_eq!(f.facility_id, "21676682");
        assert_eq!(f.address.municipality_code.as_deref(), Some("562335"));
        assert_eq!((f.closed_on, f.secret_address), (None, false));
        assert_eq!(d.contacts.phones, ["354 403 131"]);
        assert_eq!(d.contacts.webs, ["https://charitadecin.cz/azyl"]);
        assert_eq!(d.registered_on, Some(date!(2007 - 01 - 01)));
        assert_eq!(r.ended_on, None);
        let debug = format!("{r:?}");
        for never in ["Novák", "Vedoucí", "mpsv.cz", "412 510 001"] {
            assert!(!debug.contains(never), "{never} read");
        }
    }

    #[test]
    fn a_secret_address_is_never_read_beyond_its_municipality() {
        let mut i = item();
        i["zarizeni"] = json!([
            { "nazev": "Azylový dům pro matky s dětmi", "utajenaAdresa": true,
              "adresa": address(Some(99_887_766), Some("Tajná"), 77), "poskytujeDo": null },
            { "nazev": "Azylový dům pro matky s dětmi", "utajenaAdresa": true,
              "adresa": address(Some(99_887_766), Some("Tajná"), 77) }
        ]);
        let r = read(&i);
        assert_eq!(r.secret_addresses(), 1, "repeated rows merged");
        let f = r
            .details
            .facilities
            .iter()
            .find(|f| f.secret_address)
            .unwrap();
        assert_eq!(f.address.city, "Děčín");
        assert_eq!(f.address.municipality_code.as_deref(), Some("562335"));
        assert_eq!(
            (f.address.street.as_str(), f.address.postcode.as_str()),
            ("", "")
        );
        assert_eq!((f.address.ruian_code, f.location), (None, None));
        assert!(f.facility_id.starts_with("utajena-"), "{}", f.facility_id);
        let debug = format!("{r:?}");
        assert!(
            !debug.contains("Tajná") && !debug.contains("99887766"),
            "{debug}"
        );
        // No public place left: the contact address is the place to turn to.
        let contact = &r.details.facilities[1];
        assert_eq!(contact.name, "Kontaktní adresa");
        assert_eq!(contact.address.street, "Kamenická 1188/5");
        // The other forms of the flag.
        for (flag, secret) in [
            (json!("ano"), true),
            (json!({ "ulice": "x" }), true),
            (json!(false), false),
            (json!(null), false),
            (json!("ne"), false),
        ] {
            assert_eq!(is_secret(&flag), secret, "{flag}");
        }
    }

    #[test]
    fn facilities_closed_repeated_without_an_address_or_a_street() {
        let mut i = item();
        i["zarizeni"] = json!([
            { "nazev": "Zavřené", "adresa": address(Some(1), Some("Stará"), 1), "poskytujeDo": "2020-06-30" },
            { "nazev": "Zavře se", "adresa": address(Some(2), Some("Nová"), 2), "poskytujeDo": "2027-01-31" },
            { "nazev": "Jedno místo", "adresa": address(Some(3), Some("Dlouhá"), 3), "poskytujeDo": "2019-01-01" },
            { "nazev": "Jedno místo, jiný název", "adresa": address(Some(3), Some("Dlouhá"), 3), "poskytujeDo": null },
            { "nazev": "Bez kódu", "adresa": address(None, Some("Teplická"), 4) },
            { "nazev": "Ves", "adresa": address(None, None, 12) },
            { "nazev": "Bez adresy", "adresa": null },
            { "nazev": "Špatné datum", "adresa": address(Some(5), Some("Krátká"), 5), "poskytujeDo": "2020-13-01" }
        ]);
        let r = read(&i);
        let f = |id: &str| {
            r.details
                .facilities
                .iter()
                .find(|f| f.facility_id == id)
                .unwrap()
        };
        assert_eq!(
            f("1").closed_on,
            Some(date!(2020 - 06 - 30)),
            "closed while the service runs"
        );
        assert_eq!(f("2").closed_on, None, "closes later: still current");
        assert_eq!(
            (f("3").closed_on, f("3").name.as_str()),
            (None, "Jedno místo"),
            "an open row of a place wins"
        );
        let keyed: Vec<&Facility> = r
            .details
            .facilities
            .iter()
            .filter(|f| f.facility_id.starts_with("misto-"))
            .collect();
        assert_eq!(keyed.len(), 3, "{:?}", r.details.facilities);
        assert_eq!(keyed[0].address.street, "Teplická 4/5");
        assert_eq!(
            keyed[1].address.street, "č. p. 12/5",
            "a village without streets"
        );
        assert_eq!(
            keyed[2].address,
            Address::default(),
            "a facility without an address"
        );
        assert_eq!(
            read(&i).details.facilities,
            r.details.facilities,
            "keys are stable"
        );
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert_eq!(r.warnings[0].field, "zarizeni[7].poskytujeDo");
        assert_eq!(f("5").closed_on, None);
    }

    #[test]
    fn an_optional_part_that_is_wrong_is_dropped_with_a_warning() {
        let mut i = item();
        i["telefony"] = json!([{ "telefon": "354 403 131, 731 123 456" }, { "telefon": "volejte" }, { "telefon": null }]);
        i["emaily"] = json!([{ "email": "mailto:a@b.cz; c@d.cz" }, { "email": "nikdo" }]);
        i["weby"] = json!([{ "web": "www.ladara.eu" }, { "web": "http://x y" }]);
        i["formy"] = json!([
            { "forma": { "id": "FormaSocialniSluzby/pob" }, "kapacity": [
                { "pocet": "třicet", "typ": { "id": "TypKapacitySocialniSluzby/luzka" } },
                { "pocet": 10, "typ": { "id": "TypKapacitySocialniSluzby/nic" } },
                { "pocet": 12, "typ": { "id": "TypKapacitySocialniSluzby/klient" } } ] },
            { "forma": { "id": "FormaSocialniSluzby/xxx" } },
            { "forma": { "id": "FormaSocialniSluzby/pob" }, "nepretrzitePoskytovani": true, "kapacity": [
                { "pocet": 20, "typ": { "id": "TypKapacitySocialniSluzby/klient" } } ] }
        ]);
        i["ciloveSkupiny"] = json!([{ "cilovaSkupina": { "id": "CilovaSkupinaOsoby/24" } }, { "cilovaSkupina": null }]);
        i["datumPoskytovaniOd"] = json!("loni");
        i["poskytovatel"]["adresa"]["psc"] = json!("00000");
        let r = read(&i);
        let d = &r.details;
        assert_eq!(d.contacts.phones, ["354 403 131", "731 123 456"]);
        assert_eq!(d.contacts.emails, ["a@b.cz", "c@d.cz"]);
        assert_eq!(d.contacts.webs, ["http://www.ladara.eu"]);
        assert_eq!(d.forms.len(), 1);
        assert_eq!(
            d.forms[0].capacities,
            [Capacity {
                unit: CapacityUnit::Clients,
                count: 20
            }],
            "repeated forms merged, largest capacity"
        );
        assert!(d.forms[0].non_stop);
        assert_eq!(d.target_groups, ["24"]);
        assert_eq!(d.registered_on, None);
        assert_eq!(
            r.provider.address.street, "Kamenická 1188/5",
            "a seat without a valid postcode: the contact address"
        );
        let fields: Vec<&str> = r.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "formy[0].kapacity[0].pocet",
                "formy[0].kapacity[1].typ",
                "formy[1].forma",
                "ciloveSkupiny[1]",
                "emaily[1].email",
                "telefony[1].telefon",
                "telefony[2].telefon",
                "weby[1].web",
                "datumPoskytovaniOd",
                "poskytovatel.adresa.psc",
            ]
        );
        assert!(r
            .warnings
            .iter()
            .all(|w| w.registry_id.as_deref() == Some("1042")));
        let eleven: Vec<Value> = (0..11)
            .map(|n| json!({ "telefon": format!("412 510 {n:03}") }))
            .collect();
        i["telefony"] = json!(eleven);
        let r = read(&i);
        assert_eq!(r.details.contacts.phones.len(), 10);
        assert!(r.warnings.iter().any(|w| w.reason.contains("more than 10")));
    }

    #[test]
    fn only_a_missing_id_provider_or_kind_skips_the_item() {
        let e = read_item(&json!({ "poskytovatel": {} }), &names, TODAY).unwrap_err();
        assert_eq!((e.registry_id, e.field.as_str()), (None, "id"));
        let mut i = item();
        i["druhSocialniSluzby"] = Value::Null;
        let e = read_item(&i, &names, TODAY).unwrap_err();
        assert_eq!(
            (e.registry_id.as_deref(), e.field.as_str()),
            (Some("1042"), "druhSocialniSluzby")
        );
        let mut i = item();
        i["poskytovatel"]["ico"] = Value::Null;
        assert_eq!(
            read_item(&i, &names, TODAY).unwrap_err().field,
            "poskytovatel.ico"
        );
        let mut i = item();
        i["poskytovatel"]["ico"] = json!(64581);
        assert_eq!(
            read(&i).provider.ico,
            "00064581",
            "a number loses no leading zeros"
        );
        i["datumPoskytovaniDo"] = json!("2026-06-30");
        assert_eq!(read(&i).ended_on, Some(date!(2026 - 06 - 30)));
        i["datumPoskytovaniDo"] = json!("2026-13-01");
        let r = read(&i);
        assert_eq!(
            (r.ended_on, r.warnings[0].field.as_str()),
            (None, "datumPoskytovaniDo")
        );
        // Praha: no okres, a municipality of its own.
        i["zarizeni"][0]["adresa"]["okres"] = Value::Null;
        i["zarizeni"][0]["adresa"]["obec"] = json!({ "id": "Obec/554782" });
        i["zarizeni"][0]["adresa"]["kodAdresnihoMista"] = json!(41_000_001);
        assert_eq!(read(&i).details.facilities[0].address.city, "Praha");
        assert_eq!(
            code_of(&json!("DruhSocialniSluzby/13")).as_deref(),
            Some("13")
        );
        assert_eq!(code_of(&json!({ "id": "Kraj/51" })).as_deref(), Some("51"));
        assert_eq!(code_of(&json!(null)), None);
    }
}
