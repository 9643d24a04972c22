//! A task-local value belongs to one task: a spawned task does not inherit it.
//!
//! Go's `ctx.Value` travels with the context, and a goroutine started with `go f(ctx)`
//! carries it along, because the context is passed. A `tokio::task_local!` is set for
//! the duration of one future (`scope`), and a task spawned from inside that future is
//! a new task: the value is not there. Background work for a request sees it only if
//! the value is passed in, or scoped again around the spawned future. The same holds
//! for tracing's spans: a spawned task starts outside the request's span unless it is
//! given one (`.instrument(span)`), as lessons 02 and 03 do for the tasks they spawn.

use axum::Extension;
use lessons::kit::{Narrator, TestServer};
use tracing::{Instrument, debug_span};

use super::{CURRENT_REQUEST, RequestId, deep_in_the_call_stack};

// ANCHOR: spawned
/// Background work for a request, far down the call stack: what request is it for?
async fn audit() -> String {
    let request = deep_in_the_call_stack();
    // With `RUST_LOG=debug`, this line names the spans it is written in.
    tracing::debug!("audit: written for {request}");
    request
}

/// Spawns the same background work twice: as it is, and inside a new scope of the
/// request's id (and a span that names it, for the logs). Answers what each one saw.
pub async fn background_work(Extension(id): Extension<RequestId>) -> String {
    let plain = tokio::spawn(audit());
    let span = debug_span!("task", name = "audit", request_id = %id.0);
    let rescoped = tokio::spawn(CURRENT_REQUEST.scope(id, audit()).instrument(span));
    let (plain, rescoped) = (plain.await, rescoped.await);
    format!(
        "plain spawn: {}; scoped again: {}",
        plain.unwrap_or_else(|_| "its task failed".to_owned()),
        rescoped.unwrap_or_else(|_| "its task failed".to_owned())
    )
}
// ANCHOR_END: spawned

/// How many of the requests' spawned tasks saw their request's id.
pub struct Inherited {
    pub plain: usize,
    pub rescoped: usize,
    pub requests: usize,
}

/// Three requests at once, each with its own id, each spawning background work.
pub async fn spawned_tasks_and_the_request_id(
    server: &TestServer,
    narrator: &Narrator,
) -> anyhow::Result<Inherited> {
    let ids = ["alice-1", "bob-2", "carol-3"];
    let calls = ids.map(|id| async move {
        let response = server
            .client()
            .get(server.url("/profile/background"))
            .header("x-request-id", id)
            .send()
            .await?;
        let body = response.text().await?;
        narrator.say("client", format!("{id} <- {body:?}"));
        let plain = body.starts_with(&format!("plain spawn: {id};"));
        let rescoped = body.ends_with(&format!("scoped again: {id}"));
        anyhow::Ok((plain, rescoped))
    });
    let mut inherited = Inherited {
        plain: 0,
        rescoped: 0,
        requests: ids.len(),
    };
    for answer in futures::future::join_all(calls).await {
        let (plain, rescoped) = answer?;
        inherited.plain += usize::from(plain);
        inherited.rescoped += usize::from(rescoped);
    }
    Ok(inherited)
}
