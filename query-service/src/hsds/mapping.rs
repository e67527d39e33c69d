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
use super::objects::{
    Address, Attribute, Location, Metadata, Organization, OrganizationIdentifier, Phone, Service,
    ServiceArea, ServiceAtLocation, ServiceCapacity, Unit,
};
use super::taxonomy::{form_code, service_terms, term, term_object};
use crate::index::{Index, ServiceEntry};
use events::registry::service::{Facility, ServiceStatus};
use events::values::{CapacityUnit, Contacts};
use infra::codelists::CodeLists;
use read_models::registry::ProviderView;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn first_web(c: &Contacts) -> Option<String> {
    c.webs
        .iter()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .cloned()
}

/// HSDS service status of a portal status.
pub fn status(s: ServiceStatus) -> &'static str {
    match s {
        ServiceStatus::Active => "active",
        ServiceStatus::Suspended => "temporarily closed",
        ServiceStatus::Ended | ServiceStatus::Unregistered => "defunct",
    }
}

fn unit(unit: CapacityUnit) -> Unit {
    let (code, name) = match unit {
        CapacityUnit::Beds => ("luzka", "lůžka"),
        CapacityUnit::Clients => ("klient", "klienti"),
        CapacityUnit::Contacts => ("kontakt", "kontakty (10 min)"),
        CapacityUnit::Interventions => ("interv", "intervence (30 min)"),
        CapacityUnit::Calls => ("hovor", "hovory"),
    };
    Unit {
        id: uuid_for("unit", code),
        name,
        scheme: "MPSV TypKapacitySocialniSluzby",
        identifier: code,
    }
}

/// An organization with its one-to-one fields (HSDS `organization_list`).
pub fn organization_list(p: &ProviderView) -> Organization {
    Organization {
        id: organization_uuid(&p.ico),
        name: p.name.clone(),
        description: format!("Poskytovatel sociálních služeb, IČO {}", p.ico),
        email: p.contacts.emails.first().cloned(),
        website: first_web(&p.contacts),
        tax_id: p.ico.clone(),
        legal_status: p
            .legal_form
            .as_ref()
            .map(|f| format!("MPSV FormaPravni {f}")),
        organization_identifiers: None,
        phones: None,
        services: None,
    }
}

/// An organization, nested (HSDS `organization`), with its services.
pub fn organization(p: &ProviderView, services: Vec<Service>) -> Organization {
    let id = organization_uuid(&p.ico);
    Organization {
        organization_identifiers: Some(vec![OrganizationIdentifier {
            id: uuid_for("organization_identifier", &p.ico),
            organization_id: id,
            identifier_scheme: "CZ-ICO",
            identifier_type: "IČO",
            identifier: p.ico.clone(),
        }]),
        phones: Some(
            p.contacts
                .phones
                .iter()
                .map(|n| Phone {
                    id: uuid_for("phone", &format!("{}/{n}", p.ico)),
                    organization_id: Some(id),
                    service_id: None,
                    number: n.clone(),
                })
                .collect(),
        ),
        services: Some(services),
        ..organization_list(p)
    }
}

/// A service with its one-to-one fields (HSDS `service_list`).
pub fn service_list(index: &Index, e: &ServiceEntry) -> Service {
    let v = &e.view;
    let d = &v.details;
    Service {
        id: service_uuid(&v.id),
        organization_id: organization_uuid(&v.provider_ico),
        name: d.name.clone(),
        description: (!d.description.is_empty()).then(|| d.description.clone()),
        url: first_web(&d.contacts),
        email: d.contacts.emails.first().cloned(),
        status: status(v.status),
        assured_date: v.last_verified_on.map(|day| day.to_string()),
        last_modified: time(v.updated_at),
        alternate_name: v.kind_name.clone(),
        organization: index
            .providers
            .get(&v.provider_ico)
            .map(|p| Box::new(organization_list(p))),
        application_process: None,
        phones: None,
        service_areas: None,
        service_at_locations: None,
        capacities: None,
        attributes: None,
        metadata: None,
    }
}

/// The facility's address, when it has a public one: HSDS requires a street
/// line, a town and a postcode, which a secret or unknown address has not.
fn address(index: &Index, location_id: uuid::Uuid, f: &Facility) -> Option<Address> {
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
    let a = &f.address;
    Some(Address {
        id: uuid_for("address", &location_id.to_string()),
        location_id,
        address_1: if a.street.is_empty() {
            &a.city
        } else {
            &a.street
        }
        .clone(),
        city: a.city.clone(),
        state_province: kraj,
        postal_code: a.postcode.clone(),
        country: "CZ",
        address_type: "physical",
    })
}

/// A facility's id in HSDS (`location` and `service_at_location`).
pub fn facility_key(e: &ServiceEntry, f: &Facility) -> String {
    format!("{}/{}", e.view.id, f.facility_id)
}

/// A facility of a service as HSDS `service_at_location` with its `location`.
pub fn service_at_location(index: &Index, e: &ServiceEntry, f: &Facility) -> ServiceAtLocation {
    let key = facility_key(e, f);
    let location_id = uuid_for("location", &key);
    ServiceAtLocation {
        id: uuid_for("service_at_location", &key),
        service_id: service_uuid(&e.view.id),
        location_id,
        location: Location {
            id: location_id,
            location_type: "physical",
            organization_id: organization_uuid(&e.view.provider_ico),
            name: f.name.clone(),
            latitude: f.location.map(|l| l.lat),
            longitude: f.location.map(|l| l.lon),
            external_identifier: f.address.ruian_code.map(|c| c.to_string()),
            external_identifier_type: f.address.ruian_code.map(|_| "RÚIAN kód adresního místa"),
            addresses: address(index, location_id, f).into_iter().collect(),
        },
        service: None,
    }
}

fn attributes(codes: &CodeLists, e: &ServiceEntry) -> Vec<Attribute> {
    let id = service_uuid(&e.view.id);
    service_terms(e)
        .into_iter()
        .map(|(key, code)| {
            let t = term(codes, key, &code);
            Attribute {
                id: uuid_for("attribute", &format!("{id}/{key}/{code}")),
                link_id: id,
                link_type: key,
                link_entity: "service",
                taxonomy_term_id: super::taxonomy::term_id(key, &code),
                taxonomy_term: term_object(&t),
                label: t.name,
                value: code,
            }
        })
        .collect()
}

fn service_areas(index: &Index, e: &ServiceEntry) -> Vec<ServiceArea> {
    let t = index.territory();
    let id = service_uuid(&e.view.id);
    let c = &e.view.details.catchment;
    let named = |kind: &'static str, code: &String, name: Option<String>| ServiceArea {
        id: uuid_for("service_area", &format!("{id}/{kind}/{code}")),
        service_id: id,
        name: name.unwrap_or_else(|| code.clone()),
        description: format!("{kind} {code}"),
        extent_type: kind,
    };
    let mut areas: Vec<ServiceArea> = c
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

fn capacities(e: &ServiceEntry) -> Vec<ServiceCapacity> {
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
            ServiceCapacity {
                id: uuid_for(
                    "service_capacity",
                    &format!(
                        "{}/{}/{}/{:?}",
                        v.id,
                        x.facility_id,
                        form_code(x.form),
                        x.unit
                    ),
                ),
                service_id: id,
                unit: unit(x.unit),
                available: x.free_places,
                maximum: v.details.capacity(x.form, x.unit),
                description: format!("Volná místa: {facility}, forma {}", form_code(x.form)),
                updated: time(x.reported_at),
            }
        })
        .collect()
}

fn metadata(e: &ServiceEntry) -> Vec<Metadata> {
    let id = service_uuid(&e.view.id);
    e.view
        .history
        .iter()
        .map(|n| Metadata {
            id: uuid_for("metadata", &format!("{id}/{}/{}", time(n.at), n.action)),
            resource_id: id,
            resource_type: "service",
            last_action_date: n.at.date().to_string(),
            last_action_type: n.action.clone(),
            field_name: if n.fields.is_empty() {
                "*".to_string()
            } else {
                n.fields.join(",")
            },
            previous_value: format!("verze {}", n.version.saturating_sub(1)),
            replacement_value: format!("verze {}", n.version),
            updated_by: n.by.clone(),
        })
        .collect()
}

/// A service, fully nested (HSDS `service`).
pub fn service(index: &Index, codes: &CodeLists, e: &ServiceEntry) -> Service {
    let id = service_uuid(&e.view.id);
    let d = &e.view.details;
    Service {
        phones: Some(
            d.contacts
                .phones
                .iter()
                .map(|n| Phone {
                    id: uuid_for("phone", &format!("{id}/{n}")),
                    organization_id: None,
                    service_id: Some(id),
                    number: n.clone(),
                })
                .collect(),
        ),
        service_areas: Some(service_areas(index, e)),
        service_at_locations: Some(
            d.open_facilities()
                .map(|f| service_at_location(index, e, f))
                .collect(),
        ),
        capacities: Some(capacities(e)),
        attributes: Some(attributes(codes, e)),
        metadata: Some(metadata(e)),
        application_process: (!d.opening_hours.is_empty())
            .then(|| format!("Provozní doba: {}", d.opening_hours)),
        ..service_list(index, e)
    }
}
