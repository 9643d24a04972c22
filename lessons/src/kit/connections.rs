//! Counting the test server's open connections.
//!
//! A request is over for the server when its connection has closed: until then the
//! task serving the connection is alive, and a task count taken a moment too early
//! would report it as a leak. The lessons' client keeps no idle connections, so every
//! connection closes right after its response; this listener counts them, so that a
//! measurement can wait for exactly that instead of guessing a delay.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use super::wait_until;
use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How many of a server's connections are open now. Cheap to clone.
#[derive(Clone, Default)]
pub struct OpenConnections(Arc<AtomicUsize>);

impl OpenConnections {
    /// Connections open now.
    pub fn now(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits up to `within` for every connection to close; returns how many are open.
    pub async fn all_closed(&self, within: Duration) -> usize {
        wait_until(within, || self.now() == 0).await;
        self.now()
    }
}

/// A TCP listener whose accepted streams count themselves open until dropped.
pub struct CountingListener {
    inner: TcpListener,
    open: OpenConnections,
}

impl CountingListener {
    pub fn new(inner: TcpListener) -> (Self, OpenConnections) {
        let open = OpenConnections::default();
        (
            CountingListener {
                inner,
                open: open.clone(),
            },
            open,
        )
    }
}

impl Listener for CountingListener {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (CountedStream, SocketAddr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        // Small responses go out at once, not held back waiting for an ACK (Nagle).
        let _ = stream.set_nodelay(true);
        self.open.0.fetch_add(1, Ordering::SeqCst);
        (
            CountedStream {
                stream,
                open: self.open.clone(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection that counts as open until the server's connection task drops it.
pub struct CountedStream {
    stream: TcpStream,
    open: OpenConnections,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.open.0.fetch_sub(1, Ordering::SeqCst);
    }
}

// Reading and writing go straight to the TCP stream.
impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
