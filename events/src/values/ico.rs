//! IČO, the identification number of a legal person: eight digits, the last
//! a mod-11 check digit. Kept as text: leading zeros are significant.

use serde::{Deserialize, Serialize};

/// A checked IČO.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ico(String);

impl Ico {
    /// Checks the format and the check digit.
    ///
    /// # Errors
    /// The reason, in words.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be exactly 8 digits (leading zeros included)".into());
        }
        let digits: Vec<u32> = value.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = digits[..7]
            .iter()
            .zip((2..=8).rev())
            .map(|(d, w)| d * w)
            .sum();
        let check = (11 - sum % 11) % 10;
        if digits[7] != check {
            return Err(format!("has a wrong check digit (expected {check})"));
        }
        Ok(Self(value.to_string()))
    }

    /// The eight digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ico {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Ico> for String {
    fn from(ico: Ico) -> Self {
        ico.0
    }
}

impl std::fmt::Display for Ico {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_icos_pass() {
        // MPSV, Diakonie ČCE, Charita Česká republika, a leading-zero IČO.
        for ico in ["00551023", "45242623", "70100969", "00064581", "25596641"] {
            assert!(Ico::parse(ico).is_ok(), "{ico}");
        }
    }

    #[test]
    fn the_check_digit_is_enforced() {
        assert!(Ico::parse("00551024").unwrap_err().contains("check digit"));
        assert!(Ico::parse("1234567").is_err());
        assert!(Ico::parse("1234567a").is_err());
        assert!(Ico::parse("123456789").is_err());
    }

    #[test]
    fn remainder_zero_and_one_give_check_digits_one_and_zero() {
        // Weighted sum 0 → remainder 0 → check digit 1; remainder 1 → 0.
        assert!(Ico::parse("00000001").is_ok());
        // 0000001x: sum = 1*2 = 2, check = (11-2)%10 = 9.
        assert!(Ico::parse("00000019").is_ok());
        // 0000010x: sum = 1*3 = 3 ... choose sum ≡ 1 (mod 11): 0000060x: 6*2=12 → 1 → 0.
        assert!(Ico::parse("00000060").is_ok());
    }
}
