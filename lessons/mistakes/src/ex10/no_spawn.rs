//! Wrong: `try_join_all` with no spawn: it fails fast and cancels the rest, but every call runs inside the caller's future, on one thread, so calls that compute take turns while the runtime's other threads sit idle.

use futures::future::{BoxFuture, try_join_all};

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    try_join_all(calls).await
}
