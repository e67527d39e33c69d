//! Text normalisation for search: lower case without diacritics, split into
//! words, so that "decin" finds "Děčín" and "azyl" finds "Azylový dům"; and
//! the stems of Czech words, so that "azylový dům" finds "azylové domy".

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

/// The length in letters of the first of `endings` that `word` ends with,
/// when the word is longer than `longer_than` letters.
fn ends(word: &[char], longer_than: usize, endings: &[&str]) -> Option<usize> {
    if word.len() <= longer_than {
        return None;
    }
    endings.iter().find_map(|e| {
        let n = e.chars().count();
        (n <= word.len() && e.chars().rev().zip(word.iter().rev()).all(|(a, b)| a == *b))
            .then_some(n)
    })
}

/// The case endings of Czech nouns and adjectives, longest first, each with
/// the length a word must exceed to lose it.
const CASE_ENDINGS: [(usize, &[&str]); 4] = [
    (7, &["atech"]),
    (6, &["ětem", "etem", "atům"]),
    (
        5,
        &[
            "ech", "ich", "ích", "ého", "ěmi", "emi", "ému", "ěte", "ete", "ěti", "eti", "ího",
            "iho", "ími", "ímu", "imu", "ách", "ata", "aty", "ých", "ama", "ami", "ové", "ovi",
            "ými",
        ],
    ),
    (
        4,
        &[
            "em", "es", "ém", "ím", "ům", "at", "ám", "os", "us", "ým", "mi", "ou",
        ],
    ),
];

/// The stem of a Czech word (lower case, with its diacritics), without its
/// diacritics: the light stemmer of Dolamic & Savoy (2009, "Indexing and
/// stemming approaches for the Czech language"), the one Lucene's
/// `CzechStemmer` implements — case endings, then possessive suffixes, then
/// a few rewrites of the stem's last letters (`čt`→`ck`, `št`→`sk`, `c`/`č`→`k`,
/// `z`/`ž`→`h`, a last `e` dropped, `ů`→`o`). It conflates the forms of a
/// word ("domy", "dům", "domech"), not words of one root; some stems are no
/// words ("předsd").
pub fn stem(word: &str) -> String {
    let mut s: Vec<char> = word.chars().collect();
    // Case endings.
    let cut = CASE_ENDINGS
        .iter()
        .find_map(|(longer_than, endings)| ends(&s, *longer_than, endings))
        .or_else(|| {
            let vowel = matches!(
                s.last(),
                Some('a' | 'e' | 'i' | 'o' | 'u' | 'ů' | 'y' | 'á' | 'é' | 'í' | 'ý' | 'ě')
            );
            (s.len() > 3 && vowel).then_some(1)
        });
    s.truncate(s.len() - cut.unwrap_or(0));
    // Possessive suffixes.
    if let Some(n) = ends(&s, 5, &["ov", "in", "ův"]) {
        s.truncate(s.len() - n);
    }
    // Rewrites of the stem's end.
    let n = s.len();
    if n >= 2 && matches!(s[n - 2..], ['č', 't'] | ['š', 't']) {
        s[n - 2] = if s[n - 2] == 'č' { 'c' } else { 's' };
        s[n - 1] = 'k';
    } else if n >= 1 && matches!(s[n - 1], 'c' | 'č') {
        s[n - 1] = 'k';
    } else if n >= 1 && matches!(s[n - 1], 'z' | 'ž') {
        s[n - 1] = 'h';
    } else if n > 1 && s[n - 2] == 'e' {
        s.remove(n - 2);
    } else if n > 2 && s[n - 2] == 'ů' {
        s[n - 2] = 'o';
    }
    s.into_iter().map(fold).collect()
}

/// The words of a text, lower case with their diacritics (letters and digits).
fn raw_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
}

/// The stems of a text's words (see [`stem`]).
pub fn stems(text: &str) -> Vec<String> {
    raw_words(text).map(|w| stem(&w)).collect()
}

/// A word of a query: its prefix (diacritics removed) and the stems it may
/// stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word without diacritics, matched as a prefix of an indexed word.
    pub prefix: String,
    /// Its stem, and for a word typed without diacritics (as on a phone)
    /// also the stem it has when its `u` is a `ů` ("dum" for "dům").
    pub stems: Vec<String>,
}

/// The words of a query.
pub fn query_words(q: &str) -> Vec<QueryWord> {
    raw_words(q)
        .map(|w| {
            let mut stems = vec![stem(&w)];
            let chars: Vec<char> = w.chars().collect();
            let n = chars.len();
            if w.is_ascii() && n > 2 && chars[n - 2] == 'u' {
                let mut with = chars.clone();
                with[n - 2] = 'ů';
                let other = stem(&with.into_iter().collect::<String>());
                if !stems.contains(&other) {
                    stems.push(other);
                }
            }
            QueryWord {
                prefix: normalise(&w),
                stems,
            }
        })
        .collect()
}

/// The key that sorts texts in Czech order (ČSN 97 6030): the letters of the
/// Czech alphabet first (`c` < `č` < `d`, `h` < `ch` < `i`, `r` < `ř`,
/// `s` < `š`, `z` < `ž`), then the acute and the ring (`a` = `á` unless the
/// texts are otherwise equal), then case. Digits come before letters; spaces
/// and punctuation before both. Compare the keys bytewise.
pub fn collation_key(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "abcčdefghXijklmnopqrřsštuvwxyzž";
    let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let cased: Vec<bool> = text
        .chars()
        .flat_map(|c| {
            let upper = c.is_uppercase();
            c.to_lowercase().map(move |_| upper)
        })
        .collect();
    let (mut primary, mut secondary, mut tertiary) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < lower.len() {
        let c = lower[i];
        let (weight, accent) = if c == 'c' && lower.get(i + 1) == Some(&'h') {
            i += 1;
            (position(ALPHABET, 'X'), 0)
        } else if c.is_alphabetic() {
            // č ř š ž are letters of their own; the other marks only accents.
            match ALPHABET.chars().position(|a| a == c && a != 'X') {
                Some(_) => (position(ALPHABET, c), 0),
                None => {
                    let base = fold(c);
                    let accent = if base == c {
                        0
                    } else {
                        1 + u8::from(c == 'ů')
                    };
                    match ALPHABET.chars().position(|a| a == base && a != 'X') {
                        Some(_) => (position(ALPHABET, base), accent),
                        None => (250, 0),
                    }
                }
            }
        } else if let Some(d) = c.to_digit(10) {
            (10 + u8::try_from(d).unwrap_or(0), 0)
        } else {
            (1, 0)
        };
        primary.push(weight);
        secondary.push(accent + 1);
        tertiary.push(1 + u8::from(cased[i]));
        i += 1;
    }
    primary.push(0);
    primary.extend(secondary);
    primary.push(0);
    primary.extend(tertiary);
    primary
}

/// A letter's weight: its place in the alphabet, after the digits.
fn position(alphabet: &str, c: char) -> u8 {
    let at = alphabet.chars().position(|a| a == c).unwrap_or(0);
    30 + u8::try_from(at).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_sort_in_czech_order() {
        let mut names = vec![
            "Žatec",
            "Zlín",
            "Chomutov",
            "Cheb",
            "Hodonín",
            "Ivančice",
            "Čáslav",
            "Cvikov",
            "Řevnice",
            "Rakovník",
            "Šumperk",
            "Sokolov",
            "Ústí nad Labem",
            "Uherský Brod",
            "Adamov",
            "Ášov",
            "Ahoj",
            "Tábor",
            "Ťapka",
            "Tanvald",
            "2 domy",
            "dům",
            "Dům",
        ];
        names.sort_by_key(|n| collation_key(n));
        assert_eq!(
            names,
            [
                "2 domy",
                "Adamov",
                "Ahoj",
                "Ášov",
                "Cvikov",
                "Čáslav",
                "dům",
                "Dům",
                "Hodonín",
                "Cheb",
                "Chomutov",
                "Ivančice",
                "Rakovník",
                "Řevnice",
                "Sokolov",
                "Šumperk",
                "Tábor",
                "Tanvald",
                "Ťapka",
                "Uherský Brod",
                "Ústí nad Labem",
                "Zlín",
                "Žatec",
            ]
        );
    }

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

    /// The published examples of the light stemmer (Dolamic & Savoy's
    /// declension tables, as in Lucene's tests): every form of a word has
    /// the same stem, the one given (without diacritics here).
    #[test]
    fn the_forms_of_a_czech_word_have_one_stem() {
        let tables: &[(&str, &[&str])] = &[
            (
                "pan",
                &[
                    "pán", "páni", "pánové", "pána", "pánů", "pánovi", "pánům", "pány", "páne",
                    "pánech", "pánem",
                ],
            ),
            (
                "hrad",
                &[
                    "hrad", "hradu", "hrade", "hradem", "hrady", "hradech", "hradům", "hradů",
                ],
            ),
            (
                "muh",
                &["muž", "muži", "muže", "mužů", "mužům", "mužích", "mužem"],
            ),
            (
                "stroj",
                &[
                    "stroj",
                    "stroje",
                    "strojů",
                    "stroji",
                    "strojům",
                    "strojích",
                    "strojem",
                ],
            ),
            (
                "predsd",
                &[
                    "předseda",
                    "předsedové",
                    "předsedy",
                    "předsedů",
                    "předsedovi",
                    "předsedům",
                    "předsedu",
                    "předsedo",
                    "předsedech",
                    "předsedou",
                ],
            ),
            (
                "soudk",
                &[
                    "soudce",
                    "soudci",
                    "soudců",
                    "soudcům",
                    "soudcích",
                    "soudcem",
                ],
            ),
            (
                "kost",
                &["kost", "kosti", "kostí", "kostem", "kostech", "kostmi"],
            ),
            (
                "pisn",
                &["písně", "písni", "písněmi", "písních", "písním", "píseň"],
            ),
            (
                "ruh",
                &["růže", "růží", "růžím", "růžích", "růžemi", "růži"],
            ),
            (
                "zn",
                &[
                    "žena", "ženy", "žen", "ženě", "ženám", "ženu", "ženo", "ženách", "ženou",
                    "ženami",
                ],
            ),
            (
                "mest",
                &[
                    "město", "města", "měst", "městu", "městům", "městě", "městech", "městem",
                    "městy",
                ],
            ),
            ("mor", &["moře", "moří", "mořím", "moři", "mořích", "mořem"]),
            (
                "kur",
                &[
                    "kuře",
                    "kuřata",
                    "kuřete",
                    "kuřat",
                    "kuřeti",
                    "kuřatům",
                    "kuřatech",
                    "kuřetem",
                    "kuřaty",
                ],
            ),
            ("stavn", &["stavení", "stavením", "staveních", "staveními"]),
            (
                "mlad",
                &[
                    "mladý", "mladí", "mladého", "mladých", "mladému", "mladým", "mladé", "mladém",
                    "mladými", "mladá", "mladou",
                ],
            ),
            (
                "jarn",
                &[
                    "jarní", "jarního", "jarních", "jarnímu", "jarním", "jarními",
                ],
            ),
            ("karl", &["karlův"]),
            ("jazyk", &["jazykový"]),
            ("cesk", &["český", "čeští"]),
            ("anglick", &["anglický", "angličtí"]),
            ("knih", &["kniha", "knize"]),
            ("mah", &["mazat", "mažu"]),
            ("kluk", &["kluk", "kluci", "klucích"]),
            ("hezk", &["hezký", "hezčí"]),
            ("hol", &["hůl", "hole"]),
            ("desk", &["deska", "desek"]),
            ("e", &["e"]),
            ("zi", &["zi"]),
        ];
        for (expected, forms) in tables {
            for form in *forms {
                assert_eq!(stem(form), *expected, "{form}");
            }
        }
        // The words of the portal's users.
        for (a, b) in [
            ("azylový", "azylové"),
            ("azylových", "azylový"),
            ("dům", "domy"),
            ("noclehárna", "noclehárny"),
            ("senioři", "seniory"),
            ("seniorům", "senior"),
            ("Děčín", "Děčíně"),
        ] {
            assert_eq!(stems(a), stems(b), "{a} ~ {b}");
        }
        assert_eq!(stem(""), "");
    }

    #[test]
    fn a_query_word_typed_without_diacritics_stands_for_both() {
        let q = query_words("Azylovy DUM");
        assert_eq!(q[0].prefix, "azylovy");
        assert_eq!(q[0].stems, ["azyl"]);
        assert_eq!(q[1].prefix, "dum");
        assert_eq!(q[1].stems, ["dum", "dom"]);
        assert_eq!(query_words("dům")[0].stems, ["dom"]);
        assert!(query_words(" – ").is_empty());
    }
}
