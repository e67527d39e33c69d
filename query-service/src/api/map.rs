//! Map aggregates for the country, each kraj and each ORP: services by kind
//! and current free places in the kinds the portal's map shows (asylum
//! houses, night shelters, halfway houses, therapeutic communities,
//! intervention centres, social rehabilitation); as JSON, and as GeoJSON
//! features with the aggregates in their properties when boundaries are loaded.

use super::{wait_after, QueryState};
use crate::index::Index;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use infra::problem::Problem;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Kinds whose free places the map shows: azylové domy, noclehárny, domy na
/// půl cesty, terapeutické komunity, intervenční centra, sociální rehabilitace.
pub const MAP_VACANCY_KINDS: [u16; 6] = [20, 26, 21, 31, 34, 33];

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
    /// Active services by kind.
    pub services_by_kind: BTreeMap<u16, usize>,
    /// Free places reported in the last 7 days, by kind, for the kinds of [`MAP_VACANCY_KINDS`].
    pub free_places: BTreeMap<u16, i64>,
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
    for e in index.services().filter(|e| e.active()) {
        let kind = e.view.details.kind;
        let free = MAP_VACANCY_KINDS.contains(&kind).then(|| e.free_now(now));
        let mut count = |area: &mut Area| {
            area.services += 1;
            *area.services_by_kind.entry(kind).or_default() += 1;
            if let Some(free) = free {
                *area.free_places.entry(kind).or_default() += free;
            }
        };
        let codes = match level {
            "country" => None,
            "kraj" => Some(&e.kraje),
            _ => Some(&e.orp),
        };
        match codes {
            None => areas.values_mut().for_each(&mut count),
            Some(codes) => {
                for code in codes {
                    if let Some(area) = areas.get_mut(code) {
                        count(area);
                    }
                }
            }
        }
    }
    Ok(areas.into_values().collect())
}

#[utoipa::path(get, path = "/api/v1/map", tag = "map", params(MapParams), responses((status = 200, description = "`{ level, territory_loaded, areas: [Area] }`", body = Object), (status = 422, description = "A bad level or kraj", body = crate::api::openapi::Problem)))]
async fn map(
    State(state): State<QueryState>,
    Query(p): Query<MapParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let level = p.level.as_deref().unwrap_or("kraj");
    let areas = index.map_areas(level, p.kraj.as_deref(), OffsetDateTime::now_utc())?;
    Ok(Json(
        json!({ "level": level, "territory_loaded": !index.territory().is_empty(), "areas": *areas }),
    ))
}

#[utoipa::path(get, path = "/api/v1/map.geojson", tag = "map", params(MapParams), responses((status = 200, description = "A GeoJSON FeatureCollection, the aggregates in each feature's properties", body = Object)))]
async fn geojson(
    State(state): State<QueryState>,
    Query(p): Query<MapParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let level = p.level.as_deref().unwrap_or("kraj");
    let areas = index.map_areas(level, p.kraj.as_deref(), OffsetDateTime::now_utc())?;
    let t = index.territory();
    let features: Vec<Value> = areas
        .iter()
        .filter_map(|a| {
            let geometry = match level {
                "kraj" => t.kraj_boundaries.get(&a.code),
                "orp" => t.orp_boundaries.get(&a.code),
                _ => None,
            }?;
            Some(json!({ "type": "Feature", "geometry": geometry, "properties": a }))
        })
        .collect();
    Ok(Json(
        json!({ "type": "FeatureCollection", "features": features }),
    ))
}
