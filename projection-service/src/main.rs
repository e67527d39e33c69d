//! `projection-service`: the projections in distributed mode (`projection-service rebuild`: rebuild them).

use projection_service::{Application, Settings};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    infra::telemetry::init();
    infra::connect::exit_code(projection_service::startup::NAME, async {
        if std::env::args().nth(1).as_deref() == Some("rebuild") {
            let generation = projection_service::rebuild_from_env().await?;
            println!(
                "read models rebuilt from the start of the log; generation {generation} is active"
            );
            return Ok(());
        }
        let app = Application::build(Settings::from_env()?).await?;
        println!(
            "{} listening on http://{}",
            projection_service::startup::NAME,
            app.addr()
        );
        app.run_until_stopped().await
    })
    .await
}
