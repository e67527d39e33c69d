//! The portal's records as HSDS 3.1 objects (the Czech profile,
//! `docs/hsds-profile/`): a provider is an `organization` with its IČO as
//! `organization_identifier`; a service has its kind, §, target and age
//! groups and forms as `attributes` with taxonomy terms, its catchment as
//! `service_areas`, each facility as a `service_at_location` whose
//! `location` carries the RÚIAN address-place code as external identifier,
//! its current free places as `capacities`, its last verification as
//! `assured_date` and its recent changes as `metadata`. Absent values are
//! left out (HSDS types are not nullable).

use super::ids::{organization_uuid, service_uuid, uuid_for};
use super::taxonomy::{form_code, service_terms, term, term_json};
use crate::index::{Index, ServiceEntry};
use events::registry::service::{Facility, ServiceStatus};
use events::values::{CapacityUnit, Contacts};
use infra::codelists::CodeLists;
use read_models::registry::ProviderView;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Drops `null` members, recursively.
pub fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn first_web(c: &Contacts) -> Option<&String> {
    c.webs
        .iter()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
}

/// HSDS service status of a portal status.
pub fn status(s: ServiceStatus) -> &'static str {
    match s {
        ServiceStatus::Active => "active",
        ServiceStatus::Suspended => "temporarily closed",
        ServiceStatus::Ended | ServiceStatus::Unregistered => "defunct",
    }
}

fn unit_json(unit: CapacityUnit) -> Value {
    let (code, name) = match unit {
        CapacityUnit::Beds => ("luzka", "lůžka"),
        CapacityUnit::Clients => ("klient", "klienti"),
        CapacityUnit::Contacts => ("kontakt", "kontakty (10 min)"),
        CapacityUnit::Interventions => ("interv", "intervence (30 min)"),
        CapacityUnit::Calls => ("hovor", "hovory"),
    };
    json!({ "id": uuid_for("unit", code), "name": name, "scheme": "MPSV TypKapacitySocialniSluzby", "identifier": code })
}

/// An organization with its one-to-one fields (HSDS `organization_list`).
pub fn organization_list(p: &ProviderView) -> Value {
    let mut o = json!({
        "id": organization_uuid(&p.ico),
        "name": p.name,
        "description": format!("Poskytovatel sociálních služeb, IČO {}", p.ico),
        "email": p.contacts.emails.first(),
        "website": first_web(&p.contacts),
        "tax_id": p.ico,
        "legal_status": p.legal_form.as_ref().map(|f| format!("MPSV FormaPravni {f}")),
    });
    prune(&mut o);
    o
}

/// An organization, nested (HSDS `organization`), with its services.
pub fn organization(p: &ProviderView, services: Vec<Value>) -> Value {
    let id = organization_uuid(&p.ico);
    let mut o = organization_list(p);
    o["organization_identifiers"] = json!([{
        "id": uuid_for("organization_identifier", &p.ico),
        "organization_id": id,
        "identifier_scheme": "CZ-ICO",
        "identifier_type": "IČO",
        "identifier": p.ico,
    }]);
    o["phones"] = p
        .contacts
        .phones
        .iter()
        .map(|n| json!({ "id": uuid_for("phone", &format!("{}/{n}", p.ico)), "organization_id": id, "number": n }))
        .collect();
    o["services"] = Value::Array(services);
    o
}

/// A service with its one-to-one fields (HSDS `service_list`).
pub fn service_list(index: &Index, e: &ServiceEntry) -> Value {
    let v = &e.view;
    let d = &v.details;
    let mut s = json!({
        "id": service_uuid(&v.id),
        "organization_id": organization_uuid(&v.provider_ico),
        "name": d.name,
        "description": if d.description.is_empty() { None } else { Some(&d.description) },
        "url": first_web(&d.contacts),
        "email": d.contacts.emails.first(),
        "status": status(v.status),
        "assured_date": v.last_verified_on.map(|day| day.to_string()),
        "last_modified": time(v.updated_at),
        "alternate_name": v.kind_name,
    });
    if let Some(p) = index.providers.get(&v.provider_ico) {
        s["organization"] = organization_list(p);
    }
    prune(&mut s);
    s
}

/// The facility's address, when it has a public one: HSDS requires a street
/// line, a town and a postcode, which a secret or unknown address has not.
fn address_json(index: &Index, location_id: uuid::Uuid, f: &Facility) -> Option<Value> {
    if f.secret_address || f.address.city.is_empty() || f.address.postcode.is_empty() {
        return None;
    }
    let t = index.territory();
    let kraj = f
        .address
        .municipality_code
        .as_deref()
        .and_then(|c| t.municipalities.get(c))
        .and_then(|m| t.kraje.get(&m.kraj_nuts))
        .map_or(String::new(), |k| k.name.clone());
    Some(json!({
        "id": uuid_for("address", &location_id.to_string()),
        "location_id": location_id,
        "address_1": if f.address.street.is_empty() { &f.address.city } else { &f.address.street },
        "city": f.address.city,
        "state_province": kraj,
        "postal_code": f.address.postcode,
        "country": "CZ",
        "address_type": "physical",
    }))
}

/// A facility's id in HSDS (`location` and `service_at_location`).
pub fn facility_key(e: &ServiceEntry, f: &Facility) -> String {
    format!("{}/{}", e.view.id, f.facility_id)
}

/// A facility of a service as HSDS `service_at_location` with its `location`.
pub fn service_at_location(index: &Index, e: &ServiceEntry, f: &Facility) -> Value {
    let key = facility_key(e, f);
    let location_id = uuid_for("location", &key);
    let mut location = json!({
        "id": location_id,
        "location_type": "physical",
        "organization_id": organization_uuid(&e.view.provider_ico),
        "name": f.name,
        "latitude": f.location.map(|l| l.lat),
        "longitude": f.location.map(|l| l.lon),
        "external_identifier": f.address.ruian_code.map(|c| c.to_string()),
        "external_identifier_type": f.address.ruian_code.map(|_| "RÚIAN kód adresního místa"),
        "addresses": address_json(index, location_id, f).into_iter().collect::<Vec<_>>(),
    });
    prune(&mut location);
    json!({
        "id": uuid_for("service_at_location", &key),
        "service_id": service_uuid(&e.view.id),
        "location_id": location_id,
        "location": location,
    })
}

fn attributes(codes: &CodeLists, e: &ServiceEntry) -> Vec<Value> {
    let id = service_uuid(&e.view.id);
    service_terms(e)
        .into_iter()
        .map(|(key, code)| {
            let t = term(codes, key, &code);
            json!({
                "id": uuid_for("attribute", &format!("{id}/{key}/{code}")),
                "link_id": id,
                "link_type": key,
                "link_entity": "service",
                "taxonomy_term_id": super::taxonomy::term_id(key, &code),
                "taxonomy_term": term_json(&t),
                "value": code,
                "label": t.name,
            })
        })
        .collect()
}

fn service_areas(index: &Index, e: &ServiceEntry) -> Vec<Value> {
    let t = index.territory();
    let id = service_uuid(&e.view.id);
    let c = &e.view.details.catchment;
    let named = |kind: &str, code: &String, name: Option<String>| {
        json!({
            "id": uuid_for("service_area", &format!("{id}/{kind}/{code}")),
            "service_id": id,
            "name": name.unwrap_or_else(|| code.clone()),
            "description": format!("{kind} {code}"),
            "extent_type": kind,
        })
    };
    let mut areas: Vec<Value> = c
        .kraje
        .iter()
        .map(|k| named("kraj", k, t.kraj_by_any_code(k).map(|x| x.name.clone())))
        .collect();
    areas.extend(c.orp.iter().map(|o| {
        named(
            "orp",
            o,
            t.orp_by_any_code(o).map(|x| format!("ORP {}", x.name)),
        )
    }));
    areas.extend(
        c.municipalities
            .iter()
            .map(|m| named("obec", m, t.municipalities.get(m).map(|x| x.name.clone()))),
    );
    areas
}

fn capacities(e: &ServiceEntry) -> Vec<Value> {
    let v = &e.view;
    let id = service_uuid(&v.id);
    v.vacancies
        .iter()
        .map(|x| {
            let facility = v
                .details
                .facilities
                .iter()
                .find(|f| f.facility_id == x.facility_id)
                .map_or(x.facility_id.as_str(), |f| f.name.as_str());
            let mut c = json!({
                "id": uuid_for("service_capacity", &format!("{}/{}/{}/{:?}", v.id, x.facility_id, form_code(x.form), x.unit)),
                "service_id": id,
                "unit": unit_json(x.unit),
                "available": x.free_places,
                "maximum": v.details.capacity(x.form, x.unit),
                "description": format!("Volná místa: {facility}, forma {}", form_code(x.form)),
                "updated": time(x.reported_at),
            });
            prune(&mut c);
            c
        })
        .collect()
}

fn metadata(e: &ServiceEntry) -> Vec<Value> {
    let id = service_uuid(&e.view.id);
    e.view
        .history
        .iter()
        .map(|n| {
            json!({
                "id": uuid_for("metadata", &format!("{id}/{}/{}", time(n.at), n.action)),
                "resource_id": id,
                "resource_type": "service",
                "last_action_date": n.at.date().to_string(),
                "last_action_type": n.action,
                "field_name": if n.fields.is_empty() { "*".to_string() } else { n.fields.join(",") },
                "previous_value": format!("verze {}", n.version.saturating_sub(1)),
                "replacement_value": format!("verze {}", n.version),
                "updated_by": n.by,
            })
        })
        .collect()
}

/// A service, fully nested (HSDS `service`).
pub fn service(index: &Index, codes: &CodeLists, e: &ServiceEntry) -> Value {
    let mut s = service_list(index, e);
    let id = service_uuid(&e.view.id);
    let d = &e.view.details;
    let obj: &mut Map<String, Value> = s.as_object_mut().expect("an object");
    obj.insert(
        "phones".into(),
        d.contacts
            .phones
            .iter()
            .map(|n| json!({ "id": uuid_for("phone", &format!("{id}/{n}")), "service_id": id, "number": n }))
            .collect(),
    );
    obj.insert("service_areas".into(), service_areas(index, e).into());
    obj.insert(
        "service_at_locations".into(),
        d.open_facilities()
            .map(|f| service_at_location(index, e, f))
            .collect(),
    );
    obj.insert("capacities".into(), capacities(e).into());
    obj.insert("attributes".into(), attributes(codes, e).into());
    obj.insert("metadata".into(), metadata(e).into());
    if !d.opening_hours.is_empty() {
        obj.insert(
            "application_process".into(),
            format!("Provozní doba: {}", d.opening_hours).into(),
        );
    }
    s
}
