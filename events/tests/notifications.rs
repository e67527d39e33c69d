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
