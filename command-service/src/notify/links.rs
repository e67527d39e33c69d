//! The links of messages: those that set a password (a reset or an
//! invitation), stop a kind of message, or confirm a subscription. A token
//! names what it is for and carries a keyed hash of it, so that it is never
//! stored anywhere; the stream it names says whether it still works (a
//! password request once, before it expires; a subscription within a week).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use blake2::digest::{consts::U16, FixedOutput, KeyInit, Update};
use events::notifications::NotificationKind;
use uuid::Uuid;

type Mac = blake2::Blake2bMac<U16>;

fn mac(key: &[u8], account: Uuid, request: Uuid) -> [u8; 16] {
    let mut m = <Mac as KeyInit>::new_from_slice(&key[..key.len().min(64)])
        .unwrap_or_else(|_| <Mac as KeyInit>::new_from_slice(b"portal").expect("a short key"));
    Update::update(&mut m, b"password-link:");
    Update::update(&mut m, account.as_bytes());
    Update::update(&mut m, request.as_bytes());
    m.finalize_fixed().into()
}

/// The token of the link that sets `account`'s password for `request`.
pub fn password_token(key: &[u8], account: Uuid, request: Uuid) -> String {
    let mut bytes = Vec::with_capacity(48);
    bytes.extend_from_slice(account.as_bytes());
    bytes.extend_from_slice(request.as_bytes());
    bytes.extend_from_slice(&mac(key, account, request));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The account and the request a token names, when it was made with `key`.
pub fn read_password_token(key: &[u8], token: &str) -> Option<(Uuid, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    if bytes.len() != 48 {
        return None;
    }
    let account = Uuid::from_slice(&bytes[..16]).ok()?;
    let request = Uuid::from_slice(&bytes[16..32]).ok()?;
    same(&mac(key, account, request), &bytes[32..]).then_some((account, request))
}

fn mac_of(key: &[u8], purpose: &[u8], what: &[u8]) -> [u8; 16] {
    let mut m = <Mac as KeyInit>::new_from_slice(&key[..key.len().min(64)])
        .unwrap_or_else(|_| <Mac as KeyInit>::new_from_slice(b"portal").expect("a short key"));
    Update::update(&mut m, purpose);
    Update::update(&mut m, what);
    m.finalize_fixed().into()
}

/// Compares in constant time: no early exit on the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of the link that confirms a subscription (double opt-in).
pub fn subscription_token(key: &[u8], subscription: Uuid) -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(subscription.as_bytes());
    bytes.extend_from_slice(&mac_of(key, b"subscription:", subscription.as_bytes()));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The subscription a confirmation token names, when it was made with `key`.
pub fn read_subscription_token(key: &[u8], token: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    if bytes.len() != 32 {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    same(&mac_of(key, b"subscription:", id.as_bytes()), &bytes[16..]).then_some(id)
}

/// The token of the link that stops `kind` for the recipient `recipient_key`
/// (one click, RFC 8058): it names both and carries their keyed hash.
pub fn unsubscribe_token(key: &[u8], recipient_key: &str, kind: NotificationKind) -> String {
    let what = format!("{recipient_key}|{}", kind.code());
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(what.as_bytes()),
        URL_SAFE_NO_PAD.encode(mac_of(key, b"unsubscribe:", what.as_bytes()))
    )
}

/// The recipient's key and the kind an unsubscribe token names, when it was made with `key`.
pub fn read_unsubscribe_token(key: &[u8], token: &str) -> Option<(String, NotificationKind)> {
    let (what, mac) = token.trim().split_once('.')?;
    let what = URL_SAFE_NO_PAD.decode(what).ok()?;
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    if !same(&mac_of(key, b"unsubscribe:", &what), &mac) {
        return None;
    }
    let what = String::from_utf8(what).ok()?;
    let (recipient, kind) = what.rsplit_once('|')?;
    let kind = NotificationKind::ALL
        .into_iter()
        .find(|k| k.code() == kind)?;
    Some((recipient.to_string(), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_only_with_its_key_and_unchanged() {
        let (a, r) = (Uuid::now_v7(), Uuid::now_v7());
        let t = password_token(b"a key of the portal", a, r);
        assert_eq!(
            read_password_token(b"a key of the portal", &t),
            Some((a, r))
        );
        assert_eq!(read_password_token(b"another key", &t), None);
        let mut forged = password_token(b"a key of the portal", Uuid::now_v7(), r);
        forged.replace_range(..22, &t[..22]);
        assert_eq!(read_password_token(b"a key of the portal", &forged), None);
        assert_eq!(read_password_token(b"a key of the portal", "short"), None);
    }

    #[test]
    fn an_unsubscribe_token_names_its_recipient_and_kind() {
        let t = unsubscribe_token(b"k", "service:abc", NotificationKind::VacancyReminder);
        assert_eq!(
            read_unsubscribe_token(b"k", &t),
            Some(("service:abc".into(), NotificationKind::VacancyReminder))
        );
        assert_eq!(read_unsubscribe_token(b"other", &t), None);
        let other = unsubscribe_token(b"k", "service:abd", NotificationKind::VacancyReminder);
        let forged = format!(
            "{}.{}",
            other.split('.').next().unwrap(),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(read_unsubscribe_token(b"k", &forged), None);
    }

    #[test]
    fn a_confirmation_token_names_its_subscription() {
        let id = Uuid::now_v7();
        let t = subscription_token(b"k", id);
        assert_eq!(read_subscription_token(b"k", &t), Some(id));
        assert_eq!(read_subscription_token(b"other", &t), None);
        let other = subscription_token(b"k", Uuid::now_v7());
        assert_eq!(
            read_subscription_token(b"k", &format!("{}{}", &other[..22], &t[22..])),
            None
        );
        assert_eq!(read_subscription_token(b"k", "x"), None);
    }
}
