//! The mail sender: fills the outbox of messages from the log (every
//! `NotificationDecided` after its checkpoint) and delivers each message
//! exactly once as far as the recipient can tell — its `Message-ID` is
//! derived from the notification's id, so a message sent again after a
//! crash between the server's acceptance and the outbox's record is the
//! same message, not a second one. Addresses are resolved only now, from
//! the record (a service's or provider's public contact) or the credential
//! store (an account), or the subscription's sealed address opened with its
//! key; an erased account or subscriber, a record without an e-mail or a
//! kind the recipient turned off is suppressed. Each outcome is recorded on
//! the notification's stream, so the audit shows who was told what and
//! when. A server that is away delays messages (30 s doubling to an hour);
//! one that refuses for good (5xx), or a tenth failed attempt, fails the
//! message: administrators see it (ADR 0021).

pub mod links;
pub mod messages;

use events::accounts::Account;
use events::aggregate::{from_recorded, to_new_event};
use events::notifications::notification::{Decision, Delivery};
use events::notifications::settings::{recipient_key, NotificationSettings};
use events::notifications::subscription::{Subscription, SubscriptionStatus};
use events::notifications::{Notification, NotificationCommand, NotificationKind, Recipient};
use events::registry::provider::Provider;
use events::registry::service::Service;
use events::{Aggregate, EventMetadata, ExpectedVersion, StreamRef};
use infra::credentials::DynCredentialStore;
use infra::event_store::{DynEventStore, StoreError};
use infra::mail::outbox::{backoff, DynMailOutbox, Queued, Settled};
use infra::mail::{DynMailer, Email, SendError};
use infra::shutdown::Shutdown;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// What the sender needs to know beside its stores.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    /// `PORTAL_SMTP_URL`, `PORTAL_SMTP_USER`, `PORTAL_SMTP_PASSWORD_FILE`, `PORTAL_MAIL_FROM`.
    pub mail: infra::mail::MailSettings,
    /// `PORTAL_PUBLIC_URL`: the portal's address in the links of messages
    /// (unset: the embedded portal's own address; the command service sends nothing without it).
    pub public_url: Option<String>,
    /// `PORTAL_SITE_NAME`: the portal's name in messages.
    pub site_name: Option<String>,
    /// `PORTAL_MAIL_RETRY_AFTER`: the pause after the first failed attempt, doubling after each (30 s).
    pub retry_after: Option<Duration>,
}

impl NotifySettings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the variable that is malformed.
    pub fn from_env() -> Result<Self, infra::settings::SettingsError> {
        Ok(Self {
            mail: infra::mail::MailSettings::from_env()?,
            public_url: infra::settings::var("PORTAL_PUBLIC_URL")
                .map(|u| u.trim_end_matches('/').to_string()),
            site_name: infra::settings::var("PORTAL_SITE_NAME"),
            retry_after: match infra::settings::var("PORTAL_MAIL_RETRY_AFTER") {
                Some(v) => Some(infra::mail::parse_duration(&v).map_err(|reason| {
                    infra::settings::SettingsError::Invalid {
                        var: "PORTAL_MAIL_RETRY_AFTER",
                        reason,
                    }
                })?),
                None => None,
            },
        })
    }

    /// The pause after the first failed attempt.
    pub fn retry_after(&self) -> Duration {
        self.retry_after.unwrap_or(Duration::from_secs(30))
    }

    /// The portal's name in messages.
    pub fn site(&self) -> String {
        self.site_name
            .clone()
            .unwrap_or_else(|| "Portál sociálních služeb".into())
    }
}

/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a claimed message is held by its sender.
const LEASE: Duration = Duration::from_secs(60);
/// Messages claimed at a time.
const CLAIM: usize = 50;
/// Messages handed to the SMTP server at once (each on a connection of the
/// pool): the most that a crash can leave sent but not recorded, and so
/// sent again (with the same `Message-ID`).
pub const IN_FLIGHT: usize = 8;

/// The mail sender.
pub struct Sender {
    /// The log: notifications, and the records whose contacts are resolved.
    pub events: DynEventStore,
    /// The outbox of messages.
    pub outbox: DynMailOutbox,
    /// Where messages go.
    pub mailer: DynMailer,
    /// Accounts' e-mails.
    pub credentials: DynCredentialStore,
    /// The keys that seal subscribers' addresses.
    pub personal: infra::personal::DynPersonalKeyStore,
    /// The key of password links and unsubscribe links (derived from the token secret).
    pub link_key: Arc<Vec<u8>>,
    /// The portal's address as people open it, e.g. `https://socialni.mesto.cz`.
    pub public_url: String,
    /// The portal's name.
    pub site_name: String,
    /// How often the outbox is looked at when nothing woke the sender.
    pub poll: Duration,
    /// The pause after the first failed attempt (doubling after each).
    pub retry_after: Duration,
}

/// The outcome of one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Accepted by the server.
    Sent,
    /// Not sent, and why.
    Suppressed(String),
    /// To be tried again.
    Retry(String),
    /// Given up on.
    Failed(String),
}

async fn load<A: Aggregate>(events: &DynEventStore, id: &str) -> Result<(A, u64), StoreError> {
    let stream = StreamRef::new(A::STREAM_TYPE, id);
    let mut state = A::default();
    let mut version = 0;
    loop {
        let batch = events.read_stream(&stream, version + 1, 1000).await?;
        let Some(last) = batch.last() else { break };
        version = last.stream_version;
        for e in &batch {
            if let Ok(event) = from_recorded::<A::Event>(e) {
                state.apply(&event);
            }
        }
        if batch.len() < 1000 {
            break;
        }
    }
    Ok((state, version))
}

/// The key that signs the links of messages, from the token secret.
pub fn link_key(secret: &[u8]) -> Vec<u8> {
    use blake2::digest::{consts::U32, FixedOutput, KeyInit, Update};
    let mut m =
        <blake2::Blake2bMac<U32> as KeyInit>::new_from_slice(&secret[..secret.len().min(64)])
            .unwrap_or_else(|_| {
                <blake2::Blake2bMac<U32> as KeyInit>::new_from_slice(b"portal")
                    .expect("a short key")
            });
    Update::update(&mut m, b"links of messages");
    m.finalize_fixed().to_vec()
}

impl Sender {
    /// The host of the public address, for `Message-ID`s.
    fn host(&self) -> String {
        let rest = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, r)| r);
        let host = rest.split(['/', ':']).next().unwrap_or("portal");
        if host.is_empty() {
            "portal".into()
        } else {
            host.to_string()
        }
    }

    /// The `Message-ID` of a notification.
    pub fn message_id(&self, id: Uuid) -> String {
        format!("{id}@{}", self.host())
    }

    /// Fills and works the outbox until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: Shutdown) {
        let filler = {
            let me = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                while !shutdown.is_triggered() {
                    tokio::select! {
                        r = me.fill() => if let Err(e) = r {
                            tracing::warn!(error = %format!("{e:#}"), "filling the outbox of messages failed; again");
                        },
                        () = shutdown.wait() => return,
                    }
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = shutdown.wait() => return,
                    }
                }
            })
        };
        let mut appended = self.events.appended();
        while !shutdown.is_triggered() {
            match self.work_once(OffsetDateTime::now_utc()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "sending messages failed; again");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.poll) => {}
                _ = appended.changed() => {
                    // Let the filler put the new decisions in first.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                () = shutdown.wait() => break,
            }
        }
        let _ = filler.await;
    }

    /// Follows the log from the outbox's checkpoint, enqueuing decisions (returns on an error).
    ///
    /// # Errors
    /// Store failures.
    pub async fn fill(&self) -> anyhow::Result<()> {
        let from = self.outbox.checkpoint().await?;
        let mut sub = infra::event_store::subscribe(
            self.events.clone(),
            from,
            1000,
            Duration::from_millis(500),
        );
        loop {
            let batch = sub.next_batch().await?;
            let Some(last) = batch.last() else { continue };
            let last = last.log_position();
            let mut decided = Vec::new();
            let mut settled = Vec::new();
            // An erased account: the copies kept of its messages go too.
            for e in batch.iter().filter(|e| {
                e.stream.stream_type == Account::STREAM_TYPE && e.event_type == "AccountErased"
            }) {
                for id in self
                    .outbox
                    .for_recipient("account", "account_id", &e.stream.stream_id)
                    .await?
                {
                    self.mailer.forget(&self.message_id(id)).await?;
                }
            }
            // An ended subscription: its address's key is erased, and the copies of its messages go.
            for e in batch.iter().filter(|e| {
                e.stream.stream_type == Subscription::STREAM_TYPE
                    && e.event_type == "SubscriptionCancelled"
            }) {
                if let Ok(subscription) = Uuid::parse_str(&e.stream.stream_id) {
                    self.forget_subscriber(subscription).await?;
                }
            }
            for e in batch
                .iter()
                .filter(|e| e.stream.stream_type == Notification::STREAM_TYPE)
            {
                let Ok(id) = Uuid::parse_str(&e.stream.stream_id) else {
                    continue;
                };
                match e.event_type.as_str() {
                    "NotificationDecided" => decided.push((id, e.payload.clone(), e.occurred_at)),
                    "NotificationSent" => settled.push((id, Settled::Sent)),
                    "NotificationFailed" => settled.push((id, Settled::Failed)),
                    "NotificationSuppressed" => settled.push((id, Settled::Suppressed)),
                    _ => {}
                }
            }
            self.outbox.enqueue(decided, settled, last).await?;
        }
    }

    /// Erases a subscriber's address (its key) and the copies kept of its messages.
    ///
    /// # Errors
    /// Store failures.
    pub async fn forget_subscriber(&self, subscription: Uuid) -> anyhow::Result<()> {
        self.personal.erase(subscription).await?;
        for id in self
            .outbox
            .for_recipient("subscriber", "subscription_id", &subscription.to_string())
            .await?
        {
            self.mailer.forget(&self.message_id(id)).await?;
        }
        Ok(())
    }

    /// Claims and delivers the due messages once; answers how many were handled.
    ///
    /// # Errors
    /// Outbox or store failures (the claimed messages come back after their lease).
    pub async fn work_once(&self, now: OffsetDateTime) -> anyhow::Result<usize> {
        use futures_util::StreamExt;
        let claimed = self.outbox.claim(now, LEASE, CLAIM).await?;
        let n = claimed.len();
        let mut handled = futures_util::stream::iter(claimed)
            .map(|q| self.handle(q))
            .buffer_unordered(IN_FLIGHT);
        let mut failed = None;
        while let Some(result) = handled.next().await {
            if let Err(e) = result {
                failed = Some(e);
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }

    /// Delivers one claimed message and records its outcome.
    async fn handle(&self, q: Queued) -> anyhow::Result<()> {
        let id = q.notification_id;
        let attempts = q.attempts + 1;
        let outcome = self.deliver(&q).await;
        let now = OffsetDateTime::now_utc();
        let label = match &outcome {
            Outcome::Sent => "sent",
            Outcome::Suppressed(_) => "suppressed",
            Outcome::Retry(_) if attempts < MAX_ATTEMPTS => "delayed",
            Outcome::Retry(_) | Outcome::Failed(_) => "failed",
        };
        infra::metrics::MAIL_MESSAGES
            .with_label_values(&[label])
            .inc();
        match outcome {
            Outcome::Sent => {
                self.outbox
                    .settle(id, Settled::Sent, attempts, None, now)
                    .await?;
                self.record(
                    id,
                    NotificationCommand::RecordSent {
                        message_id: self.message_id(id),
                        attempts,
                    },
                )
                .await
            }
            Outcome::Suppressed(reason) => {
                self.outbox
                    .settle(id, Settled::Suppressed, attempts, Some(reason.clone()), now)
                    .await?;
                self.record(id, NotificationCommand::Suppress { reason })
                    .await
            }
            Outcome::Retry(error) if attempts < MAX_ATTEMPTS => {
                tracing::info!(notification = %id, attempts, error = %error, "message delayed");
                self.outbox
                    .retry(
                        id,
                        attempts,
                        error,
                        now + backoff(self.retry_after, q.attempts),
                    )
                    .await
            }
            Outcome::Retry(reason) | Outcome::Failed(reason) => {
                tracing::warn!(notification = %id, attempts, reason = %reason, "message given up on");
                self.outbox
                    .settle(id, Settled::Failed, attempts, Some(reason.clone()), now)
                    .await?;
                self.record(id, NotificationCommand::RecordFailure { reason, attempts })
                    .await
            }
        }
    }

    /// Records an outcome on the notification's stream (nothing when it is settled already).
    async fn record(&self, id: Uuid, command: NotificationCommand) -> anyhow::Result<()> {
        for _ in 0..5 {
            let (state, version) = load::<Notification>(&self.events, &id.to_string()).await?;
            let now = OffsetDateTime::now_utc();
            let events = match state.decide(&command, now) {
                Ok(e) if e.is_empty() => return Ok(()),
                Ok(e) => e,
                Err(e) => anyhow::bail!("notification {id}: {e}"),
            };
            let new = events.iter().map(|e| to_new_event(e, now)).collect();
            let metadata = EventMetadata::new(events::Actor {
                account_id: "system".into(),
                role: "notifications".into(),
            })
            .with_idempotency_key(format!("notification-outcome:{id}"));
            match self
                .events
                .append(
                    &StreamRef::new(Notification::STREAM_TYPE, id.to_string()),
                    ExpectedVersion::Exact(version),
                    new,
                    &metadata,
                )
                .await
            {
                Ok(_) => return Ok(()),
                Err(StoreError::WrongExpectedVersion { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("notification {id}: its stream kept moving")
    }

    /// The address a recipient has now, or why there is none.
    async fn address(&self, decision: &Decision) -> anyhow::Result<Result<String, String>> {
        let first = |emails: &[String]| emails.iter().find(|e| !e.trim().is_empty()).cloned();
        Ok(match &decision.recipient {
            Recipient::Account { account_id } => {
                let (account, _) = load::<Account>(&self.events, &account_id.to_string()).await?;
                if account.erased {
                    return Ok(Err("the account was erased".into()));
                }
                if account.disabled {
                    return Ok(Err("the account is disabled".into()));
                }
                match self.credentials.by_account(*account_id).await? {
                    Some(c) if !c.email.trim().is_empty() => Ok(c.email),
                    _ => Err("the account has no e-mail".into()),
                }
            }
            Recipient::Provider { ico } => {
                let (provider, _) = load::<Provider>(&self.events, ico).await?;
                first(&provider.contacts.emails)
                    .ok_or_else(|| format!("the provider {ico} has no e-mail in the registry"))
            }
            Recipient::Service { service_id } => {
                let (service, _) = load::<Service>(&self.events, service_id).await?;
                let own = service
                    .details
                    .as_ref()
                    .and_then(|d| first(&d.contacts.emails));
                match own {
                    Some(e) => Ok(e),
                    None => {
                        let (provider, _) =
                            load::<Provider>(&self.events, &service.provider_ico).await?;
                        first(&provider.contacts.emails).ok_or_else(|| {
                            format!("the service {service_id} and its provider have no e-mail in the registry")
                        })
                    }
                }
            }
            Recipient::Subscriber { subscription_id } => {
                let (subscription, _) =
                    load::<Subscription>(&self.events, &subscription_id.to_string()).await?;
                let confirmation = decision.kind == NotificationKind::SubscriptionConfirmation;
                match (subscription.status, confirmation) {
                    (SubscriptionStatus::Cancelled, _) => {
                        return Ok(Err("the subscription was cancelled".into()))
                    }
                    (SubscriptionStatus::Requested, false) => {
                        return Ok(Err("the subscription is not confirmed".into()))
                    }
                    (SubscriptionStatus::Confirmed, true) => {
                        return Ok(Err("the subscription is confirmed already".into()))
                    }
                    _ => {}
                }
                let keys = self.personal.keys(&[*subscription_id]).await?;
                subscription
                    .address
                    .as_ref()
                    .zip(keys.get(subscription_id))
                    .and_then(|(sealed, key)| {
                        infra::personal::open::<String>(key, *subscription_id, sealed)
                    })
                    .ok_or_else(|| "the subscriber's address was erased".to_string())
            }
        })
    }

    /// The absolute address of a path of the portal.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// Builds and sends one message.
    async fn deliver(&self, q: &Queued) -> Outcome {
        let decision: Decision = match serde_json::from_value(q.decision.clone()) {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("the decision does not read: {e}")),
        };
        match self.email(q.notification_id, &decision).await {
            Ok(Ok(email)) => match self.mailer.send(&email).await {
                Ok(()) => Outcome::Sent,
                Err(SendError::Transient(e)) => Outcome::Retry(e),
                Err(SendError::Permanent(e)) => Outcome::Failed(e),
            },
            Ok(Err(reason)) => Outcome::Suppressed(reason),
            Err(e) => Outcome::Retry(format!("{e:#}")),
        }
    }

    /// The e-mail of a decision, or why none is sent.
    ///
    /// # Errors
    /// Store failures (tried again later).
    pub async fn email(
        &self,
        id: Uuid,
        decision: &Decision,
    ) -> anyhow::Result<Result<Email, String>> {
        let (notification, _) = load::<Notification>(&self.events, &id.to_string()).await?;
        if matches!(
            notification.delivery,
            Delivery::Sent | Delivery::Failed | Delivery::Suppressed
        ) {
            return Ok(Err("settled already".into()));
        }
        let key = recipient_key(&decision.recipient);
        let transactional = decision.kind.transactional();
        if !transactional {
            let (settings, _) = load::<NotificationSettings>(&self.events, &key).await?;
            if settings.off.contains(&decision.kind) {
                return Ok(Err("the recipient turned this kind of message off".into()));
            }
        }
        let to = match self.address(decision).await? {
            Ok(to) => to,
            Err(why) => return Ok(Err(why)),
        };
        let link = match decision.kind {
            NotificationKind::PasswordReset | NotificationKind::AccountInvitation => {
                let (Recipient::Account { account_id }, Some(request)) = (
                    &decision.recipient,
                    decision
                        .facts
                        .get("request_id")
                        .and_then(|r| Uuid::parse_str(r).ok()),
                ) else {
                    return Ok(Err("a password link without its request".into()));
                };
                let expired = decision
                    .facts
                    .get("expires_at")
                    .and_then(|t| t.parse::<i64>().ok())
                    .is_some_and(|t| t <= OffsetDateTime::now_utc().unix_timestamp());
                if expired {
                    return Ok(Err("the link expired before it could be sent".into()));
                }
                let token = links::password_token(&self.link_key, *account_id, request);
                self.url(&format!("{}?t={token}", decision.link))
            }
            NotificationKind::SubscriptionConfirmation => {
                let Recipient::Subscriber { subscription_id } = &decision.recipient else {
                    return Ok(Err("a confirmation not for a subscriber".into()));
                };
                let token = links::subscription_token(&self.link_key, *subscription_id);
                self.url(&format!("{}?t={token}", decision.link))
            }
            _ => self.url(&decision.link),
        };
        let unsubscribe = (!transactional).then(|| {
            let token = links::unsubscribe_token(&self.link_key, &key, decision.kind);
            (
                self.url(&format!("/api/v1/notifications/unsubscribe?t={token}")),
                self.url(&format!("/odhlaseni-zprav?t={token}")),
            )
        });
        let english = false;
        let mut words = messages::words(decision, &self.site_name, english);
        for (_, path) in &mut words.items {
            *path = self.url(path);
        }
        let (text, html) = messages::bodies(
            &words,
            &self.site_name,
            &self.public_url,
            &link,
            unsubscribe.as_ref().map(|(_, page)| page.as_str()),
            english,
        );
        Ok(Ok(Email {
            message_id: self.message_id(id),
            to,
            subject: words.subject,
            text,
            html,
            unsubscribe: unsubscribe.map(|(one_click, _)| one_click),
            language: if english { "en" } else { "cs" },
        }))
    }
}
