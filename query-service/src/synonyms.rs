//! The words people use for the kinds of social service, which the names of
//! the services and of their kinds (the MPSV code list) do not contain: a
//! search for "azylák" or "domov důchodců" finds the services of those
//! kinds as well as the services whose text has the words. The table is
//! reviewed by its test: every kind exists, and no entry is a form of a
//! word its kinds' names already have (the stemmer finds those).

use crate::text::{stems, QueryWord};
use std::sync::LazyLock;

/// A phrase (one to three words, in any of their forms) and the kinds of
/// service (MPSV codes) it names.
pub const SYNONYMS: &[(&str, &[u16])] = &[
    ("azylák", &[20]),
    ("ubytovna", &[20, 26]),
    ("přespání", &[26, 20]),
    ("bezdomovec", &[20, 24, 26, 32]),
    ("bezdomovci", &[20, 24, 26, 32]),
    ("bez domova", &[20, 24, 26, 32]),
    ("matky s dětmi", &[20]),
    ("domov důchodců", &[13]),
    ("důchodce", &[13, 4, 29]),
    ("důchodci", &[13, 4, 29]),
    ("pečovatelka", &[4]),
    ("donáška obědů", &[4]),
    ("asistent", &[3]),
    ("alzheimer", &[14]),
    ("demence", &[14]),
    ("léčebna dlouhodobě nemocných", &[16]),
    ("ldn", &[16]),
    ("linka důvěry", &[18]),
    ("linka bezpečí", &[18]),
    ("tlumočník", &[19]),
    ("neslyšící", &[19]),
    ("krizové centrum", &[23]),
    ("drogy", &[22, 32, 31]),
    ("závislost", &[22, 31, 32, 27]),
    ("domácí násilí", &[34]),
    ("týrání", &[34]),
    ("respitní", &[8]),
    ("chráněná dílna", &[30]),
    ("klub pro děti", &[25]),
];

/// A phrase of the table as stems, with its kinds.
struct Entry {
    stems: Vec<String>,
    kinds: &'static [u16],
}

static ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    SYNONYMS
        .iter()
        .map(|(phrase, kinds)| Entry {
            stems: stems(phrase),
            kinds,
        })
        .collect()
});

/// A part of a query: some of its words, and the kinds of service they name
/// together (empty when they are no phrase of the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'q> {
    /// The words.
    pub words: &'q [QueryWord],
    /// The kinds they name.
    pub kinds: &'static [u16],
}

/// The query's words in parts: each phrase of the table (the longest first)
/// is one part, every other word a part of its own.
pub fn parts(words: &[QueryWord]) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let phrase = ENTRIES
            .iter()
            .filter(|e| {
                e.stems.len() <= words.len() - i
                    && e.stems
                        .iter()
                        .zip(&words[i..])
                        .all(|(s, w)| w.stems.contains(s))
            })
            .max_by_key(|e| e.stems.len());
        let (n, kinds) = phrase.map_or((1, &[][..]), |e| (e.stems.len(), e.kinds));
        out.push(Part {
            words: &words[i..i + n],
            kinds,
        });
        i += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::query_words;
    use events::values::codes::KINDS;

    #[test]
    fn the_table_names_real_kinds_and_words_their_names_lack() {
        for (phrase, kinds) in SYNONYMS {
            assert!(!kinds.is_empty(), "{phrase}");
            for kind in *kinds {
                let Some((_, name, _)) = KINDS.iter().find(|k| k.0 == *kind) else {
                    panic!("{phrase}: {kind} is not a kind of the MPSV list");
                };
                let in_name = stems(name);
                assert!(
                    !stems(phrase).iter().all(|s| in_name.contains(s)),
                    "{phrase}: the name {name:?} of kind {kind} already has these words"
                );
            }
        }
    }

    #[test]
    fn a_phrase_in_any_form_is_one_part() {
        let q = query_words("Domovy důchodců v Děčíně");
        let p = parts(&q);
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!((p[0].words.len(), p[0].kinds), (2, &[13][..]));
        assert_eq!((p[1].words.len(), p[1].kinds), (1, &[][..]));
        assert_eq!(p[2].words[0].prefix, "decine");
        // Typed without diacritics, and inflected.
        let q = query_words("azylaku decin");
        assert_eq!(parts(&q)[0].kinds, &[20]);
        assert!(parts(&[]).is_empty());
    }
}
