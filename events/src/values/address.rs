//! Postal address with the RÚIAN address-place code, and contacts.

use crate::error::{optional_text, Violations};
use serde::{Deserialize, Serialize};

/// An address in the Czech Republic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// Street and number, e.g. `Teplická 1234/56`.
    #[serde(default)]
    pub street: String,
    /// Town or village.
    #[serde(default)]
    pub city: String,
    /// Postcode: five digits, the first 1–7 (spaces ignored).
    #[serde(default)]
    pub postcode: String,
    /// ČSÚ/RÚIAN code of the municipality (six digits), when known.
    #[serde(default)]
    pub municipality_code: Option<String>,
    /// RÚIAN address-place code (kód adresního místa), when known.
    #[serde(default)]
    pub ruian_code: Option<u64>,
}

/// Checks a Czech postcode; returns it without spaces.
///
/// # Errors
/// The reason.
pub fn normalise_postcode(value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let ok = digits.len() == 5
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'7').contains(&digits.as_bytes()[0]);
    if ok {
        Ok(digits)
    } else {
        Err(format!(
            "{value:?} is not a Czech postcode (5 digits, first 1–7)"
        ))
    }
}

impl Address {
    /// Street, postcode and town on one line, those given
    /// (`Kamenická 5, 40502 Děčín`).
    pub fn one_line(&self) -> String {
        [
            self.street.as_str(),
            &format!("{} {}", self.postcode, self.city),
        ]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// Checks every part, recording violations under `prefix` (e.g. `address`).
    pub fn check(&self, prefix: &str, v: &mut Violations) {
        v.check(format!("{prefix}.street"), optional_text(&self.street, 200));
        v.check(
            format!("{prefix}.city"),
            crate::error::required_text(&self.city, 100),
        );
        v.check(
            format!("{prefix}.postcode"),
            normalise_postcode(&self.postcode),
        );
        self.check_codes(prefix, v);
    }

    /// Checks the address of a place of a service, which the registry does
    /// not always give whole (a facility without an address, or with a
    /// secret one): every part given must be valid; the postcode may be
    /// missing; the town is required once a street or postcode is given.
    pub fn check_place(&self, prefix: &str, v: &mut Violations) {
        v.check(format!("{prefix}.street"), optional_text(&self.street, 200));
        if self.street.trim().is_empty() && self.postcode.trim().is_empty() {
            v.check(format!("{prefix}.city"), optional_text(&self.city, 100));
        } else {
            v.check(
                format!("{prefix}.city"),
                crate::error::required_text(&self.city, 100),
            );
        }
        if !self.postcode.trim().is_empty() {
            v.check(
                format!("{prefix}.postcode"),
                normalise_postcode(&self.postcode),
            );
        }
        self.check_codes(prefix, v);
    }

    fn check_codes(&self, prefix: &str, v: &mut Violations) {
        if let Some(code) = &self.municipality_code {
            if !is_municipality_code(code) {
                v.add(
                    format!("{prefix}.municipality_code"),
                    "must be a six-digit municipality code",
                );
            }
        }
        if self.ruian_code == Some(0) {
            v.add(
                format!("{prefix}.ruian_code"),
                "must be a RÚIAN address-place code",
            );
        }
    }

    /// The same address with the postcode without spaces (after [`Self::check`]).
    #[must_use]
    pub fn normalised(mut self) -> Self {
        if let Ok(p) = normalise_postcode(&self.postcode) {
            self.postcode = p;
        }
        self.street = self.street.trim().to_string();
        self.city = self.city.trim().to_string();
        self
    }
}

/// Public contacts of an organisation or service (not of private persons).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contacts {
    /// E-mail addresses.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Telephone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Web addresses.
    #[serde(default)]
    pub webs: Vec<String>,
}

impl Contacts {
    /// Checks the shapes (at most 10 of each; plausible e-mail, phone and web).
    pub fn check(&self, prefix: &str, v: &mut Violations) {
        for (name, list) in [
            ("emails", &self.emails),
            ("phones", &self.phones),
            ("webs", &self.webs),
        ] {
            if list.len() > 10 {
                v.add(format!("{prefix}.{name}"), "at most 10 entries");
            }
        }
        for (name, list, check) in [
            (
                "emails",
                &self.emails,
                check_email as fn(&str) -> Result<(), String>,
            ),
            ("phones", &self.phones, check_phone),
            ("webs", &self.webs, check_web),
        ] {
            for (i, entry) in list.iter().enumerate() {
                v.check(format!("{prefix}.{name}[{i}]"), check(entry));
            }
        }
    }
}

/// A municipality code: six digits (the same in ČSÚ and RÚIAN).
pub fn is_municipality_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// A plausible e-mail address.
///
/// # Errors
/// Why not.
pub fn check_email(e: &str) -> Result<(), String> {
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !e.contains(char::is_whitespace);
    ok.then_some(())
        .ok_or_else(|| format!("{e:?} is not an e-mail address"))
}

/// A plausible telephone number (9–15 digits, spaces, `+()-/`).
///
/// # Errors
/// Why not.
pub fn check_phone(p: &str) -> Result<(), String> {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let ok = (9..=15).contains(&digits)
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +()-/".contains(c));
    ok.then_some(())
        .ok_or_else(|| format!("{p:?} is not a telephone number"))
}

/// An http(s) address.
///
/// # Errors
/// Why not.
pub fn check_web(w: &str) -> Result<(), String> {
    let ok = w.len() <= 300
        && (w.starts_with("http://") || w.starts_with("https://"))
        && !w.contains(char::is_whitespace);
    ok.then_some(())
        .ok_or_else(|| format!("{w:?} is not an http(s) address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        assert_eq!(normalise_postcode("405 02").unwrap(), "40502");
        assert!(normalise_postcode("05502").is_err());
        assert!(normalise_postcode("4050").is_err());
    }

    #[test]
    fn contacts_name_the_bad_entry() {
        let c = Contacts {
            emails: vec!["info@charita.cz".into(), "nope".into()],
            phones: vec!["+420 412 345 678".into(), "12".into()],
            webs: vec!["https://www.charita.cz".into(), "ftp://x".into()],
        };
        let mut v = Violations::new();
        c.check("contacts", &mut v);
        let Err(crate::DomainError::Invalid(errors)) = v.finish() else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "contacts.emails[1]",
                "contacts.phones[1]",
                "contacts.webs[1]"
            ]
        );
    }
}
