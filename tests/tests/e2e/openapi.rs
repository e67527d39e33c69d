//! Both OpenAPI documents of a running portal are valid for an independent
//! validator (`openapi-spec-validator` from PyPI; `scripts/test` installs it
//! in `target/openapi-spec-validator` and names it in
//! `PORTAL_TEST_OPENAPI_VALIDATOR`), name each operation once, refer only
//! to schemas they hold, and give every answer with a body a real schema —
//! so a client generated from them compiles and knows what it gets.

use serde_json::Value;
use std::collections::BTreeMap;

/// Every `$ref` in `value`, with the JSON path where it stands.
fn refs<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if k == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push((path.clone(), r));
                    }
                } else {
                    refs(v, format!("{path}/{k}"), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                refs(v, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// An object schema that says nothing of what the object holds.
fn untyped(schema: &Value) -> bool {
    let Some(o) = schema.as_object() else {
        return false;
    };
    let says = [
        "$ref",
        "properties",
        "additionalProperties",
        "allOf",
        "oneOf",
        "anyOf",
        "items",
    ];
    (o.get("type") == Some(&Value::from("object")) || o.is_empty())
        && !says.iter().any(|k| o.contains_key(*k))
}

/// What is wrong with a document by the project's own rules.
fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut operations: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            match op["operationId"].as_str() {
                Some(id) => operations.entry(id).or_default().push(at.clone()),
                None => found.push(format!("{at}: no operationId")),
            }
            for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                for (media, content) in answer["content"].as_object().into_iter().flatten() {
                    if media.contains("json") && untyped(&content["schema"]) {
                        found.push(format!("{at} {status} {media}: an untyped object"));
                    }
                }
            }
        }
    }
    for (id, at) in operations {
        if at.len() > 1 {
            found.push(format!("operationId {id} names {}", at.join(", ")));
        }
    }
    let mut all = Vec::new();
    refs(doc, String::new(), &mut all);
    for (path, r) in all {
        let target = r.strip_prefix('#').and_then(|pointer| doc.pointer(pointer));
        if target.is_none() {
            found.push(format!("{path}: $ref {r} leads nowhere"));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_openapi_documents_validate_with_unique_operation_ids_and_typed_answers() {
    let validator = std::env::var("PORTAL_TEST_OPENAPI_VALIDATOR").expect(
        "PORTAL_TEST_OPENAPI_VALIDATOR is not set: this test needs openapi-spec-validator \
         (scripts/test installs it in target/openapi-spec-validator; or pip install \
         openapi-spec-validator and name its binary)",
    );
    let dir = infra::testing::TempDir::new();
    let app = crate::helpers::spawn_portal(&dir).await;
    let http = reqwest::Client::new();
    let mut wrong = Vec::new();
    for document in ["/api/v1/openapi.json", "/api/v1/queries/openapi.json"] {
        let doc: Value = http
            .get(format!("{}{document}", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        wrong.extend(
            problems(&doc)
                .into_iter()
                .map(|p| format!("{document}: {p}")),
        );
        let file = dir.path().join("openapi.json");
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let out = std::process::Command::new(&validator)
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("{validator} could not be started: {e}"));
        if !out.status.success() {
            // The validator quotes the whole document after its message.
            let said = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let said: String = said.chars().take(300).collect();
            wrong.push(format!("{document}: openapi-spec-validator: {said}"));
        }
    }
    app.stop().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_rules_find_what_they_name() {
    let doc = serde_json::json!({
        "paths": {
            "/a": {"get": {"operationId": "list", "responses": {"200": {"content": {
                "application/json": {"schema": {"type": "object"}}}}}}},
            "/b": {"get": {"operationId": "list", "responses": {"200": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Section"}}}}}}},
            "/c": {"get": {"operationId": "c", "responses": {"200": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/C"}}}}}}},
        },
        "components": {"schemas": {"C": {"type": "object", "properties": {}}}},
    });
    let found = problems(&doc);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("/a 200 application/json: an untyped object"));
    assert!(found[1].contains("operationId list names GET /a, GET /b"));
    assert!(found[2].contains("Section leads nowhere"));
}
