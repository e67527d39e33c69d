//! Both OpenAPI documents of a running embedded portal fuzzed by
//! schemathesis (PyPI; `scripts/test` installs it in `target/schemathesis`
//! and names it in `PORTAL_TEST_SCHEMATHESIS`), with an administrator's
//! token, on the demo data, bounded in time: any 5xx, an answer that violates its documented
//! schema, or a status the document does not name fails the test. The
//! logout is left out (it would end the fuzzer's own token); everything
//! else may be called, the erasure or disabling of the administrator
//! included (the portal refuses both).

use crate::client::Client;

/// Seconds each document is fuzzed.
const SECONDS_PER_DOCUMENT: u32 = 45;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_openapi_documents_hold_under_schemathesis() {
    let bin = std::env::var("PORTAL_TEST_SCHEMATHESIS").expect(
        "PORTAL_TEST_SCHEMATHESIS is not set: this test needs schemathesis (scripts/test \
         installs it in target/schemathesis; or pip install schemathesis and name its binary)",
    );
    let dir = test_support::TempDir::new();
    // With the demo data, so that the answers checked against their schemas
    // hold services, plans, grants, the map and HSDS objects, not empty lists.
    let app = crate::helpers::spawn_demo_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let token = admin.token.clone().unwrap();
    for document in ["/api/v1/openapi.json", "/api/v1/queries/openapi.json"] {
        let mut fuzz = std::process::Command::new(&bin);
        fuzz.arg("run")
            .arg(format!("{}{document}", app.base))
            .args(["--url", &app.base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,response_schema_conformance",
            ])
            .args(["--max-time", &SECONDS_PER_DOCUMENT.to_string()])
            .args(["--max-examples", "20", "--seed", "20261201"])
            .env("NO_COLOR", "1");
        let out = tokio::task::spawn_blocking(move || fuzz.output())
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{bin} could not be started: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tail: Vec<&str> = stdout.lines().rev().take(300).collect();
        assert!(
            out.status.success(),
            "schemathesis found problems in {document}:\n{}\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("passed"), "{stdout}");
    }
    app.stop().await;
}
