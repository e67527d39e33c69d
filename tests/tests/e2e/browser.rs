//! The portal in headless Chromium (Debian's `chromium`, driven by
//! playwright-core from `browser-tests/`), in both modes: search with
//! filters and open a result, the map from kraj to ORP, a provider signs in
//! and reports free places that the public board then shows, a survey
//! answered and its results shown, a statistics chart with its table, the
//! planning, grant and role pages (methodologist, commissioner) — a
//! screenshot of every page (`target/browser-screenshots/<mode>/`) and
//! axe-core on each with no serious or critical violation. Chromium or the
//! script's packages missing fail the test, naming what to install.

use crate::client::{Answer, Client};
use crate::helpers::{account, asylum_house, in_both_modes};
use serde_json::json;
use std::path::PathBuf;

const ICO: &str = "00064581";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let chromium = chromium_and_the_browser_tests_packages(commands, queries);
    let admin = Client::new(commands).login("admin", password).await;
    let (metodik, survey_id, opened) = a_provider_and_an_open_survey_of_its_kraj(&admin).await;
    let plan_id = a_plan_in_force_news_and_a_grant_call(&admin, &metodik).await;
    a_need_norm(&admin).await;
    until_the_read_models_and_the_statistics_hold_it_all(queries, &survey_id, &opened).await;
    the_browser_scenarios_pass_with_their_screenshots(&chromium, queries, &survey_id, &plan_id)
        .await;
    what_the_browser_did_is_in_the_log(queries, &survey_id).await;
}

/// Where the browser tests are and the browser they drive, and the mode
/// (for the screenshots' folder).
struct Chromium {
    mode: &'static str,
    scripts: PathBuf,
    chromium: String,
}

/// The browser tests' packages and Chromium, or the test fails saying how to install them.
fn chromium_and_the_browser_tests_packages(commands: &str, queries: &str) -> Chromium {
    let mode = if commands == queries {
        "embedded"
    } else {
        "distributed"
    };
    let scripts = workspace().join("browser-tests");
    assert!(
        scripts.join("node_modules/playwright-core").is_dir()
            && scripts.join("node_modules/axe-core").is_dir(),
        "the browser tests' packages are missing: run `npm ci` in {} (scripts/test does)",
        scripts.display()
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "no Chromium at {chromium}: install Debian's chromium (scripts/test does as root) or set CHROMIUM"
    );
    Chromium {
        mode,
        scripts,
        chromium,
    }
}

/// A provider with an asylum house in Děčín, its account, and an open survey for the
/// providers of the kraj. Gives the methodologist, the survey and its opening.
async fn a_provider_and_an_open_survey_of_its_kraj(admin: &Client) -> (Client, String, Answer) {
    asylum_house(admin, ICO, "Charita Děčín", "Azylový dům Naděje", "").await;
    account(
        admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": ICO }),
    )
    .await;
    let metodik = account(
        admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let survey = json!({ "definition": {
        "title": "Kapacity a potřeby 2027", "description": "Jak jsou na tom služby v kraji.",
        "audience": { "type": "kraj", "code": "CZ042" },
        "questions": [
            { "id": "capacity_enough", "text": "Stačí vaše kapacita?", "kind": { "type": "yes_no" }, "required": true },
            { "id": "waiting", "text": "Kolik lidí čeká na místo?", "kind": { "type": "number", "min": 0 } },
            { "id": "needs", "text": "Co klienti nejvíc potřebují?", "kind": { "type": "multiple_choice", "options": ["bydlení", "práce", "zdraví"], "allow_other": true } }
        ] } });
    let defined = metodik.post("/surveys", survey).await;
    assert_eq!(defined.status, 201, "{:?}", defined.body);
    let survey_id = defined.body["stream_id"].as_str().unwrap().to_string();
    let opened = metodik
        .post(&format!("/surveys/{survey_id}/open"), json!({}))
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    (metodik, survey_id, opened)
}

/// Community planning, news and grants, for the pages of the other roles. Gives the plan.
async fn a_plan_in_force_news_and_a_grant_call(admin: &Client, metodik: &Client) -> String {
    let komisar = account(
        admin,
        "komisar",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let plan = komisar
        .post(
            "/plans",
            json!({ "title": "Střednědobý plán Ústeckého kraje", "territory": "CZ042" }),
        )
        .await;
    let plan_id = plan.body["stream_id"].as_str().unwrap().to_string();
    let measure = json!({ "id": "M1", "title": "Azylový dům Děčín", "responsible": "Krajský úřad", "indicators": [],
        "budget": 1_000_000, "sources": ["kraj"], "deadline": "2027-12-31" });
    let content = json!({ "period_from": 2026, "period_to": 2028, "priorities": [{ "id": "P1", "title": "Bydlení",
        "goals": [{ "id": "G1", "title": "Dostupné azylové bydlení", "measures": [measure] }] }] });
    for _ in 0..2 {
        let r = komisar
            .post(&format!("/plans/{plan_id}/revisions"), content.clone())
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let approved = komisar
        .post(&format!("/plans/{plan_id}/revisions/1/approve"), json!({}))
        .await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let news = json!({ "article": { "kraj": "CZ042", "title": "Nová výzva pro poskytovatele", "body": "Termín je 31. 1." } });
    assert_eq!(metodik.post("/news", news).await.status, 201);
    let call = json!({ "details": { "title": "Podpora azylových domů", "description": "Provoz a mzdy", "territory": "CZ042",
        "budget": 2_000_000, "eligible_kinds": [20], "criteria": [{ "id": "k1", "name": "Potřebnost", "weight": 100, "max_points": 10 }],
        "deadline": "2099-01-31T23:59:59Z" } });
    let announced = komisar.post("/grants/calls", call).await;
    assert_eq!(announced.status, 201, "{:?}", announced.body);
    plan_id
}

/// A need norm for the statistics.
async fn a_need_norm(admin: &Client) {
    let norm = json!({ "unit": "luzka", "per_thousand": 25.0, "age_group": "65+", "valid_from": "2025-01-01" });
    let set = admin
        .send(reqwest::Method::PUT, "/stats/norms/20", Some(norm), &[])
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
}

/// Wait until the read models and the statistics hold all of it.
async fn until_the_read_models_and_the_statistics_hold_it_all(
    queries: &str,
    survey_id: &str,
    opened: &Answer,
) {
    let mut waited = 0;
    loop {
        let surveys = reqwest::get(format!(
            "{queries}/api/v1/surveys/{survey_id}?after={}",
            opened.after()
        ))
        .await
        .unwrap();
        let stats = reqwest::get(format!("{queries}/statistiky?kind=20"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if surveys.status() == 200 && stats.contains("<td>30</td>") {
            break;
        }
        waited += 1;
        assert!(waited < 200, "the read models did not catch up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The browser scenarios (Playwright in Chromium, axe on every page) pass, each screenshot
/// saved.
async fn the_browser_scenarios_pass_with_their_screenshots(
    c: &Chromium,
    queries: &str,
    survey_id: &str,
    plan_id: &str,
) {
    let Chromium {
        mode,
        scripts,
        chromium,
    } = c;
    let shots = workspace().join("target/browser-screenshots").join(mode);
    let _ = std::fs::remove_dir_all(&shots);
    let mut node = std::process::Command::new("node");
    node.current_dir(scripts)
        .arg("portal.mjs")
        .env("PORTAL_URL", queries)
        .env("SCREENSHOT_DIR", &shots)
        .env("CHROMIUM", chromium)
        .env("PROVIDER_LOGIN", "charita")
        .env("PROVIDER_PASSWORD", "heslo-pro-test-1")
        .env("SERVICE_WORDS", "naděje azyl")
        .env("SERVICE_NAME", "Azylový dům Naděje")
        .env("KRAJ", "CZ042")
        .env("KRAJ_NAME", "Ústecký kraj")
        .env("SURVEY_ID", survey_id)
        .env("PLAN_ID", plan_id)
        .env("PLAN_TITLE", "Střednědobý plán Ústeckého kraje");
    // The portal runs on this test's runtime: wait for the browser off it.
    let out = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .expect("node could not be started (install nodejs; scripts/test does)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser scenarios failed ({mode}):\n{stderr}\n{stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("the script's report");
    assert_eq!(report["steps"].as_array().unwrap().len(), 6, "{report}");
    assert!(report["screenshots"].as_u64().unwrap() >= 20);
    let pngs = std::fs::read_dir(&shots)
        .unwrap()
        .filter(|e| {
            let e = e.as_ref().unwrap();
            e.path().extension().is_some_and(|x| x == "png") && e.metadata().unwrap().len() > 1000
        })
        .count();
    assert_eq!(
        pngs as u64,
        report["screenshots"].as_u64().unwrap(),
        "every screenshot saved"
    );
}

/// What the browser did is in the log: the report and the answer, once.
async fn what_the_browser_did_is_in_the_log(queries: &str, survey_id: &str) {
    let survey_results = reqwest::get(format!("{queries}/api/v1/surveys/{survey_id}/results"))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(survey_results["responses"], 1, "{survey_results}");
    assert_eq!(
        survey_results["questions"][0]["frequencies"]["no"]["count"],
        1
    );
    assert_eq!(survey_results["questions"][1]["statistics"]["mean"], 12.0);
}

in_both_modes!(scenario, in_chromium_embedded, in_chromium_distributed);
