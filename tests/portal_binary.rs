//! The `portal` binary as a new user runs it: it starts in embedded mode with
//! no server installed, prints where it listens, answers, and stops cleanly
//! on SIGTERM. (Built by the root package, which owns the binary.)

use infra::testing::{http_get, ServiceProcess, TempDir};

#[test]
fn the_portal_binary_starts_embedded_and_stops_on_sigterm() {
    let dir = TempDir::new();
    let process = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_portal"),
        &[
            ("PORTAL_HTTP_ADDR", "127.0.0.1:0".into()),
            ("PORTAL_DATA_DIR", dir.path().display().to_string()),
        ],
    );
    let (status, body) = http_get(process.addr, "/health");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(process.addr, "/ready");
    assert_eq!(status, 200, "{body}");
    assert!(process.terminate().success());
    assert!(dir.path().join("events.sqlite3").exists());
}

#[test]
fn a_malformed_setting_is_named() {
    let (ok, stderr) = infra::testing::run_to_exit(
        env!("CARGO_BIN_EXE_portal"),
        &[("PORTAL_HTTP_ADDR", "not-an-address".into())],
    );
    assert!(!ok);
    assert!(stderr.contains("PORTAL_HTTP_ADDR"), "{stderr}");
}
