//! Counting what is in progress right now: handlers waiting, calls under way.
//!
//! A counter bumped before an `.await` and lowered after it is wrong in async Rust:
//! if the future is dropped at that `.await`, the line after it never runs. The guard
//! here lowers the count when it is dropped, whichever way its future ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many are in progress now, and the most there ever were. Cheap to clone.
///
/// ```
/// use lessons::kit::InFlight;
///
/// let waiting = InFlight::default();
/// let first = waiting.enter();
/// let second = waiting.enter();
/// drop(first);
/// assert_eq!((waiting.now(), waiting.peak()), (1, 2));
/// drop(second);
/// assert_eq!(waiting.now(), 0);
/// ```
#[derive(Clone, Default)]
pub struct InFlight {
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// One in progress, until dropped.
pub struct InFlightGuard {
    counts: Arc<Counts>,
}

impl InFlight {
    /// Counts one more in progress, until the returned guard is dropped.
    pub fn enter(&self) -> InFlightGuard {
        let now = self.counts.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.counts.peak.fetch_max(now, Ordering::SeqCst);
        InFlightGuard {
            counts: self.counts.clone(),
        }
    }

    /// In progress now.
    pub fn now(&self) -> usize {
        self.counts.now.load(Ordering::SeqCst)
    }

    /// The most ever in progress at once.
    pub fn peak(&self) -> usize {
        self.counts.peak.load(Ordering::SeqCst)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.counts.now.fetch_sub(1, Ordering::SeqCst);
    }
}
