//! The web portal's first pages over HTTP, in both modes: the search without
//! JavaScript (a GET form with the read API's filters, shareable), results
//! linking to service pages with their vacancies, the vacancy board, the
//! map of kraje and their ORP, capacity against need as a chart with its
//! table, Czech and English,
//! landmarks and labelled controls, escaped text, nothing from other hosts.

use crate::client::Client;
use crate::helpers::in_both_modes;
use serde_json::json;

async fn page(base: &str, path: &str) -> (u16, String, String) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, r.text().await.unwrap())
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = a_service_with_free_places(commands, queries, password).await;
    let html = the_search_in_czech_by_default(&s).await;
    the_look_is_the_portals_own(&s, &html).await;
    the_search_form_is_labelled_and_a_result_says_how_to_get_there(&s, &html).await;
    the_other_filters_of_the_search(&s).await;
    a_place_by_its_name(&s).await;
    nothing_found_english_and_a_bad_filter(&s).await;
    the_pages_of_the_service_and_its_provider(&s).await;
    the_vacancy_board_is_filtered_like_the_search(&s).await;
    the_map_of_the_kraje(&s).await;
    an_unknown_page_for_a_browser_and_for_the_apis(&s).await;
    the_statistics_of_capacity_against_need(&s).await;
    the_need_per_orp_of_one_kraj(&s).await;
    the_map_coloured_by_the_coverage_of_the_need(&s).await;
}

/// What the steps of the web scenario share: the query service, the
/// administrator's client and the one service.
struct Web {
    queries: String,
    admin: Client,
    id: String,
}

/// A provider's asylum house in Děčín with 4 free beds reported.
async fn a_service_with_free_places(commands: &str, queries: &str, password: &str) -> Web {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": "00064581", "name": "Charita & spol.", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": "00064581", "details": { "name": "Azylový dům Naděje", "kind": 20, "contacts": { "phones": ["+420 412 345 678"] },
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům na Labi", "address": { "city": "Děčín", "postcode": "40502", "municipality_code": "562335" }, "location": { "lat": 50.7736, "lon": 14.1961 } }] } });
    let registered = admin.post("/services", service).await;
    let id = registered.body["stream_id"].as_str().unwrap().to_string();
    let reported = admin
        .post(
            &format!("/services/{id}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 4 }),
        )
        .await;
    assert_eq!(reported.status, 200);
    let (status, _, _) = page(
        queries,
        &format!("/api/v1/services/{id}?after={}", reported.after()),
    )
    .await;
    assert_eq!(status, 200);
    Web {
        queries: queries.to_string(),
        admin,
        id,
    }
}

/// The search, in Czech by default, a page of the portal's landmarks. Gives its HTML.
async fn the_search_in_czech_by_default(s: &Web) -> String {
    let Web { queries, .. } = s;
    let (status, kind, html) = page(queries, "/?q=nadeje&free_now=true").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(html.starts_with("<!doctype html><html lang=\"cs\">"));
    assert!(html.len() < 100_000, "{} bytes", html.len());
    for landmark in [
        "<header class=\"site-header\">",
        "<nav class=\"site-menu\" aria-label=",
        "<main id=\"main\">",
        "<footer class=\"site-footer\">",
        "<form role=\"search\" method=\"get\"",
        "<a href=\"/?lang=cs\" aria-current=\"page\">Hledat</a>",
        "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">",
    ] {
        assert!(html.contains(landmark), "{landmark} missing");
    }
    html
}

/// The look: the stylesheet (cached for good under its version), the favicon; no logo set.
async fn the_look_is_the_portals_own(s: &Web, html: &str) {
    let Web { queries, .. } = s;
    let sheet = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet");
    let css = reqwest::get(format!("{queries}{sheet}")).await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(css
        .text()
        .await
        .unwrap()
        .contains("--gov-color-primary-600"));
    let (status, kind, icon) = page(queries, "/favicon.svg").await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(icon.starts_with("<svg"));
    let (status, _, _) = page(queries, "/vzhled/logo").await;
    assert_eq!(status, 404);
}

/// Every control of the search form is labelled and keeps what was typed; a result names
/// the service, its provider (escaped), the free places, where it is and how to get there
/// from the phone; nothing comes from other hosts; the kraj filters.
async fn the_search_form_is_labelled_and_a_result_says_how_to_get_there(s: &Web, html: &str) {
    let Web { queries, id, .. } = s;
    for control in ["q", "kind", "kraj", "free_now"] {
        assert!(
            html.contains(&format!("<label for=\"{control}\">")),
            "no label for {control}"
        );
        assert!(
            html.contains(&format!("id=\"{control}\"")),
            "no control {control}"
        );
    }
    assert!(
        html.contains("value=\"nadeje\""),
        "the form keeps the words"
    );
    assert!(
        html.contains("<h2 id=\"results\">Nalezeno služeb: 1</h2>"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<a href=\"/sluzby/{id}?lang=cs\">Azylový dům Naděje</a>"
    )));
    assert!(html.contains("Charita &amp; spol."), "text is escaped");
    assert!(
        html.contains("<strong>volná místa: 4</strong> (nahlášeno dnes)"),
        "{html}"
    );
    // Where it is and how to get there, from the phone.
    assert!(html.contains("<br>Děčín"), "the facility's town: {html}");
    assert!(html.contains("<a href=\"tel:+420412345678\" aria-label=\"Zavolat +420 412 345 678\">+420 412 345 678</a> · <a href=\"geo:50.77360,14.19610\">Trasa</a>"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from other hosts"
    );
    let (_, _, none) = page(queries, "/?q=nadeje&kraj=CZ010").await;
    assert!(
        none.contains("<h2 id=\"results\">Nalezeno služeb: 0</h2>"),
        "the kraj filters"
    );
}

/// A form sends every field: the unchosen ones are no filter. The other filters: facet
/// counts on the options, ORP once a kraj is chosen, municipalities once an ORP is,
/// distance from a point.
async fn the_other_filters_of_the_search(s: &Web) {
    let Web { queries, .. } = s;
    let (status, _, all_fields) = page(
        queries,
        "/?q=nadeje&kind=&kraj=&paragraph=&target_group=&form=&lat=&lon=&radius_km=&sort=&lang=cs",
    )
    .await;
    assert_eq!(status, 200, "{all_fields}");
    assert!(all_fields.contains("Nalezeno služeb: 1"));
    // The other filters: facet counts on the options, ORP once a kraj is
    // chosen, municipalities once an ORP is, distance from a point.
    let (status, _, more) = page(queries, "/?kraj=CZ042&orp=4202&form=pob&sort=name").await;
    assert_eq!(status, 200);
    assert!(
        more.contains("<details open>"),
        "set filters open the disclosure"
    );
    assert!(
        more.contains("<option value=\"20\">azylové domy (1)</option>"),
        "{more}"
    );
    assert!(more.contains("<option value=\"pob\" selected>pobytová (1)</option>"));
    assert!(more.contains("<option value=\"4202\" selected>Děčín</option>"));
    assert!(more.contains("<label for=\"municipality\">Obec</label>"));
    assert!(more.contains("<option value=\"562335\">Děčín</option>"));
    assert!(more.contains("<h2 id=\"results\">Nalezeno služeb: 1</h2>"));
    let (_, _, near) = page(
        queries,
        "/?lat=50.7736&lon=14.1961&radius_km=5&sort=distance",
    )
    .await;
    assert!(
        near.contains("Nalezeno služeb: 1") && near.contains(" · 0,0 km"),
        "{near}"
    );
    let (_, _, far) = page(queries, "/?lat=49.19&lon=16.60&radius_km=5").await;
    assert!(far.contains("Nalezeno služeb: 0"), "Brno is far from Děčín");
}

/// A place by its name; a name of several municipalities offers each of them.
async fn a_place_by_its_name(s: &Web) {
    let Web { queries, .. } = s;
    let (_, _, by_name) = page(queries, "/?near=D%C4%9B%C4%8D%C3%ADn&radius_km=5").await;
    assert!(
        by_name.contains("Nalezeno služeb: 1") && by_name.contains("value=\"Děčín\""),
        "{by_name}"
    );
    let (status, _, which) = page(queries, "/?q=azyl&near=Nov%C3%A1+Ves").await;
    assert_eq!(status, 200);
    assert!(
        which.contains("Obcí toho jména je více. Kterou myslíte?"),
        "{which}"
    );
    assert!(
        which.contains("<a href=\"/?q=azyl&amp;near=Nov%C3%A1+Ves%2C+Brno-venkov&amp;lang=cs\">Nová Ves, Brno-venkov</a>"),
        "{which}"
    );
    // A place that is none: the form again, with the municipalities it begins like.
    let (status, _, typo) = page(queries, "/?q=azyl&near=D%C4%9B%C4%8D%C3%ADnn").await;
    assert_eq!(status, 422);
    assert!(
        typo.contains("Takovou obec ani PSČ neznáme. Myslíte některou z těchto?")
            && typo.contains("<a href=\"/?q=azyl&amp;near=D%C4%9B%C4%8D%C3%ADn%2C+D%C4%9B%C4%8D%C3%ADn&amp;lang=cs\">Děčín, Děčín</a>")
            && typo.contains("value=\"Děčínn\""),
        "{typo}"
    );
    let (status, _, none) = page(queries, "/?near=Qqqq").await;
    assert_eq!(status, 422);
    assert!(
        none.contains("Zkuste název obce nebo pětimístné PSČ."),
        "{none}"
    );
    let (status, kind, script) = page(queries, "/skripty/obce.js").await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(script.contains("/api/v1/places?q="));
}

/// Nothing found: what was searched, and the nearest searches that find something; a
/// point off the globe; the page in English; a bad filter is said, not a crash.
async fn nothing_found_english_and_a_bad_filter(s: &Web) {
    let Web { queries, id, .. } = s;
    let (_, _, nothing) = page(
        queries,
        "/?q=azyl%C3%A1k&near=D%C4%9B%C4%8D%C3%ADn&radius_km=0.1",
    )
    .await;
    assert!(
        nothing.contains("Nalezeno služeb: 0")
            && nothing.contains("Nic jsme nenašli pro „azylák“ (Děčín). Zkuste:")
            && nothing.contains("v okruhu 10 km</a> (1 výsledek)"),
        "{nothing}"
    );
    let (_, _, nothing) = page(queries, "/?q=azylov%C3%A9+domy+pro+%C5%BEeny").await;
    assert!(
        nothing.contains(
            "<a href=\"/?kind=20&amp;lang=cs\">druh služby azylové domy</a> (1 výsledek)"
        ),
        "{nothing}"
    );
    let (_, _, nothing) = page(queries, "/?q=xyz&kraj=CZ010").await;
    assert!(
        nothing.contains("Nic jsme nenašli pro „xyz“.") && !nothing.contains("Zkuste:"),
        "nothing to offer: {nothing}"
    );
    let (status, _, bad) = page(queries, "/?lat=91&lon=14&radius_km=5").await;
    assert_eq!(status, 422, "{bad}");

    // English.
    let (_, _, en) = page(queries, "/?q=nadeje&lang=en").await;
    assert!(en.starts_with("<!doctype html><html lang=\"en\">"));
    assert!(en.contains("Services found: 1"));
    assert!(en.contains(&format!("/sluzby/{id}?lang=en")));

    // A bad filter is said, not a crash.
    let (status, _, bad) = page(queries, "/?kind=abc").await;
    assert_eq!(status, 422);
    assert!(bad.contains("role=\"alert\""));
}

/// The service's page: provider, kind, facilities, vacancies with their age.
async fn the_pages_of_the_service_and_its_provider(s: &Web) {
    let Web { queries, id, .. } = s;
    let (status, _, detail) = page(queries, &format!("/sluzby/{id}")).await;
    assert_eq!(status, 200);
    assert!(detail.contains("<h1>Azylový dům Naděje</h1>"));
    assert!(detail
        .contains("<dd><a href=\"/poskytovatele/00064581?lang=cs\">Charita &amp; spol.</a></dd>"));
    assert!(
        detail.contains("<dt>Formy a kapacity</dt><dd>pobytová (lůžka: 30)</dd>"),
        "{detail}"
    );
    assert!(
        detail.contains("<svg viewBox=\"0 0 800 ")
            && detail.contains("aria-label=\"Mapa zařízení: Dům na Labi\""),
        "the facility on a small map"
    );
    assert_eq!(detail.matches("<circle ").count(), 1);
    // The provider's page lists its services.
    let (status, _, provider) = page(queries, "/poskytovatele/00064581").await;
    assert_eq!(status, 200);
    assert!(provider.contains("<h1>Charita &amp; spol.</h1>"));
    assert!(provider.contains(&format!(
        "<a href=\"/sluzby/{id}?lang=cs\">Azylový dům Naděje</a> — azylové domy"
    )));
    assert_eq!(page(queries, "/poskytovatele/12345678").await.0, 404);
    assert!(detail.contains("Dům na Labi"));
    assert!(
        detail.contains("<tr><td>Dům na Labi</td><td>4</td><td>0</td></tr>"),
        "{detail}"
    );
    assert!(detail.contains("<th scope=\"col\">"));
}

/// The vacancy board, filtered like the search.
async fn the_vacancy_board_is_filtered_like_the_search(s: &Web) {
    let Web { queries, id, .. } = s;
    let (status, _, board) = page(queries, "/volna-mista?kind=20").await;
    assert_eq!(status, 200);
    assert!(board.contains("<h1>Volná místa</h1>"));
    assert!(
        board.contains(&format!(
            "<a href=\"/sluzby/{id}?lang=cs\">Azylový dům Naděje</a>"
        )),
        "{board}"
    );
    assert!(
        board.contains("<td>Dům na Labi, Děčín</td><td>4 / 30</td><td>0</td>"),
        "{board}"
    );
    let (_, _, elsewhere) = page(queries, "/volna-mista?kind=26").await;
    assert!(!elsewhere.contains("Azylový dům Naděje"));
    let (_, _, en_board) = page(queries, "/volna-mista?lang=en").await;
    assert!(en_board.contains("<h1>Free places</h1>"));
}

/// The map: kraje drawn from the boundaries, coloured, linking to their ORP;
/// the same figures as a table with links into the search.
async fn the_map_of_the_kraje(s: &Web) {
    let Web { queries, admin, .. } = s;
    let contact = json!({ "details": { "role": "methodologist", "kraj": "CZ042", "name": "Petr Metodik",
        "office": "Krajský úřad Ústeckého kraje", "contacts": { "emails": ["socialni@kr-ustecky.cz"] } } });
    let published = admin.post("/regional-contacts", contact).await;
    assert_eq!(published.status, 201, "{:?}", published.body);
    let (status, _, caught_up) = page(
        queries,
        &format!("/api/v1/regional-contacts?after={}", published.after()),
    )
    .await;
    assert_eq!(
        status, 200,
        "the contact is in the read models: {caught_up}"
    );
    let (status, _, map) = page(queries, "/mapa").await;
    assert_eq!(status, 200);
    assert!(map.len() < 100_000, "{} bytes", map.len());
    // A group of links (a picture may not hold links), each named.
    assert!(map.contains("<svg viewBox=\"0 0 800 ") && map.contains("role=\"group\""));
    assert_eq!(map.matches("<path ").count(), 14, "one shape a kraj");
    assert!(map.contains(
        "<a href=\"/mapa?kraj=CZ042&amp;measure=services&amp;lang=cs\" aria-label=\"Ústecký kraj: 1\"><path"
    ));
    // The areas are named on the drawing; a legend says what each colour stands for.
    assert!(map.contains(">Ústecký</text>"), "{map}");
    assert!(
        map.contains("<h2 id=\"legenda\">Legenda</h2><p>služby:</p>"),
        "{map}"
    );
    assert!(
        map.contains(
            "<rect width=\"20\" height=\"14\" fill=\"#deebf7\" stroke=\"#686868\"/></svg>0</li>"
        ),
        "{map}"
    );
    // A card an area: first its contacts, then the services (by kind on
    // demand) and the free places reported in the six kinds.
    assert_eq!(map.matches("<li><h3>").count(), 14, "a card a kraj");
    assert!(
        map.contains("<li><h3><a href=\"/?kraj=CZ042&amp;lang=cs\">Ústecký kraj</a></h3><p><strong>Metodici a sociální kurátoři</strong></p>\
            <ul><li>Petr Metodik (metodik/metodička, Krajský úřad Ústeckého kraje)<br><a href=\"mailto:socialni@kr-ustecky.cz\">socialni@kr-ustecky.cz</a></li></ul>\
            <dl><dt>Služby</dt><dd>1<details><summary>podle druhu</summary><ul><li>azylové domy: 1</li></ul></details></dd>\
            <dt>Volná místa (hlášení za 7 dní)</dt><dd>azylové domy: 4</dd></dl></li>"),
        "{map}"
    );
    assert!(
        map.contains("<li><h3><a href=\"/?kraj=CZ010&amp;lang=cs\">Hlavní město Praha</a></h3><dl><dt>Služby</dt><dd>0</dd><dt>Volná místa (hlášení za 7 dní)</dt><dd>nenahlášena</dd></dl></li>"),
        "{map}"
    );
    let (_, _, usti) = page(queries, "/mapa?kraj=CZ042&measure=free_places").await;
    assert!(usti.contains("<h1>Mapa služeb — Ústecký kraj</h1>"));
    assert_eq!(usti.matches("<path ").count(), 16, "the 16 ORP of the kraj");
    assert!(
        usti.contains(
            "<li><h3><a href=\"/?kraj=CZ042&amp;orp=4202&amp;lang=cs\">Děčín</a></h3><p><strong>Metodici a sociální kurátoři</strong></p>"
        ),
        "the ORP keeps its kraj: {usti}"
    );
    assert!(
        usti.contains("href=\"/?kraj=CZ042&amp;orp=4202&amp;lang=cs\""),
        "{usti}"
    );
    assert!(
        usti.contains("/mapa?kraj=CZ042&amp;lang=en"),
        "the language switch keeps the kraj"
    );
    let (status, _, _) = page(queries, "/mapa?kraj=XX").await;
    assert_eq!(status, 422);
}

/// An unknown page: for a browser the portal's page with the search box, for the APIs problem+json.
async fn an_unknown_page_for_a_browser_and_for_the_apis(s: &Web) {
    let Web { queries, .. } = s;
    let r = reqwest::Client::new()
        .get(format!("{queries}/neni-tu?lang=en"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"en\">")
            && html.contains("<h1>Page not found</h1>")
            && html.contains("<form role=\"search\" method=\"get\" action=\"/\""),
        "{html}"
    );
    let r = reqwest::Client::new()
        .get(format!("{queries}/api/v1/neni-tu"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["content-type"].to_str().unwrap()
        ),
        (404, "application/problem+json")
    );
    let (status, kind, _) = page(queries, "/neni-tu").await;
    assert_eq!(
        (status, kind.as_str()),
        (404, "application/problem+json"),
        "no Accept: the API's answer"
    );
}

/// Statistics: capacity against need per kraj, chart and table, CSV.
async fn the_statistics_of_capacity_against_need(s: &Web) {
    let Web { queries, admin, .. } = s;
    let (status, _, none_yet) = page(queries, "/statistiky").await;
    assert_eq!(status, 200);
    assert!(
        none_yet.contains("Zatím není nastavena žádná norma"),
        "{none_yet}"
    );
    let norm = json!({ "unit": "luzka", "per_thousand": 25.0, "age_group": "65+", "valid_from": "2025-01-01" });
    let set = admin
        .send(reqwest::Method::PUT, "/stats/norms/20", Some(norm), &[])
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    page(
        queries,
        &format!("/api/v1/stats/norms?after={}", set.after()),
    )
    .await;
    let row = "<tr><th scope=\"row\">Ústecký kraj</th><td>30</td><td>4060</td><td>1 %</td></tr>";
    let mut waited = 0;
    let stats = loop {
        let (status, _, html) = page(queries, "/statistiky?kind=20").await;
        // The need and the counts by kind are written by the statistics
        // projection each in its turn: wait for both.
        let counts = "<tr><th scope=\"row\">azylové domy</th><td>57</td><td>1</td><td>1</td></tr>";
        if status == 200 && html.contains(row) && html.contains(counts) {
            break html;
        }
        waited += 1;
        assert!(
            waited < 200,
            "the statistics did not arrive: {status} {html}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(stats.contains("<h1>Kapacita a potřeba — azylové domy</h1>"));
    assert!(
        stats.contains("role=\"img\"") && stats.contains("<rect "),
        "a chart"
    );
    let need = stats.split("class=\"chart need\"").nth(1).unwrap();
    let need = need.split("</svg>").next().unwrap();
    assert_eq!(need.matches("<rect ").count(), 14, "a bar a kraj");
    // Counts by kind and the trend, each with its table.
    assert!(stats.contains("class=\"chart kinds\""), "{stats}");
    assert!(
        stats.contains(
            "<tr><th scope=\"row\">azylové domy</th><td>57</td><td>1</td><td>1</td></tr>"
        ),
        "{stats}"
    );
    assert!(stats.contains("class=\"chart trend\"") && stats.contains("<polyline "));
    let (status, _, usti) = page(queries, "/statistiky?kind=20&trend_kraj=CZ042").await;
    assert_eq!(status, 200);
    assert!(usti.contains("<option value=\"CZ042\" selected>Ústecký kraj</option>"));
    assert!(
        usti.contains("<td>1</td><td>1</td><td>30</td><td>0</td></tr>"),
        "{usti}"
    );
    assert!(stats.contains(
        "/api/v1/stats/capacity-vs-need?format=csv&amp;level=kraj&amp;kind=20&amp;date="
    ));
}

/// The need per ORP of one kraj.
async fn the_need_per_orp_of_one_kraj(s: &Web) {
    let Web { queries, .. } = s;
    let (status, _, orp) = page(queries, "/statistiky?kind=20&need_kraj=CZ042").await;
    assert_eq!(status, 200, "{orp}");
    assert!(
        orp.contains("<h2 id=\"need\">Pokrytí potřeby — azylové domy, ORP — Ústecký kraj</h2>"),
        "{orp}"
    );
    assert!(
        orp.contains("<tr><th scope=\"row\">Děčín</th><td>30</td>"),
        "{orp}"
    );
    let need = orp.split("class=\"chart need\"").nth(1).unwrap();
    assert_eq!(
        need.split("</svg>")
            .next()
            .unwrap()
            .matches("<rect ")
            .count(),
        16,
        "a bar an ORP"
    );
    assert!(orp.contains("capacity-vs-need?format=csv&amp;level=orp&amp;kind=20"));
}

/// The map coloured by the coverage of the need; a bad date and an unknown service are
/// said.
async fn the_map_coloured_by_the_coverage_of_the_need(s: &Web) {
    let Web { queries, .. } = s;
    let (status, _, covered) = page(queries, "/mapa?measure=coverage&kind=20").await;
    assert_eq!(status, 200);
    assert!(
        covered.contains("<strong>pokrytí potřeby (%)</strong> (azylové domy)"),
        "{covered}"
    );
    assert!(
        covered.contains("aria-label=\"Ústecký kraj: 1\""),
        "{covered}"
    );
    assert!(
        covered.contains("<dt>pokrytí potřeby (%)</dt><dd>1\u{a0}%</dd>"),
        "{covered}"
    );
    assert!(covered.contains("100\u{a0}% a více</li>"), "{covered}");
    let (status, _, bad) = page(queries, "/statistiky?date=yesterday").await;
    assert_eq!(status, 422, "{bad}");

    let (status, _, missing) = page(queries, "/sluzby/nope").await;
    assert_eq!(status, 404);
    assert!(missing.contains("role=\"alert\""));
}

in_both_modes!(
    scenario,
    web_pages_in_the_embedded_portal,
    web_pages_in_the_distributed_services
);
