//! The MPSV code lists the registry uses: kinds of social service (each with
//! its § of Act 108/2006 Sb.), forms of provision and capacity units. Target
//! and age groups stay plain codes, since newer code lists add values.

use serde::{Deserialize, Serialize};

/// A kind of social service (`DruhSocialniSluzby`): code, name, § of Act 108/2006 Sb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct ServiceKind(u16);

/// (code, name, §) of the 34 kinds. Code 2 is not used by MPSV. The § of
/// kind 35 (centrum duševního zdraví, added to the code list in 2024) is left
/// empty until confirmed against the Act's current text.
pub const KINDS: &[(u16, &str, &str)] = &[
    (1, "odborné sociální poradenství", "37"),
    (3, "osobní asistence", "39"),
    (4, "pečovatelská služba", "40"),
    (5, "tísňová péče", "41"),
    (6, "průvodcovské a předčitatelské služby", "42"),
    (7, "podpora samostatného bydlení", "43"),
    (8, "odlehčovací služby", "44"),
    (9, "centra denních služeb", "45"),
    (10, "denní stacionáře", "46"),
    (11, "týdenní stacionáře", "47"),
    (12, "domovy pro osoby se zdravotním postižením", "48"),
    (13, "domovy pro seniory", "49"),
    (14, "domovy se zvláštním režimem", "50"),
    (15, "chráněné bydlení", "51"),
    (
        16,
        "sociální služby poskytované ve zdravotnických zařízeních lůžkové péče",
        "52",
    ),
    (17, "raná péče", "54"),
    (18, "telefonická krizová pomoc", "55"),
    (19, "tlumočnické služby", "56"),
    (20, "azylové domy", "57"),
    (21, "domy na půl cesty", "58"),
    (22, "kontaktní centra", "59"),
    (23, "krizová pomoc", "60"),
    (24, "nízkoprahová denní centra", "61"),
    (25, "nízkoprahová zařízení pro děti a mládež", "62"),
    (26, "noclehárny", "63"),
    (27, "služby následné péče", "64"),
    (28, "sociálně aktivizační služby pro rodiny s dětmi", "65"),
    (
        29,
        "sociálně aktivizační služby pro seniory a osoby se zdravotním postižením",
        "66",
    ),
    (30, "sociálně terapeutické dílny", "67"),
    (31, "terapeutické komunity", "68"),
    (32, "terénní programy", "69"),
    (33, "sociální rehabilitace", "70"),
    (34, "intervenční centra", "60a"),
    (35, "centrum duševního zdraví", ""),
];

/// The kinds whose free places are reported (the vacancy board's and the
/// map's): azylové domy, noclehárny, domy na půl cesty, terapeutické
/// komunity, intervenční centra, sociální rehabilitace.
pub const VACANCY_KINDS: [u16; 6] = [20, 26, 21, 31, 34, 33];

impl ServiceKind {
    /// A known kind.
    ///
    /// # Errors
    /// When the code is not in the MPSV list.
    pub fn from_code(code: u16) -> Result<Self, String> {
        if KINDS.iter().any(|k| k.0 == code) {
            Ok(Self(code))
        } else {
            Err(format!(
                "{code} is not a kind of social service of the MPSV code list"
            ))
        }
    }

    /// The MPSV code.
    pub fn code(self) -> u16 {
        self.0
    }

    fn entry(self) -> &'static (u16, &'static str, &'static str) {
        KINDS
            .iter()
            .find(|k| k.0 == self.0)
            .expect("constructed from the list")
    }

    /// The Czech name.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// The § of Act 108/2006 Sb. (`"57"`, `"60a"`), `None` when not confirmed.
    pub fn paragraph(self) -> Option<&'static str> {
        Some(self.entry().2).filter(|p| !p.is_empty())
    }
}

impl TryFrom<u16> for ServiceKind {
    type Error = String;
    fn try_from(code: u16) -> Result<Self, String> {
        Self::from_code(code)
    }
}

impl From<ServiceKind> for u16 {
    fn from(kind: ServiceKind) -> Self {
        kind.0
    }
}

/// A form of provision (`FormaSocialniSluzby`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Form {
    /// `pob`: residential.
    #[serde(rename = "pob")]
    Residential,
    /// `amb`: outpatient.
    #[serde(rename = "amb")]
    Outpatient,
    /// `ter`: field.
    #[serde(rename = "ter")]
    Field,
}

/// A capacity unit (`TypKapacitySocialniSluzby`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CapacityUnit {
    /// `luzka`: beds.
    #[serde(rename = "luzka")]
    Beds,
    /// `klient`: clients.
    #[serde(rename = "klient")]
    Clients,
    /// `kontakt`: contacts (10 minutes).
    #[serde(rename = "kontakt")]
    Contacts,
    /// `interv`: interventions (30 minutes).
    #[serde(rename = "interv")]
    Interventions,
    /// `hovor`: calls.
    #[serde(rename = "hovor")]
    Calls,
}

/// Checks a code of an open code list (target group, age group, territory):
/// 1–16 letters, digits, `-` or `_`. Unknown values are kept.
///
/// # Errors
/// The reason.
pub fn check_code(code: &str) -> Result<(), String> {
    let ok = !code.is_empty()
        && code.len() <= 16
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{code:?} is not a code (1–16 letters, digits, - or _)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_has_34_kinds_with_their_paragraphs() {
        assert_eq!(KINDS.len(), 34);
        assert!(ServiceKind::from_code(2).is_err());
        let asylum = ServiceKind::from_code(20).unwrap();
        assert_eq!(
            (asylum.name(), asylum.paragraph()),
            ("azylové domy", Some("57"))
        );
        assert_eq!(ServiceKind::from_code(26).unwrap().paragraph(), Some("63"));
        assert_eq!(ServiceKind::from_code(33).unwrap().paragraph(), Some("70"));
        assert_eq!(ServiceKind::from_code(35).unwrap().paragraph(), None);
        let json = serde_json::to_string(&asylum).unwrap();
        assert_eq!(json, "20");
        assert!(serde_json::from_str::<ServiceKind>("99").is_err());
    }

    #[test]
    fn forms_and_units_use_the_mpsv_codes() {
        assert_eq!(
            serde_json::to_string(&Form::Residential).unwrap(),
            "\"pob\""
        );
        assert_eq!(
            serde_json::to_string(&CapacityUnit::Beds).unwrap(),
            "\"luzka\""
        );
        assert!(check_code("30").is_ok());
        assert!(check_code("").is_err() && check_code("a b").is_err());
    }
}
