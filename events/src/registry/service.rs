//! A registered social service of a provider: kind (and so its §), forms
//! with capacities, target and age groups, catchment, facilities, opening
//! hours, contacts, categories; changed, suspended, resumed, ended, verified.
//! Vacancies are reported per facility, form and capacity unit and never
//! exceed the registered capacity.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::files::{is_sha256, FileRef, Variant};
use crate::values::codes::check_code;
use crate::values::{Address, CapacityUnit, Contacts, Form, Location, ServiceKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use time::{Date, OffsetDateTime};

/// Largest capacity accepted in one unit.
pub const MAX_CAPACITY: i64 = 1_000_000;

/// A capacity in one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Capacity {
    /// The unit.
    pub unit: CapacityUnit,
    /// The registered maximum (signed so that a negative input is named, not garbled).
    pub count: i64,
}

/// A form of provision with its capacities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormSpec {
    /// The form.
    pub form: Form,
    /// Capacities, at most one per unit.
    #[serde(default)]
    pub capacities: Vec<Capacity>,
    /// Provided around the clock.
    #[serde(default)]
    pub non_stop: bool,
}

/// Where the service is provided: kraj, ORP and municipality codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catchment {
    /// Kraj codes (RÚIAN VÚSC or NUTS).
    #[serde(default)]
    pub kraje: Vec<String>,
    /// ORP codes.
    #[serde(default)]
    pub orp: Vec<String>,
    /// Municipality codes.
    #[serde(default)]
    pub municipalities: Vec<String>,
}

/// A facility (place) of the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facility {
    /// Its key within the service (the RÚIAN address-place code where there is one).
    pub facility_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Address,
    /// WGS84 location, inside the Czech Republic.
    #[serde(default)]
    pub location: Option<Location>,
    /// The day the facility closed (it is then no current place of the
    /// service: no search, map, statistics, vacancies or HSDS location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Date>,
    /// The address is kept secret (a shelter, typically for women and
    /// children): only the municipality is kept — no street, postcode,
    /// address-place code or location is ever stored, so none can be
    /// published, geocoded, exported or shown on a map.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret_address: bool,
}

impl Facility {
    /// A current place of the service (not closed).
    pub fn is_open(&self) -> bool {
        self.closed_on.is_none()
    }
}

/// Everything that describes a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceDetails {
    /// Name.
    pub name: String,
    /// Description for the public.
    #[serde(default)]
    pub description: String,
    /// Kind (MPSV code), which gives the §.
    pub kind: u16,
    /// Forms with capacities.
    pub forms: Vec<FormSpec>,
    /// Target group codes (unknown codes are kept).
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Age group codes.
    #[serde(default)]
    pub age_groups: Vec<String>,
    /// Catchment.
    #[serde(default)]
    pub catchment: Catchment,
    /// Facilities.
    #[serde(default)]
    pub facilities: Vec<Facility>,
    /// Opening hours, as text.
    #[serde(default)]
    pub opening_hours: String,
    /// Public contacts.
    #[serde(default)]
    pub contacts: Contacts,
    /// Date of registration by the regional authority.
    #[serde(default)]
    pub registered_on: Option<Date>,
    /// Category tags of the portal.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Photos and a video of the service, each with its alternative text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
}

/// A photo or a video of a service: a file kept by the portal and the
/// alternative text that says what it shows (for those who cannot see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Media {
    /// The file (as `POST /api/v1/files` answered): an image or a video.
    pub file: FileRef,
    /// What it shows, in a sentence.
    pub alt: String,
    /// A photo's smaller sizes (filled from its upload).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// The most photos of a service.
pub const MAX_PHOTOS: usize = 12;

/// Changes of a service: each section given replaces the old one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceChanges {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<u16>,
    /// New forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forms: Option<Vec<FormSpec>>,
    /// New target groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_groups: Option<Vec<String>>,
    /// New age groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_groups: Option<Vec<String>>,
    /// New catchment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catchment: Option<Catchment>,
    /// New facilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilities: Option<Vec<Facility>>,
    /// New opening hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    /// New contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
    /// New registration date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_on: Option<Date>,
    /// New categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// New photos and video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<Media>>,
}

/// Where a service stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ServiceStatus {
    /// Not registered.
    #[default]
    Unregistered,
    /// Provided.
    Active,
    /// Temporarily not provided.
    Suspended,
    /// No longer provided.
    Ended,
}

fn vacancies_as_list<S: serde::Serializer>(
    map: &BTreeMap<(String, Form, CapacityUnit), Vacancy>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(map.len()))?;
    for ((facility_id, form, unit), v) in map {
        seq.serialize_element(&(facility_id, form, unit, v))?;
    }
    seq.end()
}

/// The last report of free places at one facility, in one form and unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vacancy {
    /// Free places.
    pub free_places: i64,
    /// When reported.
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
}

/// The state of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Service {
    /// IČO of its provider.
    pub provider_ico: String,
    /// Its description, once registered.
    pub details: Option<ServiceDetails>,
    /// Status.
    pub status: ServiceStatus,
    /// Last verification date.
    pub last_verified_on: Option<Date>,
    /// Current vacancies by (facility, form, unit).
    #[serde(serialize_with = "vacancies_as_list")]
    pub vacancies: BTreeMap<(String, Form, CapacityUnit), Vacancy>,
}

/// A report of free places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportVacancy {
    /// The facility.
    pub facility_id: String,
    /// The form.
    pub form: Form,
    /// The unit.
    pub unit: CapacityUnit,
    /// Free places now.
    pub free_places: i64,
}

/// What can be asked of a service.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceCommand {
    /// Register for a provider.
    Register {
        /// The provider's IČO (the command service checks it exists).
        provider_ico: String,
        /// The description.
        details: ServiceDetails,
    },
    /// Change sections.
    Change(ServiceChanges),
    /// Suspend.
    Suspend {
        /// Why.
        reason: String,
        /// The day the provider expects to provide it again, if announced
        /// (a day after today).
        until: Option<Date>,
    },
    /// Resume.
    Resume,
    /// End.
    End {
        /// Why.
        reason: String,
        /// The day it ended (default: today).
        ended_on: Option<Date>,
    },
    /// Mark the record as verified today.
    MarkVerified,
    /// Report free places.
    ReportVacancy(ReportVacancy),
}

/// What happens to a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceEvent {
    /// Registered.
    ServiceRegistered {
        /// The provider's IČO.
        provider_ico: String,
        /// The description.
        details: ServiceDetails,
    },
    /// Sections changed (only the changed ones are present).
    ServiceChanged {
        /// The changes.
        changes: ServiceChanges,
    },
    /// Suspended (schema v2: with the announced resumption; v1 events are
    /// upcast, see `upcast.rs`).
    ServiceSuspended {
        /// Why.
        reason: String,
        /// The day the provider expects to provide it again, if announced.
        until: Option<Date>,
    },
    /// Resumed.
    ServiceResumed {},
    /// Ended (schema v2: with the day; v1 events are upcast, see `upcast.rs`).
    ServiceEnded {
        /// Why.
        reason: String,
        /// The day it ended.
        ended_on: Date,
    },
    /// The record was verified as current.
    ServiceVerified {
        /// The day.
        verified_on: Date,
    },
    /// Free places reported; replaces the previous report of the same facility, form and unit.
    VacancyReported {
        /// The facility.
        facility_id: String,
        /// The form.
        form: Form,
        /// The unit.
        unit: CapacityUnit,
        /// Free places.
        free_places: i64,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        reported_at: OffsetDateTime,
    },
}

fn check_codes(field: &str, codes: &[String], v: &mut Violations) {
    for (i, c) in codes.iter().enumerate() {
        v.check(format!("{field}[{i}]"), check_code(c));
    }
}

fn check_forms(forms: &[FormSpec], v: &mut Violations) {
    if forms.is_empty() {
        v.add("forms", "at least one form of provision is required");
    }
    let mut seen = HashSet::new();
    for (i, f) in forms.iter().enumerate() {
        if !seen.insert(f.form) {
            v.add(format!("forms[{i}].form"), "each form may appear once");
        }
        let mut units = HashSet::new();
        for (j, c) in f.capacities.iter().enumerate() {
            let field = format!("forms[{i}].capacities[{j}]");
            if !units.insert(c.unit) {
                v.add(
                    format!("{field}.unit"),
                    "each unit may appear once per form",
                );
            }
            if c.count < 0 {
                v.add(format!("{field}.count"), "must not be negative");
            } else if c.count > MAX_CAPACITY {
                v.add(
                    format!("{field}.count"),
                    format!("must be at most {MAX_CAPACITY}"),
                );
            }
        }
    }
}

fn check_facilities(facilities: &[Facility], v: &mut Violations) {
    let mut ids = HashSet::new();
    for (i, f) in facilities.iter().enumerate() {
        let field = format!("facilities[{i}]");
        v.check(
            format!("{field}.facility_id"),
            required_text(&f.facility_id, 64),
        );
        if !ids.insert(f.facility_id.as_str()) {
            v.add(
                format!("{field}.facility_id"),
                "each facility id may appear once",
            );
        }
        v.check(format!("{field}.name"), required_text(&f.name, 300));
        if f.secret_address {
            let a = &f.address;
            if !a.street.is_empty() || !a.postcode.is_empty() || a.ruian_code.is_some() {
                v.add(
                    format!("{field}.address"),
                    "a secret address is never stored: only the municipality (city and municipality_code)",
                );
            }
            if f.location.is_some() {
                v.add(
                    format!("{field}.location"),
                    "a facility with a secret address has no location",
                );
            }
        }
        f.address.check_place(&format!("{field}.address"), v);
        if let Some(location) = &f.location {
            if let Err((coordinate, reason)) = location.check() {
                v.add(format!("{field}.location.{coordinate}"), reason);
            }
        }
    }
}

fn check_changes(c: &ServiceChanges, v: &mut Violations) {
    if let Some(n) = &c.name {
        v.check("name", required_text(n, 300));
    }
    if let Some(d) = &c.description {
        v.check("description", optional_text(d, 5000));
    }
    if let Some(k) = c.kind {
        v.check("kind", ServiceKind::from_code(k));
    }
    if let Some(f) = &c.forms {
        check_forms(f, v);
    }
    if let Some(t) = &c.target_groups {
        check_codes("target_groups", t, v);
    }
    if let Some(a) = &c.age_groups {
        check_codes("age_groups", a, v);
    }
    if let Some(cat) = &c.catchment {
        check_codes("catchment.kraje", &cat.kraje, v);
        check_codes("catchment.orp", &cat.orp, v);
        check_codes("catchment.municipalities", &cat.municipalities, v);
    }
    if let Some(f) = &c.facilities {
        check_facilities(f, v);
    }
    if let Some(o) = &c.opening_hours {
        v.check("opening_hours", optional_text(o, 2000));
    }
    if let Some(contacts) = &c.contacts {
        contacts.check("contacts", v);
    }
    if let Some(categories) = &c.categories {
        for (i, t) in categories.iter().enumerate() {
            v.check(format!("categories[{i}]"), required_text(t, 50));
        }
    }
    if let Some(media) = &c.media {
        check_media(media, v);
    }
}

fn check_media(media: &[Media], v: &mut Violations) {
    let (mut photos, mut videos) = (0, 0);
    for (i, m) in media.iter().enumerate() {
        let field = format!("media[{i}]");
        let t = m.file.content_type.as_str();
        if t.starts_with("image/") {
            photos += 1;
        } else if t.starts_with("video/") {
            videos += 1;
        } else {
            v.add(
                format!("{field}.file.content_type"),
                "is a photo or a video",
            );
        }
        if !is_sha256(&m.file.sha256) {
            v.add(format!("{field}.file.sha256"), "is 64 lowercase hex digits");
        }
        match required_text(&m.alt, 300) {
            Err(reason) => v.add(
                format!("{field}.alt"),
                format!("{reason}: say in a sentence what it shows, for those who cannot see it"),
            ),
            Ok(()) if m.alt.contains('\n') => v.add(format!("{field}.alt"), "must be one line"),
            Ok(()) => {}
        }
    }
    if photos > MAX_PHOTOS {
        v.add("media", format!("at most {MAX_PHOTOS} photos"));
    }
    if videos > 1 {
        v.add("media", "at most one video");
    }
}

impl ServiceDetails {
    /// Every section as a change (used to check a full description).
    fn as_changes(&self) -> ServiceChanges {
        ServiceChanges {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            kind: Some(self.kind),
            forms: Some(self.forms.clone()),
            target_groups: Some(self.target_groups.clone()),
            age_groups: Some(self.age_groups.clone()),
            catchment: Some(self.catchment.clone()),
            facilities: Some(self.facilities.clone()),
            opening_hours: Some(self.opening_hours.clone()),
            contacts: Some(self.contacts.clone()),
            registered_on: self.registered_on,
            categories: Some(self.categories.clone()),
            media: Some(self.media.clone()),
        }
    }

    /// Applies changes (each section given replaces the old one).
    pub fn apply_changes(&mut self, c: &ServiceChanges) {
        fn set<T: Clone>(target: &mut T, value: Option<&T>) {
            if let Some(v) = value {
                *target = v.clone();
            }
        }
        set(&mut self.name, c.name.as_ref());
        set(&mut self.description, c.description.as_ref());
        set(&mut self.kind, c.kind.as_ref());
        set(&mut self.forms, c.forms.as_ref());
        set(&mut self.target_groups, c.target_groups.as_ref());
        set(&mut self.age_groups, c.age_groups.as_ref());
        set(&mut self.catchment, c.catchment.as_ref());
        set(&mut self.facilities, c.facilities.as_ref());
        set(&mut self.opening_hours, c.opening_hours.as_ref());
        set(&mut self.contacts, c.contacts.as_ref());
        if c.registered_on.is_some() {
            self.registered_on = c.registered_on;
        }
        set(&mut self.categories, c.categories.as_ref());
        set(&mut self.media, c.media.as_ref());
    }

    /// The current places of the service (closed facilities left out).
    pub fn open_facilities(&self) -> impl Iterator<Item = &Facility> {
        self.facilities.iter().filter(|f| f.is_open())
    }

    /// The registered capacity of a form in a unit.
    pub fn capacity(&self, form: Form, unit: CapacityUnit) -> Option<i64> {
        self.forms
            .iter()
            .find(|f| f.form == form)?
            .capacities
            .iter()
            .find(|c| c.unit == unit)
            .map(|c| c.count)
    }
}

/// Keeps only the sections that differ from `current`.
fn only_differences(mut c: ServiceChanges, current: &ServiceDetails) -> ServiceChanges {
    fn keep<T: PartialEq>(value: &mut Option<T>, current: &T) {
        if value.as_ref() == Some(current) {
            *value = None;
        }
    }
    keep(&mut c.name, &current.name);
    keep(&mut c.description, &current.description);
    keep(&mut c.kind, &current.kind);
    keep(&mut c.forms, &current.forms);
    keep(&mut c.target_groups, &current.target_groups);
    keep(&mut c.age_groups, &current.age_groups);
    keep(&mut c.catchment, &current.catchment);
    keep(&mut c.facilities, &current.facilities);
    keep(&mut c.opening_hours, &current.opening_hours);
    keep(&mut c.contacts, &current.contacts);
    if c.registered_on.is_some() && c.registered_on == current.registered_on {
        c.registered_on = None;
    }
    keep(&mut c.categories, &current.categories);
    keep(&mut c.media, &current.media);
    c
}

fn normalise_facilities(facilities: &mut [Facility]) {
    for f in facilities {
        f.address = f.address.clone().normalised();
        f.name = f.name.trim().to_string();
    }
}

impl Service {
    fn details(&self) -> Result<&ServiceDetails, DomainError> {
        match (&self.details, self.status) {
            (Some(_), ServiceStatus::Ended) => Err(DomainError::Rejected(
                "the service has ended; nothing can change".into(),
            )),
            (Some(d), _) => Ok(d),
            (None, _) => Err(DomainError::NotFound("the service".into())),
        }
    }

    fn report_vacancy(
        &self,
        r: &ReportVacancy,
        now: OffsetDateTime,
    ) -> Result<Vec<ServiceEvent>, DomainError> {
        let details = self.details()?;
        if self.status == ServiceStatus::Suspended {
            return Err(DomainError::Rejected("the service is suspended".into()));
        }
        let mut v = Violations::new();
        match details
            .facilities
            .iter()
            .find(|f| f.facility_id == r.facility_id)
        {
            None => v.add(
                "facility_id",
                format!("{:?} is not a facility of this service", r.facility_id),
            ),
            Some(f) if !f.is_open() => v.add(
                "facility_id",
                format!("the facility {:?} has closed", r.facility_id),
            ),
            Some(_) => {}
        }
        let capacity = if details.forms.iter().any(|f| f.form == r.form) {
            let capacity = details.capacity(r.form, r.unit);
            if capacity.is_none() {
                v.add(
                    "unit",
                    "the service has no capacity in this unit for this form",
                );
            }
            capacity
        } else {
            v.add("form", "the service is not registered in this form");
            None
        };
        if r.free_places < 0 {
            v.add("free_places", "must not be negative");
        } else if r.free_places > MAX_CAPACITY {
            v.add("free_places", format!("must be at most {MAX_CAPACITY}"));
        } else if let Some(capacity) = capacity {
            let elsewhere: i64 = self
                .vacancies
                .iter()
                .filter(|((f, form, unit), _)| {
                    *f != r.facility_id && *form == r.form && *unit == r.unit
                })
                .map(|(_, vacancy)| vacancy.free_places)
                .fold(0i64, i64::saturating_add);
            if r.free_places.saturating_add(elsewhere) > capacity {
                v.add(
                    "free_places",
                    format!(
                        "{} free places (with {elsewhere} reported at other facilities) exceed the registered capacity of {capacity}",
                        r.free_places
                    ),
                );
            }
        }
        v.finish()?;
        Ok(vec![ServiceEvent::VacancyReported {
            facility_id: r.facility_id.clone(),
            form: r.form,
            unit: r.unit,
            free_places: r.free_places,
            reported_at: now,
        }])
    }
}

fn check_reason(reason: &str) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("reason", required_text(reason, 1000));
    v.finish()
}

impl Aggregate for Service {
    const STREAM_TYPE: &'static str = "service";
    type Command = ServiceCommand;
    type Event = ServiceEvent;

    fn apply(&mut self, event: &ServiceEvent) {
        match event {
            ServiceEvent::ServiceRegistered {
                provider_ico,
                details,
            } => {
                self.provider_ico.clone_from(provider_ico);
                self.details = Some(details.clone());
                self.status = ServiceStatus::Active;
            }
            ServiceEvent::ServiceChanged { changes } => {
                if let Some(d) = &mut self.details {
                    d.apply_changes(changes);
                    // Reports of facilities, forms or units that no longer exist lapse.
                    let d = &*d;
                    self.vacancies.retain(|(facility, form, unit), _| {
                        d.facilities
                            .iter()
                            .any(|f| &f.facility_id == facility && f.is_open())
                            && d.capacity(*form, *unit).is_some()
                    });
                }
            }
            ServiceEvent::ServiceSuspended { .. } => self.status = ServiceStatus::Suspended,
            ServiceEvent::ServiceResumed {} => self.status = ServiceStatus::Active,
            ServiceEvent::ServiceEnded { .. } => self.status = ServiceStatus::Ended,
            ServiceEvent::ServiceVerified { verified_on } => {
                self.last_verified_on = Some(*verified_on)
            }
            ServiceEvent::VacancyReported {
                facility_id,
                form,
                unit,
                free_places,
                reported_at,
            } => {
                self.vacancies.insert(
                    (facility_id.clone(), *form, *unit),
                    Vacancy {
                        free_places: *free_places,
                        reported_at: *reported_at,
                    },
                );
            }
        }
    }

    fn decide(
        &self,
        command: &ServiceCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<ServiceEvent>, DomainError> {
        match command {
            ServiceCommand::Register {
                provider_ico,
                details,
            } => {
                if self.details.is_some() {
                    return Err(DomainError::AlreadyExists("the service".into()));
                }
                let mut v = Violations::new();
                v.check("provider_ico", crate::values::Ico::parse(provider_ico));
                check_changes(&details.as_changes(), &mut v);
                v.finish()?;
                let mut details = details.clone();
                details.name = details.name.trim().to_string();
                normalise_facilities(&mut details.facilities);
                Ok(vec![ServiceEvent::ServiceRegistered {
                    provider_ico: provider_ico.trim().to_string(),
                    details,
                }])
            }
            ServiceCommand::Change(changes) => {
                let current = self.details()?;
                let mut v = Violations::new();
                check_changes(changes, &mut v);
                v.finish()?;
                let mut changes = changes.clone();
                if let Some(f) = &mut changes.facilities {
                    normalise_facilities(f);
                }
                if let Some(n) = &mut changes.name {
                    *n = n.trim().to_string();
                }
                let changes = only_differences(changes, current);
                if changes == ServiceChanges::default() {
                    return Ok(vec![]);
                }
                Ok(vec![ServiceEvent::ServiceChanged { changes }])
            }
            ServiceCommand::Suspend { reason, until } => {
                self.details()?;
                check_reason(reason)?;
                if until.is_some_and(|d| d <= now.date()) {
                    let mut v = Violations::new();
                    v.add("until", "must be a day after today");
                    v.finish()?;
                }
                if self.status == ServiceStatus::Suspended {
                    return Err(DomainError::Rejected(
                        "the service is already suspended".into(),
                    ));
                }
                Ok(vec![ServiceEvent::ServiceSuspended {
                    reason: reason.trim().to_string(),
                    until: *until,
                }])
            }
            ServiceCommand::Resume => {
                self.details()?;
                if self.status != ServiceStatus::Suspended {
                    return Err(DomainError::Rejected("the service is not suspended".into()));
                }
                Ok(vec![ServiceEvent::ServiceResumed {}])
            }
            ServiceCommand::End { reason, ended_on } => {
                self.details()?;
                check_reason(reason)?;
                let ended_on = ended_on.unwrap_or(now.date());
                if ended_on > now.date() {
                    let mut v = Violations::new();
                    v.add("ended_on", "must not be in the future");
                    v.finish()?;
                }
                Ok(vec![ServiceEvent::ServiceEnded {
                    reason: reason.trim().to_string(),
                    ended_on,
                }])
            }
            ServiceCommand::MarkVerified => {
                self.details()?;
                Ok(vec![ServiceEvent::ServiceVerified {
                    verified_on: now.date(),
                }])
            }
            ServiceCommand::ReportVacancy(r) => self.report_vacancy(r, now),
        }
    }
}
