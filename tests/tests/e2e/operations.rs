//! The operations files under `infra/deploy/`, each checked with the tool
//! that reads it: the alert rules by `promtool check rules` and their unit
//! tests by `promtool test rules`, the Prometheus configurations by
//! `promtool check config`, every metric a rule or the dashboard names
//! against what the services' `/metrics` serve, the systemd units by
//! `systemd-analyze verify` and `security --offline`, and the compose file by
//! `docker-compose config` and by starting each service with the
//! environment it gives it.

use crate::client::Client;
use crate::helpers::{spawn_distributed, spawn_portal};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use test_support::{
    distributed_env, ServiceProcess, TempDir, TestClickHouse, TestNats, TestPostgres,
};
use yaml_rust2::{Yaml, YamlLoader};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/deploy")
}

/// Runs a tool, failing loudly when it is missing; answers its success and output.
fn run(tool: &str, args: &[&str], dir: &Path) -> (bool, String) {
    let output = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} is needed (scripts/test installs it: prometheus, systemd, docker-compose): {e}")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

#[test]
fn the_alert_rules_pass_promtool_and_their_unit_tests() {
    let dir = deploy().join("prometheus");
    let (ok, out) = run("promtool", &["check", "rules", "portal.rules.yml"], &dir);
    assert!(ok, "{out}");
    let (ok, out) = run(
        "promtool",
        &["test", "rules", "portal.rules.test.yml"],
        &dir,
    );
    assert!(ok, "{out}");
    // Every alert has a unit test that expects it to fire.
    let tests = std::fs::read_to_string(dir.join("portal.rules.test.yml")).unwrap();
    for name in alert_names(&dir.join("portal.rules.yml")) {
        assert!(
            tests.contains(&format!(
                "alertname: {name}\n        exp_alerts:\n          - exp_labels"
            )),
            "no unit test shows {name} firing"
        );
    }
    for config in ["prometheus.yml", "compose.yml"] {
        let (ok, out) = run("promtool", &["check", "config", config], &dir);
        assert!(ok, "{config}: {out}");
    }
}

fn alert_names(rules: &Path) -> Vec<String> {
    let doc = yaml(rules);
    let mut names = Vec::new();
    for group in doc["groups"].as_vec().unwrap() {
        for rule in group["rules"].as_vec().unwrap() {
            names.push(rule["alert"].as_str().unwrap().to_string());
        }
    }
    names
}

/// The metric names a PromQL expression reads.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut text = String::new();
    // Strings, label matchers, ranges and label lists name no metric.
    let mut depth_brace = 0;
    let mut depth_bracket = 0;
    let mut in_string = false;
    for ch in expr.chars() {
        match ch {
            '"' => in_string = !in_string,
            _ if in_string => {}
            '{' => depth_brace += 1,
            '}' => depth_brace -= 1,
            '[' => depth_bracket += 1,
            ']' => depth_bracket -= 1,
            _ if depth_brace > 0 || depth_bracket > 0 => {}
            c => text.push(c),
        }
        if matches!(ch, '}' | ']' | '"') {
            text.push(' ');
        }
    }
    let mut names = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut skip_list = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let rest = chars[i..].iter().find(|c| !c.is_whitespace());
            let next_word: String = chars[i..]
                .iter()
                .skip_while(|c| c.is_whitespace())
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let grouping = matches!(
                word.as_str(),
                "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
            );
            if grouping {
                skip_list = true;
            } else if rest == Some(&'(')
                || matches!(next_word.as_str(), "by" | "without")
                || matches!(word.as_str(), "and" | "or" | "unless" | "bool" | "offset")
            {
                // A function or aggregation, or an operator.
            } else if !(start > 0 && chars[start - 1].is_ascii_digit()) {
                names.insert(word);
            }
            continue;
        }
        if c == '(' && skip_list {
            while i < chars.len() && chars[i] != ')' {
                i += 1;
            }
            skip_list = false;
        }
        i += 1;
    }
    names
}

#[test]
fn metric_names_are_read_off_promql() {
    let names = metric_names(
        r#"sum by (service, le) (rate(http_request_duration_seconds_bucket{status=~"5.."}[5m])) / ignoring(kind) portal_data_dir_bytes{kind="size"} > 0.05 and time() - max(up) > 14 * 86400"#,
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        [
            "http_request_duration_seconds_bucket",
            "portal_data_dir_bytes",
            "up"
        ]
    );
}

/// Metrics of other programs that rules may name: Prometheus's own `up`,
/// and the blackbox exporter's certificate probe of the public address.
const OTHER_PROGRAMS: &[&str] = &["up", "probe_ssl_earliest_cert_expiry"];

async fn served(base: &str) -> BTreeSet<String> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_a_rule_or_the_dashboard_names_is_served() {
    let mut named: BTreeSet<(String, String)> = BTreeSet::new();
    let rules = yaml(&deploy().join("prometheus/portal.rules.yml"));
    for group in rules["groups"].as_vec().unwrap() {
        for rule in group["rules"].as_vec().unwrap() {
            for name in metric_names(rule["expr"].as_str().unwrap()) {
                named.insert((name, rule["alert"].as_str().unwrap().to_string()));
            }
        }
    }
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(deploy().join("grafana/portal.json")).unwrap(),
    )
    .unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    let mut targets = 0;
    for panel in panels {
        for target in panel["targets"].as_array().into_iter().flatten() {
            targets += 1;
            for name in metric_names(target["expr"].as_str().unwrap()) {
                named.insert((name, panel["title"].as_str().unwrap().to_string()));
            }
        }
    }
    assert!(targets > 20, "the dashboard shows {targets} queries");
    let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids repeat");

    // The three services and the embedded portal, after a little work.
    let stack = spawn_distributed().await;
    let admin = Client::new(&stack.commands)
        .login("admin", "admin-password-1")
        .await;
    let service = crate::faults::register(&admin).await;
    let report = admin
        .post(
            &format!("/services/{service}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 3 }),
        )
        .await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let read = reqwest::get(format!(
        "{}/api/v1/services/{service}?after={}",
        stack.queries,
        report.after()
    ))
    .await
    .unwrap();
    assert_eq!(read.status(), 200);
    let dir = TempDir::new();
    let portal = spawn_portal(&dir).await;
    let mut serving = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for app in stack.apps.iter().chain([&portal]) {
            let _ = app.get("/ready").await;
            serving.extend(served(&app.base).await);
        }
        let missing: Vec<_> = named
            .iter()
            .filter(|(name, _)| !serving.contains(name) && !OTHER_PROGRAMS.contains(&name.as_str()))
            .collect();
        if missing.is_empty() {
            break;
        }
        // Some figures appear once a background task has run (the lag after a batch).
        assert!(
            Instant::now() < deadline,
            "named by a rule or a panel but served by no service: {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    portal.stop().await;
    stack.stop().await;
}

fn built(name: &str) -> PathBuf {
    PathBuf::from(crate::helpers::binary(name))
}

#[test]
fn the_systemd_units_verify_and_are_hardened() {
    let units_dir = deploy().join("systemd");
    let units: Vec<String> = std::fs::read_dir(&units_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".service") || n.ends_with(".timer"))
        .collect();
    // A root of its own: the system's units, the binaries where the units run them, ours.
    let root = TempDir::new();
    let r = root.path();
    std::fs::create_dir_all(r.join("usr/lib")).unwrap();
    let (ok, out) = run(
        "cp",
        &[
            "-a",
            "/usr/lib/systemd",
            &r.join("usr/lib").display().to_string(),
        ],
        Path::new("/"),
    );
    assert!(ok, "{out}");
    for dir in ["usr/local/bin", "usr/bin", "bin", "etc/systemd/system"] {
        std::fs::create_dir_all(r.join(dir)).unwrap();
    }
    for binary in [
        "portal",
        "command-service",
        "projection-service",
        "query-service",
    ] {
        std::fs::copy(built(binary), r.join("usr/local/bin").join(binary)).unwrap();
    }
    for (tool, to) in [("/usr/bin/curl", "usr/bin/curl"), ("/bin/mv", "bin/mv")] {
        std::fs::copy(tool, r.join(to)).unwrap_or_else(|e| panic!("{tool}: {e}"));
    }
    for unit in &units {
        std::fs::copy(
            units_dir.join(unit),
            r.join("etc/systemd/system").join(unit),
        )
        .unwrap();
    }
    let root_arg = format!("--root={}", r.display());
    let mut args = vec!["verify", root_arg.as_str()];
    args.extend(units.iter().map(String::as_str));
    let (ok, out) = run("systemd-analyze", &args, r);
    assert!(ok && out.trim().is_empty(), "systemd-analyze verify: {out}");

    let binaries: BTreeSet<String> = units
        .iter()
        .filter(|u| u.ends_with(".service"))
        .filter_map(|u| {
            let text = std::fs::read_to_string(units_dir.join(u)).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix("ExecStart=/usr/local/bin/"))
                .map(|cmd| cmd.split(' ').next().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        binaries,
        [
            "command-service",
            "portal",
            "projection-service",
            "query-service"
        ]
        .map(String::from)
        .into(),
        "a unit for every binary"
    );
    assert!(units.contains(&"portal-import-rpss.timer".to_string()));
    for unit in units.iter().filter(|u| u.ends_with(".service")) {
        let text = std::fs::read_to_string(units_dir.join(unit)).unwrap();
        for option in [
            "User=portal",
            "NoNewPrivileges=true",
            "ProtectSystem=strict",
        ] {
            assert!(text.lines().any(|l| l == option), "{unit} lacks {option}");
        }
        // systemd's own measure of what the service could do if taken over: at most 2.0 of 10 (the units score 1.2–1.4).
        let (ok, out) = run(
            "systemd-analyze",
            &[
                "security",
                "--offline=true",
                &root_arg,
                "--threshold=20",
                unit,
            ],
            r,
        );
        assert!(ok, "{unit} is exposed more than 2.0 (of 10): {out}");
    }
}

/// `docker-compose config` of compose.yml with `env` (the normalized file), or what it said.
fn compose_config(env: Option<&Path>) -> (bool, String) {
    let file = deploy().join("compose.yml");
    let mut args = vec!["-f".to_string(), file.display().to_string()];
    if let Some(env) = env {
        args.extend(["--env-file".to_string(), env.display().to_string()]);
    }
    args.push("config".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("docker-compose", &args, &deploy())
}

#[test]
fn the_compose_file_gives_every_service_what_it_needs() {
    // Without the secrets it names each one missing, and runs nothing.
    let (ok, out) = compose_config(None);
    assert!(!ok, "compose.yml accepted without secrets");
    assert!(out.contains("set POSTGRES_PASSWORD"), "{out}");
    let (ok, normalized) = compose_config(Some(&deploy().join("compose.env.example")));
    assert!(ok, "{normalized}");
    let config = YamlLoader::load_from_str(&normalized).unwrap().remove(0);
    let services = &config["services"];
    for name in [
        "postgres",
        "nats",
        "clickhouse",
        "command-service",
        "projection-service",
        "query-service",
        "prometheus",
        "grafana",
    ] {
        assert!(!services[name].is_badvalue(), "compose.yml lacks {name}");
    }
    // Prometheus scrapes each service on the port it listens on.
    let scrape = yaml(&deploy().join("prometheus/compose.yml"));
    let scraped: Vec<(String, i64)> = scrape["scrape_configs"][0]["dns_sd_configs"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["names"][0].as_str().unwrap().to_string(),
                c["port"].as_i64().unwrap(),
            )
        })
        .collect();

    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let test_servers = distributed_env(&pg, &nats, &ch);
    for (service, addr_var) in [
        ("command-service", "COMMAND_SERVICE_ADDR"),
        ("projection-service", "PROJECTION_SERVICE_ADDR"),
        ("query-service", "QUERY_SERVICE_ADDR"),
    ] {
        let s = &services[service];
        assert_eq!(s["command"][0].as_str(), Some(service));
        let env: Vec<(String, String)> = s["environment"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Null => String::new(),
                    other => panic!("{service}: {other:?}"),
                };
                (k.as_str().unwrap().to_string(), value)
            })
            .collect();
        let port: i64 = env
            .iter()
            .find(|(k, _)| k == addr_var)
            .unwrap_or_else(|| panic!("{service} has no {addr_var}"))
            .1
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            scraped.contains(&(service.to_string(), port)),
            "Prometheus does not scrape {service} on {port}: {scraped:?}"
        );
        let published = s["ports"]
            .as_vec()
            .into_iter()
            .flatten()
            .map(|p| p["target"].as_i64().unwrap())
            .chain(
                s["expose"]
                    .as_vec()
                    .into_iter()
                    .flatten()
                    .map(|p| p.as_str().unwrap().parse().unwrap()),
            )
            .collect::<Vec<i64>>();
        assert!(
            published.contains(&port),
            "{service} listens on {port}, not opened: {published:?}"
        );
        // Started with exactly that environment — the servers' addresses and
        // names aside, which are the test's — the service becomes ready.
        let mut run_env: Vec<(&str, String)> = env
            .iter()
            .filter(|(k, _)| k != addr_var)
            .map(|(k, v)| {
                let ours = test_servers.iter().find(|(t, _)| t == k);
                (
                    k.as_str(),
                    ours.map_or_else(|| v.clone(), |(_, tv)| tv.clone()),
                )
            })
            .collect();
        for (k, v) in &test_servers {
            if run_env.iter().any(|(e, _)| e == k) {
                continue;
            }
            // The stream prefix has a default; the test's keeps its streams apart.
            assert_eq!(
                *k, "NATS_STREAM_PREFIX",
                "compose.yml gives {service} no {k}"
            );
            run_env.push((k, v.clone()));
        }
        run_env.push((addr_var, "127.0.0.1:0".into()));
        let process = ServiceProcess::spawn(&built(service).display().to_string(), &run_env);
        let (status, body) = test_support::http_get(process.addr, "/ready");
        assert_eq!(
            status, 200,
            "{service} with compose.yml's environment: {body}"
        );
        assert!(process.terminate().success());
    }
}
