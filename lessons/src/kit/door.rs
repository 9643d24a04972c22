//! A way into a route that can hold a wave of requests and let them in together.
//!
//! Coalescing and stampedes are about requests that overlap. Sent "at once" by a
//! client, a hundred requests still trickle in for as long as the machine takes to
//! open a hundred connections, which on a busy machine is longer than the work they
//! should overlap: what a lesson counts would then depend on the machine's speed, not
//! on the code it shows. A lesson lines a wave up at the door; the door holds each
//! request until the whole wave has arrived, and then lets them all in at once.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Barrier;
use tokio::time::Instant;

// ANCHOR: door
/// The way into a router. Open, it lets every request straight in; after
/// [`Door::line_up`] it holds each request until the whole wave has arrived.
///
/// ```
/// use axum::{Router, middleware::from_fn_with_state, routing::get};
/// use lessons::kit::{Door, TestServer, through};
///
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let door = Door::default();
/// let router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(from_fn_with_state(door.clone(), through));
/// let server = TestServer::start(router).await?;
/// door.line_up(2); // the next two requests go in together
/// let (first, second) = tokio::join!(server.get("/"), server.get("/"));
/// assert_eq!(first?.1, "hello");
/// assert_eq!(second?.1, "hello");
/// door.open();
/// assert_eq!(door.answer_times().len(), 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Door {
    /// The wave being lined up, if any. A std mutex: held to read or replace the
    /// barrier, never across an `.await`.
    wave: Arc<Mutex<Option<Arc<Barrier>>>>,
    /// How long each request of a wave took from the door to its answer. The wait for
    /// the rest of its wave is the staging, not the route's doing: it is left out.
    answered_in: Arc<Mutex<Vec<Duration>>>,
}

/// A wave whose last request never comes (a connection refused) is let in anyway
/// after this long, rather than holding the others for ever.
pub const DOOR_PATIENCE: Duration = Duration::from_secs(5);

impl Door {
    /// From now on, requests wait here until `size` of them have arrived.
    pub fn line_up(&self, size: usize) {
        *lock(&self.wave) = Some(Arc::new(Barrier::new(size)));
    }

    /// From now on, requests go straight in.
    pub fn open(&self) {
        *lock(&self.wave) = None;
    }

    /// The times from the door to the answer of the waves' requests so far, shortest
    /// first; the next wave starts a new list.
    pub fn answer_times(&self) -> Vec<Duration> {
        let mut times = std::mem::take(&mut *lock(&self.answered_in));
        times.sort();
        times
    }
}

/// The middleware: `from_fn_with_state(door.clone(), through)`, outermost, so that a
/// request waits before anything else sees it.
pub async fn through(State(door): State<Door>, request: Request, next: Next) -> Response {
    let wave = lock(&door.wave).clone();
    let Some(wave) = wave else {
        return next.run(request).await;
    };
    let _ = tokio::time::timeout(DOOR_PATIENCE, wave.wait()).await;
    let let_in = Instant::now();
    let response = next.run(request).await;
    lock(&door.answered_in).push(let_in.elapsed());
    response
}
// ANCHOR_END: door

/// Locks a mutex that no code panics while holding; if some did, the data is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
