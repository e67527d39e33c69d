//! Demo data for the embedded mode: a deterministic, realistic-looking set of
//! providers and services (with facilities, capacities and vacancies) spread
//! over the real territory when it is loaded, or over a few large towns when
//! it is not, and the community planning of one kraj (a plan, a group, news,
//! calendar, a job posting, an open survey, an open grant call, a regional
//! contact). Written once, into an empty event store, as ordinary events by
//! the `system` actor, so it shows in search, map, vacancy board and every
//! page of the portal.

use events::aggregate::to_new_event;
use events::content::calendar::{CalendarEntry, CalendarEventEvent, EventKind};
use events::content::jobs::{JobEvent, Posting};
use events::content::news::{Article, NewsEvent};
use events::grants::call::{CallDetails, Criterion, GrantCallEvent};
use events::planning::group::{GroupEvent, GroupKind, Meeting};
use events::planning::plan::{Goal, Indicator, Measure, PlanContent, PlanEvent, Priority};
use events::registry::provider::ProviderEvent;
use events::registry::regional_contact::{ContactDetails, ContactRole, RegionalContactEvent};
use events::registry::service::{
    Capacity, Catchment, Facility, FormSpec, ServiceDetails, ServiceEvent,
};
use events::statistics::need_norm::{AgeGroup, NeedNormEvent, Norm};
use events::surveys::survey::{Audience, Question, QuestionKind, SurveyDefinition, SurveyEvent};
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
                    // Reserved for examples (RFC 2606): the outbox shows the messages, nobody gets them.
                    contacts: Contacts {
                        emails: vec![format!("info@p{ico}.example.org")],
                        ..Contacts::default()
                    },
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
                closed_on: None,
                secret_address: false,
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
                contacts: Contacts {
                    emails: vec![format!("sluzba-{s:02}@p{ico}.example.org")],
                    ..Contacts::default()
                },
                registered_on: None,
                categories: vec![],
                media: Vec::new(),
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
    planning(store, &ico(13), now).await?;
    Ok(services)
}

/// A measure of the demo plan.
fn measure(id: &str, title: &str, budget: i64, deadline: time::Date) -> Measure {
    Measure {
        id: id.into(),
        title: title.into(),
        responsible: "Krajský úřad, odbor sociálních věcí".into(),
        target_group: None,
        indicators: vec![Indicator {
            name: "kapacita".into(),
            unit: "lůžko".into(),
            baseline: 30.0,
            target: 40.0,
        }],
        budget,
        sources: vec!["kraj".into(), "MPSV".into()],
        deadline,
    }
}

/// Community planning, news, calendar, a job posting, an open survey, an
/// open grant call and regional contacts of the Ústí kraj, so that every
/// page of the portal has something to show.
async fn planning(
    store: &DynEventStore,
    provider: &Ico,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let kraj = "CZ042";
    let year = now.year();
    let end_of =
        |y: i32| time::Date::from_calendar_date(y, time::Month::December, 31).expect("a day");
    let content = |budget: i64| PlanContent {
        period_from: year,
        period_to: year + 2,
        attachments: vec![],
        priorities: vec![
            Priority {
                id: "P1".into(),
                title: "Bydlení a krizová pomoc".into(),
                goals: vec![Goal {
                    id: "C1".into(),
                    title: "Dostupné azylové a krizové bydlení".into(),
                    measures: vec![
                        measure(
                            "O1",
                            "Rozšíření azylového domu v Děčíně",
                            budget,
                            end_of(year + 1),
                        ),
                        measure("O2", "Nová noclehárna v Mostě", 300_000, end_of(year + 2)),
                    ],
                }],
            },
            Priority {
                id: "P2".into(),
                title: "Senioři".into(),
                goals: vec![Goal {
                    id: "C2".into(),
                    title: "Péče doma co nejdéle".into(),
                    measures: vec![measure(
                        "O3",
                        "Terénní pečovatelská služba pro venkov",
                        800_000,
                        end_of(year + 2),
                    )],
                }],
            },
        ],
    };
    append(
        store,
        StreamRef::new("community_plan", "demo-plan-ustecky"),
        &[
            PlanEvent::PlanCreated {
                title: format!(
                    "Střednědobý plán rozvoje sociálních služeb Ústeckého kraje {year}–{}",
                    year + 2
                ),
                territory: kraj.into(),
            },
            PlanEvent::RevisionProposed {
                revision: 1,
                content: content(1_000_000),
            },
            PlanEvent::RevisionApproved { revision: 1 },
            PlanEvent::RevisionProposed {
                revision: 2,
                content: content(1_200_000),
            },
        ],
    )
    .await?;
    append(
        store,
        StreamRef::new("planning_group", "demo-group-seniori"),
        &[
            GroupEvent::GroupFormed {
                name: "Pracovní skupina Senioři".into(),
                kind: GroupKind::Working,
                territory: kraj.into(),
                target_group: None,
            },
            GroupEvent::MeetingScheduled {
                meeting_id: "1".into(),
                meeting: Meeting {
                    at: now + time::Duration::days(10),
                    place: "Krajský úřad, Ústí nad Labem".into(),
                    agenda: "Potřeby seniorů na venkově".into(),
                    minutes: None,
                    attendance: vec![],
                },
            },
        ],
    )
    .await?;
    for (id, title, body) in [
        ("demo-news-1", "Výzva k aktualizaci volných míst", "Prosíme poskytovatele azylových domů a nocleháren, aby před zimou hlásili volná místa každý den.\n\nDěkujeme."),
        ("demo-news-2", "Připomínky k plánu do konce měsíce", "Návrh revize střednědobého plánu je zveřejněn; připomínky posílejte metodikovi kraje."),
    ] {
        append(
            store,
            StreamRef::new("news", id),
            &[NewsEvent::NewsPublished {
                article: Article { kraj: kraj.into(), title: title.into(), body: body.into(), attachments: vec![] },
            }],
        )
        .await?;
    }
    for (id, kind, title, days) in [
        (
            "demo-event-1",
            EventKind::RoundTable,
            "Kulatý stůl: bydlení",
            7,
        ),
        (
            "demo-event-2",
            EventKind::Workshop,
            "Dílna pro poskytovatele: hlášení volných míst",
            14,
        ),
    ] {
        let starts_at = now + time::Duration::days(days);
        append(
            store,
            StreamRef::new("calendar_event", id),
            &[CalendarEventEvent::EventScheduled {
                entry: CalendarEntry {
                    kind,
                    title: title.into(),
                    body: "Program: 1) úvod, 2) diskuse".into(),
                    place: "Krajský úřad, Ústí nad Labem".into(),
                    territory: kraj.into(),
                    starts_at,
                    ends_at: starts_at + time::Duration::hours(2),
                    attachments: vec![],
                },
            }],
        )
        .await?;
    }
    append(
        store,
        StreamRef::new("job_posting", "demo-job-1"),
        &[JobEvent::JobPosted {
            posting: Posting {
                provider_ico: provider.to_string(),
                title: "Sociální pracovník/pracovnice".into(),
                body: "Úvazek 1,0, nástup dohodou.".into(),
                place: "Děčín".into(),
                expires_on: (now + time::Duration::days(30)).date(),
            },
        }],
    )
    .await?;
    append(
        store,
        StreamRef::new("survey", "demo-survey-1"),
        &[
            SurveyEvent::SurveyDefined {
                definition: SurveyDefinition {
                    title: "Kapacity a potřeby v zimě".into(),
                    description: "Krátká anketa pro poskytovatele Ústeckého kraje.".into(),
                    questions: vec![
                        Question {
                            id: "q1".into(),
                            text: "Stačí vaše kapacita?".into(),
                            kind: QuestionKind::YesNo,
                            required: true,
                        },
                        Question {
                            id: "q2".into(),
                            text: "Kolik lidí čeká na místo?".into(),
                            kind: QuestionKind::Number {
                                min: Some(0.0),
                                max: None,
                            },
                            required: false,
                        },
                        Question {
                            id: "q3".into(),
                            text: "Co klienti nejvíc potřebují?".into(),
                            kind: QuestionKind::MultipleChoice {
                                options: vec!["bydlení".into(), "práce".into(), "zdraví".into()],
                                allow_other: true,
                            },
                            required: false,
                        },
                    ],
                    audience: Audience::Kraj { code: kraj.into() },
                    anonymous: false,
                    results: events::surveys::survey::ResultsAudience::Public,
                },
            },
            SurveyEvent::SurveyOpened {},
        ],
    )
    .await?;
    append(
        store,
        StreamRef::new("grant_call", "demo-call-1"),
        &[GrantCallEvent::GrantCallAnnounced {
            details: CallDetails {
                title: format!("Podpora azylových domů a nocleháren {}", year + 1),
                description: "Provozní dotace pro služby krizového bydlení.".into(),
                territory: kraj.into(),
                budget: 5_000_000,
                eligible_kinds: vec![20, 26],
                criteria: vec![
                    Criterion {
                        id: "k1".into(),
                        name: "Potřebnost".into(),
                        weight: 60,
                        max_points: 10,
                    },
                    Criterion {
                        id: "k2".into(),
                        name: "Hospodárnost rozpočtu".into(),
                        weight: 40,
                        max_points: 10,
                    },
                ],
                deadline: now + time::Duration::days(60),
            },
        }],
    )
    .await?;
    // A need norm for asylum houses, so that capacity against need has something to show.
    append(
        store,
        StreamRef::new("need_norm", "20"),
        &[NeedNormEvent::NeedNormSet {
            norm: Norm {
                unit: CapacityUnit::Beds,
                per_thousand: 0.3,
                age_group: AgeGroup::All,
                valid_from: time::Date::from_calendar_date(year - 1, time::Month::January, 1)
                    .expect("a day"),
                note: "Ukázková norma: 0,3 lůžka na 1 000 obyvatel.".into(),
            },
        }],
    )
    .await?;
    append(
        store,
        StreamRef::new("regional_contact", "demo-contact-ustecky"),
        &[RegionalContactEvent::RegionalContactPublished {
            details: ContactDetails {
                role: ContactRole::Methodologist,
                kraj: kraj.into(),
                orp: None,
                name: "Metodik sociální prevence (ukázka)".into(),
                office: "Krajský úřad Ústeckého kraje, odbor sociálních věcí".into(),
                contacts: Contacts {
                    emails: vec!["metodik@kraj.example.cz".into()],
                    phones: vec![],
                    webs: vec![],
                },
            },
        }],
    )
    .await?;
    Ok(())
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
        let dir = test_support::TempDir::new();
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
        let dir2 = test_support::TempDir::new();
        let store2: DynEventStore = std::sync::Arc::new(
            infra::event_store::sqlite::SqliteEventStore::open(dir2.path().join("e.sqlite3"))
                .unwrap(),
        );
        assert_eq!(seed(&store2, &Territory::default()).await.unwrap(), n);
    }
}
