//! What each kind of message says: subject, paragraphs, the action and its
//! link, in Czech (English for a recipient that chose it), as plain text and
//! HTML (an askama template, escaped).

use askama::Template;
use events::notifications::notification::Decision;
use events::notifications::NotificationKind as K;

/// A message's words before they become an e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Words {
    /// Subject.
    pub subject: String,
    /// The paragraphs.
    pub paragraphs: Vec<String>,
    /// The action's label.
    pub action: String,
    /// What a digest lists: each item's label and link (a path, made absolute by the sender).
    pub items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "email.html")]
struct Html<'a> {
    language: &'a str,
    site: &'a str,
    subject: &'a str,
    paragraphs: &'a [String],
    items: &'a [(String, String)],
    action_label: &'a str,
    action_url: &'a str,
    link_note: &'a str,
    footer: &'a str,
    settings_url: Option<&'a str>,
    settings_note: &'a str,
}

/// A day `2026-12-01` as Czech write it (`1. 12. 2026`).
fn czech_day(iso: &str) -> String {
    match time::Date::parse(iso, &time::format_description::well_known::Iso8601::DATE) {
        Ok(d) => format!("{}. {}. {}", d.day(), u8::from(d.month()), d.year()),
        Err(_) => iso.to_string(),
    }
}

/// An amount in crowns with a no-break space between thousands (`1 500 000 Kč`).
fn czk(amount: &str) -> String {
    let digits: Vec<char> = amount.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c.is_ascii_digit() {
            out.push('\u{a0}');
        }
        out.push(*c);
    }
    format!("{out}\u{a0}Kč")
}

/// The words of a decision's message.
pub fn words(d: &Decision, site: &str, english: bool) -> Words {
    let f = |k: &str| d.facts.get(k).cloned().unwrap_or_default();
    let service = f("service");
    let title = f("title");
    let w = |subject: String, paragraphs: Vec<String>, action: &str| Words {
        subject,
        paragraphs,
        action: action.to_string(),
        items: Vec::new(),
    };
    if english {
        return match d.kind {
            K::PasswordReset => w(
                format!("Reset your password at {site}"),
                vec!["A new password was asked for your account. The link works once, for one hour. If you did not ask, ignore this message.".into()],
                "Set a new password",
            ),
            K::AccountInvitation => w(
                format!("Your account at {site}"),
                vec![format!("An account was created for you at {site}. Set your password by the link below.")],
                "Set your password",
            ),
            _ => w(
                format!("{site}: {}", d.kind.code().replace('_', " ")),
                vec![format!("{} {}", service, title).trim().to_string()],
                "Open the portal",
            ),
        };
    }
    match d.kind {
        K::VacancyReminder => {
            let last = match (d.facts.get("reported_on"), d.facts.get("free_places")) {
                (Some(on), Some(free)) => format!(
                    "Služba {service} naposledy hlásila volná místa {}: {free}.",
                    czech_day(on)
                ),
                _ => format!("Služba {service} zatím volná místa nehlásila."),
            };
            w(
                format!("Nahlaste prosím volná místa: {service}"),
                vec![
                    last,
                    "Lidé, kteří hledají místo, i sociální pracovníci vidí jen čerstvá hlášení. Nahlaste prosím, kolik míst máte volných teď – i když se nic nezměnilo; stačí dvě kliknutí.".into(),
                ],
                "Nahlásit volná místa",
            )
        }
        K::VerificationRequest | K::VerificationReminder => w(
            if d.kind == K::VerificationReminder {
                format!("Připomínka: ověřte prosím údaje služby {service}")
            } else {
                format!("Ověřte prosím údaje služby {service}")
            },
            vec![
                format!(
                    "Údaje služby {service} v registru byly naposledy ověřeny {}.",
                    czech_day(&f("verified_on"))
                ),
                "Zkontrolujte je prosím – popis, kontakty, provozní dobu, kapacitu – a potvrďte je, nebo opravte.".into(),
            ],
            "Zkontrolovat údaje",
        ),
        K::SurveyInvitation => w(
            format!("Anketa: {title}"),
            vec![format!(
                "Zveme vás k vyplnění ankety „{title}“. Vaše odpovědi pomohou plánovat sociální služby ve vašem území."
            )],
            "Vyplnit anketu",
        ),
        K::SurveyClosed => w(
            format!("Anketa „{title}“ je uzavřena"),
            vec![format!("Vaše anketa „{title}“ byla uzavřena. Výsledky najdete na portálu.")],
            "Zobrazit výsledky",
        ),
        K::GrantCallAnnounced => w(
            format!("Nová dotační výzva: {title}"),
            vec![format!(
                "Byla vyhlášena výzva „{title}“, do které se mohou hlásit vaše služby. Žádosti lze podávat do {}.",
                czech_day(&f("deadline"))
            )],
            "Zobrazit výzvu",
        ),
        K::GrantDeadlineReminder => w(
            format!("Blíží se konec výzvy: {title}"),
            vec![format!(
                "Žádosti do výzvy „{title}“ lze podávat do {}. Od vás zatím žádná nepřišla.",
                czech_day(&f("deadline"))
            )],
            "Podat žádost",
        ),
        K::GrantDecision => {
            let amount = f("granted_amount");
            let outcome = if amount == "0" || amount.is_empty() {
                "žádosti nebylo vyhověno".to_string()
            } else {
                format!("přiznáno {}", czk(&amount))
            };
            w(
                format!("Rozhodnutí o žádosti: {title}"),
                vec![format!(
                    "O žádosti služby {service} ve výzvě „{title}“ bylo rozhodnuto: {outcome}. Odůvodnění najdete na portálu."
                )],
                "Zobrazit rozhodnutí",
            )
        }
        K::AccountInvitation => w(
            format!("Pozvánka na portál {site}"),
            vec![
                format!("Na portálu {site} vám byl založen účet."),
                "Nastavte si heslo odkazem níže. Odkaz lze použít jednou a platí sedm dní.".into(),
            ],
            "Nastavit heslo",
        ),
        K::PasswordReset => w(
            format!("Obnovení hesla na portálu {site}"),
            vec![
                "Někdo (nejspíš vy) požádal o nové heslo k vašemu účtu.".into(),
                "Odkaz níže platí jednu hodinu a lze ho použít jednou. Pokud jste o nové heslo nežádali, zprávu ignorujte – vaše heslo zůstává.".into(),
            ],
            "Nastavit nové heslo",
        ),
        K::SubscriptionConfirmation => w(
            format!("Potvrďte odběr z portálu {site}"),
            vec![
                format!("Někdo (nejspíš vy) přihlásil tuto adresu k odběru: {}. Jednou týdně vám pošleme přehled novinek.", f("about")),
                "Odběr začne, až ho potvrdíte odkazem níže (platí sedm dní). Pokud jste se nepřihlásili, zprávu ignorujte – bez potvrzení vám nic dalšího nepošleme a adresu smažeme.".into(),
            ],
            "Potvrdit odběr",
        ),
        K::Digest => {
            let items: Vec<(String, String)> = d
                .facts
                .iter()
                .filter_map(|(k, label)| {
                    let n = k.strip_prefix("item.")?;
                    Some((label.clone(), d.facts.get(&format!("link.{n}"))?.clone()))
                })
                .collect();
            let count: usize = f("count").parse().unwrap_or(items.len());
            let mut paragraphs = vec![format!(
                "{}–{}: {}",
                czech_day(&f("from")),
                czech_day(&f("to")),
                if f("kind_of_topic") == "vacancies" {
                    "tyto služby nově nahlásily volná místa a stále je mají."
                } else {
                    "nové aktuality."
                }
            )];
            if count > items.len() {
                paragraphs.push(format!("Uvádíme prvních {}, všechny ({count}) najdete na portálu.", items.len()));
            }
            Words {
                items,
                ..w(
                    format!("Přehled týdne – {}", f("about")),
                    paragraphs,
                    "Otevřít na portálu",
                )
            }
        }
    }
}

/// The plain text and HTML bodies.
pub fn bodies(
    words: &Words,
    site: &str,
    portal_url: &str,
    action_url: &str,
    settings_url: Option<&str>,
    english: bool,
) -> (String, String) {
    let (link_note, footer, settings_note) = if english {
        (
            "If the button does not work, open:",
            format!("This message was sent by {site} ({portal_url})."),
            "Choose which messages you get, or stop this kind in one click:",
        )
    } else {
        (
            "Pokud tlačítko nefunguje, otevřete:",
            format!("Tuto zprávu poslal portál {site} ({portal_url})."),
            "Které zprávy chcete dostávat, nastavíte zde; tento druh zpráv odhlásíte jedním kliknutím:",
        )
    };
    let mut text = String::new();
    for p in &words.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    for (label, url) in &words.items {
        text.push_str(&format!("- {label}\n  {url}\n"));
    }
    if !words.items.is_empty() {
        text.push('\n');
    }
    text.push_str(&format!(
        "{}: {action_url}\n\n-- \n{footer}\n",
        words.action
    ));
    if let Some(url) = settings_url {
        text.push_str(&format!("{settings_note} {url}\n"));
    }
    let html = Html {
        language: if english { "en" } else { "cs" },
        site,
        subject: &words.subject,
        paragraphs: &words.paragraphs,
        items: &words.items,
        action_label: &words.action,
        action_url,
        link_note,
        footer: &footer,
        settings_url,
        settings_note,
    }
    .render()
    .unwrap_or_else(|_| text.clone());
    (text, html)
}
