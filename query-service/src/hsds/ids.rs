//! Stable UUIDs for what HSDS identifies by UUID: a service created through
//! the API keeps its own (UUIDv7); everything else (imported services
//! `rpss-<id>`, organizations by IČO, locations, terms ...) gets a name-based
//! UUID (v5) in the portal's namespace, the same on every request and every
//! installation.

use uuid::Uuid;

/// The portal's namespace for name-based UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0x8a1f_5c2e_3b74_4d0a_9e61_2f7c_c0de_5eed);

/// The UUID of `key` among things of `kind`.
pub fn uuid_for(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{kind}:{key}").as_bytes())
}

/// A service's UUID: its id when that is a UUID.
pub fn service_uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap_or_else(|_| uuid_for("service", id))
}

/// An organization's UUID, from its IČO.
pub fn organization_uuid(ico: &str) -> Uuid {
    uuid_for("organization", ico)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(uuid_for("service", "rpss-1"), uuid_for("service", "rpss-1"));
        assert_ne!(
            uuid_for("service", "rpss-1"),
            uuid_for("location", "rpss-1")
        );
        assert_eq!(uuid_for("service", "rpss-1").get_version_num(), 5);
        let v7 = Uuid::now_v7();
        assert_eq!(service_uuid(&v7.to_string()), v7);
        assert_eq!(service_uuid("rpss-1"), uuid_for("service", "rpss-1"));
    }
}
