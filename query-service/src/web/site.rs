//! Who runs this portal and how its pages look: the portal's name, its
//! operator (name, address, logo) from the settings, the stylesheet and the
//! favicon. The pages of a request read the site's identity from the
//! request's scope (`current`), which the web router's layer sets from the
//! state, so that every page, error pages too, shows the same header and
//! footer.

use super::page::Lang;
use crate::api::QueryState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use infra::settings::SettingsError;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

/// The stylesheet (`assets/portal.css`).
const STYLESHEET: &str = include_str!("../../assets/portal.css");
/// The favicon (`assets/favicon.svg`).
const FAVICON: &str = include_str!("../../assets/favicon.svg");

/// The operator's logo: its bytes and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// `image/svg+xml` or `image/png`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
}

/// The portal's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// `PORTAL_SITE_NAME`: the portal's name (unset: "Portál sociálních služeb").
    pub name: Option<String>,
    /// `PORTAL_OPERATOR`: who runs it, e.g. "Krajský úřad Ústeckého kraje".
    pub operator: Option<String>,
    /// `PORTAL_OPERATOR_URL`: the operator's web site (`https://…`).
    pub operator_url: Option<String>,
    /// `PORTAL_OPERATOR_LOGO`: an SVG or PNG file, shown in the header.
    pub logo: Option<Logo>,
}

impl Site {
    /// Reads the environment.
    ///
    /// # Errors
    /// When a variable is malformed or the logo cannot be read.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings that `get` gives.
    ///
    /// # Errors
    /// When a variable is malformed or the logo cannot be read.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let text = |name| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let operator_url = text("PORTAL_OPERATOR_URL");
        if let Some(url) = &operator_url {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(SettingsError::Invalid {
                    var: "PORTAL_OPERATOR_URL",
                    reason: "must be an http:// or https:// address".into(),
                });
            }
        }
        let logo = match text("PORTAL_OPERATOR_LOGO") {
            None => None,
            Some(path) => Some(read_logo(PathBuf::from(path))?),
        };
        Ok(Self {
            name: text("PORTAL_SITE_NAME"),
            operator: text("PORTAL_OPERATOR"),
            operator_url,
            logo,
        })
    }

    /// The portal's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        self.name.as_deref().unwrap_or(lang.texts().site)
    }
}

fn read_logo(path: PathBuf) -> Result<Logo, SettingsError> {
    let invalid = |reason: String| SettingsError::Invalid {
        var: "PORTAL_OPERATOR_LOGO",
        reason,
    };
    let bytes = std::fs::read(&path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if std::str::from_utf8(&bytes).is_ok_and(|s| s.contains("<svg")) {
        "image/svg+xml"
    } else {
        return Err(invalid(format!(
            "{}: not an SVG or PNG image",
            path.display()
        )));
    };
    if bytes.len() > 512 * 1024 {
        return Err(invalid(format!("{}: larger than 512 KiB", path.display())));
    }
    Ok(Logo {
        content_type,
        bytes,
    })
}

tokio::task_local! {
    static SITE: Arc<Site>;
}

/// The site of the request being answered (the defaults outside one).
pub fn current() -> Arc<Site> {
    static DEFAULT: LazyLock<Arc<Site>> = LazyLock::new(Arc::default);
    SITE.try_with(Arc::clone)
        .unwrap_or_else(|_| DEFAULT.clone())
}

/// The layer that puts the state's site in the request's scope.
pub async fn in_scope(State(state): State<QueryState>, request: Request, next: Next) -> Response {
    SITE.scope(state.site.clone(), next.run(request)).await
}

/// A short version of the stylesheet, so that a changed one is fetched again.
pub fn stylesheet_version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        // FNV-1a over the stylesheet.
        let hash = STYLESHEET.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{:08x}", hash >> 32)
    });
    &VERSION
}

fn asset(content_type: &'static str, body: impl IntoResponse, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `GET /vzhled/portal.css`: the stylesheet (immutable under its version).
pub async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        STYLESHEET,
        "public, max-age=31536000, immutable",
    )
}

/// `GET /favicon.svg`.
pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON, "public, max-age=86400")
}

/// `GET /vzhled/logo`: the operator's logo, when there is one.
pub async fn logo(State(state): State<QueryState>) -> Response {
    match &state.site.logo {
        Some(logo) => asset(
            logo.content_type,
            logo.bytes.clone(),
            "public, max-age=3600",
        ),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_is_read_from_its_settings() {
        let dir = std::env::temp_dir().join(format!("site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svg = dir.join("logo.svg");
        std::fs::write(&svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
        let text = dir.join("logo.txt");
        std::fs::write(&text, "not a picture").unwrap();
        let vars = |pairs: Vec<(&'static str, String)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            }
        };
        let site = Site::from_lookup(vars(vec![
            ("PORTAL_SITE_NAME", "Sociální služby Děčín".into()),
            ("PORTAL_OPERATOR", " Statutární město Děčín ".into()),
            ("PORTAL_OPERATOR_URL", "https://www.mmdecin.cz".into()),
            ("PORTAL_OPERATOR_LOGO", svg.display().to_string()),
        ]))
        .unwrap();
        assert_eq!(site.name(Lang::En), "Sociální služby Děčín");
        assert_eq!(site.operator.as_deref(), Some("Statutární město Děčín"));
        assert_eq!(site.logo.as_ref().unwrap().content_type, "image/svg+xml");
        let default = Site::from_lookup(|_| None).unwrap();
        assert_eq!(default.name(Lang::Cs), "Portál sociálních služeb");
        assert_eq!(default, Site::default());
        let bad = Site::from_lookup(vars(vec![("PORTAL_OPERATOR_URL", "www.mmdecin.cz".into())]));
        assert!(bad.unwrap_err().to_string().contains("PORTAL_OPERATOR_URL"));
        let bad = Site::from_lookup(vars(vec![(
            "PORTAL_OPERATOR_LOGO",
            text.display().to_string(),
        )]));
        assert!(bad.unwrap_err().to_string().contains("not an SVG or PNG"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_page_shows_the_site_of_its_request() {
        use askama::Template;
        let site = Arc::new(Site {
            name: Some("Sociální služby Děčín".into()),
            operator: Some("Statutární město Děčín".into()),
            operator_url: Some("https://www.mmdecin.cz".into()),
            logo: Some(Logo {
                content_type: "image/svg+xml",
                bytes: b"<svg/>".to_vec(),
            }),
        });
        let page = SITE
            .scope(site, async {
                super::super::page::AlertPage {
                    frame: super::super::page::Frame {
                        lang: Lang::Cs,
                        title: "Nic",
                        path: "/",
                    },
                    text: "x",
                }
                .render()
                .unwrap()
            })
            .await;
        assert!(
            page.contains("<title>Nic — Sociální služby Děčín</title>"),
            "{page}"
        );
        assert!(
            page.contains("<img src=\"/vzhled/logo\" alt=\"Statutární město Děčín\""),
            "{page}"
        );
        assert!(
            page.contains("<a href=\"https://www.mmdecin.cz\">Statutární město Děčín</a>"),
            "{page}"
        );
        assert!(page.contains(&format!(
            "<link rel=\"stylesheet\" href=\"/vzhled/portal.css?v={}\">",
            stylesheet_version()
        )));
        assert!(page.contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">"));
    }
}
