//! Text normalisation for search: lower case without diacritics, split into
//! words, so that "decin" finds "Děčín" and "azyl" finds "Azylový dům".

/// The letter without its diacritics (Czech, Slovak, German, Polish, Hungarian letters).
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ą' => 'a',
        'č' | 'ć' | 'ç' => 'c',
        'ď' => 'd',
        'é' | 'è' | 'ê' | 'ë' | 'ě' | 'ę' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ľ' | 'ĺ' | 'ł' => 'l',
        'ň' | 'ń' | 'ñ' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ő' => 'o',
        'ř' | 'ŕ' => 'r',
        'š' | 'ś' => 's',
        'ť' => 't',
        'ú' | 'ù' | 'û' | 'ü' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ž' | 'ź' | 'ż' => 'z',
        other => other,
    }
}

/// Lower case, diacritics removed.
pub fn normalise(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect()
}

/// The words of a text, normalised (letters and digits; everything else separates).
pub fn words(text: &str) -> Vec<String> {
    normalise(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn czech_diacritics_and_case_are_ignored() {
        assert_eq!(normalise("Děčín"), "decin");
        assert_eq!(
            words("Azylový dům – Ústí nad Labem"),
            ["azylovy", "dum", "usti", "nad", "labem"]
        );
        assert_eq!(normalise("ŘEŘICHA Žluťoučký kůň"), "rericha zlutoucky kun");
    }
}
