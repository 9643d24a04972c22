//! Response bodies that misbehave the way real ones do, for lesson 10 and the
//! coalescing layer's tests.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// A body that announces `length` bytes, sends `sent`, then fails: what a proxy's
/// handler returns when its upstream hangs up half-way through a response with a
/// `Content-Length`.
#[derive(Debug)]
pub struct BreaksOff {
    sent: Option<Bytes>,
    length: u64,
}

impl BreaksOff {
    pub fn after(sent: &'static str, length: u64) -> Self {
        BreaksOff {
            sent: Some(Bytes::from_static(sent.as_bytes())),
            length,
        }
    }
}

impl Body for BreaksOff {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(match self.sent.take() {
            Some(sent) => Ok(Frame::data(sent)),
            None => Err(std::io::Error::other("the upstream hung up mid-body")),
        }))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

/// A long poll: `first` at once, then nothing until the client gives up. Its length
/// is unknown, as a stream's is.
pub fn long_poll(first: &'static str) -> axum::body::Body {
    let first = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
        first.as_bytes(),
    ))]);
    axum::body::Body::from_stream(futures::StreamExt::chain(first, futures::stream::pending()))
}
