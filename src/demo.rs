//! Demo data for the embedded mode: a deterministic, realistic-looking set of
//! providers and services (with facilities, capacities and vacancies) spread
//! over the real territory when it is loaded, or over a few large towns when
//! it is not. Written once, into an empty event store, as ordinary events by
//! the `system` actor, so it shows in search, map and vacancy board.

use events::aggregate::to_new_event;
use events::registry::provider::ProviderEvent;
use events::registry::service::{
    Capacity, Catchment, Facility, FormSpec, ServiceDetails, ServiceEvent,
};
use events::values::codes::KINDS;
use events::values::{Address, CapacityUnit, Contacts, Form, Ico, Location};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::DynEventStore;
use infra::territory::Territory;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

/// How many providers and services the demo has.
pub const PROVIDERS: usize = 300;
/// Services per provider on average.
pub const SERVICES_PER_PROVIDER: usize = 7;

/// Towns used when no territory is loaded: (municipality code, name, postcode, lat, lon).
const TOWNS: &[(&str, &str, &str, f64, f64)] = &[
    ("554782", "Praha", "11000", 50.0755, 14.4378),
    ("582786", "Brno", "60200", 49.1951, 16.6068),
    ("554821", "Ostrava", "70200", 49.8209, 18.2625),
    ("554791", "Plzeň", "30100", 49.7384, 13.3736),
    ("563889", "Liberec", "46001", 50.7663, 15.0543),
    ("500496", "Olomouc", "77900", 49.5938, 17.2509),
    ("554804", "Ústí nad Labem", "40001", 50.6607, 14.0323),
    ("569810", "Hradec Králové", "50002", 50.2092, 15.8328),
    ("544256", "České Budějovice", "37001", 48.9745, 14.4743),
    ("555134", "Pardubice", "53002", 50.0343, 15.7812),
    ("585068", "Zlín", "76001", 49.2265, 17.6707),
    ("586846", "Jihlava", "58601", 49.3961, 15.5912),
    ("554961", "Karlovy Vary", "36001", 50.2319, 12.8720),
    ("562335", "Děčín", "40502", 50.7736, 14.1961),
];

const PROVIDER_NAMES: &[&str] = &[
    "Oblastní charita",
    "Diakonie",
    "Centrum sociálních služeb",
    "Domov",
    "Spolek Naděje",
    "Armáda spásy",
    "Člověk v tísni",
    "Sociální služby města",
];

/// A valid IČO from a number (the check digit computed), starting with 9 so
/// that it never collides with real ones used in tests.
pub fn ico(n: u32) -> Ico {
    let body = format!("9{:06}", n % 1_000_000);
    let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits.iter().zip((2..=8).rev()).map(|(d, w)| d * w).sum();
    Ico::parse(&format!("{body}{}", (11 - sum % 11) % 10)).expect("computed check digit")
}

fn places(territory: &Territory) -> Vec<(String, String, String, f64, f64)> {
    let from_territory: Vec<_> = territory
        .municipalities
        .values()
        .filter_map(|m| {
            m.centre.map(|(lat, lon)| {
                (
                    m.code.clone(),
                    m.name.clone(),
                    "50001".to_string(),
                    lat,
                    lon,
                )
            })
        })
        .collect();
    if from_territory.is_empty() {
        TOWNS
            .iter()
            .map(|t| (t.0.to_string(), t.1.to_string(), t.2.to_string(), t.3, t.4))
            .collect()
    } else {
        from_territory
    }
}

fn unit_for(kind: u16, form: Form) -> CapacityUnit {
    match (kind, form) {
        (18, _) => CapacityUnit::Calls,
        (_, Form::Residential) => CapacityUnit::Beds,
        (22 | 24 | 25, _) => CapacityUnit::Contacts,
        (1 | 23 | 34, _) => CapacityUnit::Interventions,
        _ => CapacityUnit::Clients,
    }
}

async fn append<E: serde::Serialize>(
    store: &DynEventStore,
    stream: StreamRef,
    events: &[E],
) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            events.iter().map(|e| to_new_event(e, now)).collect(),
            &EventMetadata::new(Actor::system()),
        )
        .await?;
    Ok(())
}

/// Writes the demo into `store` when it is empty; returns the services written.
///
/// # Errors
/// Store failures.
pub async fn seed(store: &DynEventStore, territory: &Territory) -> anyhow::Result<usize> {
    if store.head().await?.is_some() {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let places = places(territory);
    let now = OffsetDateTime::now_utc();
    let mut services = 0;
    for p in 0..PROVIDERS {
        let ico = ico(p as u32 * 7919 + 13);
        // A third of the providers sit in the large towns, the rest anywhere.
        let town;
        let home = if rng.random_bool(0.33) {
            let t = TOWNS[rng.random_range(0..TOWNS.len())];
            town = (t.0.to_string(), t.1.to_string(), t.2.to_string(), t.3, t.4);
            &town
        } else {
            &places[rng.random_range(0..places.len())]
        };
        let address = Address {
            street: format!("Hlavní {}", rng.random_range(1..200)),
            city: home.1.clone(),
            postcode: home.2.clone(),
            municipality_code: Some(home.0.clone()),
            ruian_code: None,
        };
        let name = format!("{} {}", PROVIDER_NAMES[p % PROVIDER_NAMES.len()], home.1);
        append(
            store,
            StreamRef::new("provider", ico.as_str()),
            &[
                ProviderEvent::ProviderRegistered {
                    ico: ico.clone(),
                    name,
                    legal_form: Some("706".into()),
                    address: address.clone(),
                    contacts: Contacts::default(),
                    pending_verification: false,
                },
                ProviderEvent::ProviderVerified { verified_at: now },
            ],
        )
        .await?;
        for s in 0..rng.random_range(1..=(2 * SERVICES_PER_PROVIDER - 1)) {
            let (kind, kind_name, _) = KINDS[rng.random_range(0..KINDS.len())];
            let form = match kind {
                12..=16 | 20 | 21 | 26 | 31 | 11 => Form::Residential,
                3 | 4 | 5 | 6 | 7 | 32 => Form::Field,
                _ => Form::Outpatient,
            };
            let unit = unit_for(kind, form);
            let capacity = rng.random_range(5..80);
            let place = if rng.random_bool(0.7) {
                home
            } else {
                &places[rng.random_range(0..places.len())]
            };
            let facility = Facility {
                facility_id: "1".into(),
                name: format!("{} – {}", capitalise(kind_name), place.1),
                address: Address {
                    street: format!("Nádražní {}", s + 1),
                    city: place.1.clone(),
                    postcode: place.2.clone(),
                    municipality_code: Some(place.0.clone()),
                    ruian_code: None,
                },
                location: Some(Location {
                    lat: place.3 + rng.random_range(-0.01..0.01),
                    lon: place.4 + rng.random_range(-0.01..0.01),
                }),
            };
            let details = ServiceDetails {
                name: format!("{} {}", capitalise(kind_name), place.1),
                description: format!(
                    "Sociální služba ({kind_name}) pro obyvatele {} a okolí.",
                    place.1
                ),
                kind,
                forms: vec![FormSpec {
                    form,
                    capacities: vec![Capacity {
                        unit,
                        count: capacity,
                    }],
                    non_stop: form == Form::Residential,
                }],
                target_groups: vec![["18", "24", "6", "11"][rng.random_range(0..4)].to_string()],
                age_groups: vec![],
                catchment: Catchment {
                    municipalities: vec![place.0.clone()],
                    ..Catchment::default()
                },
                facilities: vec![facility],
                opening_hours: if form == Form::Residential {
                    "nonstop".into()
                } else {
                    "Po–Pá 8–16".into()
                },
                contacts: Contacts::default(),
                registered_on: None,
                categories: vec![],
            };
            let mut events = vec![ServiceEvent::ServiceRegistered {
                provider_ico: ico.to_string(),
                details,
            }];
            if rng.random_bool(0.6) {
                events.push(ServiceEvent::VacancyReported {
                    facility_id: "1".into(),
                    form,
                    unit,
                    free_places: rng.random_range(0..=capacity.min(10)),
                    reported_at: now - time::Duration::days(rng.random_range(0..14)),
                });
            }
            append(
                store,
                StreamRef::new("service", format!("demo-{p:03}-{s:02}")),
                &events,
            )
            .await?;
            services += 1;
        }
    }
    Ok(services)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_icos_are_valid_and_distinct() {
        let all: std::collections::HashSet<String> = (0..PROVIDERS as u32)
            .map(|p| ico(p * 7919 + 13).to_string())
            .collect();
        assert_eq!(all.len(), PROVIDERS);
        assert!(all.iter().all(|i| i.starts_with('9')));
    }

    #[tokio::test]
    async fn the_demo_is_written_once_and_is_deterministic() {
        let dir = infra::testing::TempDir::new();
        let store: DynEventStore = std::sync::Arc::new(
            infra::event_store::sqlite::SqliteEventStore::open(dir.path().join("e.sqlite3"))
                .unwrap(),
        );
        let n = seed(&store, &Territory::default()).await.unwrap();
        assert!(n > PROVIDERS, "{n}");
        assert_eq!(
            seed(&store, &Territory::default()).await.unwrap(),
            0,
            "written only into an empty store"
        );
        let dir2 = infra::testing::TempDir::new();
        let store2: DynEventStore = std::sync::Arc::new(
            infra::event_store::sqlite::SqliteEventStore::open(dir2.path().join("e.sqlite3"))
                .unwrap(),
        );
        assert_eq!(seed(&store2, &Territory::default()).await.unwrap(), n);
    }
}
