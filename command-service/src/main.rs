//! `command-service`: the write API in distributed mode.

use command_service::{Application, Settings};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    infra::telemetry::init();
    infra::connect::exit_code(command_service::startup::NAME, async {
        let settings = Settings::from_env()?;
        // `command-service check-files`: the files the log names against the file store.
        if std::env::args().nth(1).as_deref() == Some("check-files") {
            let report = command_service::startup::check_files(&settings).await?;
            print!("{report}");
            anyhow::ensure!(
                report.is_sound(),
                "files named by the log are missing from the store"
            );
            return Ok(());
        }
        let app = Application::build(settings).await?;
        println!(
            "{} listening on http://{}",
            command_service::startup::NAME,
            app.addr()
        );
        app.run_until_stopped().await
    })
    .await
}
