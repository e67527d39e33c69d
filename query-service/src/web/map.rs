//! The map page: the kraje drawn from the loaded boundaries as SVG (no
//! tiles, nothing fetched), each coloured by a chosen measure, named on the
//! drawing and linking to its ORP; a legend of the colours; and a card per
//! area, which is also what assistive technology reads: first the contacts
//! of its methodologists and social curators, then the services, the free
//! places and the coverage of the need, with a link into the search.

use super::page::Lang;
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
            Self::Coverage => lang.texts().coverage_percent,
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

/// Whether `p` is inside the ring (even-odd rule).
fn inside(p: &(f64, f64), ring: &[(f64, f64)]) -> bool {
    let (x, y) = *p;
    let mut within = false;
    let mut j = ring.len() - 1;
    for i in 0..ring.len() {
        let ((xi, yi), (xj, yj)) = (ring[i], ring[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            within = !within;
        }
        j = i;
    }
    within
}

/// The distance from `p` to the nearest edge of the ring.
fn edge_distance(p: &(f64, f64), ring: &[(f64, f64)]) -> f64 {
    let (px, py) = *p;
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(&(ax, ay), &(bx, by))| {
            let (dx, dy) = (bx - ax, by - ay);
            let length = dx * dx + dy * dy;
            let t = if length == 0.0 {
                0.0
            } else {
                (((px - ax) * dx + (py - ay) * dy) / length).clamp(0.0, 1.0)
            };
            (px - (ax + t * dx)).hypot(py - (ay + t * dy))
        })
        .fold(f64::MAX, f64::min)
}

/// An area's name as written on the drawing: a kraj without the word "kraj".
fn short_name(name: &str) -> &str {
    match name {
        "Hlavní město Praha" => "Praha",
        _ => name
            .strip_suffix(" kraj")
            .or_else(|| name.strip_prefix("Kraj "))
            .unwrap_or(name),
    }
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

    /// Where an area's name goes: of a grid over its largest ring, the point
    /// inside it (and outside its holes, such as Prague in its kraj) that is
    /// farthest from every border — an approximation of the pole of
    /// inaccessibility, which suits long and bent shapes better than a centre.
    fn label_point(&self, geometry: &Value) -> Option<(f64, f64)> {
        let rings: Vec<Vec<(f64, f64)>> = rings(geometry)
            .into_iter()
            .map(|r| {
                r.iter()
                    .filter_map(point)
                    .map(|p| self.xy(p))
                    .collect::<Vec<_>>()
            })
            .filter(|r| r.len() >= 3)
            .collect();
        let bbox = |r: &[(f64, f64)]| {
            r.iter().fold(
                (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
                |(a, b, c, d), (x, y)| (a.min(*x), b.max(*x), c.min(*y), d.max(*y)),
            )
        };
        let size = |r: &[(f64, f64)]| {
            let (a, b, c, d) = bbox(r);
            (b - a) * (d - c)
        };
        let outer = rings.iter().max_by(|a, b| size(a).total_cmp(&size(b)))?;
        let (min_x, max_x, min_y, max_y) = bbox(outer);
        let holes: Vec<&Vec<(f64, f64)>> = rings
            .iter()
            .filter(|r| !std::ptr::eq(*r, outer) && r.iter().all(|p| inside(p, outer)))
            .collect();
        const GRID: u32 = 16;
        let centre = (f64::midpoint(min_x, max_x), f64::midpoint(min_y, max_y));
        // Of points as clear of the borders (to a unit), the one nearest the centre.
        let score = |p: (f64, f64), clearance: f64| {
            (clearance.floor(), -(p.0 - centre.0).hypot(p.1 - centre.1))
        };
        let mut best: Option<((f64, f64), (f64, f64))> = None;
        for i in 0..=GRID {
            for j in 0..=GRID {
                let p = (
                    min_x + (max_x - min_x) * f64::from(i) / f64::from(GRID),
                    min_y + (max_y - min_y) * f64::from(j) / f64::from(GRID),
                );
                if !inside(&p, outer) || holes.iter().any(|h| inside(&p, h)) {
                    continue;
                }
                let clearance = std::iter::once(outer)
                    .chain(holes.iter().copied())
                    .map(|r| edge_distance(&p, r))
                    .fold(f64::MAX, f64::min);
                let scored = score(p, clearance);
                if best.is_none_or(|(_, s)| scored > s) {
                    best = Some((p, scored));
                }
            }
        }
        best.map(|(p, _)| p).or(Some(centre))
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

/// A measure to switch to (none: the one shown).
pub struct Switch {
    name: &'static str,
    href: Option<String>,
}

/// An area drawn, with its name at `label`.
pub struct Shape {
    href: String,
    name: String,
    value: i64,
    d: String,
    fill: &'static str,
    /// Where its name goes, and the name as written there.
    label: Option<(String, String, String)>,
}

/// A class of the legend: its colour and the values it stands for.
#[derive(Debug, PartialEq, Eq)]
pub struct LegendClass {
    fill: &'static str,
    label: String,
}

/// The classes of the scale from 0 to `max` (the fill of `v` is
/// `FILLS[v * 4 / max]`), those that some value falls in; `unit` follows
/// each range (" %"). The last one is "`max` and more" for a share.
fn legend(max: i64, unit: &str, open_ended: bool, lang: Lang) -> Vec<LegendClass> {
    let steps = FILLS.len() as i64 - 1;
    let max = max.max(1);
    (0..=steps)
        .filter_map(|i| {
            // The values v with v * steps / max == i.
            let low = (i * max + steps - 1) / steps;
            let high = if i == steps {
                max
            } else {
                ((i + 1) * max + steps - 1) / steps - 1
            };
            (low <= high).then(|| LegendClass {
                fill: FILLS[usize::try_from(i).unwrap_or(0)],
                label: if i == steps && open_ended {
                    format!("{low}{unit} {}", lang.tr("a více", "and more"))
                } else if low == high {
                    format!("{low}{unit}")
                } else {
                    format!("{low}–{high}{unit}")
                },
            })
        })
        .collect()
}

/// The drawing of the areas.
pub struct Drawing {
    height: String,
    label: String,
    areas: Vec<Shape>,
    /// The size of the areas' names.
    font_size: &'static str,
}

/// A regional contact in an area's card.
pub struct ContactCell {
    name: String,
    role: &'static str,
    office: String,
    emails: Vec<String>,
    /// As written, and the `tel:` link.
    phones: Vec<(String, String)>,
}

/// An area's card.
pub struct AreaRow {
    /// The search of the area's services: `kraj=…`, or `kraj=…&orp=…` (the
    /// ORP keeps its kraj).
    search: String,
    name: String,
    services: usize,
    by_kind: Vec<(&'static str, usize)>,
    /// Free places reported in the last 7 days, by kind (those reported).
    free: Vec<(&'static str, i64)>,
    coverage: Option<String>,
    contacts: Vec<ContactCell>,
}

/// The map page's content: the drawing (when boundaries are loaded) and the table.
pub struct MapView {
    switches: Vec<Switch>,
    of_kind: String,
    in_kraj: bool,
    drawing: Option<Drawing>,
    legend: Vec<LegendClass>,
    by_orp: bool,
    measure_name: &'static str,
    rows: Vec<AreaRow>,
}

#[derive(askama::Template)]
#[template(path = "map/page.html")]
struct MapPage<'a> {
    frame: super::page::Frame<'a>,
    map: MapView,
}

/// The map page.
///
/// # Errors
/// A kraj that is not one (422).
pub fn page(
    index: &crate::index::Index,
    lang: Lang,
    path: &str,
    kraj: Option<&str>,
    measure: Measure,
    coverage: (&BTreeMap<String, f64>, Option<u16>),
    now: time::OffsetDateTime,
) -> Result<axum::response::Response, infra::problem::Problem> {
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
    let here = kraj.map(|k| format!("kraj={k}&")).unwrap_or_default();
    let kind_param = coverage_kind
        .map(|k| format!("&kind={k}"))
        .unwrap_or_default();
    let switches = [Measure::Services, Measure::FreePlaces, Measure::Coverage]
        .into_iter()
        .map(|m| Switch {
            name: m.name(lang),
            href: (m != measure).then(|| {
                format!(
                    "/mapa?{here}measure={}{kind_param}&lang={}",
                    m.code(),
                    lang.code()
                )
            }),
        })
        .collect();
    let of_kind = match (measure, coverage_kind) {
        (Measure::Coverage, Some(k)) => format!(" ({})", super::stats::kind_name(k)),
        (Measure::Coverage, None) => format!(" — {}", t.no_norms),
        _ => String::new(),
    };
    let geometries: Vec<&Value> = boundaries.values().copied().collect();
    let drawing = Projection::fit(&geometries).map(|projection| Drawing {
        height: format!("{:.0}", projection.height),
        label: format!("{title}: {measure_name}"),
        areas: areas
            .iter()
            .filter_map(|a| {
                let g = boundaries.get(a.code.as_str())?;
                let value = measure.of(a, coverage);
                let href = if level == "kraj" {
                    format!(
                        "/mapa?kraj={}&measure={}{kind_param}&lang={}",
                        a.code,
                        measure.code(),
                        lang.code()
                    )
                } else {
                    // The ORP's search keeps its kraj (the form's ORP list needs it).
                    format!("/?{here}orp={}&lang={}", a.code, lang.code())
                };
                Some(Shape {
                    href,
                    name: a.name.clone(),
                    value,
                    d: projection.path(g),
                    fill: fill(value),
                    label: projection.label_point(g).map(|(x, y)| {
                        (
                            format!("{x:.0}"),
                            format!("{y:.0}"),
                            short_name(&a.name).to_string(),
                        )
                    }),
                })
            })
            .collect(),
        font_size: if level == "kraj" { "12" } else { "10" },
    });
    let legend = legend(
        max,
        if measure == Measure::Coverage {
            "\u{a0}%"
        } else {
            ""
        },
        measure == Measure::Coverage,
        lang,
    );
    let rows = areas
        .iter()
        .map(|a| {
            let mut kinds: Vec<(&u16, &usize)> = a.services_by_kind.iter().collect();
            kinds.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
            AreaRow {
                search: if level == "kraj" {
                    format!("kraj={}", a.code)
                } else {
                    format!("{here}orp={}", a.code)
                },
                name: a.name.clone(),
                services: a.services,
                by_kind: kinds
                    .iter()
                    .map(|(k, n)| (super::stats::kind_name(**k), **n))
                    .collect(),
                free: MAP_VACANCY_KINDS
                    .iter()
                    .filter_map(|k| Some((super::stats::kind_name(*k), *a.free_places.get(k)?)))
                    .collect(),
                coverage: (measure == Measure::Coverage).then(|| {
                    coverage
                        .get(&a.code)
                        .map_or_else(|| "—".to_string(), |c| format!("{:.0}\u{a0}%", c * 100.0))
                }),
                contacts: a
                    .contacts
                    .iter()
                    .map(|c| ContactCell {
                        name: c.name.clone(),
                        role: match c.role {
                            ContactRole::Methodologist => t.methodologist,
                            ContactRole::SocialCurator => t.social_curator,
                        },
                        office: c.office.clone(),
                        emails: c.contacts.emails.clone(),
                        phones: c
                            .contacts
                            .phones
                            .iter()
                            .map(|p| (p.clone(), super::format::tel(p)))
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    let map = MapView {
        switches,
        of_kind,
        in_kraj: kraj.is_some(),
        drawing,
        legend,
        by_orp: level == "orp",
        measure_name,
        rows,
    };
    Ok(super::page::render(&MapPage {
        frame: super::page::Frame {
            lang,
            title: &title,
            path,
        },
        map,
    }))
}

/// A located facility on the small map.
pub struct Dot {
    pub(super) x: String,
    pub(super) y: String,
    pub(super) name: String,
}

/// A small map of a service's facilities (`map/facilities.html`).
pub struct FacilitiesMap {
    pub(super) height: String,
    pub(super) label: String,
    pub(super) shapes: Vec<String>,
    pub(super) dots: Vec<Dot>,
}

/// A small map of a service's facilities: the kraje they are in, drawn from
/// the boundaries, with a dot per located facility (named in its title and
/// in the picture's label). `None` without boundaries or located facilities.
pub fn facilities(
    index: &crate::index::Index,
    kraje: &[String],
    points: &[(String, f64, f64)],
    lang: Lang,
) -> Option<FacilitiesMap> {
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
    Some(FacilitiesMap {
        height: format!("{:.0}", projection.height),
        label: format!("{}: {}", lang.texts().map_of_facilities, names.join(", ")),
        shapes: shapes.iter().map(|s| projection.path(s)).collect(),
        dots: points
            .iter()
            .map(|(name, lat, lon)| {
                let (x, y) = projection.xy((*lon, *lat));
                Dot {
                    x: format!("{x:.1}"),
                    y: format!("{y:.1}"),
                    name: name.clone(),
                }
            })
            .collect(),
    })
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
        let (x, y) = p.label_point(&square).unwrap();
        assert!(
            (x - 400.0).abs() < 30.0 && (y - p.height / 2.0).abs() < 30.0,
            "{x} {y}"
        );
        // A ring with a hole in its middle: the name goes beside the hole.
        let holed = json!({ "type": "Polygon", "coordinates": [
            [[12.0, 51.0], [18.0, 51.0], [18.0, 48.5], [12.0, 48.5], [12.0, 51.0]],
            [[14.0, 50.5], [16.0, 50.5], [16.0, 49.0], [14.0, 49.0], [14.0, 50.5]]] });
        let p = Projection::fit(&[&holed]).unwrap();
        let (x, _) = p.label_point(&holed).unwrap();
        assert!(!(266.0..=534.0).contains(&x), "{x} is in the hole");
        assert_eq!(short_name("Kraj Vysočina"), "Vysočina");
        assert_eq!(short_name("Ústecký kraj"), "Ústecký");
        assert_eq!(short_name("Děčín"), "Děčín");
    }

    #[test]
    fn the_legend_names_the_values_of_each_colour() {
        let labels = |max, unit, open| -> Vec<(&str, String)> {
            legend(max, unit, open, Lang::Cs)
                .into_iter()
                .map(|c| (c.fill, c.label))
                .collect()
        };
        assert_eq!(
            labels(100, " %", true),
            [
                (FILLS[0], "0–24 %".to_string()),
                (FILLS[1], "25–49 %".to_string()),
                (FILLS[2], "50–74 %".to_string()),
                (FILLS[3], "75–99 %".to_string()),
                (FILLS[4], "100 % a více".to_string()),
            ]
        );
        // One service at most: no service, or one; no class stands for nothing.
        assert_eq!(
            labels(1, "", false),
            [(FILLS[0], "0".to_string()), (FILLS[4], "1".to_string())]
        );
        // Each value falls in the class of its colour.
        for max in [1_i64, 3, 7, 10, 135] {
            let classes = legend(max, "", false, Lang::Cs);
            for v in 0..=max {
                let fill = FILLS[usize::try_from(v * 4 / max).unwrap()];
                let class = classes.iter().find(|c| c.fill == fill).unwrap();
                let (low, high) = class
                    .label
                    .split_once('–')
                    .unwrap_or((&class.label, &class.label));
                assert!(
                    (low.parse::<i64>().unwrap()..=high.parse().unwrap()).contains(&v),
                    "{v} of {max}"
                );
            }
        }
    }
}
