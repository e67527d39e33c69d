//! The in-memory search index of the query service, built from the registry
//! read models and kept current from their change feed: an inverted index of
//! normalised word prefixes and of Czech stems (with the synonyms of the
//! kinds of service), each service's territory (kraj, ORP,
//! municipality), locations and current free places, for search with
//! filters, distance and facets, the vacancy board and map aggregates (with
//! per-area counts kept as services change, and the regional contacts).

use crate::area_counts::AreaCounts;
use crate::postings::Postings;
use crate::text::{stems, words, QueryWord};
use events::values::{Form, Location};
use infra::territory::Territory;
use read_models::registry::{ContactView, DirectoryView, ProviderView, ServiceView};
use roaring::RoaringBitmap;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// A report older than this is stale.
pub const STALE_AFTER: time::Duration = time::Duration::days(7);

/// A service with what search needs of it.
#[derive(Debug, Clone)]
pub struct ServiceEntry {
    /// The read model.
    pub view: ServiceView,
    /// Its provider's name.
    pub provider_name: String,
    /// NUTS codes of the kraje it is in (facilities) or serves (catchment).
    pub kraje: BTreeSet<String>,
    /// ČSÚ codes of its ORP (facilities or catchment).
    pub orp: BTreeSet<String>,
    /// Municipality codes of its facilities and catchment.
    pub municipalities: BTreeSet<String>,
    /// Locations of its facilities.
    pub locations: Vec<Location>,
    /// The name's key of Czech collation, for sorting.
    pub sort_name: Vec<u8>,
    /// The words of the name, for relevance.
    name_words: Vec<String>,
    /// The stems of the name's words, for relevance.
    name_stems: Vec<String>,
    tokens: BTreeSet<String>,
    stems: BTreeSet<String>,
}

impl ServiceEntry {
    /// Free places reported within [`STALE_AFTER`] of `now`.
    pub fn free_now(&self, now: OffsetDateTime) -> i64 {
        self.view
            .vacancies
            .iter()
            .filter(|v| now - v.reported_at <= STALE_AFTER)
            .map(|v| v.free_places)
            .sum()
    }

    /// Distance from a point to the nearest facility, in km.
    pub fn distance_km(&self, from: &Location) -> Option<f64> {
        self.locations
            .iter()
            .map(|l| l.distance_km(from))
            .min_by(f64::total_cmp)
    }

    /// Whether it is provided now.
    pub fn active(&self) -> bool {
        self.view.status == events::registry::service::ServiceStatus::Active
    }
}

/// What the index's sets say, read off one service: the reference the
/// search's tests compare the index with.
#[cfg(test)]
impl ServiceEntry {
    /// Whether a query word starts a word of its text or is a form of one.
    pub(crate) fn has_word(&self, w: &QueryWord) -> bool {
        self.tokens.iter().any(|t| t.starts_with(&w.prefix))
            || w.stems.iter().any(|s| self.stems.contains(s))
    }

    /// How well a query word matches (as [`Relevance::of`]).
    pub(crate) fn relevance(&self, w: &QueryWord) -> usize {
        if self.name_words.contains(&w.prefix)
            || self.name_stems.iter().any(|s| w.stems.contains(s))
        {
            3
        } else if self.name_words.iter().any(|n| n.starts_with(&w.prefix)) {
            2
        } else if self.tokens.contains(&w.prefix) || w.stems.iter().any(|s| self.stems.contains(s))
        {
            1
        } else {
            0
        }
    }
}

/// A filter of the search whose services the index keeps by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// § of the Act.
    Paragraph,
    /// Target group code.
    TargetGroup,
    /// Kraj (NUTS).
    Kraj,
    /// ORP (ČSÚ code).
    Orp,
    /// Municipality code.
    Municipality,
    /// Category tag.
    Category,
    /// Provider's IČO.
    Provider,
}

impl ServiceEntry {
    /// The values of the filters it is found by.
    fn values(&self) -> impl Iterator<Item = (Field, &str)> {
        fn tagged<'a>(
            field: Field,
            values: impl IntoIterator<Item = &'a String>,
        ) -> impl Iterator<Item = (Field, &'a str)> {
            values.into_iter().map(move |v| (field, v.as_str()))
        }
        let d = &self.view.details;
        tagged(Field::Paragraph, &self.view.paragraph)
            .chain(tagged(Field::TargetGroup, &d.target_groups))
            .chain(tagged(Field::Kraj, &self.kraje))
            .chain(tagged(Field::Orp, &self.orp))
            .chain(tagged(Field::Municipality, &self.municipalities))
            .chain(tagged(Field::Category, &d.categories))
            .chain(tagged(Field::Provider, [&self.view.provider_ico]))
    }
}

/// What a search asks of the services besides their text, free places and
/// distance: every filter given must hold.
#[derive(Debug, Default)]
pub struct Filters {
    /// Suspended and ended services too.
    pub include_inactive: bool,
    /// Kind.
    pub kind: Option<u16>,
    /// Form.
    pub form: Option<Form>,
    /// The other filters, each with the value asked for.
    pub values: Vec<(Field, String)>,
}

/// How well a query word matches each service (see [`Index::relevance`]).
pub struct Relevance {
    whole_name: RoaringBitmap,
    name_start: RoaringBitmap,
    whole_text: RoaringBitmap,
}

impl Relevance {
    /// 3 a whole word of the name (in any of its forms), 2 the start of a
    /// word of the name, 1 a whole word of the rest of its text, 0 the start
    /// of a word of the rest.
    pub fn of(&self, slot: u32) -> usize {
        if self.whole_name.contains(slot) {
            3
        } else if self.name_start.contains(slot) {
            2
        } else if self.whole_text.contains(slot) {
            1
        } else {
            0
        }
    }
}

/// The index.
#[derive(Default)]
pub struct Index {
    territory: Arc<Territory>,
    places: Arc<crate::places::Places>,
    services: Vec<Option<ServiceEntry>>,
    slots: HashMap<String, u32>,
    /// The services by the words of their text, …
    words: Postings<String>,
    /// … by the stems of those words, …
    stems: Postings<String>,
    /// … by the words of their name, …
    name_words: Postings<String>,
    /// … by the stems of those, …
    name_stems: Postings<String>,
    /// … by kind, by form and by the values of the other filters.
    by_kind: Postings<u16>,
    by_form: Postings<Form>,
    by_field: HashMap<Field, Postings<String>>,
    /// Every service, and those provided now.
    live: RoaringBitmap,
    active: RoaringBitmap,
    /// The services in the order of their names (Czech collation, then id).
    names: BTreeSet<(Vec<u8>, String, u32)>,
    /// Each slot's place in `names`, computed when first asked for after a
    /// change of the order.
    name_ranks: Mutex<Option<Arc<Vec<u32>>>>,
    /// What the facets count of each service.
    facts: crate::facts::FactTable,
    /// Providers by IČO.
    pub providers: HashMap<String, ProviderView>,
    /// The supplementary directory by id.
    pub directory: HashMap<String, DirectoryView>,
    /// Regional contacts by id.
    contacts: HashMap<String, ContactView>,
    /// Need norms of the statistics by kind.
    pub norms: HashMap<u16, read_models::registry::NormsView>,
    /// Grant calls by id.
    pub grant_calls: HashMap<String, read_models::grants::CallView>,
    /// Grant applications by id.
    pub grant_applications: HashMap<String, read_models::grants::ApplicationView>,
    /// Surveys by id.
    pub surveys: HashMap<String, read_models::surveys::SurveyView>,
    /// Community plans by id.
    pub plans: HashMap<String, read_models::plans::PlanView>,
    /// Documents by id.
    pub documents: HashMap<String, read_models::content::DocumentView>,
    /// Links by id (`{ id, info }`).
    pub links: HashMap<String, read_models::content::LinkView>,
    /// Awards by id (`{ id, info }`).
    pub awards: HashMap<String, read_models::content::AwardView>,
    /// Planning groups by id.
    pub groups: HashMap<String, read_models::plans::GroupView>,
    /// News by id.
    pub news: HashMap<String, read_models::content::NewsView>,
    /// Calendar events by id.
    pub calendar: HashMap<String, read_models::content::EventView>,
    /// Job postings by id.
    pub jobs: HashMap<String, read_models::content::JobView>,
    /// Forum threads by id (posts sealed).
    pub forum_threads: HashMap<String, read_models::forum::ThreadView>,
    /// Survey answers by response (no respondent).
    pub survey_responses: HashMap<String, read_models::surveys::ResponseView>,
    /// Active services by area and kind.
    counts: AreaCounts,
    /// Slots of active services of the map's vacancy kinds with a report.
    reporting: RoaringBitmap,
    /// Bumped by every change of a service or provider.
    version: u64,
    /// Files attached to grant applications: hash → the applications.
    attached: HashMap<String, BTreeSet<String>>,
    /// Map aggregates by (level, kraj), with the version and time they were computed at.
    map_cache: std::sync::Mutex<HashMap<(String, Option<String>), CachedAreas>>,
}

type CachedAreas = (u64, std::time::Instant, Arc<Vec<crate::api::map::Area>>);

/// How long computed map aggregates are served while nothing changes (free
/// places turn stale with time, so they are recomputed now and then anyway).
pub const MAP_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

impl Index {
    /// An empty index over `territory` (possibly empty).
    pub fn new(territory: Arc<Territory>) -> Self {
        Self {
            places: Arc::new(crate::places::Places::of(&territory)),
            territory,
            ..Self::default()
        }
    }

    /// Puts (or, with `None`, removes) a grant application, and the files attached to it.
    pub fn put_application(
        &mut self,
        id: String,
        view: Option<read_models::grants::ApplicationView>,
    ) {
        if let Some(old) = self.grant_applications.remove(&id) {
            for a in &old.details.attachments {
                if let Some(apps) = self.attached.get_mut(&a.file.sha256) {
                    apps.remove(&id);
                    if apps.is_empty() {
                        self.attached.remove(&a.file.sha256);
                    }
                }
            }
        }
        if let Some(view) = view {
            for a in &view.details.attachments {
                self.attached
                    .entry(a.file.sha256.clone())
                    .or_default()
                    .insert(id.clone());
            }
            self.grant_applications.insert(id, view);
        }
    }

    /// The applications a file is attached to (none: it is not an attachment).
    pub fn applications_with(&self, sha256: &str) -> Option<&BTreeSet<String>> {
        self.attached.get(sha256)
    }

    /// Whether a public record names the file: a document's version, a
    /// service's photo or video (or one of its sizes), or an attachment
    /// of an article, a calendar event or a plan's revision.
    pub fn published(&self, sha256: &str) -> bool {
        let documents = self
            .documents
            .values()
            .flat_map(|d| &d.versions)
            .filter_map(|v| v.file.as_ref());
        let news = self.news.values().flat_map(|n| &n.article.attachments);
        let calendar = self.calendar.values().flat_map(|e| &e.entry.attachments);
        let plans = self
            .plans
            .values()
            .flat_map(|p| p.revisions.values())
            .flat_map(|r| &r.content.attachments);
        documents
            .chain(news.chain(calendar).chain(plans).map(|a| &a.file))
            .any(|f| f.sha256 == sha256)
            || self.services.iter().flatten().any(|e| {
                e.view.details.media.iter().any(|m| {
                    m.file.sha256 == sha256 || m.variants.iter().any(|v| v.file.sha256 == sha256)
                })
            })
    }

    /// The municipalities by the names and postcodes people use.
    pub fn places(&self) -> &crate::places::Places {
        &self.places
    }

    /// Increases with every change.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Map aggregates from the cache when nothing changed since, else computed and cached.
    ///
    /// # Errors
    /// 422 naming a bad level or kraj.
    pub fn map_areas(
        &self,
        level: &str,
        kraj: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Arc<Vec<crate::api::map::Area>>, infra::problem::Problem> {
        let key = (level.to_string(), kraj.map(str::to_string));
        if let Some((version, at, areas)) = self
            .map_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            if *version == self.version && at.elapsed() < MAP_CACHE_TTL {
                return Ok(areas.clone());
            }
        }
        let areas = Arc::new(crate::api::map::aggregate(self, level, kraj, now)?);
        self.map_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                key,
                (self.version, std::time::Instant::now(), areas.clone()),
            );
        Ok(areas)
    }

    /// Active services by area and kind.
    pub fn area_counts(&self) -> &AreaCounts {
        &self.counts
    }

    /// The active services of the map's vacancy kinds that reported free places.
    pub fn reporting_services(&self) -> impl Iterator<Item = &ServiceEntry> {
        self.reporting.iter().filter_map(|slot| self.at(slot))
    }

    /// The published regional contacts.
    pub fn contacts(&self) -> impl Iterator<Item = &ContactView> {
        self.contacts.values()
    }

    /// Adds or replaces a regional contact.
    pub fn put_contact(&mut self, view: ContactView) {
        self.version += 1;
        self.contacts.insert(view.id.clone(), view);
    }

    /// Removes a regional contact.
    pub fn remove_contact(&mut self, id: &str) {
        self.version += 1;
        self.contacts.remove(id);
    }

    /// The territory it maps services onto.
    pub fn territory(&self) -> &Territory {
        &self.territory
    }

    /// The territory, shared (to use it after the index is released).
    pub fn territory_arc(&self) -> Arc<Territory> {
        self.territory.clone()
    }

    /// Every indexed service.
    pub fn services(&self) -> impl Iterator<Item = &ServiceEntry> {
        self.services.iter().flatten()
    }

    /// The name of a provider, when the registry knows it.
    pub fn provider_name(&self, ico: &str) -> Option<String> {
        self.providers.get(ico).map(|p| p.name.clone())
    }

    /// One service.
    pub fn service(&self, id: &str) -> Option<&ServiceEntry> {
        self.slots.get(id).and_then(|&slot| self.at(slot))
    }

    fn entry(&self, view: ServiceView) -> ServiceEntry {
        let provider_name = self
            .providers
            .get(&view.provider_ico)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let (mut kraje, mut orp, mut municipalities) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let t = &self.territory;
        let mut add_municipality = |code: &str| {
            municipalities.insert(code.to_string());
            if let Some(m) = t.municipalities.get(code) {
                orp.insert(m.orp.clone());
                kraje.insert(m.kraj_nuts.clone());
            }
        };
        for f in view.details.open_facilities() {
            if let Some(code) = &f.address.municipality_code {
                add_municipality(code);
            }
        }
        for code in &view.details.catchment.municipalities {
            add_municipality(code);
        }
        for code in &view.details.catchment.orp {
            let o = t.orp_by_any_code(code);
            orp.insert(o.map_or_else(|| code.clone(), |o| o.csu_code.clone()));
            if let Some(o) = o {
                kraje.insert(o.kraj_nuts.clone());
            }
        }
        for code in &view.details.catchment.kraje {
            kraje.insert(
                t.kraj_by_any_code(code)
                    .map_or_else(|| code.clone(), |k| k.nuts.clone()),
            );
        }
        // A facility without a position (the registry gives none) is placed
        // at its municipality's centre for distances; never one whose
        // address is secret.
        let locations = view
            .details
            .open_facilities()
            .filter_map(|f| {
                f.location.or_else(|| {
                    let code = f
                        .address
                        .municipality_code
                        .as_ref()
                        .filter(|_| !f.secret_address)?;
                    let (lat, lon) = t.municipalities.get(code)?.centre?;
                    Some(events::values::Location { lat, lon })
                })
            })
            .collect();
        let mut tokens: BTreeSet<String> = BTreeSet::new();
        let mut word_stems: BTreeSet<String> = BTreeSet::new();
        let mut text = vec![
            view.details.name.clone(),
            view.details.description.clone(),
            provider_name.clone(),
            view.kind_name.clone(),
        ];
        for f in view.details.open_facilities() {
            text.push(f.name.clone());
            text.push(f.address.city.clone());
            text.push(f.address.street.clone());
        }
        text.extend(view.details.categories.iter().cloned());
        for t in &text {
            tokens.extend(words(t));
            word_stems.extend(stems(t));
        }
        let sort_name = crate::text::collation_key(&view.details.name);
        let name_words = words(&view.details.name);
        let name_stems = stems(&view.details.name);
        ServiceEntry {
            view,
            provider_name,
            kraje,
            orp,
            municipalities,
            locations,
            sort_name,
            name_words,
            name_stems,
            tokens,
            stems: word_stems,
        }
    }

    fn unindex(&mut self, slot: u32) {
        let Some(old) = self.services[slot as usize].take() else {
            return;
        };
        self.counts.count(&old, false);
        self.reporting.remove(slot);
        self.live.remove(slot);
        self.active.remove(slot);
        self.file(&old, slot, false);
        self.names.remove(&(old.sort_name, old.view.id, slot));
    }

    /// Puts the service `e` of `slot` into the sets of its words and values
    /// (`present`), or takes it out of them.
    fn file(&mut self, e: &ServiceEntry, slot: u32, present: bool) {
        fn keep<K: Ord + Clone>(sets: &mut Postings<K>, key: &K, slot: u32, present: bool) {
            if present {
                sets.add(key.clone(), slot);
            } else {
                sets.remove(key, slot);
            }
        }
        for (sets, words) in [(&mut self.words, &e.tokens), (&mut self.stems, &e.stems)] {
            for w in words {
                keep(sets, w, slot, present);
            }
        }
        for (sets, words) in [
            (&mut self.name_words, &e.name_words),
            (&mut self.name_stems, &e.name_stems),
        ] {
            for w in words {
                keep(sets, w, slot, present);
            }
        }
        keep(&mut self.by_kind, &e.view.details.kind, slot, present);
        for f in &e.view.details.forms {
            keep(&mut self.by_form, &f.form, slot, present);
        }
        for (field, value) in e.values() {
            keep(
                self.by_field.entry(field).or_default(),
                &value.to_string(),
                slot,
                present,
            );
        }
    }

    /// Adds or replaces a service.
    pub fn put_service(&mut self, view: ServiceView) {
        self.version += 1;
        let (slot, old_name) = match self.slots.get(&view.id) {
            Some(&slot) => {
                let old_name = self.at(slot).map(|e| e.sort_name.clone());
                self.unindex(slot);
                (slot, old_name)
            }
            None => {
                let slot = u32::try_from(self.services.len()).expect("fewer than 2³² services");
                self.services.push(None);
                self.slots.insert(view.id.clone(), slot);
                (slot, None)
            }
        };
        let entry = self.entry(view);
        self.file(&entry, slot, true);
        self.live.insert(slot);
        if entry.active() {
            self.active.insert(slot);
        }
        if old_name.as_ref() != Some(&entry.sort_name) {
            *self.name_ranks.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        }
        self.names
            .insert((entry.sort_name.clone(), entry.view.id.clone(), slot));
        self.counts.count(&entry, true);
        if entry.active()
            && !entry.view.vacancies.is_empty()
            && crate::api::map::MAP_VACANCY_KINDS.contains(&entry.view.details.kind)
        {
            self.reporting.insert(slot);
        }
        self.facts.put(slot, &entry);
        self.services[slot as usize] = Some(entry);
    }

    /// Removes a service.
    pub fn remove_service(&mut self, id: &str) {
        self.version += 1;
        if let Some(&slot) = self.slots.get(id) {
            self.unindex(slot);
            *self.name_ranks.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }

    /// Adds or replaces a provider (its services' provider name follows).
    pub fn put_provider(&mut self, view: ProviderView) {
        let ico = view.ico.clone();
        let renamed = self.providers.get(&ico).is_none_or(|p| p.name != view.name);
        self.providers.insert(ico.clone(), view);
        if renamed {
            let slots = self.having(Field::Provider, &ico);
            for slot in &slots {
                if let Some(e) = self.services[slot as usize].clone() {
                    self.put_service(e.view);
                }
            }
        }
    }

    /// The services that match every word of `q` (all of them when `q` has
    /// none): a word matches the start of a word of a service's text
    /// (diacritics and case aside) or a form of it (its Czech stem), and a
    /// phrase of the synonyms also matches the services of the kinds it names.
    pub fn matching(&self, q: &str) -> RoaringBitmap {
        self.matching_words(&crate::text::query_words(q))
    }

    /// [`Index::matching`] of a query's words.
    pub fn matching_words(&self, query: &[QueryWord]) -> RoaringBitmap {
        if query.is_empty() {
            return self.live.clone();
        }
        let mut result: Option<RoaringBitmap> = None;
        for part in crate::synonyms::parts(query) {
            let mut part_hits: Option<RoaringBitmap> = None;
            for w in part.words {
                let mut hits = self.words.starting_with(&w.prefix);
                for stem in &w.stems {
                    if let Some(slots) = self.stems.get(stem.as_str()) {
                        hits |= slots;
                    }
                }
                part_hits = Some(and(part_hits, hits));
            }
            let mut hits = part_hits.unwrap_or_default();
            for kind in part.kinds {
                if let Some(slots) = self.by_kind.get(kind) {
                    hits |= slots;
                }
            }
            result = Some(and(result, hits));
        }
        result.unwrap_or_default()
    }

    /// The services matching the words of a query and passing `filters`.
    pub fn select(&self, query: &[QueryWord], filters: &Filters) -> RoaringBitmap {
        /// Keeps of `found` the services of `set` (none when no service has the value).
        fn narrow(found: &mut RoaringBitmap, set: Option<&RoaringBitmap>) {
            match set {
                Some(set) => *found &= set,
                None => found.clear(),
            }
        }
        let mut found = self.matching_words(query);
        if !filters.include_inactive {
            found &= &self.active;
        }
        if let Some(kind) = filters.kind {
            narrow(&mut found, self.by_kind.get(&kind));
        }
        if let Some(form) = filters.form {
            narrow(&mut found, self.by_form.get(&form));
        }
        for (field, value) in &filters.values {
            let set = self.by_field.get(field).and_then(|p| p.get(value.as_str()));
            narrow(&mut found, set);
        }
        found
    }

    /// The services whose `field` has `value`.
    pub fn having(&self, field: Field, value: &str) -> RoaringBitmap {
        self.by_field
            .get(&field)
            .map(|p| p.of(value))
            .unwrap_or_default()
    }

    /// What the facets count of each service.
    pub fn facts(&self) -> &crate::facts::FactTable {
        &self.facts
    }

    /// The services by each kind.
    pub fn kinds(&self) -> impl Iterator<Item = (&u16, &RoaringBitmap)> {
        self.by_kind.iter()
    }

    /// The services by each form.
    pub fn forms(&self) -> impl Iterator<Item = (&Form, &RoaringBitmap)> {
        self.by_form.iter()
    }

    /// The services by each value of `field`.
    pub fn values(&self, field: Field) -> impl Iterator<Item = (&String, &RoaringBitmap)> {
        self.by_field
            .get(&field)
            .into_iter()
            .flat_map(Postings::iter)
    }

    /// How well `word` matches each service, to order results by relevance.
    pub fn relevance(&self, word: &QueryWord) -> Relevance {
        let mut whole_name = self.name_words.of(word.prefix.as_str());
        let mut whole_text = self.words.of(word.prefix.as_str());
        for stem in &word.stems {
            if let Some(slots) = self.name_stems.get(stem.as_str()) {
                whole_name |= slots;
            }
            if let Some(slots) = self.stems.get(stem.as_str()) {
                whole_text |= slots;
            }
        }
        Relevance {
            whole_name,
            name_start: self.name_words.starting_with(&word.prefix),
            whole_text,
        }
    }

    /// Each slot's place in the order of the services' names (Czech
    /// collation, then id): comparing two is comparing two numbers.
    pub fn name_ranks(&self) -> Arc<Vec<u32>> {
        let mut cached = self.name_ranks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ranks) = cached.as_ref() {
            return ranks.clone();
        }
        let mut ranks = vec![u32::MAX; self.services.len()];
        for (rank, (_, _, slot)) in (0u32..).zip(&self.names) {
            ranks[*slot as usize] = rank;
        }
        let ranks = Arc::new(ranks);
        *cached = Some(ranks.clone());
        ranks
    }

    /// The entry in a slot.
    pub fn at(&self, slot: u32) -> Option<&ServiceEntry> {
        self.services.get(slot as usize).and_then(Option::as_ref)
    }
}

/// The slots in both sets of hits (the second alone when there is no first).
fn and(first: Option<RoaringBitmap>, second: RoaringBitmap) -> RoaringBitmap {
    match first {
        Some(first) => first & second,
        None => second,
    }
}
