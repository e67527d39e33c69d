//! The `portal` binary as a new user runs it: it starts in embedded mode with
//! no server installed, prints where it listens, answers, and stops cleanly
//! on SIGTERM. (Built by the root package, which owns the binary.)

use test_support::{http_get, ServiceProcess, TempDir};

#[test]
fn the_portal_binary_starts_embedded_and_stops_on_sigterm() {
    let dir = TempDir::new();
    let process = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_portal"),
        &[
            ("PORTAL_HTTP_ADDR", "127.0.0.1:0".into()),
            ("PORTAL_DATA_DIR", dir.path().display().to_string()),
            ("PORTAL_DEMO_DATA", "0".into()),
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
    let (ok, stderr) = test_support::run_to_exit(
        env!("CARGO_BIN_EXE_portal"),
        &[("PORTAL_HTTP_ADDR", "not-an-address".into())],
    );
    assert!(!ok);
    assert!(stderr.contains("PORTAL_HTTP_ADDR"), "{stderr}");
}

/// Every command answered 2xx survives a crash (SIGKILL) of the embedded
/// portal in the middle of a stream of commands.
#[test]
fn a_crash_loses_no_accepted_command() {
    use serde_json::{json, Value};
    let dir = TempDir::new();
    let env = embedded_env(&dir);
    let bin = env!("CARGO_BIN_EXE_portal");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let first = ServiceProcess::spawn(bin, &env);
    let base = format!("http://{}/api/v1", first.addr);

    async fn post(
        http: &reqwest::Client,
        url: &str,
        token: &str,
        key: &str,
        body: &Value,
    ) -> Option<Value> {
        let response = http
            .post(url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    let http = reqwest::Client::new();
    let (token, service) = runtime.block_on(async {
        let login: Value = http
            .post(format!("{base}/auth/login"))
            .json(&json!({ "login": "admin", "password": "admin-password-1" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_string();
        let provider = json!({ "ico": "00064581", "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
        post(&http, &format!("{base}/providers"), &token, "p", &provider).await.unwrap();
        let service = json!({ "provider_ico": "00064581", "details": {
            "name": "Azylový dům", "kind": 20,
            "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 100000 }] }],
            "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
        let r = post(&http, &format!("{base}/services"), &token, "s", &service).await.unwrap();
        (token, r["stream_id"].as_str().unwrap().to_string())
    });

    // Eight clients send vacancy reports, each with its own key, until the crash.
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = format!("{base}/services/{service}/vacancies");
    let mut clients = Vec::new();
    for c in 0..8 {
        let (http, url, token, accepted, stop) = (
            http.clone(),
            url.clone(),
            token.clone(),
            accepted.clone(),
            stop.clone(),
        );
        clients.push(runtime.spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let key = format!("c{c}-{n}");
                let body =
                    json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": n });
                // A conflict (another client appended first) is simply tried again with a new key.
                if let Some(result) = post(&http, &url, &token, &key, &body).await {
                    accepted
                        .lock()
                        .unwrap()
                        .push((key, body, result["global_position"].clone()));
                }
                n += 1;
            }
        }));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while accepted.lock().unwrap().len() < 300 {
        assert!(
            std::time::Instant::now() < deadline,
            "too few commands were accepted"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    first.kill_hard();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    runtime.block_on(async {
        for c in clients {
            let _ = c.await;
        }
    });
    let accepted = accepted.lock().unwrap().clone();

    let second = ServiceProcess::spawn(bin, &env);
    let base = format!("http://{}/api/v1", second.addr);
    let url = format!("{base}/services/{service}/vacancies");
    runtime.block_on(async {
        let login: Value = http
            .post(format!("{base}/auth/login"))
            .json(&json!({ "login": "admin", "password": "admin-password-1" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_string();
        // Each accepted command is in the log: its key returns the first result.
        for (key, body, position) in &accepted {
            let again = post(&http, &url, &token, key, body).await.unwrap();
            assert_eq!(again["deduplicated"], true, "command {key} was lost");
            assert_eq!(&again["global_position"], position, "command {key} changed");
        }
    });
    assert!(second.terminate().success());
}

/// `portal import territory DIR` and `portal import rpss FILE`, as a user
/// runs them before starting the portal: the files are checked and copied,
/// the registry items become services (a broken one is named and skipped),
/// and a second run records nothing.
#[test]
fn the_import_commands_fill_the_embedded_store() {
    use serde_json::json;
    let dir = TempDir::new();
    let bin = env!("CARGO_BIN_EXE_portal");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(bin)
            .args(args)
            .env("PORTAL_DATA_DIR", dir.path())
            .env(
                "PORTAL_TERRITORY_DIR",
                test_support::shared_data_dir().join("territory"),
            )
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    };
    let territory = test_support::shared_data_dir().join("territory");
    let (ok, out) = run(&["import", "territory", &territory.display().to_string()]);
    assert!(ok, "{out}");
    assert!(
        out.contains("14 kraje, 206 ORP, 6258 municipalities"),
        "{out}"
    );
    assert!(dir.path().join("territory/struktura_uzemi_cr.csv").exists());

    let item = |id: u32, count: serde_json::Value| {
        json!({ "id": id, "datumPoskytovaniOd": "2015-01-01T00:00:00", "datumPoskytovaniDo": null,
            "druhSocialniSluzby": { "id": "DruhSocialniSluzby/20" },
            "poskytovatel": { "ico": "00064581", "nazev": "Oblastní charita Děčín",
                "adresa": { "psc": "40502", "obec": { "id": "Obec/562335" }, "ulice": { "nazev": "Kamenická" }, "cisloDomovni": 1188 } },
            "zarizeni": [{ "nazev": "Azylový dům", "adresa": { "kodAdresnihoMista": 21676682, "psc": "40502", "obec": { "id": "Obec/562335" } } }],
            "ciloveSkupiny": [{ "id": "CilovaSkupinaOsoby/18" }],
            "formy": [{ "forma": { "id": "FormaSocialniSluzby/pob" }, "nepretrzitePoskytovani": true,
                "kapacity": [{ "pocet": count, "typ": { "id": "TypKapacitySocialniSluzby/luzka" } }] }],
            "emaily": [{ "email": "azyl@charitadecin.cz" }] })
    };
    let file = dir.path().join("rpss.json");
    // One good item, 24 with a capacity that is no count (imported without
    // it, with a warning), one without a kind (skipped).
    let mut list: Vec<serde_json::Value> = vec![item(1, json!(30))];
    list.extend((2..26).map(|i| item(i, json!("x"))));
    let mut kindless = item(26, json!(3));
    kindless["druhSocialniSluzby"] = serde_json::Value::Null;
    list.push(kindless);
    std::fs::write(&file, json!({ "polozky": list }).to_string()).unwrap();
    let path = file.display().to_string();
    let (ok, out) = run(&["import", "rpss", &path]);
    assert!(ok, "{out}");
    assert!(out.contains("26 items: providers 1 registered"), "{out}");
    assert!(out.contains("services 25 registered"), "{out}");
    assert!(out.contains("1 skipped; 24 warned"), "{out}");
    assert!(
        out.contains("skipped: item 26: druhSocialniSluzby: missing"),
        "{out}"
    );
    assert!(
        out.contains("left out: item 2: formy[0].kapacity[0].pocet"),
        "{out}"
    );
    assert!(
        out.contains("% of "),
        "progress in percent of the file: {out}"
    );
    // More than 20 lines: all of them in a report file.
    let reports: Vec<_> = std::fs::read_dir(dir.path().join("imports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 1, "{out}");
    assert!(out.contains(&reports[0].display().to_string()), "{out}");
    let report = std::fs::read_to_string(&reports[0]).unwrap();
    assert_eq!(
        report
            .lines()
            .filter(|l| l.starts_with("left out: "))
            .count(),
        24
    );
    assert!(report.contains("left out: item 25: formy[0].kapacity[0].pocet"));
    let (ok, out) = run(&["import", "rpss", &path]);
    assert!(ok && out.contains(" 0 events"), "{out}");
    let (ok, out) = run(&["import", "rpss", "/nonexistent/rpss.json"]);
    assert!(!ok && out.contains("/nonexistent/rpss.json"), "{out}");
    let (ok, out) = run(&["import", "nothing"]);
    assert!(!ok && out.contains("usage: portal import"), "{out}");
}

/// `portal import rpss FILE` with `DATABASE_URL`: into the distributed store.
#[test]
fn the_registry_import_writes_to_postgresql_when_told_to() {
    let pg = test_support::TestPostgres::new();
    let dir = TempDir::new();
    let file = dir.path().join("rpss.json");
    let item = serde_json::json!({ "polozky": [{ "id": 7, "datumPoskytovaniOd": "2015-01-01",
        "druhSocialniSluzby": { "id": "DruhSocialniSluzby/26" },
        "poskytovatel": { "ico": "00064581", "nazev": "Oblastní charita Děčín",
            "adresa": { "psc": "40502", "obec": { "id": "Obec/562335" } } },
        "zarizeni": [{ "nazev": "Noclehárna", "adresa": { "kodAdresnihoMista": 21676682, "psc": "40502", "obec": { "id": "Obec/562335" } } }],
        "formy": [{ "forma": { "id": "FormaSocialniSluzby/pob" }, "kapacity": [{ "pocet": 12, "typ": { "id": "TypKapacitySocialniSluzby/luzka" } }] }],
        "telefony": [{ "telefon": "412 510 000" }] }] });
    std::fs::write(&file, item.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["import", "rpss", &file.display().to_string()])
        .env("DATABASE_URL", &pg.settings.url)
        .env("DATABASE_SCHEMA", &pg.settings.schema)
        .env("PORTAL_DATA_DIR", dir.path())
        .env(
            "PORTAL_TERRITORY_DIR",
            test_support::shared_data_dir().join("territory"),
        )
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("importing into PostgreSQL"), "{out}");
    assert!(out.contains("services 1 registered"), "{out}");
    assert!(
        !dir.path().join("events.sqlite3").exists(),
        "nothing written to the embedded store"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let version = runtime.block_on(async {
        let store = infra::event_store::postgres::PostgresEventStore::connect(&pg.settings)
            .await
            .unwrap();
        use infra::event_store::EventStore;
        store
            .stream_version(&events::StreamRef::new("service", "rpss-7"))
            .await
            .unwrap()
    });
    assert_eq!(version, Some(1));
}

/// The sender killed (SIGKILL) in the middle of the demo's messages and
/// started again: every message decided reaches the SMTP server, and only
/// those in flight at the kill (at most `IN_FLIGHT`) twice — with the same
/// `Message-ID`, so that the recipient's mail program shows each once.
#[test]
fn a_crash_of_the_sender_loses_no_message_and_repeats_only_those_in_flight() {
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};
    let smtp = test_support::PrivateSmtp::start();
    let dir = TempDir::new();
    let env = [
        ("PORTAL_HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("PORTAL_DATA_DIR", dir.path().display().to_string()),
        ("PORTAL_ADMIN_LOGIN", "admin".to_string()),
        ("PORTAL_ADMIN_PASSWORD", "admin-password-1".to_string()),
        ("PORTAL_DEMO_DATA", "1".to_string()),
        ("PORTAL_SMTP_URL", smtp.url.clone()),
        ("PORTAL_MAIL_RETRY_AFTER", "1s".to_string()),
        (
            "PORTAL_TERRITORY_DIR",
            test_support::shared_data_dir()
                .join("territory")
                .display()
                .to_string(),
        ),
    ];
    let bin = env!("CARGO_BIN_EXE_portal");
    let first = ServiceProcess::spawn(bin, &env);
    // The demo's open survey, open call and overdue vacancy reports make hundreds of messages.
    let deadline = Instant::now() + Duration::from_secs(120);
    while smtp.received().len() < 30 {
        assert!(
            Instant::now() < deadline,
            "the demo portal sent too few messages"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill_hard();
    let at_kill = smtp.received().len();

    let second = ServiceProcess::spawn(bin, &env);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(async {
        let http = reqwest::Client::new();
        let base = format!("http://{}/api/v1", second.addr);
        let login: serde_json::Value = http
            .post(format!("{base}/auth/login"))
            .json(&serde_json::json!({ "login": "admin", "password": "admin-password-1" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let report: serde_json::Value = http
                .get(format!("{base}/notifications/failures"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if report["pending"] == 0 && report["sent"].as_u64().unwrap_or(0) > at_kill as u64 {
                return report;
            }
            assert!(
                Instant::now() < deadline,
                "messages still pending: {report}"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let received = smtp.received();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for m in &received {
        *by_id
            .entry(m.header("message-id").unwrap_or_default().to_string())
            .or_default() += 1;
    }
    let sent = report["sent"].as_u64().unwrap() as usize;
    assert!(received.len() > at_kill, "the second start sent nothing");
    assert_eq!(
        by_id.len(),
        sent,
        "every message sent was received once: {report}"
    );
    let repeated: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    let in_flight = command_service::notify::IN_FLIGHT;
    assert!(
        received.len() - by_id.len() <= in_flight && repeated.len() <= in_flight,
        "repeated beyond the {in_flight} in flight: {repeated:?}"
    );
    assert_eq!(report["failed"], 0, "{report}");
    assert!(second.terminate().success());
}

/// An upload cut by a crash (SIGKILL) of the embedded portal leaves no half
/// file: nothing is stored under any hash, and what the upload had written
/// is removed at the next start.
#[test]
fn a_crash_in_the_middle_of_an_upload_leaves_no_half_file() {
    use std::io::Write;
    let dir = TempDir::new();
    let env = embedded_env(&dir);
    let bin = env!("CARGO_BIN_EXE_portal");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let first = ServiceProcess::spawn(bin, &env);
    let token = admin_token(&runtime, first.addr);
    let mut tcp = std::net::TcpStream::connect(first.addr).unwrap();
    write!(
        tcp,
        "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'a'; 65_536];
    for _ in 0..80 {
        write!(tcp, "{:x}\r\n", chunk.len()).unwrap();
        tcp.write_all(&chunk).unwrap();
        tcp.write_all(b"\r\n").unwrap();
    }
    // The upload is under way: part of it is on disk.
    let tmp = dir.path().join("files").join("tmp");
    let written = || -> u64 {
        std::fs::read_dir(&tmp)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while written() < 1024 * 1024 {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never reached the disk"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    first.kill_hard();
    drop(tcp);
    let stored = || -> Vec<String> {
        std::fs::read_dir(dir.path().join("files"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n != "tmp")
            .collect()
    };
    assert!(stored().is_empty(), "{:?}", stored());
    let second = ServiceProcess::spawn(bin, &env);
    assert_eq!(
        written(),
        0,
        "the interrupted upload's bytes are removed at start"
    );
    assert!(stored().is_empty());
    // And the next upload is whole.
    let token = admin_token(&runtime, second.addr);
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{}/api/v1/files", second.addr))
            .bearer_auth(token)
            .header("content-type", "text/plain")
            .body("celý soubor")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 201);
    assert_eq!(stored().len(), 1);
    assert!(second.terminate().success());
}

/// `portal check-files` names a file the log refers to that is missing from
/// `data/files/` (and fails), and a stored file no event refers to.
#[test]
fn check_files_names_the_missing_and_the_unreferenced() {
    let dir = TempDir::new();
    let env = embedded_env(&dir);
    let bin = env!("CARGO_BIN_EXE_portal");
    let portal = ServiceProcess::spawn(bin, &env);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let token = admin_token(&runtime, portal.addr);
    let sha = upload_text(&runtime, portal.addr, &token, "zápis z jednání".as_bytes())["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(portal.terminate().success());
    let check = || {
        let out = std::process::Command::new(bin)
            .arg("check-files")
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (sound, said) = check();
    assert!(
        sound && said.contains("1 files stored; 0 missing, 0 referred to by no event"),
        "{said}"
    );
    // A file nobody names.
    let orphan = "ab".repeat(32);
    let folder = dir.path().join("files").join("ab");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(&orphan), b"orphan").unwrap();
    let (sound, said) = check();
    assert!(
        sound && said.contains(&format!("unreferenced: {orphan}")),
        "{said}"
    );
    // A file the log names, gone from the folder.
    std::fs::remove_file(dir.path().join("files").join(&sha[..2]).join(&sha)).unwrap();
    let (sound, said) = check();
    assert!(!sound, "{said}");
    assert!(
        said.contains(&format!(
            "missing: {sha} (named by FileUploaded of file/{sha})"
        )),
        "{said}"
    );
}

/// The backup of the embedded mode is a copy of its stopped data folder: a
/// portal started on the copy serves what was stored, its files included;
/// `portal rebuild` does not need the files, and `portal check-files` says
/// when a restore forgot them.
#[test]
fn a_copy_of_the_stopped_data_folder_restores_the_portal_with_its_files() {
    let dir = TempDir::new();
    let env = embedded_env(&dir);
    let bin = env!("CARGO_BIN_EXE_portal");
    let portal = ServiceProcess::spawn(bin, &env);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let token = admin_token(&runtime, portal.addr);
    let minutes = "Zápis z jednání pracovní skupiny, 2. 12. 2026".as_bytes();
    let url = upload_text(&runtime, portal.addr, &token, minutes)["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(portal.terminate().success());

    let restored = TempDir::new();
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", dir.path().display()))
        .arg(restored.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let env = embedded_env(&restored);
    let portal = ServiceProcess::spawn(bin, &env);
    let got = runtime.block_on(async {
        reqwest::get(format!("http://{}{url}", portal.addr))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    assert_eq!(&got[..], minutes);
    assert!(portal.terminate().success());

    // A restore without the files: the log rebuilds, the check names what is missing.
    std::fs::remove_dir_all(restored.path().join("files")).unwrap();
    let run = |command: &str| {
        std::process::Command::new(bin)
            .arg(command)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .output()
            .unwrap()
    };
    let rebuilt = run("rebuild");
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    let checked = run("check-files");
    assert!(!checked.status.success());
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains("1 missing"),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

/// `portal backup` while the portal runs and a client keeps writing: the
/// databases that cannot be derived are copied by SQLite's online backup (a
/// state of one moment, checked), the files and secrets as they are, the
/// read models and statistics left out. Restored on an empty machine and
/// rebuilt, the portal answers as the old one did, its log a prefix of the
/// old one's.
#[test]
fn a_backup_taken_while_the_portal_writes_restores_it_on_an_empty_machine() {
    use serde_json::{json, Value};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = TempDir::new();
    let env = embedded_env(&dir);
    let bin = env!("CARGO_BIN_EXE_portal");
    let portal = ServiceProcess::spawn(bin, &env);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let token = admin_token(&runtime, portal.addr);
    let base = format!("http://{}/api/v1", portal.addr);
    let (http, token_of_post) = (reqwest::Client::new(), token.clone());
    let post = move |path: String, body: Value| {
        let (http, token) = (http.clone(), token_of_post.clone());
        async move {
            let r = http
                .post(path)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };
    let address = json!({ "city": "Děčín", "postcode": "40502" });
    let (kept, busy) = runtime.block_on(async {
        post(
            format!("{base}/providers"),
            json!({ "ico": "00064581", "name": "Charita", "address": address }),
        )
        .await;
        let mut ids = Vec::new();
        for name in ["Azylový dům", "Noclehárna"] {
            let s = json!({ "provider_ico": "00064581", "details": { "name": name, "kind": 20,
                "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 1000 }] }],
                "facilities": [{ "facility_id": "A", "name": "Dům", "address": address }] } });
            ids.push(
                post(format!("{base}/services"), s).await["stream_id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let report =
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 7 });
        post(format!("{base}/services/{}/vacancies", ids[0]), report).await;
        (ids[0].clone(), ids[1].clone())
    });
    let minutes = "Zápis z jednání komise, 2. 12. 2026".as_bytes();
    let file_url = upload_text(&runtime, portal.addr, &token, minutes)["url"]
        .as_str()
        .unwrap()
        .to_string();

    // A client reports vacancies of the other service all the while.
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let written = std::sync::Arc::new(AtomicUsize::new(0));
    let writer = {
        let (stop, written, post) = (stop.clone(), written.clone(), post.clone());
        let url = format!("{base}/services/{busy}/vacancies");
        runtime.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": n % 500 });
                post(url.clone(), body).await;
                written.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        })
    };
    while written.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let backups = TempDir::new();
    let target = backups.path().join("2026-12-02");
    let backed_up = std::process::Command::new(bin)
        .arg("backup")
        .arg(&target)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .output()
        .unwrap();
    let during = written.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    runtime.block_on(writer).unwrap();
    let said = String::from_utf8_lossy(&backed_up.stdout).into_owned();
    assert!(
        backed_up.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&backed_up.stderr)
    );
    for db in ["events.sqlite3", "private.sqlite3", "personal-keys.sqlite3"] {
        assert!(
            said.contains(&format!("{db}: ")) && said.contains("integrity ok"),
            "{said}"
        );
    }
    assert!(
        !target.join("read_models.sqlite3").exists(),
        "derived data was copied"
    );
    assert!(
        target.join("jwt-secret").exists(),
        "the key of tokens and audit signatures is missing"
    );
    assert!(
        written.load(Ordering::SeqCst) > 20 && during >= 20,
        "nothing was written during the backup"
    );
    // Into the same folder again: refused, nothing overwritten.
    let again = std::process::Command::new(bin)
        .arg("backup")
        .arg(&target)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // An empty machine: the backup copied in, the read models and statistics rebuilt.
    let restored = TempDir::new();
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", target.display()))
        .arg(restored.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let restored_env = embedded_env(&restored);
    for command in ["rebuild", "check-files"] {
        let out = std::process::Command::new(bin)
            .arg(command)
            .envs(restored_env.iter().map(|(k, v)| (*k, v)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "portal {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let second = ServiceProcess::spawn(bin, &restored_env);
    let get = |addr: std::net::SocketAddr, path: &str| {
        runtime.block_on(async {
            let r = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        })
    };
    for path in [
        format!("/api/v1/services/{kept}"),
        "/api/v1/providers/00064581".to_string(),
        file_url.clone(),
    ] {
        let (old, new) = (get(portal.addr, &path), get(second.addr, &path));
        assert_eq!(old.0, 200, "{path}");
        assert_eq!(new, old, "{path} answers otherwise after the restore");
    }
    assert!(
        !admin_token(&runtime, second.addr).is_empty(),
        "the account did not survive"
    );

    // The restored log is the old one up to a moment during the writes: no event torn or lost before it.
    let read_all = |dir: &std::path::Path| {
        use infra::event_store::EventStore;
        runtime.block_on(async {
            let store =
                infra::event_store::sqlite::SqliteEventStore::open(dir.join("events.sqlite3"))
                    .unwrap();
            let mut all = Vec::new();
            let mut from = infra::event_store::LogPosition::START;
            loop {
                let page = store.read_all(from, 1000).await.unwrap();
                let Some(last) = page.last() else { break };
                from = last.log_position();
                all.extend(
                    page.into_iter()
                        .map(|e| (e.global_position, e.event_id, e.event_type)),
                );
            }
            all
        })
    };
    let (live, copy) = (read_all(dir.path()), read_all(restored.path()));
    assert!(copy.len() <= live.len());
    assert_eq!(
        live[..copy.len()],
        copy[..],
        "the restored log is not a prefix of the live one"
    );
    assert!(second.terminate().success());
    assert!(portal.terminate().success());
}

/// Uploads `text` as a plain text file to the portal at `addr`; answers the upload's answer.
fn upload_text(
    runtime: &tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    token: &str,
    text: &'static [u8],
) -> serde_json::Value {
    runtime.block_on(async move {
        reqwest::Client::new()
            .post(format!("http://{addr}/api/v1/files"))
            .bearer_auth(token)
            .header("content-type", "text/plain")
            .header("content-disposition", "attachment; filename=\"zapis.txt\"")
            .body(text)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

/// The environment of an embedded portal in `dir` without demo data, admin `admin`.
fn embedded_env(dir: &TempDir) -> [(&'static str, String); 5] {
    [
        ("PORTAL_HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("PORTAL_DATA_DIR", dir.path().display().to_string()),
        ("PORTAL_ADMIN_LOGIN", "admin".to_string()),
        ("PORTAL_ADMIN_PASSWORD", "admin-password-1".to_string()),
        ("PORTAL_DEMO_DATA", "0".to_string()),
    ]
}

/// The administrator's token from the portal at `addr`.
fn admin_token(runtime: &tokio::runtime::Runtime, addr: std::net::SocketAddr) -> String {
    runtime.block_on(async move {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("http://{addr}/api/v1/auth/login"))
            .json(&serde_json::json!({ "login": "admin", "password": "admin-password-1" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["token"].as_str().unwrap().to_string()
    })
}
