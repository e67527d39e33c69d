//! The frame of every page (landmarks, skip link, language switch, a small
//! stylesheet inline: nothing is fetched from elsewhere), the two languages'
//! texts and HTML escaping.

/// The interface's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Czech (the default).
    Cs,
    /// English.
    En,
}

impl Lang {
    /// `lang=en` in the query string chooses English; anything else Czech.
    pub fn from_query(query: &str) -> Self {
        if query.split('&').any(|kv| kv == "lang=en") {
            Self::En
        } else {
            Self::Cs
        }
    }

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cs => "cs",
            Self::En => "en",
        }
    }

    /// The phrase in this language, for phrases of one page.
    pub fn tr(self, cs: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Cs => cs,
            Self::En => en,
        }
    }

    /// The interface's texts in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Cs => &CS,
            Self::En => &EN,
        }
    }
}

/// What the pages say: one field per phrase, named by what it is.
#[allow(missing_docs)]
pub struct Texts {
    pub site: &'static str,
    pub skip: &'static str,
    pub other_language: &'static str,
    pub search_title: &'static str,
    pub words: &'static str,
    pub kind: &'static str,
    pub kraj: &'static str,
    pub any: &'static str,
    pub free_now: &'static str,
    pub search: &'static str,
    pub services_found: &'static str,
    pub free_places: &'static str,
    pub pages: &'static str,
    pub page: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub bad_filters: &'static str,
    pub no_service: &'static str,
    pub provider: &'static str,
    pub last_verified: &'static str,
    pub never: &'static str,
    pub facilities: &'static str,
    pub vacancies: &'static str,
    pub vacancies_caption: &'static str,
    pub facility: &'static str,
    pub reported: &'static str,
    pub stale: &'static str,
    pub footer: &'static str,
    pub board_title: &'static str,
    pub board_caption: &'static str,
    pub service: &'static str,
    pub main_menu: &'static str,
    pub map_title: &'static str,
    pub services_label: &'static str,
    pub coloured_by: &'static str,
    pub whole_country: &'static str,
    pub no_boundaries: &'static str,
    pub orp: &'static str,
    pub stats_title: &'static str,
    pub no_norms: &'static str,
    pub day: &'static str,
    pub show: &'static str,
    pub coverage: &'static str,
    pub capacity: &'static str,
    pub need: &'static str,
    pub download_csv: &'static str,
}

const CS: Texts = Texts {
    site: "Portál sociálních služeb",
    skip: "Přeskočit na obsah",
    other_language: "English",
    search_title: "Hledat sociální služby",
    words: "Co hledáte",
    kind: "Druh služby",
    kraj: "Kraj",
    any: "jakýkoli",
    free_now: "jen s volnými místy nyní",
    search: "Hledat",
    services_found: "Nalezeno služeb:",
    free_places: "volná místa",
    pages: "Stránky výsledků",
    page: "Strana",
    previous: "předchozí",
    next: "další",
    bad_filters: "Některý z filtrů není platný",
    no_service: "Taková služba není v registru",
    provider: "Poskytovatel",
    last_verified: "Naposledy ověřeno",
    never: "dosud neověřeno",
    facilities: "Místa poskytování",
    vacancies: "Volná místa",
    vacancies_caption: "Poslední hlášení volných míst podle zařízení",
    facility: "Zařízení",
    reported: "Stáří hlášení (dnů)",
    stale: "starší než 7 dní",
    footer: "Data registru poskytovatelů sociálních služeb; otevřená data na /api/v1 a /hsds.",
    board_title: "Volná místa",
    board_caption: "Aktuálně hlášená volná místa, čerstvá hlášení první (volná / kapacita)",
    service: "Služba",
    main_menu: "Hlavní nabídka",
    map_title: "Mapa služeb",
    services_label: "služby",
    coloured_by: "Barva podle",
    whole_country: "celá republika",
    no_boundaries: "Hranice území nejsou načteny; údaje jsou v tabulce.",
    orp: "ORP",
    stats_title: "Kapacita a potřeba",
    no_norms: "Zatím není nastavena žádná norma potřeby; statistiky potřeby se objeví, jakmile ji analytik nastaví.",
    day: "Den",
    show: "Zobrazit",
    coverage: "pokrytí potřeby",
    capacity: "Kapacita",
    need: "Potřeba podle normy",
    download_csv: "Stáhnout tabulku (CSV)",
};

const EN: Texts = Texts {
    site: "Portal of social services",
    skip: "Skip to content",
    other_language: "Česky",
    search_title: "Find social services",
    words: "What are you looking for",
    kind: "Kind of service",
    kraj: "Region (kraj)",
    any: "any",
    free_now: "only with free places now",
    search: "Search",
    services_found: "Services found:",
    free_places: "free places",
    pages: "Result pages",
    page: "Page",
    previous: "previous",
    next: "next",
    bad_filters: "A filter is not valid",
    no_service: "No such service in the registry",
    provider: "Provider",
    last_verified: "Last verified",
    never: "not verified yet",
    facilities: "Where it is provided",
    vacancies: "Free places",
    vacancies_caption: "Latest reports of free places by facility",
    facility: "Facility",
    reported: "Age of the report (days)",
    stale: "older than 7 days",
    footer: "Data of the registry of social service providers; open data at /api/v1 and /hsds.",
    board_title: "Free places",
    board_caption: "Free places as reported, fresh reports first (free / capacity)",
    service: "Service",
    main_menu: "Main menu",
    map_title: "Map of services",
    services_label: "services",
    coloured_by: "Coloured by",
    whole_country: "whole country",
    no_boundaries: "No boundaries are loaded; the figures are in the table.",
    orp: "ORP",
    stats_title: "Capacity and need",
    no_norms: "No need norm is set yet; the statistics of need appear once an analyst sets one.",
    day: "Day",
    show: "Show",
    coverage: "coverage of the need",
    capacity: "Capacity",
    need: "Need by the norm",
    download_csv: "Download the table (CSV)",
};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A hidden form field.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// A form of the signed-in pages: posts `action` with these hidden fields to
/// `/moje/akce`, then its visible controls and a button.
pub fn action_form(
    lang: Lang,
    action: &str,
    fields: &[(&str, &str)],
    controls: &str,
    button: &str,
) -> String {
    let mut f = format!(
        "<form method=\"post\" action=\"/moje/akce\">{}{}",
        hidden("lang", lang.code()),
        hidden("action", action)
    );
    for (k, v) in fields {
        f.push_str(&hidden(k, v));
    }
    f.push_str(controls);
    f.push_str(&format!(
        "<button type=\"submit\">{}</button></form>",
        esc(button)
    ));
    f
}

/// What a page says after a form: that it was done, or why not.
pub fn notices(done: Option<&str>, problem: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(text) = done {
        out.push_str(&format!(
            "<p role=\"status\" class=\"ok\">{}</p>",
            esc(text)
        ));
    }
    if let Some(text) = problem {
        out.push_str(&format!(
            "<p role=\"alert\" class=\"problem\">{}</p>",
            esc(text)
        ));
    }
    out
}

/// Colours chosen for contrast above 4.5:1 (WCAG 2.1 AA) on white.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}\
header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}\
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #767676}\
a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b35c00;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
.results li{margin:.75rem 0}table{border-collapse:collapse}th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left}\
input,select,button,textarea{font:inherit;padding:.25rem}fieldset{margin:.75rem 0;border:1px solid #767676}\
.bar{display:inline-block;height:.8rem;background:#0b4f9c}.ok{border-left:4px solid #1d6b2c;padding-left:.5rem}\
.problem{border-left:4px solid #a4000f;padding-left:.5rem}table.result{margin:1rem 0}table.areas{display:block;overflow-x:auto}svg.facilities{max-width:24rem;width:100%;display:block}dt{font-weight:bold}\
@media (max-width:40rem){header{display:block}table{font-size:.9rem}th,td{padding:.2rem}}footer{border-top:1px solid #767676;margin-top:2rem;font-size:.9rem}";

/// A whole page: `title` as its heading, `path` to switch the language on the same page.
pub fn layout(lang: Lang, title: &str, path: &str, body: &str) -> String {
    let t = lang.texts();
    let other = match lang {
        Lang::Cs => "en",
        Lang::En => "cs",
    };
    format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — {site}</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">{skip}</a>\
         <header><p><a href=\"/?lang={code}\">{site}</a></p>\
         <nav aria-label=\"{menu}\"><a href=\"/?lang={code}\">{search}</a> · <a href=\"/volna-mista?lang={code}\">{board}</a> · \
         <a href=\"/mapa?lang={code}\">{map}</a> · <a href=\"/statistiky?lang={code}\">{stats}</a> · \
         <a href=\"/ankety?lang={code}\">{surveys}</a> · <a href=\"/planovani?lang={code}\">{planning}</a> · <a href=\"/moje?lang={code}\">{mine}</a> · \
         <a href=\"{path}{sep}lang={other}\" lang=\"{other}\" hreflang=\"{other}\">{other_language}</a></nav></header>\
         <main id=\"main\"><h1>{title}</h1>{body}</main>\
         <footer><p>{footer}</p></footer></body></html>",
        code = lang.code(),
        title = esc(title),
        site = esc(t.site),
        skip = esc(t.skip),
        other_language = esc(t.other_language),
        path = esc(path),
        sep = if path.contains('?') { "&amp;" } else { "?" },
        footer = esc(t.footer),
        menu = esc(t.main_menu),
        search = esc(t.search),
        board = esc(t.board_title),
        map = esc(t.map_title),
        stats = esc(t.stats_title),
        surveys = esc(lang.tr("Ankety", "Surveys")),
        planning = esc(lang.tr("Plánování", "Planning")),
        mine = esc(lang.tr("Pro poskytovatele", "For providers")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_language_read() {
        assert_eq!(
            esc("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(Lang::from_query("q=azyl&lang=en"), Lang::En);
        assert_eq!(Lang::from_query("q=lang=en"), Lang::Cs);
        let page = layout(Lang::En, "A <b>", "/", "<p>x</p>");
        assert!(page.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(page.contains("<title>A &lt;b&gt; — Portal of social services</title>"));
        assert!(page.contains("<main id=\"main\"><h1>A &lt;b&gt;</h1><p>x</p></main>"));
    }
}
