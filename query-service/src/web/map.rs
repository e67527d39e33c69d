//! The map page: the kraje drawn from the loaded boundaries as SVG (no
//! tiles, nothing fetched), each coloured by a chosen measure and linking
//! to its ORP; the same figures as a table, which is also what assistive
//! technology reads, with links into the search.

use super::page::{esc, Lang};
use crate::api::map::{aggregate, Area, MAP_VACANCY_KINDS};
use events::registry::regional_contact::ContactRole;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Width of the drawing in SVG units.
const WIDTH: f64 = 800.0;
/// Points closer than this to the last one kept are dropped.
const MIN_STEP: f64 = 1.5;
/// Fills from few to many (a sequential scale).
const FILLS: [&str; 5] = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

/// What colours the areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Active services.
    Services,
    /// Free places reported in the last 7 days (the map's kinds).
    FreePlaces,
    /// Capacity against the need by the norm of a kind, in per cent (100 and above: the fullest colour).
    Coverage,
}

impl Measure {
    /// From the query's `measure`.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("free_places") => Self::FreePlaces,
            Some("coverage") => Self::Coverage,
            _ => Self::Services,
        }
    }

    fn of(self, area: &Area, coverage: &BTreeMap<String, f64>) -> i64 {
        match self {
            Self::Services => area.services as i64,
            Self::FreePlaces => area.free_places.values().sum(),
            Self::Coverage => coverage
                .get(&area.code)
                .map_or(0, |c| (c * 100.0).round() as i64),
        }
    }

    /// Its value in `measure=`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Services => "services",
            Self::FreePlaces => "free_places",
            Self::Coverage => "coverage",
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        match self {
            Self::Services => lang.texts().services_label,
            Self::FreePlaces => lang.texts().free_places,
            Self::Coverage => lang.tr("pokrytí potřeby (%)", "coverage of the need (%)"),
        }
    }
}

/// Every ring of a Polygon or MultiPolygon geometry.
fn rings(geometry: &Value) -> Vec<&Vec<Value>> {
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => coordinates
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_array).collect())
            .unwrap_or_default(),
        Some("MultiPolygon") => coordinates
            .as_array()
            .map(|polys| {
                polys
                    .iter()
                    .filter_map(Value::as_array)
                    .flat_map(|p| p.iter().filter_map(Value::as_array))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn point(p: &Value) -> Option<(f64, f64)> {
    Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))
}

/// Projects longitude/latitude onto the drawing (equirectangular at the
/// country's latitude, which is fine at this scale).
struct Projection {
    min_lon: f64,
    max_lat: f64,
    scale: f64,
    height: f64,
}

impl Projection {
    fn fit(geometries: &[&Value]) -> Option<Self> {
        let k = 49.8_f64.to_radians().cos();
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for g in geometries {
            for ring in rings(g) {
                for (lon, lat) in ring.iter().filter_map(point) {
                    min_lon = min_lon.min(lon);
                    max_lon = max_lon.max(lon);
                    min_lat = min_lat.min(lat);
                    max_lat = max_lat.max(lat);
                }
            }
        }
        if min_lon >= max_lon || min_lat >= max_lat {
            return None;
        }
        let scale = WIDTH / ((max_lon - min_lon) * k);
        Some(Self {
            min_lon,
            max_lat,
            scale,
            height: (max_lat - min_lat) * scale,
        })
    }

    fn xy(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        let k = 49.8_f64.to_radians().cos();
        (
            (lon - self.min_lon) * k * self.scale,
            (self.max_lat - lat) * self.scale,
        )
    }

    /// The SVG path of a geometry, with points closer than [`MIN_STEP`] dropped.
    fn path(&self, geometry: &Value) -> String {
        let mut d = String::new();
        for ring in rings(geometry) {
            let mut last: Option<(f64, f64)> = None;
            for p in ring.iter().filter_map(point) {
                let (x, y) = self.xy(p);
                if let Some((lx, ly)) = last {
                    if (x - lx).hypot(y - ly) < MIN_STEP {
                        continue;
                    }
                }
                let _ = write!(d, "{}{x:.1} {y:.1}", if last.is_none() { "M" } else { "L" });
                last = Some((x, y));
            }
            if last.is_some() {
                d.push('Z');
            }
        }
        d
    }
}

/// The map page's body: the drawing (when boundaries are loaded) and the table.
pub fn body(
    index: &crate::index::Index,
    lang: Lang,
    kraj: Option<&str>,
    measure: Measure,
    coverage: (&BTreeMap<String, f64>, Option<u16>),
    now: time::OffsetDateTime,
) -> Result<(String, String), infra::problem::Problem> {
    let (coverage, coverage_kind) = coverage;
    let t = lang.texts();
    let territory = index.territory();
    let (level, kraj_name) = match kraj {
        Some(k) => {
            let found = territory.kraj_by_any_code(k).ok_or_else(|| {
                infra::problem::Problem::invalid("kraj", format!("{k} is not a kraj"))
            })?;
            ("orp", Some(found.name.clone()))
        }
        None => ("kraj", None),
    };
    let areas = aggregate(index, level, kraj, now)?;
    let title = kraj_name.map_or_else(
        || t.map_title.to_string(),
        |n| format!("{} — {n}", t.map_title),
    );
    let boundaries: BTreeMap<&str, &Value> = areas
        .iter()
        .filter_map(|a| {
            let b = if level == "orp" {
                territory.orp_boundaries.get(&a.code)
            } else {
                territory.kraj_boundaries.get(&a.code)
            };
            b.map(|g| (a.code.as_str(), g))
        })
        .collect();
    let max = if measure == Measure::Coverage {
        100
    } else {
        areas
            .iter()
            .map(|a| measure.of(a, coverage))
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let steps = FILLS.len() as i64 - 1;
    let fill = |v: i64| FILLS[(v * steps / max).clamp(0, steps) as usize];
    let measure_name = measure.name(lang);
    let mut body = String::new();
    let here = kraj
        .map(|k| format!("kraj={}&amp;", esc(k)))
        .unwrap_or_default();
    let kind_param = coverage_kind
        .map(|k| format!("&amp;kind={k}"))
        .unwrap_or_default();
    let switches: Vec<String> = [Measure::Services, Measure::FreePlaces, Measure::Coverage]
        .into_iter()
        .map(|m| {
            if m == measure {
                format!("<strong>{}</strong>", esc(m.name(lang)))
            } else {
                format!(
                    "<a href=\"/mapa?{here}measure={}{kind_param}&amp;lang={}\">{}</a>",
                    m.code(),
                    lang.code(),
                    esc(m.name(lang))
                )
            }
        })
        .collect();
    let _ = write!(
        body,
        "<p>{colour}: {switches}{of_kind}{up}</p>",
        colour = esc(t.coloured_by),
        switches = switches.join(" · "),
        of_kind = match (measure, coverage_kind) {
            (Measure::Coverage, Some(k)) => format!(" ({})", esc(super::stats::kind_name(k))),
            (Measure::Coverage, None) => format!(" — {}", esc(t.no_norms)),
            _ => String::new(),
        },
        up = if kraj.is_some() {
            format!(
                " · <a href=\"/mapa?lang={}\">{}</a>",
                lang.code(),
                esc(t.whole_country)
            )
        } else {
            String::new()
        },
    );
    let geometries: Vec<&Value> = boundaries.values().copied().collect();
    if let Some(projection) = Projection::fit(&geometries) {
        let _ = write!(
            body,
            "<svg viewBox=\"0 0 {WIDTH:.0} {h:.0}\" width=\"100%\" role=\"group\" aria-label=\"{label}\" class=\"map\">",
            h = projection.height,
            label = esc(&format!("{title}: {measure_name}")),
        );
        for a in &areas {
            let Some(g) = boundaries.get(a.code.as_str()) else {
                continue;
            };
            let v = measure.of(a, coverage);
            let href = if level == "kraj" {
                format!(
                    "/mapa?kraj={}&amp;measure={}{kind_param}&amp;lang={}",
                    esc(&a.code),
                    measure.code(),
                    lang.code()
                )
            } else {
                format!("/?orp={}&amp;lang={}", esc(&a.code), lang.code())
            };
            let _ = write!(
                body,
                "<a href=\"{href}\" aria-label=\"{name}: {v}\"><path d=\"{d}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.6\"><title>{name}: {v}</title></path></a>",
                d = projection.path(g),
                fill = fill(v),
                name = esc(&a.name),
            );
        }
        body.push_str("</svg>");
    } else {
        let _ = write!(body, "<p>{}</p>", esc(t.no_boundaries));
    }
    // The table: services (by kind on demand), free places in the map's
    // kinds, the coverage when chosen, and the regional contacts.
    let _ = write!(
        body,
        "<table class=\"areas\"><caption>{caption}</caption><thead><tr><th scope=\"col\">{area}</th><th scope=\"col\">{services}</th>",
        caption = esc(&title),
        area = esc(if level == "kraj" { t.kraj } else { t.orp }),
        services = esc(t.services_label),
    );
    for k in MAP_VACANCY_KINDS {
        let _ = write!(
            body,
            "<th scope=\"col\">{}: {}</th>",
            esc(t.free_places),
            esc(super::stats::kind_name(k))
        );
    }
    if measure == Measure::Coverage {
        let _ = write!(body, "<th scope=\"col\">{}</th>", esc(measure_name));
    }
    let _ = write!(
        body,
        "<th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(lang.tr(
            "Metodici a sociální kurátoři",
            "Methodologists and social curators"
        ))
    );
    for a in &areas {
        let search = if level == "kraj" { "kraj" } else { "orp" };
        let mut kinds: Vec<(&u16, &usize)> = a.services_by_kind.iter().collect();
        kinds.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        let by_kind: String = kinds
            .iter()
            .map(|(k, n)| format!("<li>{}: {n}</li>", esc(super::stats::kind_name(**k))))
            .collect();
        let _ = write!(
            body,
            "<tr><th scope=\"row\"><a href=\"/?{search}={code}&amp;lang={lang}\">{name}</a></th><td>{services}{details}</td>",
            code = esc(&a.code),
            lang = lang.code(),
            name = esc(&a.name),
            services = a.services,
            details = if by_kind.is_empty() {
                String::new()
            } else {
                format!(
                    "<details><summary>{}</summary><ul>{by_kind}</ul></details>",
                    esc(lang.tr("podle druhu", "by kind"))
                )
            },
        );
        for k in MAP_VACANCY_KINDS {
            let _ = write!(
                body,
                "<td>{}</td>",
                a.free_places
                    .get(&k)
                    .map_or_else(|| "—".to_string(), i64::to_string)
            );
        }
        if measure == Measure::Coverage {
            let _ = write!(
                body,
                "<td>{}</td>",
                coverage
                    .get(&a.code)
                    .map_or_else(|| "—".to_string(), |c| format!("{:.0} %", c * 100.0))
            );
        }
        let contacts: Vec<String> = a
            .contacts
            .iter()
            .map(|c| {
                let reach: Vec<String> = c
                    .contacts
                    .emails
                    .iter()
                    .map(|e| format!("<a href=\"mailto:{0}\">{0}</a>", esc(e)))
                    .chain(c.contacts.phones.iter().map(|p| esc(p)))
                    .collect();
                format!(
                    "{} ({}, {}) {}",
                    esc(&c.name),
                    esc(match c.role {
                        ContactRole::Methodologist => lang.tr("metodik/metodička", "methodologist"),
                        ContactRole::SocialCurator =>
                            lang.tr("sociální kurátor/ka", "social curator"),
                    }),
                    esc(&c.office),
                    reach.join(", ")
                )
            })
            .collect();
        let _ = write!(body, "<td>{}</td></tr>", contacts.join("<br>"));
    }
    body.push_str("</tbody></table>");
    Ok((title, body))
}

/// A small map of a service's facilities: the kraje they are in, drawn from
/// the boundaries, with a dot per located facility (named in its title and
/// in the picture's label). `None` without boundaries or located facilities.
pub fn facilities(
    index: &crate::index::Index,
    kraje: &[String],
    points: &[(String, f64, f64)],
    lang: Lang,
) -> Option<String> {
    if points.is_empty() {
        return None;
    }
    let t = index.territory();
    let shapes: Vec<&Value> = kraje
        .iter()
        .filter_map(|k| t.kraj_boundaries.get(k))
        .collect();
    let projection = Projection::fit(&shapes)?;
    let names: Vec<&str> = points.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH:.0} {h:.0}\" role=\"img\" aria-label=\"{label}\" class=\"facilities\">",
        h = projection.height,
        label = esc(&format!(
            "{}: {}",
            lang.tr("Mapa zařízení", "Map of the facilities"),
            names.join(", ")
        )),
    );
    for shape in shapes {
        let _ = write!(
            svg,
            "<path d=\"{}\" fill=\"#eef3f8\" stroke=\"#555\" stroke-width=\"1\"/>",
            projection.path(shape)
        );
    }
    for (name, lat, lon) in points {
        let (x, y) = projection.xy((*lon, *lat));
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" fill=\"#a4000f\" stroke=\"#fff\" stroke-width=\"2\"><title>{}</title></circle>",
            esc(name)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_square_is_drawn_across_the_width_and_close_points_are_dropped() {
        let square = json!({ "type": "Polygon", "coordinates": [[[12.0, 51.0], [18.0, 51.0], [18.0, 48.5], [12.0, 48.5], [12.0001, 48.5], [12.0, 51.0]]] });
        let p = Projection::fit(&[&square]).unwrap();
        let d = p.path(&square);
        assert!(d.starts_with("M0.0 0.0L800.0 0.0L800.0 "), "{d}");
        assert_eq!(
            d.matches('L').count(),
            4,
            "the point 0.0001° away is dropped: {d}"
        );
        assert!(d.ends_with('Z'));
        let multi = json!({ "type": "MultiPolygon", "coordinates": [[[[12.0, 51.0], [13.0, 51.0], [13.0, 50.0]]], [[[17.0, 49.0], [18.0, 49.0], [18.0, 48.5]]]] });
        assert_eq!(rings(&multi).len(), 2);
        assert!(Projection::fit(&[&json!({ "type": "Point" })]).is_none());
    }
}
