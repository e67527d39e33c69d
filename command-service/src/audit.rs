//! What auditors read, computed from the log: a stream's history with a
//! readable description of each change, its state at a time or version by
//! replaying its events, the difference between two states, and the
//! hash chain (BLAKE2b-256) of an export's entries, which the export's
//! signature covers (`signing.rs`); exports of the first form were sealed
//! with a key of the server's instead, and still verify.

use blake2::digest::consts::U32;
use blake2::digest::{FixedOutput, KeyInit, Update};
use blake2::{Blake2b, Blake2bMac, Digest};
pub use command_api::audit::Entry;
use events::aggregate::{from_recorded, Aggregate};
use events::RecordedEvent;
use serde::Serialize;
use serde_json::{json, Value};

type Hash = Blake2b<U32>;
type Mac = Blake2bMac<U32>;

fn fold<A: Aggregate + Serialize>(events: &[RecordedEvent]) -> Result<Value, String> {
    let decoded: Result<Vec<A::Event>, String> = events
        .iter()
        .map(|e| {
            from_recorded::<A::Event>(e)
                .map_err(|err| format!("event {} does not read: {err}", e.stream_version))
        })
        .collect();
    serde_json::to_value(A::fold(&decoded?)).map_err(|e| e.to_string())
}

/// The state of a record after `events` (its first events, in order).
///
/// # Errors
/// A stream type without an aggregate, or an event that does not read.
pub fn state(stream_type: &str, events: &[RecordedEvent]) -> Result<Value, String> {
    use events::accounts::Account;
    use events::grants::application::GrantApplication;
    use events::grants::call::GrantCall;
    use events::registry::directory::DirectoryEntry;
    use events::registry::import::RegistryImport;
    use events::registry::provider::Provider;
    use events::registry::regional_contact::RegionalContact;
    use events::registry::service::Service;
    use events::statistics::need_norm::NeedNorm;
    use events::{content, forum, planning, surveys};
    match stream_type {
        "service" => fold::<Service>(events),
        "provider" => fold::<Provider>(events),
        "account" => fold::<Account>(events),
        "directory_entry" => fold::<DirectoryEntry>(events),
        "regional_contact" => fold::<RegionalContact>(events),
        "need_norm" => fold::<NeedNorm>(events),
        "grant_call" => fold::<GrantCall>(events),
        "grant_application" => fold::<GrantApplication>(events),
        "registry_import" => fold::<RegistryImport>(events),
        "community_plan" => fold::<planning::plan::CommunityPlan>(events),
        "planning_group" => fold::<planning::group::PlanningGroup>(events),
        "survey" => fold::<surveys::survey::Survey>(events),
        "survey_response" => fold::<surveys::response::SurveyResponse>(events),
        "news" => fold::<content::news::News>(events),
        "calendar_event" => fold::<content::calendar::CalendarEvent>(events),
        "job_posting" => fold::<content::jobs::JobPosting>(events),
        "document" => fold::<content::library::Document>(events),
        "link" => fold::<content::library::Link>(events),
        "award" => fold::<content::library::Award>(events),
        "forum_thread" => fold::<forum::thread::Thread>(events),
        "forum_author" => fold::<forum::author::ForumAuthor>(events),
        other => Err(format!("{other} has no state to replay")),
    }
}

/// One line saying what an event changed.
pub fn describe(e: &RecordedEvent) -> String {
    let p = &e.payload;
    let keys = |v: &Value| -> String {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    match e.event_type.as_str() {
        "ServiceChanged" => format!("service changed: {}", keys(&p["changes"])),
        "ProviderDetailsChanged" => format!(
            "provider details changed: {}",
            p.as_object()
                .map(|o| o
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, _)| k.clone())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        "VacancyReported" => format!(
            "{} free places ({}, {}) reported at facility {}",
            p["free_places"],
            p["form"].as_str().unwrap_or(""),
            p["unit"].as_str().unwrap_or(""),
            p["facility_id"].as_str().unwrap_or("")
        ),
        "GrantApplicationEvaluated" => format!("evaluated: weighted score {}", p["weighted_score"]),
        "GrantApplicationDecided" => format!(
            "decided: {} CZK granted — {}",
            p["granted_amount"],
            p["reasons"].as_str().unwrap_or("")
        ),
        "GrantDecisionAmended" => format!(
            "decision amended: {} CZK — {}",
            p["granted_amount"],
            p["reasons"].as_str().unwrap_or("")
        ),
        "GrantApplicationSubmitted" => {
            format!("applied for {} CZK", p["details"]["requested_amount"])
        }
        other => {
            let k = keys(p);
            if k.is_empty() {
                other.to_string()
            } else {
                format!("{other}: {k}")
            }
        }
    }
}

/// A time as auditors read it: RFC 3339 (in JSON and in CSV).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// An event as auditors read it.
pub fn entry(e: &RecordedEvent) -> Entry {
    Entry {
        stream_type: e.stream.stream_type.clone(),
        stream_id: e.stream.stream_id.clone(),
        version: e.stream_version,
        global_position: e.global_position,
        transaction_id: e.transaction_id,
        event_type: e.event_type.clone(),
        schema_version: e.schema_version,
        occurred_at: rfc3339(e.occurred_at),
        recorded_at: rfc3339(e.recorded_at),
        actor: e.actor.clone(),
        correlation_id: e.correlation_id,
        causation_id: e.causation_id,
        description: describe(e),
        payload: e.payload.clone(),
    }
}

/// A changed value: its path, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// JSON path, e.g. `details.forms[0].capacities[0].count`.
    pub path: String,
    /// Before (absent: null).
    pub before: Value,
    /// After (absent: null).
    pub after: Value,
}

/// Every leaf that differs between two states.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ if a != b => out.push(Change {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain of hashes over `entries`: each link hashes the one before and the entry (canonical JSON).
pub fn chain(stream: &str, entries: &[Value]) -> Vec<String> {
    let mut link = Hash::new()
        .chain_update(format!("portal audit export of {stream}"))
        .finalize()
        .to_vec();
    entries
        .iter()
        .map(|e| {
            link = Hash::new()
                .chain_update(&link)
                .chain_update(serde_json::to_string(e).unwrap_or_default())
                .finalize()
                .to_vec();
            hex(&link)
        })
        .collect()
}

/// The seal of the last link, keyed with the server's secret.
pub fn seal(secret: &[u8], digest: &str) -> String {
    let key: Vec<u8> = Hash::new()
        .chain_update(secret)
        .chain_update(b"audit")
        .finalize()
        .to_vec();
    let mut mac = <Mac as KeyInit>::new_from_slice(&key).expect("a 32-byte key");
    Update::update(&mut mac, digest.as_bytes());
    hex(&mac.finalize_fixed())
}

/// A stream's history with its hash chain: what an export signs.
pub fn chained(stream: &str, entries: Vec<Value>) -> Value {
    let links = chain(stream, &entries);
    let digest = links.last().cloned().unwrap_or_default();
    let items: Vec<Value> = entries
        .into_iter()
        .zip(&links)
        .map(|(e, l)| json!({ "entry": e, "chain": l }))
        .collect();
    json!({ "stream": stream, "algorithm": "BLAKE2b-256 chain", "entries": items, "digest": digest })
}

/// An export of the first form (before exports were signed): the chain
/// with a keyed seal that only this server can check.
pub fn export(secret: &[u8], stream: &str, entries: Vec<Value>) -> Value {
    let mut doc = chained(stream, entries);
    doc["algorithm"] = json!("BLAKE2b-256 chain, keyed BLAKE2b seal");
    doc["seal"] = json!(seal(secret, doc["digest"].as_str().unwrap_or_default()));
    doc
}

/// Checks the chain of a history and its digest. Answers the first problem
/// found, naming the entry.
pub fn verify_chain(doc: &Value) -> Result<(), String> {
    let stream = doc["stream"].as_str().ok_or("no stream")?;
    let items = doc["entries"].as_array().ok_or("no entries")?;
    let entries: Vec<Value> = items.iter().map(|i| i["entry"].clone()).collect();
    let links = chain(stream, &entries);
    for (i, (item, link)) in items.iter().zip(&links).enumerate() {
        if item["chain"].as_str() != Some(link.as_str()) {
            return Err(format!("entry {i} was altered (its link does not match)"));
        }
    }
    let digest = links.last().cloned().unwrap_or_default();
    if doc["digest"].as_str() != Some(digest.as_str()) {
        return Err("the digest does not match the entries".into());
    }
    Ok(())
}

/// Checks an export of the first form: the chain, the digest and the seal.
pub fn verify(secret: &[u8], export: &Value) -> Result<(), String> {
    verify_chain(export)?;
    let digest = export["digest"].as_str().unwrap_or_default();
    if export["seal"].as_str() != Some(seal(secret, digest).as_str()) {
        return Err("the seal is not this server's".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_entry_breaks_the_chain_and_a_new_digest_breaks_the_seal() {
        let entries = vec![json!({ "a": 1 }), json!({ "b": 2 }), json!({ "c": 3 })];
        let export = export(b"secret", "service/s1", entries);
        assert_eq!(verify(b"secret", &export), Ok(()));
        assert!(verify(b"other", &export).is_err());
        let mut altered = export.clone();
        altered["entries"][1]["entry"]["b"] = json!(3);
        assert_eq!(
            verify(b"secret", &altered).unwrap_err(),
            "entry 1 was altered (its link does not match)"
        );
        // Recomputing the chain is not enough without the key.
        let mut rechained = altered.clone();
        let entries: Vec<Value> = rechained["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["entry"].clone())
            .collect();
        let links = chain("service/s1", &entries);
        for (i, l) in links.iter().enumerate() {
            rechained["entries"][i]["chain"] = json!(l);
        }
        rechained["digest"] = json!(links.last().unwrap());
        assert_eq!(
            verify(b"secret", &rechained).unwrap_err(),
            "the seal is not this server's"
        );
    }

    #[test]
    fn every_kind_of_record_can_be_replayed() {
        use events::Aggregate;
        use events::{accounts, content, forum, grants, planning, registry, statistics, surveys};
        for stream_type in [
            accounts::Account::STREAM_TYPE,
            registry::service::Service::STREAM_TYPE,
            registry::provider::Provider::STREAM_TYPE,
            registry::directory::DirectoryEntry::STREAM_TYPE,
            registry::regional_contact::RegionalContact::STREAM_TYPE,
            registry::import::RegistryImport::STREAM_TYPE,
            statistics::need_norm::NeedNorm::STREAM_TYPE,
            grants::call::GrantCall::STREAM_TYPE,
            grants::application::GrantApplication::STREAM_TYPE,
            planning::plan::CommunityPlan::STREAM_TYPE,
            planning::group::PlanningGroup::STREAM_TYPE,
            surveys::survey::Survey::STREAM_TYPE,
            surveys::response::SurveyResponse::STREAM_TYPE,
            content::news::News::STREAM_TYPE,
            content::calendar::CalendarEvent::STREAM_TYPE,
            content::jobs::JobPosting::STREAM_TYPE,
            content::library::Document::STREAM_TYPE,
            content::library::Link::STREAM_TYPE,
            content::library::Award::STREAM_TYPE,
            forum::thread::Thread::STREAM_TYPE,
            forum::author::ForumAuthor::STREAM_TYPE,
        ] {
            assert!(
                state(stream_type, &[]).is_ok(),
                "{stream_type} has no replay"
            );
        }
        assert!(state("no_such_thing", &[]).is_err());
    }

    #[test]
    fn diff_names_each_changed_leaf() {
        let a = json!({ "x": 1, "y": { "z": [1, 2] }, "gone": true });
        let b = json!({ "x": 2, "y": { "z": [1, 3] }, "new": "n" });
        let paths: Vec<String> = diff(&a, &b).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, ["gone", "new", "x", "y.z[1]"]);
    }
}
