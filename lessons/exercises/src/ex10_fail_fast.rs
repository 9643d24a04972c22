//! Exercise 10 (lesson `04_cancellation`): fail the rest when one fails.
//!
//! A request that needs several answers is worth nothing once one of them has failed.
//! Go's `errgroup.WithContext` says so in code: the first error cancels the context
//! that every call watches. Here the calls are tasks: when one fails, the caller hears
//! the error at once, and every other call stops. Grade it with
//! `cargo test -p exercises --test ex10_fail_fast`.

use futures::future::BoxFuture;

// ANCHOR: exercise
/// Runs every call at once, each on a task of its own (so that calls which compute
/// can use all of the runtime's threads), and returns their answers in the order
/// given, or the first error as soon as it happens.
///
/// When it returns, no call is still running and none finishes later: after an error
/// the other calls are cancelled, and it waits until they are gone. A panic in a call
/// is a failure too: the other calls are cancelled the same way, then the call's own
/// panic, its payload as it was, goes on in the caller. When its caller drops it
/// early, every call is aborted with it.
pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    // TODO: spawn every call at once, and remember where its answer goes.
    // TODO: take the outcomes as they come; on the first error, stop every other call.
    todo!("run every call, and fail the rest as soon as one fails")
}
// ANCHOR_END: exercise
