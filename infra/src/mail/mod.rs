//! E-mail: a message as the portal sends it, the transports that deliver
//! it (SMTP with `lettre`, or `.eml` files in a folder when the embedded
//! mode has no SMTP server), their settings, and the outbox of messages
//! waiting to be delivered (ADR 0021).

pub mod outbox;

use anyhow::Context;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// One message, ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Its `Message-ID` (without angle brackets), derived from the notification's id.
    pub message_id: String,
    /// The recipient's address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The one-click unsubscribe address (RFC 8058), for every message that is not transactional.
    pub unsubscribe: Option<String>,
    /// `Content-Language`.
    pub language: &'static str,
}

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later: the server is away, busy, or answered 4xx.
    #[error("temporary: {0}")]
    Transient(String),
    /// Never: the address or the message was refused (5xx).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Where messages go.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands the message over.
    ///
    /// # Errors
    /// [`SendError`], telling whether to try again.
    async fn send(&self, email: &Email) -> Result<(), SendError>;

    /// What it is, for logs and `/ready`.
    fn describe(&self) -> String;

    /// Forgets the copy it kept of a message, if any (an erasure): the
    /// `.eml` files of the embedded mode; an SMTP server keeps none here.
    ///
    /// # Errors
    /// When the copy exists but cannot be removed.
    async fn forget(&self, _message_id: &str) -> std::io::Result<()> {
        Ok(())
    }
}

/// A shared handle to any mailer.
pub type DynMailer = std::sync::Arc<dyn Mailer>;

/// The settings of e-mail.
#[derive(Clone)]
pub struct MailSettings {
    /// `PORTAL_SMTP_URL`: `smtp://host:port` (STARTTLS when offered… see lettre), `smtps://host:port`.
    pub smtp_url: Option<String>,
    /// `PORTAL_SMTP_USER`.
    pub smtp_user: Option<String>,
    /// The password read from `PORTAL_SMTP_PASSWORD_FILE`.
    pub smtp_password: Option<String>,
    /// `PORTAL_MAIL_FROM`: the sender (`Portál <portal@mesto.cz>`).
    pub from: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(crate::postgres::redact_url),
            )
            .field("smtp_user", &self.smtp_user)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_user: None,
            smtp_password: None,
            from: DEFAULT_FROM.into(),
        }
    }
}

/// The sender when `PORTAL_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "Portál sociálních služeb <portal@localhost>";

impl MailSettings {
    /// From `PORTAL_SMTP_URL`, `PORTAL_SMTP_USER`, `PORTAL_SMTP_PASSWORD_FILE`, `PORTAL_MAIL_FROM`.
    ///
    /// # Errors
    /// Naming the variable whose value is unusable.
    pub fn from_env() -> Result<Self, crate::settings::SettingsError> {
        use crate::settings::{var, SettingsError};
        let smtp_password = match var("PORTAL_SMTP_PASSWORD_FILE") {
            Some(path) => Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| SettingsError::Invalid {
                        var: "PORTAL_SMTP_PASSWORD_FILE",
                        reason: format!("{path} cannot be read: {e}"),
                    })?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            ),
            None => None,
        };
        let settings = Self {
            smtp_url: var("PORTAL_SMTP_URL"),
            smtp_user: var("PORTAL_SMTP_USER"),
            smtp_password,
            from: var("PORTAL_MAIL_FROM").unwrap_or_else(|| DEFAULT_FROM.into()),
        };
        if let Err(e) = settings.from.parse::<Mailbox>() {
            return Err(SettingsError::Invalid {
                var: "PORTAL_MAIL_FROM",
                reason: format!("{:?} is not an address: {e}", settings.from),
            });
        }
        if let Some(url) = &settings.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(SettingsError::Invalid {
                    var: "PORTAL_SMTP_URL",
                    reason: format!(
                        "{} must start with smtp:// or smtps://",
                        crate::postgres::redact_url(url)
                    ),
                });
            }
        }
        Ok(settings)
    }

    /// The mailer these settings name: SMTP when a URL is set, else `.eml`
    /// files in `outbox_dir` (the embedded mode), else none.
    ///
    /// # Errors
    /// When the URL or the sender is unusable, or the folder cannot be made.
    pub fn mailer(&self, outbox_dir: Option<PathBuf>) -> anyhow::Result<Option<DynMailer>> {
        let from: Mailbox = self
            .from
            .parse()
            .with_context(|| format!("PORTAL_MAIL_FROM={:?} is not an address", self.from))?;
        if let Some(url) = &self.smtp_url {
            return Ok(Some(std::sync::Arc::new(SmtpMailer::new(
                url,
                self.smtp_user.clone(),
                self.smtp_password.clone(),
                from,
            )?)));
        }
        match outbox_dir {
            Some(dir) => {
                crate::sqlite::private_dir(&dir)?;
                Ok(Some(std::sync::Arc::new(FileMailer { dir, from })))
            }
            None => Ok(None),
        }
    }
}

/// Builds the MIME message: plain text and HTML alternatives, UTF-8, with
/// the `Message-ID`, `Content-Language` and, when not transactional,
/// `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058).
///
/// # Errors
/// When an address does not parse (a permanent failure).
pub fn build(from: &Mailbox, email: &Email) -> Result<lettre::Message, SendError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("the address {:?}: {e}", email.to)))?;
    let header = |name: &str, value: String| {
        HeaderValue::new(
            HeaderName::new_from_ascii(name.to_string()).expect("a valid header name"),
            value,
        )
    };
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}>", email.message_id)))
        .raw_header(header("Content-Language", email.language.to_string()))
        .raw_header(header("Auto-Submitted", "auto-generated".to_string()));
    if let Some(url) = &email.unsubscribe {
        builder = builder
            .raw_header(header("List-Unsubscribe", format!("<{url}>")))
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))
}

/// Delivers to an SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    url: String,
}

impl SmtpMailer {
    /// A mailer for `url` (`smtp://host:port` or `smtps://host:port`).
    ///
    /// # Errors
    /// When the URL does not parse.
    pub fn new(
        url: &str,
        user: Option<String>,
        password: Option<String>,
        from: Mailbox,
    ) -> anyhow::Result<Self> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).with_context(|| {
                format!(
                    "PORTAL_SMTP_URL={} is not an SMTP URL",
                    crate::postgres::redact_url(url)
                )
            })?;
        if let Some(user) = user {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    user,
                    password.unwrap_or_default(),
                ));
        }
        Ok(Self {
            transport: builder.timeout(Some(Duration::from_secs(20))).build(),
            from,
            url: crate::postgres::redact_url(url),
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), SendError> {
        let message = build(&self.from, email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(format!("{e}"))),
        }
    }

    fn describe(&self) -> String {
        format!("SMTP {}", self.url)
    }
}

/// Writes each message as an `.eml` file (named by its `Message-ID`) into a
/// folder, atomically (a temporary file, fsync, rename): what a small town
/// without an SMTP server sees it would send.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// A mailer writing into `dir` (created when missing).
    ///
    /// # Errors
    /// When the folder cannot be made.
    pub fn new(dir: PathBuf, from: Mailbox) -> anyhow::Result<Self> {
        crate::sqlite::private_dir(&dir)?;
        Ok(Self { dir, from })
    }
}

impl FileMailer {
    /// The file a message is written to, named by its `Message-ID`.
    fn file_of(&self, message_id: &str) -> (String, PathBuf) {
        let name: String = message_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let file = self.dir.join(format!("{name}.eml"));
        (name, file)
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn forget(&self, message_id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.file_of(message_id).1) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    async fn send(&self, email: &Email) -> Result<(), SendError> {
        let bytes = build(&self.from, email)?.formatted();
        let (name, file) = self.file_of(&email.message_id);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let tmp = dir.join(format!(".{name}.tmp"));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, file)?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(|e| SendError::Transient(e.to_string()))?
        .map_err(|e| SendError::Transient(format!("{}: {e}", self.dir.display())))
    }

    fn describe(&self) -> String {
        format!("the folder {}", self.dir.display())
    }
}

/// Reads a duration as the settings write them: `7d`, `12h`, `30m`, `5s` (or plain seconds).
///
/// # Errors
/// When it is not a number with one of those units.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let v = value.trim();
    let (number, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{value:?} is not a duration like 7d, 12h, 30m or 5s"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3_600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "{value:?} is not a duration like 7d, 12h, 30m or 5s"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_the_settings_write_them() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("7 days").is_err());
        assert!(parse_duration("d").is_err());
    }

    #[test]
    fn a_message_has_both_bodies_its_id_and_the_unsubscribe_headers() {
        let from: Mailbox = DEFAULT_FROM.parse().unwrap();
        let email = Email {
            message_id: "abc@portal".into(),
            to: "sluzba@example.org".into(),
            subject: "Nahlaste volná místa".into(),
            text: "Dobrý den".into(),
            html: "<p>Dobrý den</p>".into(),
            unsubscribe: Some("https://portal.example/odhlasit?t=x".into()),
            language: "cs",
        };
        let raw = String::from_utf8(build(&from, &email).unwrap().formatted()).unwrap();
        assert!(raw.contains("Message-ID: <abc@portal>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://portal.example/odhlasit?t=x>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        let transactional = Email {
            unsubscribe: None,
            ..email
        };
        let raw = String::from_utf8(build(&from, &transactional).unwrap().formatted()).unwrap();
        assert!(!raw.contains("List-Unsubscribe"));
        assert!(build(
            &from,
            &Email {
                to: "not an address".into(),
                ..transactional
            }
        )
        .is_err());
    }
}
