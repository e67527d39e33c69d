//! The public web portal, first pages (issue #10): the search of services
//! at `/`, a service's page at `/sluzby/{id}` and the vacancy board at
//! `/volna-mista`, rendered on the server as
//! plain HTML — usable without JavaScript, shareable URLs (the form is a GET
//! of the read API's own filters), in Czech with English as the second
//! language (`?lang=en`), landmarks and labelled controls for assistive
//! technology, no request to any other host, a few kilobytes a page.

mod actions;
mod commands;
mod content;
mod content_forms;
mod format;
mod grants;
mod history;
mod mail_links;
mod map;
mod page;
mod plan_forms;
mod planning;
mod records;
mod refusals;
mod roles;
mod search_form;
mod self_service;
mod session;
mod site;
mod stats;
mod subscriptions;
mod surveys;
mod uploads;

pub use commands::Commands;
pub use session::token as session_token;
pub use site::Site;

use crate::api::search::{run, SearchParams};
use crate::api::QueryState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use page::Lang;

/// The portal's pages.
pub fn routes(state: QueryState) -> Router {
    Router::new()
        .route("/", get(search))
        .route("/sluzby/{id}", get(records::service))
        .route("/poskytovatele/{ico}", get(records::provider))
        .route("/volna-mista", get(board))
        .route("/mapa", get(map_page))
        .route("/statistiky", get(stats_page))
        .route("/ankety", get(surveys::list))
        .route("/ankety/{id}", get(surveys::one).post(surveys::answer))
        .route("/planovani", get(planning::overview))
        .route("/planovani/{id}", get(planning::plan))
        .route("/skupiny/{id}", get(planning::group))
        .route("/kalendar", get(content::calendar))
        .route("/dokumenty", get(content::documents))
        .route("/aktuality", get(content::news))
        .route("/aktuality/{id}", get(content::article))
        .route("/prace", get(content::jobs))
        .route("/forum", get(content::forum))
        .route("/forum/{id}", get(content::thread))
        .route("/dotace", get(grants::calls))
        .route("/dotace/{id}", get(grants::call))
        .route("/prihlaseni", get(session::login_page).post(session::login))
        .route("/odhlaseni", post(session::logout))
        .route(
            "/zapomenute-heslo",
            get(mail_links::forgotten_form).post(mail_links::forgotten_post),
        )
        .route(
            "/nove-heslo",
            get(mail_links::new_password_form).post(mail_links::new_password_post),
        )
        .route(
            "/odhlaseni-zprav",
            get(mail_links::unsubscribe_form).post(mail_links::unsubscribe_post),
        )
        .route(
            "/odber",
            get(subscriptions::subscribe_form).post(subscriptions::subscribe_post),
        )
        .route(
            "/odber/potvrdit",
            get(subscriptions::confirm_form).post(subscriptions::confirm_post),
        )
        .route("/moje", get(self_service::mine))
        .route("/moje/volna-mista", post(self_service::report))
        .route("/moje/akce", post(actions::act))
        .route("/moje/sluzby/{id}", get(roles::edit_service))
        .route("/moje/historie", get(history::history))
        .route("/skripty/poloha.js", get(search_form::locate_script))
        .route("/skripty/obce.js", get(search_form::places_script))
        .route("/vzhled/portal.css", get(site::stylesheet))
        .route("/vzhled/logo", get(site::logo))
        .route("/favicon.svg", get(site::favicon))
        .route("/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            site::in_scope,
        ))
        .with_state(state)
}

/// A page saying what went wrong, with its status.
fn alert(status: StatusCode, lang: Lang, title: &str, path: &str, text: &str) -> Response {
    let page = page::AlertPage {
        frame: page::Frame { lang, title, path },
        text,
    };
    (status, page::render(&page)).into_response()
}

/// The page saying why the read API refused, with its status.
fn failed(lang: Lang, title: &str, path: &str, problem: &infra::problem::Problem) -> Response {
    alert(
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        lang,
        title,
        path,
        problem.detail.as_deref().unwrap_or(problem.title.as_str()),
    )
}

/// "Bad filters: why", for a refused parameter.
fn refused(t: &page::Texts, problem: &infra::problem::Problem) -> String {
    format!(
        "{}: {}",
        t.bad_filters,
        problem.detail.as_deref().unwrap_or_default()
    )
}

/// Rows of the vacancy board per page.
const BOARD_PAGE: usize = 50;

/// Links to the page before and after, keeping the filters (`pager.html`).
pub struct Pager<'a> {
    /// The list's path.
    pub path: &'a str,
    /// Its query string without `lang` and `page`.
    pub filters: String,
    /// The language kept.
    pub lang: Lang,
    /// This page, from 1.
    pub page: usize,
    /// How many.
    pub pages: usize,
}

impl Pager<'_> {
    /// The address of page `n` with the same filters.
    pub fn href(&self, n: usize) -> String {
        let sep = if self.filters.is_empty() { "" } else { "&" };
        format!(
            "{}?{}{sep}lang={}&page={n}",
            self.path,
            self.filters,
            self.lang.code()
        )
    }
}

#[derive(askama::Template)]
#[template(path = "not_found.html")]
struct NotFoundPage<'a> {
    frame: page::Frame<'a>,
}

/// A path no page has: for a browser the portal's 404 page with the search
/// box, in the page's language; for the APIs and other clients problem+json.
async fn not_found(
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    RawQuery(raw): RawQuery,
) -> Response {
    let path = uri.path();
    let browser = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !browser || path.starts_with("/api/") || path.starts_with("/hsds") {
        return infra::http::not_found().await.into_response();
    }
    let lang = lang_of(raw.as_deref());
    let page = NotFoundPage {
        frame: page::Frame {
            lang,
            title: lang.texts().page_not_found,
            path: "/",
        },
    };
    (StatusCode::NOT_FOUND, page::render(&page)).into_response()
}

/// The query string without `lang` and `page`, to build links that keep the filters.
fn keep_filters(raw: Option<&str>) -> String {
    raw.unwrap_or_default()
        .split('&')
        .filter(|kv| {
            kv.split_once('=').is_some_and(|(_, v)| !v.is_empty())
                && !kv.starts_with("lang=")
                && !kv.starts_with("page=")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A GET form's parameters, the empty ones left out: a form sends every
/// field, and an unchosen "any" or an empty number means no filter.
fn form_params<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, String> {
    let kept: Vec<&str> = raw
        .unwrap_or_default()
        .split('&')
        .filter(|kv| kv.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
        .collect();
    serde_urlencoded::from_str(&kept.join("&")).map_err(|e| e.to_string())
}

fn lang_of(raw: Option<&str>) -> Lang {
    Lang::from_query(raw.unwrap_or_default())
}

#[derive(askama::Template)]
#[template(path = "search/results.html")]
struct SearchPage<'a> {
    frame: page::Frame<'a>,
    form: search_form::FilterForm<'a>,
    result: crate::api::search::SearchResult,
    pager: Pager<'a>,
    /// The results as cards: where, how to call, how to get there.
    cards: Vec<Card>,
    /// For an ambiguous place: each municipality of the name, with its search.
    places: Vec<(String, String)>,
    /// What the list of places is: the municipalities of an ambiguous
    /// name, or those whose name begins as an unknown one does.
    places_heading: &'static str,
    /// For a search that found nothing: the nearest searches that find something.
    suggestions: Vec<Suggestion>,
}

/// A result as the search page shows it.
struct Card {
    hit: crate::api::search::Hit,
    /// The nearest open facility's address (the town alone for a secret one).
    place: Option<String>,
    /// A phone of the service: as shown, and its `tel:` link.
    phone: Option<(String, String)>,
    /// A `geo:` link to the facility, for directions in the phone's own maps.
    geo: Option<String>,
    /// Days since the latest report of free places, when there is one.
    reported_days_ago: Option<i64>,
}

/// The cards of a page of results; the nearest facility to `from` when given.
fn cards(
    index: &crate::index::Index,
    items: &[crate::api::search::Hit],
    from: Option<events::values::Location>,
    now: time::OffsetDateTime,
) -> Vec<Card> {
    items
        .iter()
        .map(|hit| {
            let entry = index.service(&hit.id);
            let details = entry.map(|e| &e.view.details);
            let facility = details.and_then(|d| {
                d.open_facilities().min_by(|a, b| {
                    let km = |f: &events::registry::service::Facility| {
                        from.zip(f.location)
                            .map_or(f64::MAX, |(p, l)| l.distance_km(&p))
                    };
                    km(a).total_cmp(&km(b))
                })
            });
            let place = facility.map(|f| {
                let a = &f.address;
                if f.secret_address || a.street.is_empty() {
                    a.city.clone()
                } else {
                    format!("{}, {}", a.street, a.city)
                }
            });
            let geo = facility
                .filter(|f| !f.secret_address)
                .and_then(|f| f.location)
                .map(|l| format!("geo:{:.5},{:.5}", l.lat, l.lon));
            let phone = details
                .and_then(|d| d.contacts.phones.first())
                .map(|p| (p.clone(), format::tel(p)));
            let reported_days_ago = entry
                .and_then(|e| e.view.vacancies.iter().map(|v| v.reported_at).max())
                .map(|at| (now - at).whole_days().max(0));
            Card {
                hit: hit.clone(),
                place,
                phone,
                geo,
                reported_days_ago,
            }
        })
        .collect()
}

/// A search to try instead of one that found nothing.
struct Suggestion {
    text: String,
    href: String,
    total: usize,
}

/// The page's link with the search's filters changed: `drop` removed, `set` set.
fn search_link(raw: Option<&str>, lang: Lang, drop: &[&str], set: &[(&str, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let changed = set.iter().any(|(s, _)| *s == k);
        if !v.is_empty() && !["lang", "page"].contains(&&*k) && !drop.contains(&&*k) && !changed {
            query.append_pair(&k, &v);
        }
    }
    for (k, v) in set {
        query.append_pair(k, v);
    }
    query.append_pair("lang", lang.code());
    format!("/?{}", query.finish())
}

/// The nearest searches that find something, for one that found nothing:
/// without the free-places filter, with a larger radius, the kind a word names.
fn suggestions(
    index: &crate::index::Index,
    p: &SearchParams,
    raw: Option<&str>,
    lang: Lang,
) -> Vec<Suggestion> {
    let t = lang.texts();
    let now = time::OffsetDateTime::now_utc();
    let mut out = Vec::new();
    let mut offer = |text: String, changed: SearchParams, drop: &[&str], set: &[(&str, String)]| {
        if let Ok(r) = run(index, &changed, now) {
            if r.total > 0 {
                out.push(Suggestion {
                    text,
                    href: search_link(raw, lang, drop, set),
                    total: r.total,
                });
            }
        }
    };
    if p.free_now {
        let changed = SearchParams {
            free_now: false,
            ..p.clone()
        };
        offer(
            t.with_or_without_free_places.to_string(),
            changed,
            &["free_now"],
            &[],
        );
    }
    if let Some(r) = p.radius_km {
        let wider = (r * 3.0).max(10.0).round();
        let changed = SearchParams {
            radius_km: Some(wider),
            ..p.clone()
        };
        offer(
            format!("{} {wider} km", t.within),
            changed,
            &[],
            &[("radius_km", wider.to_string())],
        );
    }
    if p.kind.is_none() {
        let words = crate::text::query_words(p.q.as_deref().unwrap_or_default());
        for (code, name, _) in events::values::codes::KINDS {
            let stems = crate::text::stems(name);
            let names_it = words
                .iter()
                .any(|w| w.prefix.len() > 3 && w.stems.iter().any(|s| stems.contains(s)))
                || crate::synonyms::parts(&words)
                    .iter()
                    .any(|part| part.kinds.contains(code));
            if names_it {
                let changed = SearchParams {
                    kind: Some(*code),
                    q: None,
                    ..p.clone()
                };
                offer(
                    format!("{} {name}", t.the_kind),
                    changed,
                    &["q"],
                    &[("kind", code.to_string())],
                );
            }
        }
    }
    out
}

impl SearchPage<'_> {
    /// A distance with one decimal, a decimal comma in Czech ("13,1").
    fn km(&self, distance: &f64) -> String {
        format::decimal(*distance, self.frame.lang)
    }

    fn results(&self, n: &usize) -> &'static str {
        format::plural(*n, self.frame.lang.texts().results_count)
    }

    fn days(&self, n: &i64) -> &'static str {
        format::plural(
            usize::try_from(*n).unwrap_or(0),
            self.frame.lang.texts().days_ago,
        )
    }
}

async fn search(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    let t = lang.texts();
    let filters = keep_filters(raw.as_deref());
    let Ok(p) = form_params::<SearchParams>(raw.as_deref()) else {
        return alert(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t.search_title,
            "/",
            t.bad_filters,
        );
    };
    let index = state.indexer.read();
    // A name of several municipalities, or of none: the form again, with
    // the municipalities to choose from (those whose name begins so).
    let near = p
        .near
        .as_deref()
        .filter(|n| !n.trim().is_empty() && p.lat.is_none() && p.lon.is_none());
    let choice = near.and_then(|n| match index.places().find(index.territory(), n) {
        crate::places::Found::One(_) => None,
        crate::places::Found::Several(all) => Some((StatusCode::OK, t.which_place, all)),
        crate::places::Found::Nothing => {
            let like = index.places().suggest(index.territory(), n, 10);
            let heading = if like.is_empty() {
                t.no_such_place
            } else {
                t.unknown_place
            };
            Some((StatusCode::UNPROCESSABLE_ENTITY, heading, like))
        }
    });
    if let Some((status, heading, all)) = choice {
        let places = all
            .iter()
            .map(|m| {
                let named = format!("{}, {}", m.name, m.okres);
                let href = search_link(raw.as_deref(), lang, &[], &[("near", named.clone())]);
                (named, href)
            })
            .collect();
        let form = search_form::filter_form(&index, &state.codelists, &p, None, lang, "/");
        let page = page::render(&SearchPage {
            frame: page::Frame {
                lang,
                title: t.search_title,
                path: "/",
            },
            form,
            result: crate::api::search::SearchResult::default(),
            pager: Pager {
                path: "/",
                filters,
                lang,
                page: 1,
                pages: 0,
            },
            cards: Vec::new(),
            places,
            places_heading: heading,
            suggestions: Vec::new(),
        });
        return (status, page).into_response();
    }
    let result = match run(&index, &p, time::OffsetDateTime::now_utc()) {
        Ok(r) => r,
        Err(problem) => {
            let text = refused(t, &problem);
            return alert(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                t.search_title,
                "/",
                &text,
            );
        }
    };
    let form = search_form::filter_form(
        &index,
        &state.codelists,
        &p,
        Some(&result.facets),
        lang,
        "/",
    );
    let pager = Pager {
        path: "/",
        filters,
        lang,
        page: result.page,
        pages: result.total.div_ceil(result.per_page.max(1)),
    };
    let now = time::OffsetDateTime::now_utc();
    let from = crate::api::search::point(&index, &p).ok().flatten();
    let cards = cards(&index, &result.items, from, now);
    let suggestions = if result.total == 0 {
        suggestions(&index, &p, raw.as_deref(), lang)
    } else {
        Vec::new()
    };
    page::render(&SearchPage {
        frame: page::Frame {
            lang,
            title: t.search_title,
            path: "/",
        },
        form,
        result,
        pager,
        cards,
        places: Vec::new(),
        places_heading: "",
        suggestions,
    })
}

#[derive(askama::Template)]
#[template(path = "search/board.html")]
struct BoardPage<'a> {
    frame: page::Frame<'a>,
    form: search_form::FilterForm<'a>,
    rows: Vec<crate::api::search::BoardRow>,
    pager: Pager<'a>,
}

async fn board(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    let t = lang.texts();
    let Some(p) = form_params::<SearchParams>(raw.as_deref())
        .ok()
        .filter(|p| crate::api::search::check_query(p.q.as_deref()).is_ok())
    else {
        return alert(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t.board_title,
            "/volna-mista",
            t.bad_filters,
        );
    };
    let index = state.indexer.read();
    let rows = crate::api::search::board(&index, &p, time::OffsetDateTime::now_utc());
    let form = search_form::filter_form(&index, &state.codelists, &p, None, lang, "/volna-mista");
    let pages = rows.len().div_ceil(BOARD_PAGE).max(1);
    let page_no = p.page.unwrap_or(1).clamp(1, pages);
    let rows = rows
        .into_iter()
        .skip(crate::api::search::offset(page_no, BOARD_PAGE))
        .take(BOARD_PAGE)
        .collect();
    page::render(&BoardPage {
        frame: page::Frame {
            lang,
            title: t.board_title,
            path: "/volna-mista",
        },
        form,
        rows,
        pager: Pager {
            path: "/volna-mista",
            filters: keep_filters(raw.as_deref()),
            lang,
            page: page_no,
            pages,
        },
    })
}

/// The map's parameters.
#[derive(Debug, Default, serde::Deserialize)]
struct MapParams {
    kraj: Option<String>,
    measure: Option<String>,
    kind: Option<u16>,
}

async fn map_page(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(raw.as_deref());
    let t = lang.texts();
    let Ok(p) = form_params::<MapParams>(raw.as_deref()) else {
        return alert(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t.map_title,
            "/mapa",
            t.bad_filters,
        );
    };
    let measure = map::Measure::parse(p.measure.as_deref());
    // Coverage of the need: of the kind asked for, or the first with a norm.
    let mut coverage = std::collections::BTreeMap::new();
    let mut coverage_kind = None;
    if measure == map::Measure::Coverage {
        let mut kinds: Vec<u16> = state.indexer.read().norms.keys().copied().collect();
        kinds.sort_unstable();
        coverage_kind = p.kind.or_else(|| kinds.first().copied());
        if let Some(kind) = coverage_kind {
            let params = crate::api::stats::StatsParams {
                kind: Some(kind),
                level: Some(if p.kraj.is_some() { "orp" } else { "kraj" }.into()),
                ..Default::default()
            };
            match crate::api::stats::capacity_rows(&state, &params).await {
                Ok((_, rows)) => {
                    for r in rows {
                        if let Some(c) = r.coverage {
                            coverage.insert(r.area, c);
                        }
                    }
                }
                Err(problem) => {
                    let status = StatusCode::from_u16(problem.status)
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    let text = refused(t, &problem);
                    return alert(status, lang, t.map_title, "/mapa", &text);
                }
            }
        }
    }
    let path = match &p.kraj {
        Some(k) => format!("/mapa?kraj={k}"),
        None => "/mapa".to_string(),
    };
    let index = state.indexer.read();
    match map::page(
        &index,
        lang,
        &path,
        p.kraj.as_deref(),
        measure,
        (&coverage, coverage_kind),
        time::OffsetDateTime::now_utc(),
    ) {
        Ok(page) => page,
        Err(problem) => {
            let text = refused(t, &problem);
            alert(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                t.map_title,
                "/mapa",
                &text,
            )
        }
    }
}

/// The statistics page's parameters.
#[derive(Debug, Default, serde::Deserialize)]
struct StatsPageParams {
    kind: Option<u16>,
    date: Option<String>,
    trend_kraj: Option<String>,
    need_kraj: Option<String>,
}

async fn stats_page(
    State(state): State<QueryState>,
    RawQuery(raw): RawQuery,
    params: Result<Query<StatsPageParams>, QueryRejection>,
) -> Response {
    let lang = lang_of(raw.as_deref());
    let t = lang.texts();
    let failed = |status: StatusCode, detail: &str| {
        alert(status, lang, t.stats_title, "/statistiky", detail)
    };
    let Ok(Query(p)) = params else {
        return failed(StatusCode::UNPROCESSABLE_ENTITY, t.bad_filters);
    };
    let trend_kraj = p.trend_kraj.as_deref().filter(|k| !k.is_empty());
    let need_kraj = p.need_kraj.as_deref().filter(|k| !k.is_empty());
    match stats::page(
        &state,
        lang,
        p.kind,
        p.date.filter(|d| !d.is_empty()),
        trend_kraj,
        need_kraj,
    )
    .await
    {
        Ok(page) => page,
        Err(problem) => failed(
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            problem.detail.as_deref().unwrap_or(problem.title.as_str()),
        ),
    }
}

/// The text of every source file of the domain (`events/src`), for the
/// tests that check the pages name all of its event types and refusals.
#[cfg(test)]
fn domain_sources() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/src"),
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_form_fields_are_no_filter() {
        let p: SearchParams =
            form_params(Some("q=azyl&kind=&kraj=&lat=&form=&free_now=true&lang=cs")).unwrap();
        assert_eq!(p.q.as_deref(), Some("azyl"));
        assert!(p.kind.is_none() && p.kraj.is_none() && p.lat.is_none() && p.form.is_none());
        assert!(p.free_now);
        assert!(form_params::<SearchParams>(Some("kind=abc")).is_err());
        assert_eq!(keep_filters(Some("q=a&kind=&page=2")), "q=a");
    }

    /// The pager alone, as pages include it.
    #[derive(askama::Template)]
    #[template(source = "{% include \"pager.html\" %}", ext = "html")]
    struct PagerOnly<'a> {
        frame: page::Frame<'a>,
        pager: Pager<'a>,
    }

    fn pager(path: &str, filters: &str, lang: Lang, page: usize, pages: usize) -> String {
        use askama::Template;
        PagerOnly {
            frame: page::Frame {
                lang,
                title: "",
                path,
            },
            pager: Pager {
                path,
                filters: filters.to_string(),
                lang,
                page,
                pages,
            },
        }
        .render()
        .unwrap()
    }

    #[test]
    fn the_pager_keeps_the_filters_and_links_both_ways() {
        assert_eq!(pager("/", "q=azyl", Lang::Cs, 1, 1), "");
        let nav = pager("/volna-mista", "kind=20&kraj=CZ042", Lang::En, 2, 3);
        assert!(
            nav.starts_with("<nav aria-label=\"Result pages\">"),
            "{nav}"
        );
        assert!(nav.contains(
            "<a href=\"/volna-mista?kind=20&amp;kraj=CZ042&amp;lang=en&amp;page=1\">previous</a>"
        ));
        assert!(nav.contains("Page 2 / 3"));
        assert!(nav.contains("page=3\">next</a>"));
        let last = pager("/", "", Lang::Cs, 3, 3);
        assert!(
            last.contains("<a href=\"/?lang=cs&amp;page=2\">předchozí</a>")
                && !last.contains("další")
        );
        assert_eq!(
            keep_filters(Some("q=a&lang=en&page=4&kind=20")),
            "q=a&kind=20"
        );
    }
}
