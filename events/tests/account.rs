//! Given/when/then tests of accounts and roles.

mod support;

use events::accounts::{Account, AccountCommand as C, AccountEvent as E, Role, RoleGrant, Scope};
use events::{Aggregate, DomainError};
use support::{fields, given, NOW};

fn provider_of(ico: &str) -> RoleGrant {
    RoleGrant {
        role: Role::Provider,
        scope: Scope::Provider(ico.into()),
    }
}

#[test]
fn roles_must_fit_their_scope() {
    given::<Account>(&[])
        .when(&C::Create {
            roles: vec![provider_of("00064581")],
        })
        .then(&[E::AccountCreated {
            roles: vec![provider_of("00064581")],
        }]);
    let err = given::<Account>(&[])
        .when(&C::Create {
            roles: vec![
                RoleGrant {
                    role: Role::Methodologist,
                    scope: Scope::Orp("4202".into()),
                },
                RoleGrant {
                    role: Role::Auditor,
                    scope: Scope::Global,
                },
                provider_of("00064582"),
            ],
        })
        .error();
    assert_eq!(fields(&err), ["roles[0].scope", "roles[2].scope"]);
    for ok in [
        RoleGrant {
            role: Role::Methodologist,
            scope: Scope::Kraj("CZ042".into()),
        },
        RoleGrant {
            role: Role::SocialCurator,
            scope: Scope::Orp("4202".into()),
        },
        RoleGrant {
            role: Role::Commissioner,
            scope: Scope::Municipality("562335".into()),
        },
        RoleGrant {
            role: Role::Commissioner,
            scope: Scope::Kraj("CZ042".into()),
        },
        RoleGrant {
            role: Role::Analyst,
            scope: Scope::Global,
        },
        RoleGrant {
            role: Role::Administrator,
            scope: Scope::Global,
        },
    ] {
        assert!(ok.check().is_ok(), "{ok:?}");
    }
}

#[test]
fn grant_and_revoke_are_events_and_idempotent() {
    let created = E::AccountCreated { roles: vec![] };
    let grant = provider_of("00064581");
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::Grant(grant.clone()))
        .then(&[E::RoleGranted {
            grant: grant.clone(),
        }]);
    let granted = E::RoleGranted {
        grant: grant.clone(),
    };
    given::<Account>(&[created.clone(), granted.clone()])
        .when(&C::Grant(grant.clone()))
        .then(&[]);
    given::<Account>(&[created.clone(), granted.clone()])
        .when(&C::Revoke(grant.clone()))
        .then(&[E::RoleRevoked {
            grant: grant.clone(),
        }]);
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::Revoke(grant))
        .then(&[]);
}

#[test]
fn api_tokens_expire_and_can_be_revoked() {
    let created = E::AccountCreated { roles: vec![] };
    let later = NOW + time::Duration::days(30);
    let issued = E::ApiTokenIssued {
        token_id: "t1".into(),
        name: "import".into(),
        expires_at: later,
    };
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::IssueApiToken {
            token_id: "t1".into(),
            name: " import ".into(),
            expires_at: later,
        })
        .then(std::slice::from_ref(&issued));
    let err = given::<Account>(std::slice::from_ref(&created))
        .when(&C::IssueApiToken {
            token_id: "t2".into(),
            name: "".into(),
            expires_at: NOW,
        })
        .error();
    assert_eq!(fields(&err), ["name", "expires_at"]);
    let state = Account::fold(&[created.clone(), issued.clone()]);
    assert!(state.token_valid("t1", NOW));
    assert!(!state.token_valid("t1", later));
    assert!(!state.token_valid("t9", NOW));
    let revoked = E::ApiTokenRevoked {
        token_id: "t1".into(),
    };
    given::<Account>(&[created.clone(), issued.clone()])
        .when(&C::RevokeApiToken {
            token_id: "t1".into(),
        })
        .then(std::slice::from_ref(&revoked));
    assert!(!Account::fold(&[created, issued, revoked]).token_valid("t1", NOW));
}

#[test]
fn a_disabled_account_changes_no_more() {
    let events = [E::AccountCreated { roles: vec![] }, E::AccountDisabled {}];
    let err = given::<Account>(&events)
        .when(&C::Grant(provider_of("00064581")))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    let err = given::<Account>(&[]).when(&C::Disable).error();
    assert!(matches!(err, DomainError::NotFound(_)));
}

#[test]
fn a_logout_ends_its_session_and_a_password_change_every_earlier_token() {
    let created = E::AccountCreated { roles: vec![] };
    let later = NOW + time::Duration::hours(1);
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::EndSession {
            session_id: "s1".into(),
            expires_at: later,
        })
        .then(&[E::SessionEnded {
            session_id: "s1".into(),
            expires_at: later,
        }]);
    let ended = E::SessionEnded {
        session_id: "s1".into(),
        expires_at: later,
    };
    // Twice, or a token that has expired anyway: nothing to record.
    given::<Account>(&[created.clone(), ended.clone()])
        .when(&C::EndSession {
            session_id: "s1".into(),
            expires_at: later,
        })
        .then(&[]);
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::EndSession {
            session_id: "s2".into(),
            expires_at: NOW,
        })
        .then(&[]);
    given::<Account>(std::slice::from_ref(&created))
        .when(&C::RecordPasswordChange)
        .then(&[E::PasswordChanged { at: Some(NOW) }]);

    let mut account = Account::default();
    for e in [&created, &ended] {
        account.apply(e);
    }
    assert!(!account.token_current(Some("s1"), NOW));
    assert!(account.token_current(Some("s2"), NOW));
    assert!(account.token_current(None, NOW - time::Duration::days(1)));
    account.apply(&E::PasswordChanged { at: Some(NOW) });
    assert!(!account.token_current(Some("s2"), NOW - time::Duration::milliseconds(1)));
    assert!(!account.token_current(None, NOW - time::Duration::milliseconds(1)));
    assert!(account.token_current(Some("s3"), NOW));
    // Ends older than a month are forgotten: their tokens expired long ago.
    account.apply(&E::SessionEnded {
        session_id: "s9".into(),
        expires_at: later + time::Duration::days(40),
    });
    assert_eq!(account.ended_sessions.len(), 1);
}

#[test]
fn only_granted_roles_or_verified_providers_reach_the_professional_forum() {
    let mut provider = Account::default();
    provider.apply(&E::AccountCreated {
        roles: vec![provider_of("00064581")],
    });
    assert!(!provider.reaches_professional_section(|_| false));
    assert!(provider.reaches_professional_section(|ico| ico == "00064581"));
    let mut analyst = Account::default();
    analyst.apply(&E::AccountCreated {
        roles: vec![RoleGrant {
            role: Role::Analyst,
            scope: Scope::Global,
        }],
    });
    assert!(analyst.reaches_professional_section(|_| false));
    assert!(!Account::default().reaches_professional_section(|_| true));
}

#[test]
fn events_round_trip_through_the_envelope() {
    support::round_trip::<Account>(&[
        E::AccountCreated {
            roles: vec![provider_of("00064581")],
        },
        E::RoleGranted {
            grant: RoleGrant {
                role: Role::Methodologist,
                scope: Scope::Kraj("CZ042".into()),
            },
        },
        E::RoleRevoked {
            grant: RoleGrant {
                role: Role::Auditor,
                scope: Scope::Global,
            },
        },
        E::PasswordChanged { at: Some(NOW) },
        E::PasswordChanged { at: None },
        E::SessionEnded {
            session_id: "s".into(),
            expires_at: NOW,
        },
        E::ApiTokenIssued {
            token_id: "t".into(),
            name: "n".into(),
            expires_at: NOW,
        },
        E::ApiTokenRevoked {
            token_id: "t".into(),
        },
        E::AccountDisabled {},
    ]);
}
