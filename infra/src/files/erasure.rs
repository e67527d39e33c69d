//! The files a forum author attached, for their erasure: an author's posts
//! are sealed under the author's key, their attachments with them, so
//! which files are the author's can be read only before the key is
//! destroyed. A file is the author's to erase when no one else's post and
//! no public record names the same bytes.

use crate::event_store::DynEventStore;
use crate::personal::DynPersonalKeyStore;
use events::forum::thread::{Thread, ThreadEvent};
use events::forum::{PostText, Sealed};
use events::Aggregate;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The hashes of the files `person` attached to forum posts that nothing
/// else names (another author's post, a document, an article, …). Reads
/// the whole log and opens every post whose author still has a key.
///
/// # Errors
/// Store failures.
pub async fn files_of_author(
    events: &DynEventStore,
    keys: &DynPersonalKeyStore,
    person: Uuid,
) -> anyhow::Result<Vec<String>> {
    let mut authors: HashMap<Uuid, Uuid> = HashMap::new();
    let mut posts: Vec<(Uuid, Sealed)> = Vec::new();
    let mut named = BTreeSet::new();
    super::check::whole_log(events, |e| {
        if e.stream.stream_type == events::files::File::STREAM_TYPE {
            return;
        }
        if e.stream.stream_type != Thread::STREAM_TYPE {
            let mut found = Vec::new();
            super::check::references(&e.payload, &mut found);
            named.extend(found);
            return;
        }
        match events::aggregate::from_recorded::<ThreadEvent>(e) {
            Ok(
                ThreadEvent::ThreadOpened {
                    post_id,
                    author,
                    content,
                    ..
                }
                | ThreadEvent::PostWritten {
                    post_id,
                    author,
                    content,
                },
            ) => {
                authors.insert(post_id, author.person);
                posts.push((author.person, content));
            }
            Ok(ThreadEvent::PostEdited { post_id, content }) => {
                if let Some(author) = authors.get(&post_id) {
                    posts.push((*author, content));
                }
            }
            _ => {}
        }
    })
    .await?;
    let persons: Vec<Uuid> = posts
        .iter()
        .map(|(p, _)| *p)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let keys = keys.keys(&persons).await?;
    let mut theirs = BTreeSet::new();
    for (author, sealed) in &posts {
        let Some(text) = keys
            .get(author)
            .and_then(|k| crate::personal::open::<PostText>(k, *author, sealed))
        else {
            continue;
        };
        for a in text.attachments {
            if *author == person {
                theirs.insert(a.file.sha256);
            } else {
                named.insert(a.file.sha256);
            }
        }
    }
    Ok(theirs.difference(&named).cloned().collect())
}
