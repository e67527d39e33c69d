//! Accounts and their roles. Personal data (login, e-mail, name, password
//! hash) never enters the log: it lives in the credential store, which can
//! erase it; the account's stream holds only roles, tokens and status.

pub mod account;
pub mod role;

pub use account::{Account, AccountCommand, AccountEvent, ApiToken};
pub use role::{Role, RoleGrant, Scope};
