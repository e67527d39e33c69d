//! The HSDS 3.1 objects the portal publishes, as types: what each answer of
//! `/hsds/` holds, with its schema for the OpenAPI document. Members HSDS
//! does not require are left out when absent (HSDS types are not nullable);
//! the nested members of a `service` or `organization` are absent from their
//! `_list` forms.

use serde::Serialize;
use uuid::Uuid;

/// `organization` (nested) and `organization_list` (without the arrays).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsOrganization)]
pub struct Organization {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// IČO.
    pub tax_id: String,
    /// Legal form (MPSV `FormaPravni`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<String>,
    /// Identifiers (the IČO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_identifiers: Option<Vec<OrganizationIdentifier>>,
    /// Phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<Phone>>,
    /// Its services (`service_list` objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub services: Option<Vec<Service>>,
}

/// `organization_identifier`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsOrganizationIdentifier)]
pub struct OrganizationIdentifier {
    /// Id.
    pub id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// `CZ-ICO`.
    pub identifier_scheme: &'static str,
    /// `IČO`.
    pub identifier_type: &'static str,
    /// The IČO.
    pub identifier: String,
}

/// `phone` of an organization or a service.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsPhone)]
pub struct Phone {
    /// Id.
    pub id: Uuid,
    /// The organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// The service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<Uuid>,
    /// The number.
    pub number: String,
}

/// `service` (nested) and `service_list` (without the arrays).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsService)]
pub struct Service {
    /// Id.
    pub id: Uuid,
    /// The provider.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `active`, `temporarily closed` or `defunct`.
    pub status: &'static str,
    /// Last verified (a date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    /// Last changed (RFC 3339).
    pub last_modified: String,
    /// The kind's name.
    pub alternate_name: String,
    /// The provider (`organization_list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Box<Organization>>,
    /// Opening hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    /// Phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<Phone>>,
    /// Its catchment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_areas: Option<Vec<ServiceArea>>,
    /// Its open facilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_at_locations: Option<Vec<ServiceAtLocation>>,
    /// Its current free places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacities: Option<Vec<ServiceCapacity>>,
    /// Kind, §, target and age groups, forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<Attribute>>,
    /// Its recent changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<Metadata>>,
}

/// `service_at_location` (with its `location`; lists add the `service_list`,
/// one in full the nested `service`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsServiceAtLocation)]
pub struct ServiceAtLocation {
    /// Id.
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The location.
    pub location: Location,
    /// The service.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub service: Option<Box<Service>>,
}

/// `location`: a facility.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsLocation)]
pub struct Location {
    /// Id.
    pub id: Uuid,
    /// `physical`.
    pub location_type: &'static str,
    /// The provider.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// WGS 84.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// WGS 84.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// RÚIAN code of the address place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_identifier: Option<String>,
    /// `RÚIAN kód adresního místa`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_identifier_type: Option<&'static str>,
    /// Its public address (none when secret or unknown).
    pub addresses: Vec<Address>,
}

/// `address`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsAddress)]
pub struct Address {
    /// Id.
    pub id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// Street and number (or the town).
    pub address_1: String,
    /// Town.
    pub city: String,
    /// Kraj.
    pub state_province: String,
    /// Postcode.
    pub postal_code: String,
    /// `CZ`.
    pub country: &'static str,
    /// `physical`.
    pub address_type: &'static str,
}

/// `attribute`: a taxonomy term of a service.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsAttribute)]
pub struct Attribute {
    /// Id.
    pub id: Uuid,
    /// The service.
    pub link_id: Uuid,
    /// The taxonomy's key.
    pub link_type: &'static str,
    /// `service`.
    pub link_entity: &'static str,
    /// The term.
    pub taxonomy_term_id: Uuid,
    /// The term.
    pub taxonomy_term: TaxonomyTerm,
    /// Its code.
    pub value: String,
    /// Its name.
    pub label: String,
}

/// `service_area`: a kraj, ORP or municipality served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsServiceArea)]
pub struct ServiceArea {
    /// Id.
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// Name.
    pub name: String,
    /// `kraj|orp|obec <code>`.
    pub description: String,
    /// `kraj`, `orp` or `obec`.
    pub extent_type: &'static str,
}

/// `service_capacity`: the latest free places of a facility, form and unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsServiceCapacity)]
pub struct ServiceCapacity {
    /// Id.
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The unit.
    pub unit: Unit,
    /// Free places.
    pub available: i64,
    /// The registered capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    /// Which facility and form.
    pub description: String,
    /// When reported (RFC 3339).
    pub updated: String,
}

/// `unit` of a capacity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsUnit)]
pub struct Unit {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: &'static str,
    /// `MPSV TypKapacitySocialniSluzby`.
    pub scheme: &'static str,
    /// Code.
    pub identifier: &'static str,
}

/// `metadata`: one change of a record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsMetadata)]
pub struct Metadata {
    /// Id.
    pub id: Uuid,
    /// The record.
    pub resource_id: Uuid,
    /// `service`.
    pub resource_type: &'static str,
    /// The day.
    pub last_action_date: String,
    /// `create`, `update`, `suspend`, `resume`, `end` or `verify`.
    pub last_action_type: String,
    /// The sections changed (`*`: all).
    pub field_name: String,
    /// The version before.
    pub previous_value: String,
    /// The version after.
    pub replacement_value: String,
    /// The role that acted.
    pub updated_by: String,
}

/// `taxonomy`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsTaxonomy)]
pub struct Taxonomy {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: &'static str,
    /// Description.
    pub description: &'static str,
    /// Version.
    pub version: &'static str,
}

/// `taxonomy_term`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsTaxonomyTerm)]
pub struct TaxonomyTerm {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The taxonomy's name.
    pub taxonomy: &'static str,
    /// The taxonomy.
    pub taxonomy_id: Uuid,
    /// `cs`.
    pub language: &'static str,
}

/// The HSDS page envelope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HsdsPage<T> {
    /// Items in all pages.
    pub total_items: usize,
    /// Pages.
    pub total_pages: usize,
    /// This page, from 1.
    pub page_number: usize,
    /// Items in this page.
    pub size: usize,
    /// This is the first page.
    pub first_page: bool,
    /// This is the last page.
    pub last_page: bool,
    /// No items at all.
    pub empty: bool,
    /// The items.
    pub contents: Vec<T>,
}

impl<T> HsdsPage<T> {
    /// The same page, each item mapped.
    pub fn map<O>(self, f: impl FnMut(T) -> O) -> HsdsPage<O> {
        HsdsPage {
            total_items: self.total_items,
            total_pages: self.total_pages,
            page_number: self.page_number,
            size: self.size,
            first_page: self.first_page,
            last_page: self.last_page,
            empty: self.empty,
            contents: self.contents.into_iter().map(f).collect(),
        }
    }
}

/// What `/hsds` says of itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HsdsRoot)]
pub struct Root {
    /// The HSDS version.
    pub version: &'static str,
    /// The Czech profile.
    pub profile: String,
    /// The OpenAPI document.
    pub openapi_url: String,
}

/// The Czech profile of HSDS.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = HsdsProfile)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub description: String,
    /// The HSDS version it profiles.
    pub hsds_version: String,
    /// A JSON Merge Patch (RFC 7386) per HSDS schema, by the schema's file name.
    #[schema(value_type = std::collections::BTreeMap<String, Object>)]
    pub schemas: serde_json::Value,
    /// The identifiers it uses, and where they come from.
    pub identifiers: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_profile_served_has_the_shape_documented() {
        let served = include_str!("../../../docs/hsds-profile/profile.json");
        let profile: super::Profile = serde_json::from_str(served).unwrap();
        assert_eq!(profile.hsds_version, "3.1");
        assert!(profile.schemas.get("service.json").is_some());
    }
}
