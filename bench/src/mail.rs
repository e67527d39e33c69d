//! E-mail (issue 20): 10,000 services whose vacancy report is overdue, the
//! process manager deciding their reminders, and the sender handing them to
//! a real SMTP server (aiosmtpd, as the tests run it) — decisions/s,
//! messages/s and the process's peak memory. Baseline in the same run: the
//! same number of messages built and sent by `lettre` over its connection
//! pool with as many in flight as the sender, with no outbox, no log and no
//! look-up of addresses.

use command_service::notify::Sender;
use events::aggregate::to_new_event;
use events::registry::provider::ProviderEvent;
use events::registry::service::{Capacity, FormSpec, ServiceDetails, ServiceEvent};
use events::values::{Address, CapacityUnit, Contacts, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::DynEventStore;
use infra::mail::outbox::sqlite::SqliteMailOutbox;
use infra::mail::outbox::DynMailOutbox;
use infra::mail::Email;
use projection_service::notifications::{ProcessManager, Rules, State};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

async fn seed(store: &DynEventStore, services: usize) -> anyhow::Result<()> {
    let long_ago = OffsetDateTime::now_utc() - time::Duration::days(30);
    let meta = EventMetadata::new(Actor::system());
    let ico = "00064581";
    let provider = [
        ProviderEvent::ProviderRegistered {
            ico: events::values::Ico::parse(ico).map_err(|e| anyhow::anyhow!(e))?,
            name: "Oblastní charita".into(),
            legal_form: None,
            address: Address {
                street: "Hlavní 1".into(),
                city: "Děčín".into(),
                postcode: "40502".into(),
                municipality_code: None,
                ruian_code: None,
            },
            contacts: Contacts::default(),
            pending_verification: false,
        },
        ProviderEvent::ProviderVerified {
            verified_at: long_ago,
        },
    ];
    store
        .append(
            &StreamRef::new("provider", ico),
            ExpectedVersion::NoStream,
            provider.iter().map(|e| to_new_event(e, long_ago)).collect(),
            &meta,
        )
        .await?;
    for i in 0..services {
        let details = ServiceDetails {
            name: format!("Azylový dům {i}"),
            description: String::new(),
            kind: 20,
            forms: vec![FormSpec {
                form: Form::Residential,
                capacities: vec![Capacity {
                    unit: CapacityUnit::Beds,
                    count: 20,
                }],
                non_stop: true,
            }],
            target_groups: vec![],
            age_groups: vec![],
            catchment: Default::default(),
            facilities: vec![],
            opening_hours: String::new(),
            contacts: Contacts {
                emails: vec![format!("sluzba-{i}@example.org")],
                ..Contacts::default()
            },
            registered_on: None,
            categories: vec![],
            media: Vec::new(),
        };
        let event = ServiceEvent::ServiceRegistered {
            provider_ico: ico.into(),
            details,
        };
        store
            .append(
                &StreamRef::new("service", format!("s{i:05}")),
                ExpectedVersion::NoStream,
                vec![to_new_event(&event, long_ago)],
                &meta,
            )
            .await?;
    }
    Ok(())
}

/// Runs the benchmark with `services` overdue services; answers the report.
///
/// # Errors
/// When a store or the SMTP server fails.
pub async fn run(services: usize) -> anyhow::Result<String> {
    let dir = test_support::TempDir::new();
    let smtp = test_support::PrivateSmtp::start();
    let store: DynEventStore = Arc::new(SqliteEventStore::open(dir.path().join("events.sqlite3"))?);
    seed(&store, services).await?;
    let before = peak_mib();

    // The process manager: fold the log, decide every reminder.
    let manager = ProcessManager {
        events: store.clone(),
        territory: Arc::new(infra::territory::Territory::default()),
        rules: Rules::default(),
    };
    let started = Instant::now();
    let mut state = State::default();
    let mut after = events::LogPosition::START;
    loop {
        let batch = store.read_all(after, 2000).await?;
        let Some(last) = batch.last() else { break };
        after = last.log_position();
        for e in &batch {
            state.apply(e, &manager.territory, false)?;
        }
    }
    let decided = manager
        .decide(&mut state, OffsetDateTime::now_utc())
        .await?;
    let decide_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        decided == services,
        "{decided} reminders decided of {services}"
    );

    // The sender: the outbox filled from the log, then worked until empty.
    let outbox: DynMailOutbox = Arc::new(SqliteMailOutbox::open(dir.path().join("mail.sqlite3"))?);
    let mailer = infra::mail::MailSettings {
        smtp_url: Some(smtp.url.clone()),
        ..Default::default()
    }
    .mailer(None)?
    .ok_or_else(|| anyhow::anyhow!("no mailer"))?;
    let sender = Arc::new(Sender {
        events: store.clone(),
        outbox: outbox.clone(),
        mailer: mailer.clone(),
        credentials: Arc::new(infra::credentials::sqlite::SqliteCredentialStore::open(
            dir.path().join("private.sqlite3"),
        )?),
        personal: Arc::new(infra::personal::sqlite::SqlitePersonalKeyStore::open(
            dir.path().join("personal-keys.sqlite3"),
        )?),
        link_key: Arc::new(command_service::notify::link_key(
            b"a key of the benchmark's portal",
        )),
        public_url: "https://portal.example.org".into(),
        site_name: "Portál sociálních služeb".into(),
        poll: Duration::from_secs(1),
        retry_after: Duration::from_secs(1),
    });
    let started = Instant::now();
    let filler = {
        let sender = sender.clone();
        tokio::spawn(async move { sender.fill().await })
    };
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut handed = 0;
    while outbox.counts().await?.sent < services as u64 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the sender did not finish in 30 minutes"
        );
        let n = sender.work_once(OffsetDateTime::now_utc()).await?;
        handed += n;
        if n == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    filler.abort();
    let peak = peak_mib();
    let received = smtp.wait_for(services, Duration::from_secs(60)).len();
    anyhow::ensure!(
        received >= services,
        "{received} of {services} messages received"
    );

    // Baseline: the same messages straight to the server, as many at once.
    let started = Instant::now();
    let in_flight = command_service::notify::IN_FLIGHT;
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..in_flight {
        let mailer = mailer.clone();
        tasks.spawn(async move {
            for i in (lane..services).step_by(in_flight) {
                mailer
                    .send(&Email {
                        message_id: format!("baseline-{i}@portal.example.org"),
                        to: format!("sluzba-{i}@example.org"),
                        subject: format!("Nahlaste prosím volná místa: Azylový dům {i}"),
                        text: "Služba zatím volná místa nehlásila.".into(),
                        html: "<p>Služba zatím volná místa nehlásila.</p>".into(),
                        unsubscribe: Some(
                            "https://portal.example.org/api/v1/notifications/unsubscribe?t=x"
                                .into(),
                        ),
                        language: "cs",
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let baseline_secs = started.elapsed().as_secs_f64();
    let rate = |n: usize, secs: f64| n as f64 / secs.max(1e-9);
    Ok(format!(
        "mail: {services} overdue services, SQLite, aiosmtpd on loopback\n\
         decided: {decided} reminders in {decide_secs:.2} s ({:.0}/s, fold and append)\n\
         sent:    {handed} messages in {send_secs:.2} s ({:.0} messages/s: outbox, address look-up, rendering, SMTP, outcome in the log)\n\
         baseline: lettre alone, the same messages, {in_flight} at once: {baseline_secs:.2} s ({:.0} messages/s); ratio {:.2}\n\
         peak memory: {peak:.0} MiB (after seeding {before:.0} MiB); {in_flight} messages in flight",
        rate(decided, decide_secs),
        rate(handed, send_secs),
        rate(services, baseline_secs),
        rate(handed, send_secs) / rate(services, baseline_secs),
    ))
}
