//! Given/when/then tests of notifications and of the links that set a password.

mod support;

use events::accounts::{Account, AccountCommand as AC, AccountEvent as AE};
use events::notifications::notification::{notification_id, Decision};
use events::notifications::{
    Notification, NotificationCommand as C, NotificationEvent as E, NotificationKind, Recipient,
};
use events::DomainError;
use support::{given, NOW};
use time::Duration;
use uuid::Uuid;

fn reminder() -> Decision {
    Decision {
        kind: NotificationKind::VacancyReminder,
        recipient: Recipient::Service {
            service_id: "s-1".into(),
        },
        subject: "service/s-1".into(),
        link: "/moje".into(),
        facts: [("free_places".to_string(), "3".to_string())].into(),
    }
}

#[test]
fn a_notification_is_decided_once_and_settled_once() {
    given::<Notification>(&[])
        .when(&C::Decide(reminder()))
        .then(&[E::NotificationDecided {
            decision: reminder(),
        }]);
    let decided = [E::NotificationDecided {
        decision: reminder(),
    }];
    assert!(matches!(
        given::<Notification>(&decided)
            .when(&C::Decide(reminder()))
            .error(),
        DomainError::AlreadyExists(_)
    ));
    given::<Notification>(&decided)
        .when(&C::RecordSent {
            message_id: "m@portal".into(),
            attempts: 2,
        })
        .then(&[E::NotificationSent {
            message_id: "m@portal".into(),
            attempts: 2,
            sent_at: NOW,
        }]);
    let sent = [
        decided[0].clone(),
        E::NotificationSent {
            message_id: "m@portal".into(),
            attempts: 2,
            sent_at: NOW,
        },
    ];
    // A second report of the outcome (a retry after a crash) records nothing.
    given::<Notification>(&sent)
        .when(&C::RecordSent {
            message_id: "m@portal".into(),
            attempts: 3,
        })
        .then(&[]);
    given::<Notification>(&sent)
        .when(&C::Suppress {
            reason: "erased".into(),
        })
        .then(&[]);
    assert!(matches!(
        given::<Notification>(&[])
            .when(&C::Suppress { reason: "x".into() })
            .error(),
        DomainError::NotFound(_)
    ));
    let mut elsewhere = reminder();
    elsewhere.link = "https://elsewhere.example/".into();
    assert!(matches!(
        given::<Notification>(&[])
            .when(&C::Decide(elsewhere))
            .error(),
        DomainError::Rejected(_)
    ));
}

#[test]
fn the_same_subject_gives_the_same_notification_id() {
    let a = notification_id(NotificationKind::VacancyReminder, "s-1/2026-11-01/1");
    assert_eq!(
        a,
        notification_id(NotificationKind::VacancyReminder, "s-1/2026-11-01/1")
    );
    assert_ne!(
        a,
        notification_id(NotificationKind::VacancyReminder, "s-1/2026-11-01/2")
    );
    assert_ne!(
        a,
        notification_id(NotificationKind::VerificationRequest, "s-1/2026-11-01/1")
    );
}

#[test]
fn a_password_link_works_once_before_it_expires() {
    let request = Uuid::now_v7();
    let created = AE::AccountCreated { roles: vec![] };
    let asked = AE::PasswordLinkRequested {
        request_id: request,
        expires_at: NOW + Duration::hours(1),
        invitation: false,
    };
    given::<Account>(std::slice::from_ref(&created))
        .when(&AC::RequestPasswordLink {
            request_id: request,
            expires_at: NOW + Duration::hours(1),
            invitation: false,
        })
        .then(std::slice::from_ref(&asked));
    given::<Account>(&[created.clone(), asked.clone()])
        .when(&AC::SetPasswordByLink {
            request_id: request,
        })
        .then(&[AE::PasswordChanged { at: Some(NOW) }]);
    // Used: the password changed since.
    let used = [
        created.clone(),
        asked.clone(),
        AE::PasswordChanged { at: Some(NOW) },
    ];
    assert!(matches!(
        given::<Account>(&used)
            .when(&AC::SetPasswordByLink {
                request_id: request
            })
            .error(),
        DomainError::Rejected(_)
    ));
    // Expired.
    let old = AE::PasswordLinkRequested {
        request_id: request,
        expires_at: NOW - Duration::minutes(1),
        invitation: false,
    };
    assert!(matches!(
        given::<Account>(&[created.clone(), old])
            .when(&AC::SetPasswordByLink {
                request_id: request
            })
            .error(),
        DomainError::Rejected(_)
    ));
    // Another request's id.
    assert!(matches!(
        given::<Account>(&[created.clone(), asked])
            .when(&AC::SetPasswordByLink {
                request_id: Uuid::now_v7()
            })
            .error(),
        DomainError::Rejected(_)
    ));
    // An erased account gets no link.
    assert!(given::<Account>(&[created, AE::AccountErased {}])
        .when(&AC::RequestPasswordLink {
            request_id: request,
            expires_at: NOW + Duration::hours(1),
            invitation: false,
        })
        .error()
        .to_string()
        .contains("disabled"));
}

mod subscriptions {
    use super::support::{given, NOW};
    use events::forum::Sealed;
    use events::notifications::subscription::{
        Subscription, SubscriptionCommand as C, SubscriptionEvent as E, Topic, CONFIRM_WITHIN,
    };
    use events::DomainError;

    fn sealed() -> Sealed {
        Sealed {
            nonce: "n".into(),
            ciphertext: "c".into(),
        }
    }

    fn requested(topic: Topic) -> E {
        E::SubscriptionRequested {
            topic,
            address: sealed(),
            confirm_by: NOW + CONFIRM_WITHIN,
        }
    }

    fn news() -> Topic {
        Topic::KrajNews {
            kraj: "CZ080".into(),
        }
    }

    #[test]
    fn a_subscription_is_requested_confirmed_within_a_week_and_cancelled() {
        given::<Subscription>(&[])
            .when(&C::Request {
                topic: news(),
                address: sealed(),
            })
            .then(&[requested(news())]);
        given::<Subscription>(&[requested(news())])
            .when(&C::Confirm)
            .then(&[E::SubscriptionConfirmed {}]);
        let confirmed = [requested(news()), E::SubscriptionConfirmed {}];
        given::<Subscription>(&confirmed)
            .when(&C::Confirm)
            .then(&[]);
        given::<Subscription>(&confirmed)
            .when(&C::Cancel {
                reason: "unsubscribed".into(),
            })
            .then(&[E::SubscriptionCancelled {
                reason: "unsubscribed".into(),
            }]);
        let cancelled = [
            requested(news()),
            E::SubscriptionCancelled {
                reason: "unsubscribed".into(),
            },
        ];
        given::<Subscription>(&cancelled)
            .when(&C::Cancel {
                reason: "again".into(),
            })
            .then(&[]);
        assert!(matches!(
            given::<Subscription>(&cancelled).when(&C::Confirm).error(),
            DomainError::Rejected(_)
        ));
        let late = [E::SubscriptionRequested {
            topic: news(),
            address: sealed(),
            confirm_by: NOW - time::Duration::seconds(1),
        }];
        assert!(matches!(
            given::<Subscription>(&late).when(&C::Confirm).error(),
            DomainError::Rejected(_)
        ));
        assert!(matches!(
            given::<Subscription>(&[]).when(&C::Confirm).error(),
            DomainError::NotFound(_)
        ));
    }

    #[test]
    fn a_topic_names_a_territory_and_a_kind() {
        let e = given::<Subscription>(&[])
            .when(&C::Request {
                topic: Topic::Vacancies {
                    orp: "".into(),
                    kind: 0,
                },
                address: sealed(),
            })
            .error();
        let DomainError::Invalid(v) = e else {
            panic!("{e:?}")
        };
        let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["orp", "kind"]);
        let json = serde_json::to_value(requested(Topic::Vacancies {
            orp: "8103".into(),
            kind: 20,
        }))
        .unwrap();
        assert_eq!(json["topic"], "vacancies");
        assert_eq!(json["orp"], "8103");
        assert!(json.get("email").is_none() && json["address"]["ciphertext"] == "c");
    }
}
