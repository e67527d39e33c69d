//! The HSDS tabular data package: each HSDS table as a CSV file under
//! `/hsds/tabular/` and `datapackage.json` (Frictionless Data) describing
//! them. The rows are the nested HSDS objects of the API flattened: every
//! child object becomes a row of its table, linked by the `*_id` columns.

use super::mapping;
use super::objects::Service;
use super::taxonomy::{all_terms, taxonomy_object, term_object, TAXONOMIES};
use crate::api::QueryState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use infra::problem::Problem;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The tables: HSDS name and file.
pub const TABLES: [(&str, &str); 14] = [
    ("organization", "organizations.csv"),
    ("organization_identifier", "organization_identifiers.csv"),
    ("service", "services.csv"),
    ("location", "locations.csv"),
    ("service_at_location", "service_at_locations.csv"),
    ("address", "addresses.csv"),
    ("phone", "phones.csv"),
    ("service_area", "service_areas.csv"),
    ("service_capacity", "service_capacities.csv"),
    ("unit", "units.csv"),
    ("attribute", "attributes.csv"),
    ("taxonomy", "taxonomies.csv"),
    ("taxonomy_term", "taxonomy_terms.csv"),
    ("metadata", "metadata.csv"),
];

/// The table of a child member of a nested object.
fn child_table(key: &str) -> Option<&'static str> {
    Some(match key {
        "organization_identifiers" => "organization_identifier",
        "phones" => "phone",
        "service_areas" => "service_area",
        "service_at_locations" => "service_at_location",
        "location" => "location",
        "addresses" => "address",
        "capacities" => "service_capacity",
        "unit" => "unit",
        "attributes" => "attribute",
        "taxonomy_term" => "taxonomy_term",
        "metadata" => "metadata",
        _ => return None,
    })
}

/// Rows by table, each table by id.
pub type Tables = BTreeMap<&'static str, BTreeMap<String, Map<String, Value>>>;

fn flatten(table: &'static str, object: &Value, out: &mut Tables) {
    let Some(members) = object.as_object() else {
        return;
    };
    let mut row = Map::new();
    for (key, value) in members {
        match value {
            Value::Object(_) | Value::Array(_) => {
                let Some(child) = child_table(key) else {
                    continue;
                };
                if key == "unit" {
                    if let Some(id) = value.get("id") {
                        row.insert("unit_id".into(), id.clone());
                    }
                }
                match value {
                    Value::Array(items) => items.iter().for_each(|i| flatten(child, i, out)),
                    one => flatten(child, one, out),
                }
            }
            scalar => {
                row.insert(key.clone(), scalar.clone());
            }
        }
    }
    let id = row
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    out.entry(table).or_default().insert(id, row);
}

/// An HSDS object as JSON (they all serialise: no map has keys other than strings).
fn json<T: serde::Serialize>(object: &T) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// Every table of the package.
pub fn tables(state: &QueryState) -> Tables {
    let index = state.indexer.read();
    let mut out = Tables::new();
    for p in index.providers.values() {
        let o = mapping::organization(p, Vec::new());
        flatten("organization", &json(&o), &mut out);
    }
    for e in index.services() {
        let s = Service {
            organization: None,
            ..mapping::service(&index, &state.codelists, e)
        };
        flatten("service", &json(&s), &mut out);
    }
    for t in &TAXONOMIES {
        flatten("taxonomy", &json(&taxonomy_object(t)), &mut out);
    }
    for t in all_terms(&state.codelists, &index) {
        flatten("taxonomy_term", &json(&term_object(&t)), &mut out);
    }
    out
}

/// The columns of a table: every member its rows have, `id` first.
fn columns(rows: &BTreeMap<String, Map<String, Value>>) -> Vec<(String, &'static str)> {
    let mut names: BTreeMap<String, &'static str> = BTreeMap::new();
    for row in rows.values() {
        for (k, v) in row {
            let kind = match v {
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "string",
            };
            names.entry(k.clone()).or_insert(kind);
        }
    }
    let mut cols: Vec<(String, &'static str)> = names.into_iter().collect();
    cols.sort_by_key(|(n, _)| (n != "id", n.clone()));
    cols
}

/// `GET /hsds/tabular/datapackage.json`.
pub async fn datapackage(State(state): State<QueryState>) -> Json<Value> {
    let tables = tables(&state);
    let empty = BTreeMap::new();
    let resources: Vec<Value> = TABLES
        .iter()
        .map(|(name, path)| {
            let fields: Vec<Value> = columns(tables.get(name).unwrap_or(&empty))
                .into_iter()
                .map(|(n, t)| json!({ "name": n, "type": t }))
                .collect();
            json!({
                "name": name, "path": path, "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8", "profile": "tabular-data-resource",
                "schema": { "fields": fields, "primaryKey": "id" }
            })
        })
        .collect();
    Json(json!({
        "profile": "tabular-data-package",
        "name": "registr-socialnich-sluzeb-hsds",
        "title": "Registr sociálních služeb (HSDS 3.1, český profil)",
        "version": super::HSDS_VERSION,
        "created": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "resources": resources,
    }))
}

/// `GET /hsds/tabular/{file}`: one table as CSV.
///
/// # Errors
/// 404 for a file that is not one of [`TABLES`].
pub async fn table(
    State(state): State<QueryState>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let Some((name, _)) = TABLES.iter().find(|(_, f)| *f == file) else {
        return Err(
            Problem::new(StatusCode::NOT_FOUND, "not-found", "No such table")
                .detail(format!("{file} is not a table of the package")),
        );
    };
    let tables = tables(&state);
    let empty = BTreeMap::new();
    let rows = tables.get(name).unwrap_or(&empty);
    Ok(csv_response(&columns(rows), rows.values()))
}

fn csv_response<'a>(
    cols: &[(String, &'static str)],
    rows: impl Iterator<Item = &'a Map<String, Value>>,
) -> Response {
    let mut w = infra::spreadsheet::SafeCsv::new();
    w.row(cols.iter().map(|(n, _)| n.as_str()));
    for row in rows {
        w.row(cols.iter().map(|(n, _)| match row.get(n) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }));
    }
    let body = w.into_bytes();
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}
