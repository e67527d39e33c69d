//! Map aggregates for the country, each kraj and each ORP: services by kind
//! and current free places in the kinds the portal's map shows (asylum
//! houses, night shelters, halfway houses, therapeutic communities,
//! intervention centres, social rehabilitation) and the contacts of the
//! regional methodologist and the social curators; as JSON, and as GeoJSON
//! features with the aggregates in their properties when boundaries are loaded.

use super::params::Query;
use super::{wait_after, QueryState};
use crate::index::Index;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use events::registry::regional_contact::{ContactDetails, ContactRole};
use events::values::Contacts;
use infra::problem::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// Kinds whose free places the map shows.
pub const MAP_VACANCY_KINDS: [u16; 6] = events::values::codes::VACANCY_KINDS;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/map", get(map))
        .route("/map.geojson", get(geojson))
}

/// Which areas.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapParams {
    /// `country`, `kraj` (default) or `orp`.
    pub level: Option<String>,
    /// With `level=orp`: only the ORP of this kraj.
    pub kraj: Option<String>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

/// The aggregates of one area.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Area {
    /// Code (NUTS for a kraj, ČSÚ for an ORP, `CZ` for the country).
    pub code: String,
    /// Name.
    pub name: String,
    /// Active services located in the area (a facility or the catchment there).
    pub services: usize,
    /// Active services by kind (its code as the key: JSON keys are strings).
    #[schema(value_type = BTreeMap<String, usize>)]
    pub services_by_kind: BTreeMap<u16, usize>,
    /// Free places reported in the last 7 days, by kind, for the kinds of
    /// [`MAP_VACANCY_KINDS`] the area has services of (the kind's code as the key).
    #[schema(value_type = BTreeMap<String, i64>)]
    pub free_places: BTreeMap<u16, i64>,
    /// For a kraj its methodologists; for an ORP its social curators and the
    /// methodologists of its kraj.
    pub contacts: Vec<MapContact>,
}

/// A regional contact as the map shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapContact {
    /// Id of the contact.
    pub id: String,
    /// Methodologist or social curator.
    pub role: ContactRole,
    /// Name.
    pub name: String,
    /// Office.
    pub office: String,
    /// E-mails, phones, web pages.
    pub contacts: Contacts,
}

impl MapContact {
    fn new(id: &str, d: &ContactDetails) -> Self {
        Self {
            id: id.to_string(),
            role: d.role,
            name: d.name.clone(),
            office: d.office.clone(),
            contacts: d.contacts.clone(),
        }
    }
}

/// Aggregates for the areas of a level.
///
/// # Errors
/// 422 naming a bad `level` or `kraj`.
pub fn aggregate(
    index: &Index,
    level: &str,
    kraj: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<Area>, Problem> {
    let t = index.territory();
    let mut areas: BTreeMap<String, Area> = BTreeMap::new();
    match level {
        "country" => {
            areas.insert(
                "CZ".into(),
                Area {
                    code: "CZ".into(),
                    name: "Česká republika".into(),
                    ..Area::default()
                },
            );
        }
        "kraj" => {
            for k in t.kraje.values() {
                areas.insert(
                    k.nuts.clone(),
                    Area {
                        code: k.nuts.clone(),
                        name: k.name.clone(),
                        ..Area::default()
                    },
                );
            }
        }
        "orp" => {
            let only = match kraj {
                Some(k) => Some(
                    t.kraj_by_any_code(k)
                        .ok_or_else(|| Problem::invalid("kraj", format!("{k} is not a kraj")))?
                        .nuts
                        .clone(),
                ),
                None => None,
            };
            for o in t
                .orp
                .values()
                .filter(|o| only.as_ref().is_none_or(|k| &o.kraj_nuts == k))
            {
                areas.insert(
                    o.csu_code.clone(),
                    Area {
                        code: o.csu_code.clone(),
                        name: o.name.clone(),
                        ..Area::default()
                    },
                );
            }
        }
        other => {
            return Err(Problem::invalid(
                "level",
                format!("{other:?} is not country, kraj or orp"),
            ))
        }
    }
    for area in areas.values_mut() {
        if let Some(c) = index.area_counts().get(level, &area.code) {
            area.services = c.services;
            area.services_by_kind.clone_from(&c.by_kind);
            for kind in MAP_VACANCY_KINDS {
                if c.by_kind.contains_key(&kind) {
                    area.free_places.insert(kind, 0);
                }
            }
        }
    }
    for e in index.reporting_services() {
        let (kind, free) = (e.view.details.kind, e.free_now(now));
        let codes = match level {
            "country" => None,
            "kraj" => Some(&e.kraje),
            _ => Some(&e.orp),
        };
        let mut add = |area: &mut Area| *area.free_places.entry(kind).or_default() += free;
        match codes {
            None => areas.values_mut().for_each(&mut add),
            Some(codes) => {
                for code in codes {
                    if let Some(area) = areas.get_mut(code) {
                        add(area);
                    }
                }
            }
        }
    }
    add_contacts(index, level, &mut areas);
    Ok(areas.into_values().collect())
}

/// Puts each contact into the areas it serves.
fn add_contacts(index: &Index, level: &str, areas: &mut BTreeMap<String, Area>) {
    let t = index.territory();
    let mut contacts: Vec<_> = index.contacts().collect();
    contacts
        .sort_by(|a, b| (a.details.role, &a.details.name).cmp(&(b.details.role, &b.details.name)));
    for c in contacts {
        let d = &c.details;
        let kraj = t
            .kraj_by_any_code(&d.kraj)
            .map_or_else(|| d.kraj.clone(), |k| k.nuts.clone());
        let contact = MapContact::new(&c.id, d);
        match (level, d.role) {
            ("kraj", ContactRole::Methodologist) => {
                if let Some(area) = areas.get_mut(&kraj) {
                    area.contacts.push(contact);
                }
            }
            ("orp", ContactRole::Methodologist) => {
                for o in t.orp.values().filter(|o| o.kraj_nuts == kraj) {
                    if let Some(area) = areas.get_mut(&o.csu_code) {
                        area.contacts.push(contact.clone());
                    }
                }
            }
            ("orp", ContactRole::SocialCurator) => {
                let orp = d.orp.as_deref().unwrap_or_default();
                let code = t.orp_by_any_code(orp).map_or(orp, |o| o.csu_code.as_str());
                if let Some(area) = areas.get_mut(code) {
                    area.contacts.push(contact);
                }
            }
            _ => {}
        }
    }
}

#[utoipa::path(get, path = "/api/v1/map", tag = "map", params(MapParams), responses((status = 200, description = "`{ level, territory_loaded, areas: [Area] }`", body = MapAnswer), (status = 422, description = "A bad level or kraj", body = crate::api::openapi::Problem)))]
async fn map(
    State(state): State<QueryState>,
    Query(p): Query<MapParams>,
) -> Result<Json<MapAnswer>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let level = p.level.as_deref().unwrap_or("kraj");
    let areas = index.map_areas(level, p.kraj.as_deref(), OffsetDateTime::now_utc())?;
    Ok(Json(MapAnswer {
        level: level.to_string(),
        territory_loaded: !index.territory().is_empty(),
        areas,
    }))
}

/// The areas of one level of the map.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapAnswer {
    /// `country`, `kraj` or `orp`.
    pub level: String,
    /// Whether the territory (and so the areas) is loaded at all.
    pub territory_loaded: bool,
    /// The areas, by code.
    #[schema(value_type = Vec<Area>)]
    pub areas: Arc<Vec<Area>>,
}

/// A GeoJSON answer: JSON as `application/geo+json` (RFC 7946's media type).
pub struct GeoJson<T>(pub T);

impl<T: Serialize> axum::response::IntoResponse for GeoJson<T> {
    fn into_response(self) -> axum::response::Response {
        let mut response = Json(self.0).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/geo+json"),
        );
        response
    }
}

/// A GeoJSON FeatureCollection (RFC 7946).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeatureCollection<P> {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind: &'static str,
    /// The features.
    pub features: Vec<Feature<P>>,
}

/// A GeoJSON Feature (RFC 7946).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Feature<P> {
    /// `Feature`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    /// A GeoJSON geometry.
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// What the feature holds.
    pub properties: P,
}

impl<P> FeatureCollection<P> {
    /// A collection of features, each a geometry with its properties.
    pub fn of(features: impl IntoIterator<Item = (Value, P)>) -> Self {
        Self {
            kind: "FeatureCollection",
            features: features
                .into_iter()
                .map(|(geometry, properties)| Feature {
                    kind: "Feature",
                    geometry,
                    properties,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/map.geojson", tag = "map", params(MapParams), responses((status = 200, description = "A GeoJSON FeatureCollection, the aggregates in each feature's properties", body = FeatureCollection<Area>, content_type = "application/geo+json"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn geojson(
    State(state): State<QueryState>,
    Query(p): Query<MapParams>,
) -> Result<GeoJson<FeatureCollection<Area>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let level = p.level.as_deref().unwrap_or("kraj");
    let areas = index.map_areas(level, p.kraj.as_deref(), OffsetDateTime::now_utc())?;
    let t = index.territory();
    let features = areas.iter().filter_map(|a| {
        let geometry = match level {
            "kraj" => t.kraj_boundaries.get(&a.code),
            "orp" => t.orp_boundaries.get(&a.code),
            _ => None,
        }?;
        Some((geometry.clone(), a.clone()))
    });
    Ok(GeoJson(FeatureCollection::of(features)))
}
