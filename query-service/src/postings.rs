//! The services by a word or by a value of a filter: for each key, the set
//! of the index's slots that have it, as a compressed bitmap (ADR 0026), so
//! that a search intersects sets instead of looking at every service, and a
//! facet's count is the size of an intersection.

use roaring::RoaringBitmap;
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The slots by key.
#[derive(Debug)]
pub struct Postings<K>(BTreeMap<K, RoaringBitmap>);

impl<K> Default for Postings<K> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<K: Ord> Postings<K> {
    /// Adds `slot` to the set of `key`.
    pub fn add(&mut self, key: K, slot: u32) {
        self.0.entry(key).or_default().insert(slot);
    }

    /// Removes `slot` from the set of `key` (a set left empty goes).
    pub fn remove<Q>(&mut self, key: &Q, slot: u32)
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if let Some(set) = self.0.get_mut(key) {
            set.remove(slot);
            if set.is_empty() {
                self.0.remove(key);
            }
        }
    }

    /// The set of `key`, if any slot has it.
    pub fn get<Q>(&self, key: &Q) -> Option<&RoaringBitmap>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.get(key)
    }

    /// The set of `key`, empty when no slot has it.
    pub fn of<Q>(&self, key: &Q) -> RoaringBitmap
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key).cloned().unwrap_or_default()
    }

    /// Every key with its set, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &RoaringBitmap)> {
        self.0.iter()
    }
}

impl Postings<String> {
    /// The slots of every key that begins with `prefix`.
    pub fn starting_with(&self, prefix: &str) -> RoaringBitmap {
        let mut all = RoaringBitmap::new();
        for (_, set) in self
            .0
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(prefix))
        {
            all |= set;
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::Postings;

    #[test]
    fn a_set_left_empty_goes_and_prefixes_gather_every_key() {
        let mut p = Postings::<String>::default();
        p.add("domov".into(), 1);
        p.add("domovy".into(), 2);
        p.add("dum".into(), 3);
        assert_eq!(p.starting_with("domov").iter().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(p.starting_with("d").len(), 3);
        assert!(p.starting_with("e").is_empty());
        p.remove("dum", 3);
        assert!(p.get("dum").is_none(), "its set went with its last slot");
        assert!(p.of("dum").is_empty());
        p.remove("domov", 7);
        assert_eq!(
            p.of("domov").len(),
            1,
            "removing an absent slot changes nothing"
        );
    }
}
