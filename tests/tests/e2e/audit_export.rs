//! An audit export verified as an outside auditor would: with the published
//! JWKS and an independent JOSE implementation (the `jose` package for
//! Node.js, `browser-tests/verify-audit-export.mjs`), never the portal's own
//! code; any changed byte fails, who exported it and when are signed.

use crate::client::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The signed payload of an export.
pub fn payload(jws: &Value) -> Value {
    let bytes = B64.decode(jws["payload"].as_str().unwrap()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The export with another payload (and the old signature).
pub fn with_payload(jws: &Value, payload: &Value) -> Value {
    let mut changed = jws.clone();
    changed["payload"] = json!(B64.encode(payload.to_string()));
    changed
}

/// Runs the independent verifier: its exit status and what it printed.
async fn verify_outside(jwks: &Value, export: &Value) -> (bool, String) {
    let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../browser-tests");
    assert!(
        scripts.join("node_modules/jose").is_dir(),
        "the jose package is missing: run `npm ci` in browser-tests/ (scripts/test does)"
    );
    let dir = test_support::TempDir::new();
    let (jwks_file, export_file) = (dir.path().join("jwks.json"), dir.path().join("export.json"));
    std::fs::write(&jwks_file, jwks.to_string()).unwrap();
    std::fs::write(&export_file, export.to_string()).unwrap();
    let mut node = std::process::Command::new("node");
    node.current_dir(&scripts)
        .arg("verify-audit-export.mjs")
        .arg(&jwks_file)
        .arg(&export_file);
    let out = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .expect("node could not be started (install nodejs; scripts/test does)");
    let text = String::from_utf8_lossy(if out.status.success() {
        &out.stdout
    } else {
        &out.stderr
    });
    (out.status.success(), text.trim().to_string())
}

async fn scenario(commands: &str, _queries: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let auditor =
        crate::helpers::account(&admin, "auditorka", "auditor", json!({ "kind": "global" })).await;
    let provider = json!({ "ico": "00064581", "name": "Charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let export = auditor
        .send(
            reqwest::Method::GET,
            "/audit/streams/provider/00064581/export",
            None,
            &[],
        )
        .await;
    assert_eq!(export.status, 200, "{:?}", export.body);
    let jwks: Value = reqwest::get(format!("{commands}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");

    let (valid, said) = verify_outside(&jwks, &export.body).await;
    assert!(valid, "{said}");
    let said: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(said["stream"], "provider/00064581");
    let signed = payload(&export.body);
    assert_eq!(
        said["entries"],
        json!(signed["entries"].as_array().unwrap().len())
    );
    assert_eq!(
        signed["entries"][0]["entry"]["event_type"],
        "ProviderRegistered"
    );
    assert_eq!(said["kid"], jwks["keys"][0]["kid"]);
    assert_eq!(said["exported_by"], signed["exported_by"]);
    assert!(time::OffsetDateTime::parse(
        signed["exported_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());

    // Forged exporter or time: the signature fails, outside and here.
    for (field, forged) in [
        ("exported_by", json!("00000000-0000-0000-0000-000000000000")),
        ("exported_at", json!("2020-01-01T00:00:00Z")),
    ] {
        let mut altered = signed.clone();
        altered[field] = forged;
        let tampered = with_payload(&export.body, &altered);
        assert!(!verify_outside(&jwks, &tampered).await.0, "{field}");
        let here = auditor.post("/audit/verify", tampered).await;
        assert_eq!(here.body["valid"], false, "{field}");
    }
    // Any changed byte of the signed parts fails.
    for part in ["protected", "payload", "signature"] {
        let text = export.body[part].as_str().unwrap();
        let mut bytes = text.as_bytes().to_vec();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let mut changed = export.body.clone();
        changed[part] = json!(String::from_utf8(bytes).unwrap());
        assert!(!verify_outside(&jwks, &changed).await.0, "{part}");
    }
    let here = auditor.post("/audit/verify", export.body.clone()).await;
    assert_eq!(here.body["valid"], true, "{:?}", here.body);
}

crate::helpers::in_both_modes!(
    scenario,
    audit_export_verifies_outside_in_embedded_mode,
    audit_export_verifies_outside_in_distributed_mode
);
