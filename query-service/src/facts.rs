//! What a search counts and measures of each service — its kind, forms,
//! target groups and kraje for the facets, its place for distances — as one
//! small record a slot, in one array: to count the facets of a thousand
//! results, or to order them by distance, is to read a thousand of these,
//! not a thousand service records scattered over the heap (ADR 0026).

use crate::index::ServiceEntry;
use events::values::{Form, Location};
use std::collections::HashMap;
use std::hash::Hash;

/// How many values of a facet get a number (a bit in [`Facts`]); the
/// values seen after are counted from their sets of services.
pub const NUMBERED: usize = 64;

/// A facet's values, numbered in the order they are first seen (the first
/// [`NUMBERED`] of them).
#[derive(Debug)]
pub struct Numbered<K> {
    numbers: HashMap<K, u8>,
    values: Vec<K>,
}

impl<K> Default for Numbered<K> {
    fn default() -> Self {
        Self {
            numbers: HashMap::new(),
            values: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> Numbered<K> {
    /// The number of `value`, given it now if there is one left.
    fn number(&mut self, value: &K) -> Option<u8> {
        if let Some(&n) = self.numbers.get(value) {
            return Some(n);
        }
        let n = u8::try_from(self.values.len())
            .ok()
            .filter(|&n| usize::from(n) < NUMBERED)?;
        self.numbers.insert(value.clone(), n);
        self.values.push(value.clone());
        Some(n)
    }

    /// Whether `value` has a number.
    pub fn has(&self, value: &K) -> bool {
        self.numbers.contains_key(value)
    }

    /// The values by number.
    pub fn values(&self) -> &[K] {
        &self.values
    }
}

/// One service's facts, by number.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// The kind's number.
    kind: Option<u8>,
    /// A bit a form ([`FORMS`]).
    forms: u8,
    /// A bit a numbered target group.
    target_groups: u64,
    /// A bit a numbered kraj.
    kraje: u64,
    /// Whether a value of it has no number.
    unnumbered: bool,
    /// Where it is, when at one place (most are): distances are measured
    /// without reading the record.
    place: Place,
}

/// Where a service's facilities are, for distances.
#[derive(Debug, Clone, Copy, Default)]
enum Place {
    /// Nowhere known.
    #[default]
    Nowhere,
    /// At one place.
    One(Location),
    /// At several: see the record.
    Several,
}

/// The forms, in the order of their bits.
pub const FORMS: [Form; 3] = [Form::Residential, Form::Outpatient, Form::Field];

/// Counts by number (`unnumbered`: whether a result has a value without one).
#[derive(Debug)]
pub struct Counts {
    /// By the kinds' numbers.
    pub kind: [usize; NUMBERED],
    /// By [`FORMS`].
    pub form: [usize; 3],
    /// By the target groups' numbers.
    pub target_group: [usize; NUMBERED],
    /// By the kraje's numbers.
    pub kraj: [usize; NUMBERED],
    /// Whether some result has a value without a number.
    pub unnumbered: bool,
}

/// The facts of every slot and the numbers of the values.
#[derive(Debug, Default)]
pub struct FactTable {
    facts: Vec<Facts>,
    /// The kinds' numbers.
    pub kinds: Numbered<u16>,
    /// The target groups' numbers.
    pub target_groups: Numbered<String>,
    /// The kraje's numbers.
    pub kraje: Numbered<String>,
}

impl FactTable {
    /// Keeps the facts of the service in `slot`.
    pub fn put(&mut self, slot: u32, e: &ServiceEntry) {
        let slot = slot as usize;
        if self.facts.len() <= slot {
            self.facts.resize(slot + 1, Facts::default());
        }
        let d = &e.view.details;
        let mut facts = Facts {
            kind: self.kinds.number(&d.kind),
            ..Facts::default()
        };
        facts.unnumbered = facts.kind.is_none();
        for f in &d.forms {
            let bit = FORMS.iter().position(|x| *x == f.form).unwrap_or(0);
            facts.forms |= 1 << bit;
        }
        for g in &d.target_groups {
            match self.target_groups.number(g) {
                Some(n) => facts.target_groups |= 1 << n,
                None => facts.unnumbered = true,
            }
        }
        for k in &e.kraje {
            match self.kraje.number(k) {
                Some(n) => facts.kraje |= 1 << n,
                None => facts.unnumbered = true,
            }
        }
        facts.place = match e.locations.as_slice() {
            [] => Place::Nowhere,
            [one] => Place::One(*one),
            _ => Place::Several,
        };
        self.facts[slot] = facts;
    }

    /// The distance from `from` to the nearest facility of the service `e`
    /// in `slot`, in km.
    pub fn distance_km(&self, slot: u32, e: &ServiceEntry, from: &Location) -> Option<f64> {
        match self.facts.get(slot as usize).map(|f| f.place) {
            Some(Place::Nowhere) => None,
            Some(Place::One(l)) => Some(l.distance_km(from)),
            Some(Place::Several) | None => e.distance_km(from),
        }
    }

    /// Counts the services of `slots` by each numbered value.
    pub fn count(&self, slots: impl Iterator<Item = u32>) -> Counts {
        let mut counts = Counts {
            kind: [0; NUMBERED],
            form: [0; 3],
            target_group: [0; NUMBERED],
            kraj: [0; NUMBERED],
            unnumbered: false,
        };
        let bits = |mut mask: u64, into: &mut [usize; NUMBERED]| {
            while mask != 0 {
                into[mask.trailing_zeros() as usize] += 1;
                mask &= mask - 1;
            }
        };
        for slot in slots {
            let Some(f) = self.facts.get(slot as usize) else {
                continue;
            };
            if let Some(k) = f.kind {
                counts.kind[usize::from(k)] += 1;
            }
            for (bit, n) in counts.form.iter_mut().enumerate() {
                *n += usize::from(f.forms >> bit & 1);
            }
            bits(f.target_groups, &mut counts.target_group);
            bits(f.kraje, &mut counts.kraj);
            counts.unnumbered |= f.unnumbered;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_record_a_slot_stays_small() {
        assert_eq!(std::mem::size_of::<super::Facts>(), 48);
    }
}
