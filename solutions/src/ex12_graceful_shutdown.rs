//! Solution to exercise 12: the shutdown sequence of a small server.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

/// What a shutdown did, for the last line the server logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shutdown {
    /// Requests that finished after the stop, within the deadline.
    pub drained: usize,
    /// Requests still running at the deadline, and cut.
    pub cut: usize,
}

// ANCHOR: solution
/// What the layer around every request watches and counts.
#[derive(Clone)]
struct Drain {
    stop: CancellationToken,
    /// Cancelled at the deadline: the requests still running are cut.
    cut: CancellationToken,
    drained: Arc<AtomicUsize>,
    cut_count: Arc<AtomicUsize>,
}

/// Runs a request until it ends or the cut comes. A cut request's handler is dropped
/// there, and its client told 503, which it can retry elsewhere.
async fn drain_or_cut(State(drain): State<Drain>, request: Request, next: Next) -> Response {
    match drain.cut.run_until_cancelled(next.run(request)).await {
        Some(response) => {
            if drain.stop.is_cancelled() {
                drain.drained.fetch_add(1, Ordering::SeqCst);
            }
            response
        }
        None => {
            drain.cut_count.fetch_add(1, Ordering::SeqCst);
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// How long the requests cut at the deadline have to send their 503 before every
/// connection still open is closed.
const ANSWER_THE_CUT: Duration = Duration::from_millis(100);

/// The listener, with a way to close every connection it accepted. A peer that is
/// still sending its request headers never reaches the router, so no layer can cut it;
/// without this, its connection task would outlive the shutdown.
struct Closable {
    listener: TcpListener,
    close: CancellationToken,
}

impl axum::serve::Listener for Closable {
    type Io = ClosableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ClosableStream, SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        let closed = Box::pin(self.close.clone().cancelled_owned());
        (ClosableStream { stream, closed }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A connection that fails every read and write once it is closed, even one waiting
/// on a peer that sends nothing: hyper then drops it, and its task ends.
struct ClosableStream {
    stream: TcpStream,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl ClosableStream {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.closed.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::ErrorKind::ConnectionAborted.into()),
            Poll::Pending => Ok(()),
        }
    }
}

impl AsyncRead for ClosableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ClosableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves until `stop`, then shuts down in order; see the exercise for the contract.
pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    drain: Duration,
    background: TaskTracker,
) -> Shutdown {
    let state = Drain {
        stop: stop.clone(),
        cut: CancellationToken::new(),
        drained: Arc::default(),
        cut_count: Arc::default(),
    };
    let router = router.layer(from_fn_with_state(state.clone(), drain_or_cut));
    // At the stop, axum drops the listener and lets each connection finish the request
    // it is serving; its future ends once every connection has closed.
    let close = CancellationToken::new();
    let listener = Closable {
        listener,
        close: close.clone(),
    };
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .into_future();
    let mut server = std::pin::pin!(server);
    // Serve until the stop. With nothing to drain, the server's future may end in the
    // same instant and win the race: a future that has ended must not be polled again.
    let ended = tokio::select! {
        _ = &mut server => true,
        () = stop.cancelled() => false,
    };
    // The deadline counts from the stop. Past it, the requests still running are cut
    // and answered 503; a moment later, every connection still open is closed, those
    // whose request never came in whole included. Each wait is bounded all the same.
    if !ended && timeout(drain, &mut server).await.is_err() {
        state.cut.cancel();
        if timeout(ANSWER_THE_CUT, &mut server).await.is_err() {
            close.cancel();
            let _ = timeout(drain, &mut server).await;
        }
    }
    // `wait` resolves once the tracker is closed and empty: close it first.
    background.close();
    let _ = timeout(drain, background.wait()).await;
    Shutdown {
        drained: state.drained.load(Ordering::SeqCst),
        cut: state.cut_count.load(Ordering::SeqCst),
    }
}
// ANCHOR_END: solution
