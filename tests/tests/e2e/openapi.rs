//! Both OpenAPI documents of a running portal are valid for an independent
//! validator (`openapi-spec-validator` from PyPI; `scripts/test` installs it
//! in `target/openapi-spec-validator` and names it in
//! `PORTAL_TEST_OPENAPI_VALIDATOR`), name each operation once, refer only
//! to schemas they hold, and give every answer with a body a real schema —
//! so a client generated from them compiles and knows what it gets. The
//! statuses they name can happen (the rules of `statuses`); that every
//! status the portal answers is named is the fuzzer's check
//! (`fuzz.rs`, schemathesis' `status_code_conformance`).

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

/// The operations that answer 401 without asking for a token: a login
/// refuses a wrong password.
const CREDENTIALS_IN_THE_BODY: [&str; 1] = ["POST /api/v1/auth/login"];

/// What is wrong with an operation's statuses: each must be one it can answer.
fn statuses(at: &str, method: &str, path: &str, op: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let answers = op["responses"].as_object().cloned().unwrap_or_default();
    let has = |s: &str| answers.contains_key(s);
    let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    let optional_token = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    });
    // A body, a query or a header, or a path's segment that is a number,
    // can fail to parse; a segment of text may still be refused (a stream
    // id with control characters).
    let parsed = |p: &&Value| p["in"] != "path" || p["schema"]["type"] != "string";
    let must_parse = op.get("requestBody").is_some() || params.iter().any(parsed);
    let takes_input = op.get("requestBody").is_some() || !params.is_empty();
    let write = matches!(method, "post" | "put" | "patch" | "delete");
    let mut wrong = |rule: bool, what: &str| {
        if !rule {
            found.push(format!("{at}: {what}"));
        }
    };
    wrong(
        !(has("401") || has("403")) || secured || CREDENTIALS_IN_THE_BODY.contains(&at),
        "401/403 named, but no token is asked for",
    );
    wrong(
        !secured || optional_token || has("401"),
        "a token is required, but 401 is not named",
    );
    wrong(
        !has("404") || path.contains('{') || op.get("requestBody").is_some(),
        "404 named, but nothing names a record",
    );
    wrong(
        !has("422") || takes_input,
        "422 named, but there is nothing to parse",
    );
    wrong(
        !must_parse || has("422"),
        "a body or parameters, but 422 is not named",
    );
    wrong(
        !(has("201") || has("409") || has("413")) || write,
        "201, 409 or 413 named for a read",
    );
    wrong(
        !params.iter().any(|p| p["name"] == "after") || has("503"),
        "reads `after`, but 503 (not there in time) is not named",
    );
    found
}

/// What is wrong with a document by the project's own rules.
fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut operations: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            found.extend(statuses(&at, method, path, op));
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
    let dir = test_support::TempDir::new();
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

    let problem = serde_json::json!({"description": "x"});
    let op = |answers: &[&str], extra: Value| {
        let mut op = serde_json::json!({ "responses": answers
            .iter()
            .map(|s| (s.to_string(), problem.clone()))
            .collect::<serde_json::Map<_, _>>() });
        for (k, v) in extra.as_object().unwrap() {
            op[k] = v.clone();
        }
        op
    };
    let after = serde_json::json!({ "parameters": [{ "name": "after", "in": "query" }] });
    let cases = [
        (
            "get",
            "/a",
            op(&["200", "401"], serde_json::json!({})),
            "no token is asked for",
        ),
        (
            "post",
            "/a",
            op(
                &["200", "422"],
                serde_json::json!({ "security": [{ "bearer": [] }], "requestBody": {} }),
            ),
            "401 is not named",
        ),
        (
            "get",
            "/a",
            op(&["200", "404"], serde_json::json!({})),
            "nothing names a record",
        ),
        (
            "get",
            "/a",
            op(&["200", "422"], serde_json::json!({})),
            "nothing to parse",
        ),
        (
            "post",
            "/a",
            op(&["200"], serde_json::json!({ "requestBody": {} })),
            "422 is not named",
        ),
        (
            "get",
            "/a/{id}",
            op(&["200", "409"], serde_json::json!({})),
            "for a read",
        ),
        (
            "get",
            "/a",
            op(&["200", "422"], after.clone()),
            "503 (not there in time)",
        ),
    ];
    for (method, path, op, expected) in cases {
        let found = statuses("op", method, path, &op);
        assert!(
            found.len() == 1 && found[0].contains(expected),
            "{expected}: {found:?}"
        );
    }
    // What each may name.
    let good = [
        ("get", "/a/{id}", op(&["200", "404"], serde_json::json!({}))),
        ("get", "/a", op(&["200", "422", "503"], after)),
        (
            "post",
            "/a",
            op(
                &["200", "201", "401", "404", "409", "413", "422"],
                serde_json::json!({ "security": [{ "bearer": [] }], "requestBody": {} }),
            ),
        ),
        (
            "get",
            "/a",
            op(
                &["200", "403"],
                serde_json::json!({ "security": [{}, { "bearer": [] }] }),
            ),
        ),
    ];
    for (method, path, op) in good {
        assert_eq!(
            statuses("op", method, path, &op),
            Vec::<String>::new(),
            "{op}"
        );
    }
}
