//! Solution to exercise 14: a `select!` loop that loses nothing.
//!
//! The bytes of a frame wait in a buffer that belongs to the loop, not to a future.
//! The only read that races the ticker and the token is `read_buf`, which tokio
//! documents as cancel safe: if another branch wins, it has read nothing. Whole frames
//! are taken out of the buffer between reads, with no `.await` that could be cut
//! short, so a frame is passed on whole or not at all.
//!
//! Two other answers pass the grader too. One `read_frame` future (read the length,
//! then the body, with `read_exact`) kept across the turns of the loop, pinned
//! outside it (`Box::pin`) and made anew only once it has finished, is never dropped
//! half-way; it must own the reader and hand it back, and needs one more step to tell
//! a clean end of the stream from a frame cut short. And tokio-util's `FramedRead`
//! with `LengthDelimitedCodec` (its `codec` feature, not enabled in this course) keeps
//! the same kind of buffer, behind a `Stream` whose `next()` is cancel safe.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at};
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

// ANCHOR: solution
/// Reads frames from `reader` and sends each body on `out`, whole, once and in order,
/// with a heartbeat every `period`, until `stop`, the end of the stream, or `out`'s
/// receiver is gone.
pub async fn relay<R>(
    mut reader: R,
    out: mpsc::Sender<Relayed>,
    stop: CancellationToken,
    period: Duration,
) -> io::Result<()>
where
    R: AsyncRead + Unpin + Send,
{
    let mut ticker = interval_at(Instant::now() + period, period);
    // Bytes read and not yet passed on: they outlive every turn of the loop.
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        // Every whole frame already here goes out before the next read.
        while let Some(frame) = take_frame(&mut buffer)? {
            if !pass_on(&out, &stop, Relayed::Frame(frame)).await {
                return Ok(());
            }
        }
        tokio::select! {
            // The token first: once cancelled, it wins over bytes that keep coming.
            biased;
            () = stop.cancelled() => return Ok(()),
            _ = ticker.tick() => {
                if !pass_on(&out, &stop, Relayed::Heartbeat).await {
                    return Ok(());
                }
            }
            // Cancel safe: if another branch wins this turn, no byte was read.
            read = reader.read_buf(&mut buffer) => {
                if read? == 0 {
                    // The end of the stream: clean between frames, an error inside one.
                    if buffer.is_empty() {
                        return Ok(());
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the stream ended {} bytes into a frame", buffer.len()),
                    ));
                }
            }
        }
    }
}

/// Takes the first frame off the front of `buffer` once the whole of it is there.
/// A length over the limit is an error as soon as the length is in.
fn take_frame(buffer: &mut Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    let Some(header) = buffer.first_chunk::<4>() else {
        return Ok(None);
    };
    let length = u32::from_be_bytes(*header) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {length} bytes, over the limit of {MAX_FRAME}"),
        ));
    }
    if buffer.len() < 4 + length {
        return Ok(None);
    }
    let frame = buffer[4..4 + length].to_vec();
    buffer.drain(..4 + length);
    Ok(Some(frame))
}

/// Sends `item` on `out`, unless `stop` comes first: a consumer that has stopped
/// reading must not hold the relay past its stop. False means: return now.
async fn pass_on(out: &mpsc::Sender<Relayed>, stop: &CancellationToken, item: Relayed) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        sent = out.send(item) => sent.is_ok(),
    }
}
// ANCHOR_END: solution
