//! The shapes of the read API's answers that are not a read model as it is:
//! a list with its count, and a record with what the portal adds to it.
//! Each has a schema, so the OpenAPI document says what a client gets.

use serde::Serialize;

/// A whole list (no paging): how many, and which.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    /// How many items.
    pub total: usize,
    /// The items.
    pub items: Vec<T>,
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Self {
            total: items.len(),
            items,
        }
    }
}

/// One page of a longer list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// How many items in all pages.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// The items of this page.
    pub items: Vec<T>,
}

/// A record with the name of the provider it belongs to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithProvider<T> {
    /// The record.
    #[serde(flatten)]
    pub record: T,
    /// The provider's name, when the registry knows the provider.
    pub provider_name: Option<String>,
}
