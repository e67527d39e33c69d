//! The command API's refusals in Czech: the domain says why it refuses a
//! command in English (the API's language, for every client); the pages of
//! a Czech visitor say it in Czech. A refusal is matched against the
//! English templates below, `{}` standing for a value (an id, a number)
//! that the Czech text carries over in the same order. A refusal without a
//! template is shown as it came; the test reads the domain's refusals from
//! its source and asks for a template of each.

/// The records the domain names ("the service exists already", "the plan
/// does not exist"), and their Czech names.
const SUBJECTS: [(&str, &str); 27] = [
    ("the account", "Účet"),
    ("the subscription", "Odběr"),
    ("the notification", "Zpráva"),
    ("the application", "Žádost"),
    ("the article", "Aktualita"),
    ("the award", "Ocenění"),
    ("the call", "Výzva"),
    ("the contact", "Kontakt"),
    ("the directory entry", "Záznam adresáře"),
    ("the document", "Dokument"),
    ("the event", "Akce"),
    ("the group", "Pracovní skupina"),
    ("the link", "Odkaz"),
    ("the meeting", "Jednání"),
    ("the member", "Člen"),
    ("the plan", "Plán"),
    ("the post", "Příspěvek"),
    ("the posting", "Nabídka práce"),
    ("the provider", "Poskytovatel"),
    ("the service", "Služba"),
    ("the survey", "Anketa"),
    ("the thread", "Vlákno"),
    ("revision {}", "Revize {}"),
    ("the API token {}", "Klíč API {}"),
    ("a provider with IČO {}", "Poskytovatel s IČO {}"),
    ("the record {}", "Záznam {}"),
    ("the projection {}", "Projekce {}"),
];

/// Refusals and reasons of fields: English template, Czech template.
const TEXTS: [(&str, &str); 115] = [
    // The domain's refusals of a command in the record's state.
    ("a notification's link is a path of the portal", "Odkaz zprávy musí vést na stránku portálu."),
    ("{} messages are sent only when asked for", "Zprávy druhu {} se posílají jen na žádost; nelze je odhlásit."),
    ("the link is not valid: it was used, it expired, or a newer password was set", "Odkaz už neplatí: byl použit, vypršel, nebo bylo mezitím nastaveno jiné heslo."),
    ("a decided application cannot be withdrawn", "O žádosti už bylo rozhodnuto; nelze ji vzít zpět."),
    ("a hidden post cannot be edited", "Skrytý příspěvek nelze upravit."),
    ("an archived document takes no new version", "K archivovanému dokumentu nelze přidat novou verzi."),
    ("an opened survey cannot be changed", "Otevřenou anketu už nelze měnit."),
    ("no revision is in force", "Žádná revize plánu není platná."),
    ("only a decision can be amended", "Změnit lze jen vydané rozhodnutí."),
    ("revision {} is already approved", "Revize {} už je schválená."),
    ("revision {} is not under discussion", "Revize {} se už neprojednává."),
    ("revision {} was rejected", "Revize {} byla zamítnuta."),
    ("the account is disabled", "Účet je zablokovaný."),
    ("the application has not been evaluated yet", "Žádost ještě nebyla hodnocena."),
    ("the application is already decided; amend the decision instead", "O žádosti už bylo rozhodnuto; změňte rozhodnutí."),
    ("the application is decided; amend the decision instead", "O žádosti už bylo rozhodnuto; změňte rozhodnutí."),
    ("the application was withdrawn", "Žádost byla vzata zpět."),
    ("the call does not accept applications (its deadline has passed or it was cancelled)", "Výzva nepřijímá žádosti (uplynul termín, nebo byla zrušena)."),
    ("the event was cancelled", "Akce byla zrušena."),
    ("the meeting has its minutes already", "Jednání už má zápis."),
    ("the professional section is for registered accounts", "Odborná sekce je jen pro registrované účty."),
    ("the provider has ended; nothing can change", "Poskytovatel ukončil činnost; nic už nelze měnit."),
    ("the provider is already suspended", "Činnost poskytovatele už je pozastavena."),
    ("the provider is not suspended", "Činnost poskytovatele není pozastavena."),
    ("the provider is not waiting for verification", "Poskytovatel nečeká na ověření."),
    ("the service has ended; nothing can change", "Služba byla ukončena; nic už nelze měnit."),
    ("the service is already suspended", "Služba už je pozastavena."),
    ("the service is not suspended", "Služba není pozastavena."),
    ("the service is suspended", "Služba je pozastavena."),
    ("the survey does not accept answers (not open, or closed)", "Anketa nepřijímá odpovědi (není otevřená, nebo je uzavřená)."),
    ("the survey is closed", "Anketa je uzavřená."),
    ("the survey was never opened", "Anketa nebyla nikdy otevřena."),
    ("the thread is locked", "Vlákno je uzamčené."),
    ("the subscription was cancelled; subscribe again", "Odběr byl zrušen; přihlaste se znovu."),
    ("the confirmation link expired; subscribe again", "Odkaz k potvrzení vypršel; přihlaste se k odběru znovu."),
    (
        "an application of service {} to call {} (withdrawn; a withdrawn application is not submitted again) exists already",
        "Služba {} už do výzvy {} žádost podala a vzala ji zpět; znovu ji podat nelze.",
    ),
    (
        "an application of service {} to call {} exists already",
        "Služba {} už do výzvy {} žádost podala; jedna služba podává do výzvy jednu žádost.",
    ),
    // The other refusals of the command API.
    ("If-Match names version {}; the record is at {}", "Záznam mezitím změnil někdo jiný (čekali jsme verzi {}, je ve verzi {}); načtěte stránku znovu."),
    ("Try again in {} seconds.", "Zkuste to znovu za {} s."),
    ("this account may not act for the provider {}", "Tento účet nesmí jednat za poskytovatele {}."),
    ("only a commissioner of {} may do this", "To smí jen zadavatel území {}."),
    ("the provider {} is not invited: {}", "Poskytovatel {} není do ankety pozván: {}"),
    (
        "its registered office is in no known municipality and no service of its named works in {}",
        "u jeho sídla není známa obec a žádná jeho služba v kraji {} nepůsobí",
    ),
    (
        "its registered office is in {} and no service of its named works in {}",
        "jeho sídlo je mimo kraj ({}) a žádná jeho služba v kraji {} nepůsobí",
    ),
    // The web forms' own checks.
    ("content, line {}: a goal (C) before any priority (P)", "obsah, řádek {}: cíl (C) před první prioritou (P)"),
    ("content, line {}: a measure (O) before any goal (C)", "obsah, řádek {}: opatření (O) před prvním cílem (C) – doplňte na konec řádku id cíle"),
    ("content, line {}: the budget {} is not a whole number", "obsah, řádek {}: rozpočet {} není celé číslo"),
    ("content, line {}: the deadline {} is not YYYY-MM-DD", "obsah, řádek {}: termín {} není datum RRRR-MM-DD"),
    ("content, line {}: the goal {} is not in the text", "obsah, řádek {}: cíl {} v textu není"),
    (
        "content, line {}: P | id | title, C | id | title or O | id | title | responsible | budget | YYYY-MM-DD | goal",
        "obsah, řádek {}: čeká se P | id | název, C | id | název nebo O | id | název | kdo odpovídá | rozpočet | RRRR-MM-DD | id cíle",
    ),
    ("budget_lines, line {}: item | amount", "rozpočet, řádek {}: čeká se položka | částka"),
    ("budget_lines, line {}: the amount is not a whole number", "rozpočet, řádek {}: částka není celé číslo"),
    ("criteria, line {}: the points are not a number", "kritéria, řádek {}: body nejsou číslo"),
    ("criteria, line {}: the weight is not a number", "kritéria, řádek {}: váha není číslo"),
    ("questions, line {}: kind | question", "otázky, řádek {}: čeká se druh | otázka"),
    ("questions, line {}: {} is not a kind of question", "otázky, řádek {}: {} není druh otázky"),
    ("criteria, line {}: name | weight | most points", "kritéria, řádek {}: čeká se název | váha | nejvýš bodů"),
    ("{}: {} is not a day and time", "{}: {} není den a čas"),
    ("{}: {} is not a whole number", "{}: {} není celé číslo"),
    ("{}: {} is not a year", "{}: {} není rok"),
    ("{}: {} is not a day", "{}: {} není den (datum)"),
    ("{}: {} is not a per cent", "{}: {} není procento"),
    ("{}: {} is not a number", "{}: {} není číslo"),
    // Reasons of fields.
    ("must not be empty", "je třeba vyplnit"),
    ("must be one line", "musí být na jednom řádku"),
    ("must not contain control characters", "nesmí obsahovat řídicí znaky"),
    ("must be at most {} characters", "smí mít nejvýš {} znaků"),
    ("must be at most {} characters long", "smí mít nejvýš {} znaků"),
    ("at most {} characters", "nejvýš {} znaků"),
    ("at most {} files", "nejvýš {} souborů"),
    ("is a file's name, without a folder", "je název souboru bez složky"),
    ("the file has {} bytes of {}", "soubor má {} bajtů typu {}"),
    ("{} is not an e-mail address", "{} není e-mailová adresa"),
    ("{} is not a telephone number", "{} není telefonní číslo"),
    ("{} is not an http(s) address", "{} není webová adresa (http:// nebo https://)"),
    ("{} is not a Czech postcode (5 digits, first 1–7)", "{} není české PSČ (5 číslic, první 1–7)"),
    ("{} is not a date (YYYY-MM-DD); left out", "{} není datum (RRRR-MM-DD); vynecháno"),
    ("{} is not an RFC 3339 time", "{} není čas (RFC 3339)"),
    ("must be exactly 8 digits (leading zeros included)", "musí mít právě 8 číslic (i s nulami na začátku)"),
    ("has a wrong check digit (expected {})", "má chybnou kontrolní číslici (má být {})"),
    ("must be in the future", "musí být v budoucnosti"),
    ("is in the past", "je v minulosti"),
    ("must not be in the future", "nesmí být v budoucnosti"),
    ("must be a day after today", "musí být pozdější den než dnes"),
    ("is before starts_at", "je před začátkem"),
    ("is before period_from", "je před začátkem období"),
    ("must be within two years", "nejvýš dva roky dopředu"),
    ("at most a year ahead", "nejvýš rok dopředu"),
    ("must not be negative", "nesmí být záporné"),
    ("must be more than 0 CZK", "musí být víc než 0 Kč"),
    ("must be at most {} CZK", "smí být nejvýš {} Kč"),
    ("must be 0 to the {} CZK requested", "musí být 0 až požadovaných {} Kč"),
    ("add up to {} CZK, not the {} requested", "dávají dohromady {} Kč, ne požadovaných {}"),
    ("is not a service of this provider", "není služba tohoto poskytovatele"),
    ("its kind {} may not apply to this call", "služby druhu {} do této výzvy žádat nemohou"),
    ("is not a measure of the plan in force", "není opatření platného plánu"),
    ("is outside the plan's period", "je mimo období plánu"),
    ("is a percentage, 0 to 100", "je procento, 0 až 100"),
    ("the weights add up to {}, not 100", "váhy dávají dohromady {}, ne 100"),
    ("a call needs at least one criterion", "výzva potřebuje aspoň jedno kritérium"),
    ("a plan needs at least one priority", "plán potřebuje aspoň jednu prioritu"),
    ("a survey needs at least one question", "anketa potřebuje aspoň jednu otázku"),
    ("an e-mail or a phone is needed to be reachable", "je třeba e-mail nebo telefon, aby šlo vás zastihnout"),
    ("is a kind of service of the MPSV code list", "je druh služby z číselníku MPSV"),
    ("is required", "je třeba vyplnit"),
    ("{} is not a kraj", "{} není kraj"),
    ("{} is not an ORP", "{} není obec s rozšířenou působností"),
    ("is a kind whose free places are reported: one of {}", "je druh služby, která hlásí volná místa (jeden z {})"),
    ("is required with an ORP", "je třeba vybrat spolu s ORP"),
    ("is required with a kind", "je třeba vybrat spolu s druhem služby"),
    ("give a kraj (its news), or an ORP and a kind (new free places)", "vyberte kraj (jeho aktuality), nebo ORP a druh služby (nová volná místa)"),
    ("is not a confirmation link of this portal", "není odkaz k potvrzení z tohoto portálu"),
    ("give a file or an address, not both", "vyberte soubor, nebo adresu, ne obojí"),
    ("names no file uploaded to this portal (POST /api/v1/files first)", "neodkazuje na soubor nahraný na tento portál"),
    ("is 64 lowercase hex digits", "je 64 malých šestnáctkových číslic"),
];

/// The values of `text` where `template` has `{}`, when it fits.
fn fit(template: &str, text: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = template.split("{}").collect();
    let mut rest = text.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let at = if last {
            // The last literal ends the text.
            rest.strip_suffix(part)?.len()
        } else if part.is_empty() {
            return None;
        } else {
            rest.find(part)?
        };
        values.push(rest[..at].to_string());
        rest = &rest[at + part.len()..];
    }
    rest.is_empty().then_some(values)
}

/// `template` with its `{}` replaced by `values`, in order.
fn fill(template: &str, values: &[String]) -> String {
    let mut out = String::new();
    for (i, part) in template.split("{}").enumerate() {
        if i > 0 {
            out.push_str(values.get(i - 1).map_or("", String::as_str));
        }
        out.push_str(part);
    }
    out
}

/// A subject ("the service", "revision 3") in Czech.
fn subject(what: &str) -> Option<String> {
    SUBJECTS
        .iter()
        .find_map(|(en, cs)| fit(en, what).map(|values| fill(cs, &values)))
}

/// `text`, a refusal or a field's reason, in Czech when it is one the
/// portal knows.
pub fn czech(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(what) = text.strip_suffix(" exists already") {
        if let Some(cs) = subject(what) {
            return Some(format!("{cs} už existuje."));
        }
    }
    if let Some(what) = text.strip_suffix(" does not exist") {
        if let Some(cs) = subject(what) {
            return Some(format!("{cs} neexistuje."));
        }
    }
    TEXTS
        .iter()
        .find_map(|(en, cs)| fit(en, text).map(|values| fill(cs, &values)))
}

/// `text` in Czech when it is known, else as it is.
fn in_czech(text: &str) -> String {
    czech(text).unwrap_or_else(|| text.to_string())
}

/// `text` in the page's language: in Czech when it is known there.
pub fn in_language(lang: super::page::Lang, text: &str) -> String {
    match lang {
        super::page::Lang::Cs => in_czech(text),
        super::page::Lang::En => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages of `DomainError::{kind}(…)` in `source`.
    fn refusals_in(source: &str, out: &mut Vec<(String, String)>) {
        for kind in ["Rejected", "AlreadyExists", "NotFound"] {
            for (at, _) in source.match_indices(&format!("DomainError::{kind}(")) {
                let rest = &source[at..];
                let Some(open) = rest.find('"') else { continue };
                // Only a literal (or format!'s) right after the parenthesis.
                let between = &rest[kind.len() + 14..open];
                if !between.trim().is_empty() && between.trim() != "format!(" {
                    continue;
                }
                let literal = &rest[open + 1..];
                let close = literal.find('"').unwrap();
                // `{n}`, `{:?}`, … stand for a value.
                let mut template = String::new();
                let mut inside = false;
                for c in literal[..close].chars() {
                    match c {
                        '{' => inside = true,
                        '}' => {
                            inside = false;
                            template.push_str("{}");
                        }
                        _ if !inside => template.push(c),
                        _ => {}
                    }
                }
                out.push((kind.to_string(), template));
            }
        }
    }

    #[test]
    fn every_refusal_of_the_domain_reads_in_czech() {
        let mut refusals = Vec::new();
        for source in super::super::domain_sources() {
            refusals_in(&source, &mut refusals);
        }
        assert!(refusals.len() > 50, "{refusals:?}");
        let untranslated: Vec<&(String, String)> = refusals
            .iter()
            .filter(|(kind, template)| {
                let said = match kind.as_str() {
                    "AlreadyExists" => format!("{template} exists already"),
                    "NotFound" => format!("{template} does not exist"),
                    _ => template.clone(),
                }
                .replace("{}", "X");
                // The application's refusal ends in a remark of its own.
                let said = said.replace("XX exists already", "X exists already");
                czech(&said).is_none()
            })
            .collect();
        assert!(
            untranslated.is_empty(),
            "no Czech text for {untranslated:?}"
        );
    }

    #[test]
    fn values_are_carried_over() {
        assert_eq!(
            czech("revision 3 was rejected").unwrap(),
            "Revize 3 byla zamítnuta."
        );
        assert_eq!(
            czech("revision 12 does not exist").unwrap(),
            "Revize 12 neexistuje."
        );
        assert_eq!(
            czech("the service exists already").unwrap(),
            "Služba už existuje."
        );
        assert_eq!(
            czech("\"jana@\" is not an e-mail address").unwrap(),
            "\"jana@\" není e-mailová adresa"
        );
        assert_eq!(
            czech("If-Match names version 3; the record is at 5").unwrap(),
            "Záznam mezitím změnil někdo jiný (čekali jsme verzi 3, je ve verzi 5); načtěte stránku znovu."
        );
        assert_eq!(
            czech("an application of service s1 to call c1 exists already").unwrap(),
            "Služba s1 už do výzvy c1 žádost podala; jedna služba podává do výzvy jednu žádost."
        );
        assert_eq!(czech("something else entirely"), None);
        // Letters of more than a byte anywhere.
        assert_eq!(
            czech("waiting: \"hodně\" is not a number").unwrap(),
            "waiting: \"hodně\" není číslo"
        );
        assert_eq!(czech("ž"), None);
        assert_eq!(in_czech("something else"), "something else");
        assert_eq!(fit("a {} b", "a x b c"), None);
    }
}
