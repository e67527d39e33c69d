//! `portal`: the whole backend in one process, embedded mode (`cargo run --release`).

use portal::{Application, Settings};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    infra::telemetry::init();
    infra::connect::exit_code(portal::NAME, async {
        let settings = Settings::from_env()?;
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.first().map(String::as_str) == Some("import") {
            return portal::import::run(&args[1..], &settings).await;
        }
        if args.first().map(String::as_str) == Some("check-files") {
            let report = portal::check_files(&settings).await?;
            print!("{report}");
            anyhow::ensure!(report.is_sound(), "files named by the log are missing from the store");
            return Ok(());
        }
        if args.first().map(String::as_str) == Some("backup") {
            let target = args.get(1).ok_or_else(|| {
                anyhow::anyhow!("usage: portal backup <new folder> (a copy of PORTAL_DATA_DIR while the portal runs)")
            })?;
            let summary = portal::backup::backup(&settings.data_dir, std::path::Path::new(target))?;
            print!("{summary}");
            return Ok(());
        }
        if args.first().map(String::as_str) == Some("rebuild") {
            let generation = portal::rebuild(&settings).await?;
            println!("read models rebuilt from the start of the log; generation {generation} is active");
            return Ok(());
        }
        let app = Application::build(settings.clone()).await?;
        println!(
            "portal (embedded mode) listening on http://{} — data in {}; the web portal at /, the API at /api/v1 (e.g. /api/v1/services?q=azyl, /api/v1/openapi.json), /health",
            app.addr(),
            std::fs::canonicalize(&settings.data_dir)
                .unwrap_or_else(|_| settings.data_dir.clone())
                .display()
        );
        app.run_until_stopped().await
    })
    .await
}
