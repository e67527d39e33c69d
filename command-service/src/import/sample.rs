//! A realistic registry file in the real shape of MPSV's `rpss.json`, at any
//! size up to the national one (6,733 services, 18,907 facility rows), over
//! the real municipalities: providers with several services near their seat,
//! the kinds in roughly their national proportions, repeated facility rows,
//! rows differing only in name, secret addresses, facilities without an
//! address-place code or without any address, closed facilities, ended
//! registrations, webs without a scheme, several phones in one entry, a few
//! phones that are no phone, contacts at both levels, statutory bodies and
//! facility heads with personal names, and MPSV's document links. For tests
//! and benchmarks; deterministic for a seed.
//!
//! `day` makes the file of a later day: a known set of services changed
//! (a capacity, a facility closed), ended, gone from the file, and new ones;
//! [`SampleTruth`] says what the importer must find in each.

use infra::territory::Territory;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::io::Write;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Services (items) on day 0.
    pub services: usize,
    /// Facility rows on day 0 (repeats included).
    pub facility_rows: usize,
    /// The seed.
    pub seed: u64,
    /// 0 for the first file; 1 for the next day's.
    pub day: u32,
}

impl SampleSpec {
    /// The national registry of September 2026.
    pub const NATIONAL: SampleSpec = SampleSpec {
        services: 6_733,
        facility_rows: 18_907,
        seed: 2026,
        day: 0,
    };

    /// A smaller file of the same proportions.
    pub fn scaled(services: usize) -> SampleSpec {
        SampleSpec {
            services,
            facility_rows: services * 18_907 / 6_733,
            ..Self::NATIONAL
        }
    }

    /// The same registry a day later.
    pub fn next_day(self) -> SampleSpec {
        SampleSpec {
            day: self.day + 1,
            ..self
        }
    }
}

/// What the generated file holds, as the importer must find it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleTruth {
    /// Items in the file.
    pub items: usize,
    /// Distinct providers.
    pub providers: usize,
    /// Facility rows (repeats included).
    pub facility_rows: usize,
    /// Distinct facilities once repeats are merged (with the contact
    /// address standing in where no current public place is given).
    pub facilities: usize,
    /// Of them closed.
    pub closed_facilities: usize,
    /// Of them with a secret address.
    pub secret_addresses: usize,
    /// Rows without an address-place code.
    pub rows_without_code: usize,
    /// Items whose registration has ended.
    pub ended: usize,
    /// Target-group codes over all items (each item's distinct ones).
    pub target_groups: usize,
    /// Age-group codes over all items.
    pub age_groups: usize,
    /// Capacities over all items (one per form and unit).
    pub capacities: usize,
    /// Webs written without a scheme.
    pub webs_without_scheme: usize,
    /// Items with a phone that is no phone (imported with a warning).
    pub warned: usize,
    /// The address-place codes of secret addresses (which must never appear).
    pub secret_codes: Vec<u64>,
    /// On a later day: services changed (a capacity, a facility closed).
    pub changed: usize,
    /// On a later day: registrations ended in the file.
    pub newly_ended: usize,
    /// On a later day: services gone from the file.
    pub gone: usize,
    /// On a later day: new services.
    pub new: usize,
}

/// Kind, forms, capacity unit by form, weight (about the national counts).
const KINDS: &[(u16, &[&str], u32)] = &[
    (1, &["amb", "ter"], 600),
    (3, &["ter"], 250),
    (4, &["ter", "amb"], 700),
    (5, &["ter"], 30),
    (6, &["ter", "amb"], 15),
    (7, &["ter"], 120),
    (8, &["pob", "ter", "amb"], 300),
    (9, &["amb"], 60),
    (10, &["amb"], 250),
    (11, &["pob"], 40),
    (12, &["pob"], 200),
    (13, &["pob"], 530),
    (14, &["pob"], 400),
    (15, &["pob", "ter"], 200),
    (16, &["pob"], 90),
    (17, &["ter", "amb"], 50),
    (18, &["amb"], 40),
    (19, &["ter", "amb"], 10),
    (20, &["pob"], 200),
    (21, &["pob"], 30),
    (22, &["amb"], 60),
    (23, &["amb", "ter", "pob"], 60),
    (24, &["amb"], 70),
    (25, &["amb", "ter"], 250),
    (26, &["amb"], 60),
    (27, &["amb", "ter"], 40),
    (28, &["ter", "amb"], 500),
    (29, &["amb", "ter"], 180),
    (30, &["amb"], 150),
    (31, &["pob"], 15),
    (32, &["ter"], 200),
    (33, &["amb", "ter", "pob"], 450),
    (34, &["amb", "ter"], 15),
    (35, &["amb", "ter"], 30),
];

const STREETS: &[&str] = &[
    "Nádražní",
    "Husova",
    "Masarykova",
    "Školní",
    "Palackého",
    "Komenského",
    "Zahradní",
    "Nemocniční",
    "Kamenická",
    "Lidická",
    "Sokolská",
    "Tyršova",
];

/// The street of every secret address: it must never appear in what the
/// portal publishes.
pub const SECRET_STREET: &str = "Skrytá";

const GROUPS: &[&str] = &[
    "1", "2", "4", "6", "8", "9", "10", "11", "12", "14", "16", "17", "18", "19", "20", "22", "23",
    "24", "25", "26", "27", "30",
];

/// A place of a service as generated.
struct Place {
    name: String,
    municipality: String,
    street: Option<&'static str>,
    number: u32,
    code: Option<u64>,
    has_address: bool,
    secret: bool,
    closed_on: Option<String>,
}

/// A deterministic address-place code for a house in a municipality.
fn place_code(municipality: &str, number: u32, street: Option<&str>) -> u64 {
    let mut h: u64 = 1_469_598_103_934_665_603;
    for b in municipality
        .bytes()
        .chain(number.to_le_bytes())
        .chain(street.unwrap_or("").bytes())
    {
        h = (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211);
    }
    10_000_000 + h % 89_999_999
}

/// A valid IČO (with its check digit) for a provider's number.
pub fn ico(p: usize) -> String {
    let body = format!("{:07}", 100_000 + p * 37);
    let sum: u32 = body
        .bytes()
        .zip((2..=8).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{body}{}", (11 - sum % 11) % 10)
}

fn address(p: &Place) -> Value {
    json!({
        "cisloDomovni": p.number, "cisloOrientacni": if p.number % 3 == 0 { json!(format!("{}", p.number % 40 + 1)) } else { Value::Null },
        "dodatekAdresy": null, "kodAdresnihoMista": p.code,
        "psc": format!("{}{:04}", 1 + p.number % 7, p.number % 10_000), "typCislaDomovniho": { "id": "TypStavebnihoObjektu/1" },
        "kraj": { "id": "Kraj/0" }, "okres": if p.municipality == "554782" { Value::Null } else { json!({ "id": "Okres/0" }) },
        "obec": { "id": format!("Obec/{}", p.municipality) }, "castObce": { "id": "CastObce/0" },
        "mestskyObvodMestskaCast": null, "mestskyObvodVPraze": null,
        "ulice": p.street.map(|s| json!({ "nazev": s })),
    })
}

fn contacts(rng: &mut StdRng, who: &str, truth: &mut SampleTruth, bad_phone: bool) -> Value {
    let mut phones = vec![
        json!({ "telefon": format!("{} {:03} {:03}", rng.random_range(311..799), rng.random_range(0..1000), rng.random_range(0..1000)), "poznamka": null }),
    ];
    if rng.random_bool(0.03) {
        phones.push(json!({ "telefon": format!("412 {:03} 111, 731 {:03} 222", rng.random_range(0..1000), rng.random_range(0..1000)), "poznamka": "ústředna, mobil" }));
    }
    if bad_phone {
        phones.push(json!({ "telefon": "volejte v pracovní dny", "poznamka": null }));
    }
    let web = if rng.random_bool(0.4) {
        truth.webs_without_scheme += 1;
        format!("www.{who}.cz")
    } else {
        format!("https://www.{who}.cz/sluzby")
    };
    json!({
        "emaily": [{ "email": format!("info@{who}.cz"), "poznamka": null }],
        "telefony": phones,
        "faxy": if rng.random_bool(0.1) { json!([{ "fax": "412 000 000", "poznamka": null }]) } else { json!([]) },
        "weby": [{ "web": web, "poznamka": null }],
    })
}

type Town<'a> = (&'a str, &'a str, &'a str);

/// A provider (the same for each of its services): its JSON, home town
/// (an index of `municipalities`), seat and the seat's address-place code.
fn provider(
    seed: u64,
    p: usize,
    municipalities: &[Town<'_>],
    seats: &[usize],
) -> (Value, usize, Place, u64) {
    let mut prng = StdRng::seed_from_u64(seed.wrapping_add(1 + p as u64));
    let home = if prng.random_bool(0.6) && !seats.is_empty() {
        seats[prng.random_range(0..seats.len())]
    } else {
        prng.random_range(0..municipalities.len())
    };
    let provider_who = format!("poskytovatel{p}");
    let provider_place = Place {
        name: String::new(),
        municipality: municipalities[home].0.to_string(),
        street: Some(STREETS[prng.random_range(0..STREETS.len())]),
        number: prng.random_range(1..3000),
        code: None,
        has_address: true,
        secret: false,
        closed_on: None,
    };
    let provider_code = place_code(
        &provider_place.municipality,
        provider_place.number,
        provider_place.street,
    );
    let mut provider_address = address(&provider_place);
    provider_address["kodAdresnihoMista"] = json!(provider_code);
    let mut provider = json!({
        "ico": ico(p), "nazev": format!("Sociální služby {} {p}, z. ú.", municipalities[home].1),
        "pravniForma": { "id": "FormaPravni/706" },
        "adresa": provider_address,
        "statutarniOrgany": [{ "titulPred": "Mgr.", "jmeno": "Marie", "prijmeni": "Statutárová", "funkce": "ředitelka" }],
    });
    let provider_contacts = contacts(&mut prng, &provider_who, &mut SampleTruth::default(), false);
    for key in ["emaily", "telefony", "faxy", "weby"] {
        provider[key] = provider_contacts[key].clone();
    }
    (provider, home, provider_place, provider_code)
}

/// `n` places of a service of `kind`: near the provider's seat, mostly in its
/// town, some without an address-place code or any address, some closed,
/// some secret (for the kinds that shelter people at risk).
fn places(
    rng: &mut StdRng,
    kind: u16,
    home: usize,
    n: usize,
    municipalities: &[Town<'_>],
) -> Vec<Place> {
    let secret_kind = matches!(kind, 20 | 23 | 34);
    let mut places: Vec<Place> = Vec::with_capacity(n);
    for k in 0..n {
        let m = if rng.random_bool(0.7) {
            home
        } else {
            rng.random_range(0..municipalities.len())
        };
        let village = rng.random_bool(0.1);
        let street = (!village).then(|| STREETS[rng.random_range(0..STREETS.len())]);
        // Two places of a service are never one house.
        let mut number = rng.random_range(1..4000);
        while places
            .iter()
            .any(|p| p.municipality == municipalities[m].0 && p.number == number)
        {
            number = rng.random_range(1..4000);
        }
        let missing = rng.random_range(0..1000) < 36;
        let has_address = !(missing && rng.random_bool(0.35));
        let code = (!missing).then(|| place_code(municipalities[m].0, number, street));
        let secret = secret_kind && rng.random_bool(0.3);
        // A street no public place has, so that a leak is seen.
        let street = if secret { Some(SECRET_STREET) } else { street };
        let closed_on = match rng.random_range(0..100) {
            0..=4 => Some(format!("20{}-06-30", rng.random_range(18..26))),
            5 => Some("2031-12-31".to_string()),
            _ => None,
        };
        places.push(Place {
            name: format!(
                "{} {} {}",
                ServiceKindName(kind),
                municipalities[m].1,
                k + 1
            ),
            municipality: municipalities[m].0.to_string(),
            street,
            number,
            code,
            has_address,
            secret,
            closed_on,
        });
    }
    places
}

/// Writes the file and answers what it holds.
///
/// # Errors
/// Writing fails, or the territory has no municipalities.
pub fn write_sample(
    territory: &Territory,
    spec: &SampleSpec,
    out: &mut dyn Write,
) -> std::io::Result<SampleTruth> {
    let municipalities: Vec<Town<'_>> = territory
        .municipalities
        .values()
        .map(|m| (m.code.as_str(), m.name.as_str(), m.orp.as_str()))
        .collect();
    if municipalities.is_empty() {
        return Err(std::io::Error::other("the territory has no municipalities"));
    }
    // The towns that are seats of an ORP: most services are there.
    let seats: Vec<usize> = municipalities
        .iter()
        .enumerate()
        .filter(|(_, (_, name, orp))| territory.orp.get(*orp).is_some_and(|o| o.name == *name))
        .map(|(i, _)| i)
        .collect();
    let mut global = StdRng::seed_from_u64(spec.seed);
    // Rows per item, drawn once (the same on every day), summing to the total.
    let mut rows: Vec<usize> = (0..spec.services)
        .map(|_| match global.random_range(0..100) {
            0..=34 => 1,
            35..=64 => 2,
            65..=84 => 3,
            85..=94 => 5,
            _ => global.random_range(6..=12),
        })
        .collect();
    let mut total: usize = rows.iter().sum();
    while total != spec.facility_rows && spec.services > 0 {
        let i = global.random_range(0..spec.services);
        if total < spec.facility_rows {
            rows[i] += 1;
            total += 1;
        } else if rows[i] > 1 {
            rows[i] -= 1;
            total -= 1;
        }
    }
    let providers = (spec.services * 2_100 / 6_733).max(1);
    let weights: u32 = KINDS.iter().map(|k| k.2).sum();
    let mut truth = SampleTruth::default();
    let mut used_providers = std::collections::BTreeSet::new();
    out.write_all(b"{\"verze\":\"1.0\",\"datumExportu\":\"2026-09-15\",\"polozky\":[")?;
    let day = spec.day;
    let new_items = if day > 0 {
        (spec.services / 250).max(1)
    } else {
        0
    };
    let mut first = true;
    for i in 0..spec.services + new_items {
        let mut rng =
            StdRng::seed_from_u64(spec.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // The day's changes, each to a service that is still running.
        let gone = day > 0 && i < spec.services && i % 503 == 17;
        let ends_today = day > 0 && i < spec.services && i % 401 == 13;
        let closes_one = day > 0 && i < spec.services && i % 307 == 11;
        let grows = day > 0 && i < spec.services && i % 211 == 7;
        let p = rng.random_range(0..providers);
        let (provider, home, provider_place, provider_code) =
            provider(spec.seed, p, &municipalities, &seats);
        // The kind, by weight.
        let mut pick = rng.random_range(0..weights);
        let &(kind, forms, _) = KINDS
            .iter()
            .find(|k| {
                let hit = pick < k.2;
                pick = pick.saturating_sub(k.2);
                hit
            })
            .unwrap_or(&KINDS[0]);
        // The places: near the provider's seat, mostly in its town.
        let n = rows.get(i).copied().unwrap_or(2);
        let repeats = (0..n).filter(|_| rng.random_bool(0.12)).count().min(n - 1);
        let distinct = n - repeats;
        let mut places = places(&mut rng, kind, home, distinct, &municipalities);
        let mut closed_one = false;
        if closes_one {
            let open = places
                .iter_mut()
                .find(|p| !p.secret && p.closed_on.as_deref().is_none_or(|d| d > "2026-11-01"));
            if let Some(open) = open {
                open.closed_on = Some("2026-10-31".into());
                closed_one = true;
            }
        }
        let registered = format!("20{:02}-01-01", rng.random_range(7..24));
        // Drawn on every day alike, so that a later day differs only where told.
        let base_end = match rng.random_range(0..1000) {
            0..=59 => Some(format!("20{}-12-31", rng.random_range(19..26))),
            60..=64 => Some("2030-12-31".to_string()),
            _ => None,
        };
        let base_end = base_end.filter(|_| i < spec.services);
        let already_ended = base_end.as_deref().is_some_and(|d| d <= "2026-11-01");
        let ended_on = if ends_today && !already_ended {
            Some("2026-10-31".to_string())
        } else {
            base_end
        };
        let ended = ended_on.as_deref().is_some_and(|d| d <= "2026-11-01");
        // Rows: each place, repeats of some, and a renamed row at one address.
        let mut zarizeni: Vec<Value> = Vec::with_capacity(n);
        let row = |p: &Place, name: &str| {
            let mut r = json!({
                "nazev": name,
                "adresa": if p.has_address { address(p) } else { Value::Null },
                "poskytujeOd": registered, "poskytujeDo": p.closed_on,
                "vedouci": { "titulPred": "Bc.", "jmeno": "Karel", "prijmeni": "Vedoucí" },
            });
            if p.secret {
                r["utajenaAdresa"] = json!(true);
            }
            r
        };
        for p in &places {
            zarizeni.push(row(p, &p.name));
        }
        for r in 0..repeats {
            let p = &places[rng.random_range(0..places.len())];
            let renamed = r == 0 && p.code.is_some() && !p.secret && rng.random_bool(0.3);
            let name = if renamed {
                format!("{} – pracoviště", p.name)
            } else {
                p.name.clone()
            };
            zarizeni.push(row(p, &name));
        }
        // The forms and their capacities, of the registration.
        let mut formy = Vec::new();
        let form_count = rng.random_range(1..=forms.len());
        for f in &forms[..form_count] {
            let unit = match (*f, kind) {
                (_, 18) => "hovor",
                (_, 22) => "kontakt",
                ("pob", _) => "luzka",
                ("ter", _) if rng.random_bool(0.3) => "interv",
                _ => "klient",
            };
            let mut count = rng.random_range(5..120);
            if grows && formy.is_empty() {
                count += 1;
            }
            truth.capacities += 1;
            formy.push(json!({
                "forma": { "id": format!("FormaSocialniSluzby/{f}") },
                "nepretrzitePoskytovani": *f == "pob",
                "casoveRozsahy": if *f == "pob" { Value::Null } else { json!((1..=5).map(|d| json!({ "den": { "id": format!("DenVTydnu/{d}") }, "od": "08:00", "do": "16:00" })).collect::<Vec<_>>()) },
                "kapacity": [{ "pocet": count, "popis": format!("Maximální okamžitá kapacita {count} s účinností od 01.01.2024."), "typ": { "id": format!("TypKapacitySocialniSluzby/{unit}") } }],
            }));
        }
        let group_count = rng.random_range(1..=5);
        let mut groups: Vec<&str> = Vec::new();
        while groups.len() < group_count {
            let g = GROUPS[rng.random_range(0..GROUPS.len())];
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let ages: Vec<u32> = (1..=rng.random_range(1..=4))
            .map(|a| a + rng.random_range(0..6))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let nested_ages = rng.random_bool(0.7);
        let bad_phone = rng.random_range(0..100) == 0;
        let who = format!("sluzba{i}");
        let item_contacts = contacts(&mut rng, &who, &mut truth, bad_phone);
        let contact_place = Place {
            name: String::new(),
            municipality: municipalities[home].0.to_string(),
            street: provider_place.street,
            number: provider_place.number,
            code: Some(provider_code),
            has_address: true,
            secret: false,
            closed_on: None,
        };
        let item = json!({
            "portalId": 100_000 + i, "id": format!("{}", 1_000_000 + i * 3),
            "identifikator": format!("{:07}", 1_000_000 + i * 7),
            "datumPoskytovaniOd": registered, "datumPoskytovaniDo": ended_on,
            "kontaktniAdresy": [{ "adresa": address(&contact_place) }],
            "druhSocialniSluzby": { "id": format!("DruhSocialniSluzby/{kind}") },
            "zarizeni": zarizeni,
            "poskytovatel": provider,
            "emaily": item_contacts["emaily"], "telefony": item_contacts["telefony"],
            "faxy": item_contacts["faxy"], "weby": item_contacts["weby"],
            "ciloveSkupiny": groups.iter().map(|g| json!({ "cilovaSkupina": { "id": format!("CilovaSkupinaOsoby/{g}") }, "poznamka": null })).collect::<Vec<_>>(),
            "vekoveSkupiny": ages.iter().map(|a| if nested_ages { json!({ "vekovaSkupina": { "id": format!("VekovaSkupinaOsoby/{a}") } }) } else { json!({ "id": format!("VekovaSkupinaOsoby/{a}") }) }).collect::<Vec<_>>(),
            "doplnujiciInformaceVekoveSkupiny": "Služba je určena osobám od 18 let věku, výjimečně i mladším po dohodě se sociálním pracovníkem.",
            "formy": formy,
            "rozsirenePusobnostiVKraji": [],
            "doplnkoveUdaje": {
                "realizacePoskytovani": (0..4).map(|d| json!({ "nazev": format!("Popis realizace poskytování sociální služby, verze {d}"), "datumVlozeni": "2024-02-01", "priloha": { "url": format!("https://www.mpsv.cz/agportal-server/rest/documents/{}", i * 10 + d), "nazev": format!("popis-realizace-{i}-{d}.pdf") } })).collect::<Vec<_>>(),
                "planyFinancnihoZajisteni": (0..3).map(|d| json!({ "rok": 2024 + d, "priloha": { "url": format!("https://www.mpsv.cz/agportal-server/rest/documents/{}", i * 10 + 5 + d), "nazev": format!("financni-plan-{}.pdf", 2024 + d) } })).collect::<Vec<_>>(),
                "personalniZajisteni": [{ "priloha": { "url": format!("https://www.mpsv.cz/agportal-server/rest/documents/{}", i * 10 + 9), "nazev": "personalni-zajisteni.pdf" } }],
            },
        });
        if gone {
            truth.gone += usize::from(!already_ended);
            continue;
        }
        // What the importer must find.
        truth.items += 1;
        used_providers.insert(p);
        truth.facility_rows += zarizeni.len();
        truth.rows_without_code += zarizeni
            .iter()
            .filter(|r| r["adresa"]["kodAdresnihoMista"].is_null())
            .count();
        let secret_names: std::collections::BTreeSet<&str> = places
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.as_str())
            .collect();
        truth.secret_addresses += secret_names.len();
        truth
            .secret_codes
            .extend(places.iter().filter(|p| p.secret).filter_map(|p| p.code));
        let closed = |p: &Place| p.closed_on.as_deref().is_some_and(|d| d <= "2026-11-01");
        let public_open = places
            .iter()
            .any(|p| !closed(p) && !p.secret && p.has_address);
        let fallback_duplicate = places
            .iter()
            .any(|p| !p.secret && p.code == Some(provider_code));
        truth.facilities += places.iter().filter(|p| !p.secret).count()
            + secret_names.len()
            + usize::from(!public_open && !fallback_duplicate);
        truth.closed_facilities += places.iter().filter(|p| closed(p) && !p.secret).count()
            + secret_names
                .iter()
                .filter(|n| {
                    places
                        .iter()
                        .filter(|p| p.secret && p.name == **n)
                        .all(closed)
                })
                .count();
        truth.ended += usize::from(ended);
        truth.target_groups += groups.len();
        truth.age_groups += ages.len();
        truth.warned += usize::from(bad_phone);
        if day > 0 && !already_ended {
            if i >= spec.services {
                truth.new += 1;
            } else {
                truth.newly_ended += usize::from(ends_today);
                truth.changed += usize::from(grows || closed_one);
            }
        }
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &item)?;
    }
    out.write_all(b"]}")?;
    truth.providers = used_providers.len();
    Ok(truth)
}

/// The name of a kind, as a facility's name begins.
struct ServiceKindName(u16);

impl std::fmt::Display for ServiceKindName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = events::values::ServiceKind::from_code(self.0).map_or("Služba", |k| k.name());
        let mut chars = name.chars();
        match chars.next() {
            Some(c) => write!(f, "{}{}", c.to_uppercase(), chars.as_str()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_has_the_asked_size_and_is_the_same_for_a_seed() {
        let t =
            infra::territory::load_dir(&test_support::shared_data_dir().join("territory")).unwrap();
        let spec = SampleSpec::scaled(400);
        let mut a = Vec::new();
        let truth = write_sample(&t, &spec, &mut a).unwrap();
        assert_eq!(
            (truth.items, truth.facility_rows),
            (400, spec.facility_rows)
        );
        let mut b = Vec::new();
        assert_eq!(write_sample(&t, &spec, &mut b).unwrap(), truth);
        assert_eq!(a, b, "deterministic");
        let file: Value = serde_json::from_slice(&a).unwrap();
        let items = file["polozky"].as_array().unwrap();
        assert_eq!(items.len(), 400);
        assert!(truth.secret_addresses > 0 && truth.closed_facilities > 0 && truth.ended > 0);
        assert!(truth.rows_without_code > 0 && truth.webs_without_scheme > 0);
        let next = write_sample(&t, &spec.next_day(), &mut Vec::new()).unwrap();
        assert!(
            next.changed > 0 && next.newly_ended > 0 && next.gone > 0 && next.new > 0,
            "{next:?}"
        );
    }
}
