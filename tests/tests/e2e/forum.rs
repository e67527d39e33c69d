//! The forum over HTTP, in both modes: the public writes without an account
//! (and is limited per address), the professional section admits accounts
//! only, moderators hide and lock, authors edit their own posts, and an
//! erased author's name, titles and texts can be read by nobody — the log
//! never held them in plain form.

use crate::client::{Answer, Client};
use crate::helpers::{account, in_both_modes};
use reqwest::Method;
use serde_json::{json, Value};

async fn read(client: &Client, path: &str, after: &Answer) -> Answer {
    let sep = if path.contains('?') { '&' } else { '?' };
    client
        .send(
            Method::GET,
            &format!("{path}{sep}after={}", after.after()),
            None,
            &[],
        )
        .await
}

async fn shown_first_id(reader: &Client, thread: &str) -> String {
    let shown = reader
        .send(Method::GET, &format!("/forum/threads/{thread}"), None, &[])
        .await;
    shown.body["posts"][0]["id"].as_str().unwrap().to_string()
}

fn post(name: &str, title: Option<&str>, body: &str) -> Value {
    match title {
        Some(t) => json!({ "name": name, "title": t, "body": body }),
        None => json!({ "name": name, "body": body }),
    }
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = forum(commands, queries, password).await;
    bad_input_changes_nothing_and_names_the_field(&s).await;
    let (thread, secret, answer_id) =
        a_public_thread_opened_by_anyone_answered_by_a_provider(&s).await;
    only_its_author_edits_a_post(&s, &thread, &answer_id).await;
    moderation_hides_a_post_and_locks_the_thread(&s, &thread, &secret, &answer_id).await;
    the_web_shows_the_thread_locked(&s, &thread).await;
    the_professional_section_is_for_accounts_only(&s).await;
    a_hidden_opening_post_leaves_the_title_in_the_list(&s, &thread).await;
    the_log_holds_no_name_title_or_text_in_plain_form(&s, &thread).await;
    an_author_erases_themselves_an_administrator_erases_an_account(&s, &thread, &secret).await;
    the_publics_posts_are_limited_per_address(&s).await;
}

/// What the steps of the forum scenario share: the query service, the
/// administrator, anonymous clients of both services, a provider's account
/// and a methodologist's.
struct Forum {
    queries: String,
    admin: Client,
    public: Client,
    public_reader: Client,
    charita: Client,
    metodik: Client,
}

/// A provider with an account, and a methodologist's account.
async fn forum(commands: &str, queries: &str, password: &str) -> Forum {
    let admin = Client::new(commands).login("admin", password).await;
    let public = Client::new(commands);
    let public_reader = Client::new(queries);
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let charita = account(
        &admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": "00064581" }),
    )
    .await;
    let metodik = account(
        &admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    Forum {
        queries: queries.to_string(),
        admin,
        public,
        public_reader,
        charita,
        metodik,
    }
}

/// Bad input changes nothing and names the field.
async fn bad_input_changes_nothing_and_names_the_field(s: &Forum) {
    let Forum { public, .. } = s;
    let bad = public
        .post(
            "/forum/threads",
            json!({ "section": "public", "text": post("Jana", None, "") }),
        )
        .await;
    assert_eq!(
        (bad.status, bad.fields()),
        (422, vec!["title".to_string(), "body".to_string()])
    );
    let bad = public
        .post("/forum/threads", json!({ "section": "public", "text": post("Jana", Some("t"), "b"), "author_secret": "nope" }))
        .await;
    assert_eq!(
        (bad.status, bad.fields()),
        (422, vec!["author_secret".to_string()])
    );
}

/// Anyone opens a public thread; the answer carries the author's secret, and the same
/// secret keeps later posts under the same person; a provider answers, signed in. Gives the
/// thread, the secret and the provider's post.
async fn a_public_thread_opened_by_anyone_answered_by_a_provider(
    s: &Forum,
) -> (String, String, String) {
    let Forum {
        public,
        public_reader,
        charita,
        ..
    } = s;
    let opened = public
        .post("/forum/threads", json!({ "section": "public", "text": post("Jana z Děčína", Some("Kde najdu odlehčovací službu?"), "Hledám pro maminku respitní pobyt.") }))
        .await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let thread = opened.body["stream_id"].as_str().unwrap().to_string();
    let secret = opened.body["author_secret"].as_str().unwrap().to_string();
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &opened).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["title"], "Kde najdu odlehčovací službu?");
    assert_eq!(shown.body["posts"][0]["name"], "Jana z Děčína");
    assert_eq!(shown.body["posts"][0]["registered"], false);
    let jana_id = shown.body["posts"][0]["author_id"].clone();

    // The same secret keeps later posts under the same person.
    let again = public
        .post(
            &format!("/forum/threads/{thread}/posts"),
            json!({ "text": post("Jana", None, "Děkuji předem."), "author_secret": secret }),
        )
        .await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert!(again.body.get("author_secret").is_none());
    // A provider answers, signed in.
    let answer = charita
        .post(
            &format!("/forum/threads/{thread}/posts"),
            json!({ "text": post("Charita Děčín", None, "Zavolejte nám na 412 000 000.") }),
        )
        .await;
    assert_eq!(answer.status, 201);
    let answer_id = answer.body["post_id"].as_str().unwrap().to_string();
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &answer).await;
    let posts = shown.body["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[1]["author_id"], jana_id);
    assert_eq!(posts[2]["registered"], true);
    (thread, secret, answer_id)
}

/// Only its author edits a post.
async fn only_its_author_edits_a_post(s: &Forum, thread: &str, answer_id: &str) {
    let Forum {
        public_reader,
        charita,
        metodik,
        ..
    } = s;
    let edit = |who: &Client| {
        let who = who.clone();
        let path = format!("/forum/threads/{thread}/posts/{answer_id}");
        async move {
            who.send(
                Method::PUT,
                &path,
                Some(post("Charita Děčín", None, "Volejte 412 000 001.")),
                &[],
            )
            .await
        }
    };
    assert_eq!(edit(metodik).await.status, 403);
    let edited = edit(charita).await;
    assert_eq!(edited.status, 200);
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &edited).await;
    assert_eq!(shown.body["posts"][2]["body"], "Volejte 412 000 001.");
    assert!(shown.body["posts"][2]["edited_at"].is_string());
}

/// Moderation: methodologists and administrators only; hidden posts keep only the reason.
async fn moderation_hides_a_post_and_locks_the_thread(
    s: &Forum,
    thread: &str,
    secret: &str,
    answer_id: &str,
) {
    let Forum {
        public,
        public_reader,
        charita,
        metodik,
        ..
    } = s;
    let hide = json!({ "reason": "Telefonní číslo patří do profilu služby." });
    let hide_path = format!("/forum/threads/{thread}/posts/{answer_id}/hide");
    assert_eq!(charita.post(&hide_path, hide.clone()).await.status, 403);
    let hidden = metodik.post(&hide_path, hide.clone()).await;
    assert_eq!(hidden.status, 200);
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &hidden).await;
    let p = &shown.body["posts"][2];
    assert_eq!(
        (p["hidden"].clone(), p["name"].clone(), p["body"].clone()),
        (hide["reason"].clone(), Value::Null, Value::Null)
    );
    let locked = metodik
        .post(
            &format!("/forum/threads/{thread}/lock"),
            json!({ "reason": "Vyřešeno." }),
        )
        .await;
    assert_eq!(locked.status, 200);
    let refused = public
        .post(
            &format!("/forum/threads/{thread}/posts"),
            json!({ "text": post("Jana", None, "Ještě jedna otázka"), "author_secret": secret }),
        )
        .await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    let list = read(public_reader, "/forum/threads", &locked).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["name"], "Jana z Děčína");
    assert_eq!(list.body["items"][0]["locked"], "Vyřešeno.");
    assert_eq!(
        list.body["items"][0]["posts"], 2,
        "the hidden post is not counted"
    );
}

/// The web shows it locked, in the list and on the thread.
async fn the_web_shows_the_thread_locked(s: &Forum, thread: &str) {
    let Forum { queries, .. } = s;
    let html = |path: String| async move {
        reqwest::get(format!("{queries}{path}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(html("/forum".into()).await.contains("uzamčeno"));
    let page = html(format!("/forum/{thread}")).await;
    assert!(page.contains("Vlákno je uzamčeno."), "{page}");
}

/// The professional section: accounts only, for writing and for reading.
async fn the_professional_section_is_for_accounts_only(s: &Forum) {
    let Forum {
        queries,
        public,
        public_reader,
        charita,
        metodik,
        ..
    } = s;
    let pro = json!({ "section": "professional", "text": post("Jan Metodik", Some("Metodika sociální prevence 2027"), "Návrh ke čtení v příloze.") });
    assert_eq!(public.post("/forum/threads", pro.clone()).await.status, 401);
    let pro_opened = metodik.post("/forum/threads", pro).await;
    assert_eq!(pro_opened.status, 201);
    let pro_thread = pro_opened.body["stream_id"].as_str().unwrap().to_string();
    assert!(pro_opened.body.get("author_secret").is_none());
    let anonymous_reply = public
        .post(
            &format!("/forum/threads/{pro_thread}/posts"),
            json!({ "text": post("X", None, "Y") }),
        )
        .await;
    assert_eq!(anonymous_reply.status, 401);
    assert_eq!(
        read(
            public_reader,
            "/forum/threads?section=professional",
            &pro_opened
        )
        .await
        .status,
        401
    );
    assert_eq!(
        read(
            public_reader,
            &format!("/forum/threads/{pro_thread}"),
            &pro_opened
        )
        .await
        .status,
        401
    );
    let member_reader = Client::new(queries).with_token(charita.token.as_deref().unwrap());
    let pro_list = read(
        &member_reader,
        "/forum/threads?section=professional",
        &pro_opened,
    )
    .await;
    assert_eq!(pro_list.status, 200, "{:?}", pro_list.body);
    assert_eq!(
        pro_list.body["items"][0]["title"],
        "Metodika sociální prevence 2027"
    );
    let forged = Client::new(queries).with_token("eyJhbGciOiJIUzI1NiJ9.e30.x");
    assert_eq!(
        read(&forged, "/forum/threads?section=professional", &pro_opened)
            .await
            .status,
        401
    );
}

/// A hidden opening post leaves the title in the list, not the author's name.
async fn a_hidden_opening_post_leaves_the_title_in_the_list(s: &Forum, thread: &str) {
    let Forum {
        public_reader,
        metodik,
        ..
    } = s;
    let first_id = shown_first_id(public_reader, thread).await;
    let hidden_first = metodik
        .post(
            &format!("/forum/threads/{thread}/posts/{first_id}/hide"),
            json!({ "reason": "osobní údaje" }),
        )
        .await;
    assert_eq!(hidden_first.status, 200);
    let list = read(public_reader, "/forum/threads", &hidden_first).await;
    assert_eq!(
        list.body["items"][0]["title"],
        "Kde najdu odlehčovací službu?"
    );
    assert_eq!(list.body["items"][0]["name"], Value::Null);
    let restored = metodik
        .post(
            &format!("/forum/threads/{thread}/posts/{first_id}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(restored.status, 200);
}

/// The log holds no name, title or text in plain form; auditors replay the thread's
/// state: moderation shows, no plain text.
async fn the_log_holds_no_name_title_or_text_in_plain_form(s: &Forum, thread: &str) {
    let Forum { admin, .. } = s;
    let history = admin
        .send(
            Method::GET,
            &format!("/audit/streams/forum_thread/{thread}"),
            None,
            &[],
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let log = history.body.to_string();
    assert!(log.contains("PostHidden"), "the history is there: {log}");
    for plain in ["Jana", "odlehčovací", "Charita Děčín", "412 000"] {
        assert!(!log.contains(plain), "{plain} is in the log");
    }
    // Auditors replay the thread's state: moderation shows, no plain text.
    let state = admin
        .send(
            Method::GET,
            &format!("/audit/streams/forum_thread/{thread}/state"),
            None,
            &[],
        )
        .await;
    assert_eq!(state.status, 200, "{:?}", state.body);
    let replayed = state.body.to_string();
    assert!(replayed.contains("Vyřešeno."), "{replayed}");
    assert!(!replayed.contains("Jana"), "{replayed}");
}

/// An author erases themselves with the secret: nothing of theirs can be read any more,
/// on the API or the web; an administrator erases an account's forum posts by the
/// author's id.
async fn an_author_erases_themselves_an_administrator_erases_an_account(
    s: &Forum,
    thread: &str,
    secret: &str,
) {
    let Forum {
        queries,
        admin,
        public,
        public_reader,
        charita,
        ..
    } = s;
    let erased = public
        .post("/forum/authors/erase", json!({ "author_secret": secret }))
        .await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &erased).await;
    let posts = shown.body["posts"].as_array().unwrap();
    for p in &posts[..2] {
        assert_eq!(
            (p["erased"].clone(), p["name"].clone(), p["body"].clone()),
            (json!(true), Value::Null, Value::Null)
        );
    }
    assert_eq!(shown.body["title"], Value::Null);
    assert_eq!(posts[2]["erased"], false, "others' posts stay");
    // The web page of the thread: the erased author's posts say so, nothing of theirs shows.
    let page = reqwest::get(format!("{queries}/forum/{thread}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("Autor požádal o výmaz.").count(), 2, "{page}");
    assert!(!page.contains("Jana"), "{page}");
    let list = reqwest::get(format!("{queries}/forum?lang=en"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&format!(
            "<a href=\"/forum/{thread}?lang=en\">(untitled)</a>"
        )),
        "{list}"
    );
    let after_erasure = public
        .post("/forum/threads", json!({ "section": "public", "text": post("Jana", Some("Znovu"), "Text"), "author_secret": secret }))
        .await;
    assert_eq!(
        after_erasure.status, 403,
        "an erased author cannot write again"
    );
    // An administrator erases an account's forum posts by the author's id.
    let charita_id = posts[2]["author_id"].as_str().unwrap().to_string();
    assert_eq!(
        charita
            .post(&format!("/forum/authors/{charita_id}/erase"), json!({}))
            .await
            .status,
        403
    );
    let erased = admin
        .post(&format!("/forum/authors/{charita_id}/erase"), json!({}))
        .await;
    assert_eq!(erased.status, 200);
    let shown = read(public_reader, &format!("/forum/threads/{thread}"), &erased).await;
    assert_eq!(shown.body["posts"][2]["erased"], true);
}

/// The public's posts are limited per address: 5 written within 10 minutes
/// (2 above; refused ones do not count).
async fn the_publics_posts_are_limited_per_address(s: &Forum) {
    let Forum { public, .. } = s;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let a = public
            .post("/forum/threads", json!({ "section": "public", "text": post("Host", Some(&format!("Dotaz {i}")), "Text") }))
            .await;
        statuses.push(a.status);
    }
    assert_eq!(statuses, [201, 201, 201, 429]);
}

in_both_modes!(
    scenario,
    forum_in_the_embedded_portal,
    forum_in_the_distributed_services
);
