//! Exercise 14 (lesson `04_cancellation`): a `select!` loop that loses nothing.
//!
//! A relay reads frames from a connection and passes each one on, while a ticker in
//! the same loop sends a heartbeat and a token can stop it at any moment. Whichever
//! branch wins a turn of `select!`, the others' futures are dropped: a read that was
//! half-way through a frame must not take those bytes with it. Grade it with
//! `cargo test -p exercises --test ex14_cancel_safe_loop`.

use std::io;
use std::time::Duration;

use tokio::io::AsyncRead;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The longest frame body the relay accepts, in bytes.
pub const MAX_FRAME: usize = 64 * 1024;

/// What the relay passes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relayed {
    /// One frame's body, whole.
    Frame(Vec<u8>),
    /// The ticker fired: the connection is alive, whatever is arriving on it.
    Heartbeat,
}

// ANCHOR: exercise
/// Reads frames from `reader` and sends each body on `out` as a [`Relayed::Frame`]:
/// whole, once, in the order they came. A frame is its body's length as 4 big-endian
/// bytes, then the body (tokio-util's `LengthDelimitedCodec` format); a length over
/// [`MAX_FRAME`] is an error of kind `InvalidData`, as soon as the length is read.
///
/// Every `period`, from one period after it starts, it sends a [`Relayed::Heartbeat`],
/// even while a frame is half read. Frames may arrive in pieces of any size, with
/// pauses of any length between them.
///
/// It returns `Ok(())` as soon as `stop` is cancelled, whatever it is waiting for (a
/// frame's next bytes, room in `out`); when the stream ends between two frames; and
/// when `out`'s receiver is gone. A stream that ends inside a frame is an error. A
/// frame that is not whole is never passed on.
pub async fn relay<R>(
    reader: R,
    out: mpsc::Sender<Relayed>,
    stop: CancellationToken,
    period: Duration,
) -> io::Result<()>
where
    R: AsyncRead + Unpin + Send,
{
    // TODO: a ticker, and somewhere for the bytes of a frame to wait until it is whole.
    // TODO: one select! loop over the stop token, the ticker and the next read, in
    //       which no branch losing a turn can lose bytes.
    todo!("relay every frame whole, once and in order, with heartbeats and a prompt stop")
}
// ANCHOR_END: exercise
