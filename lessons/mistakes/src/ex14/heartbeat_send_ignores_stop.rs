//! Wrong: frames are sent in a race with the stop token, but each heartbeat with a plain `out.send(Relayed::Heartbeat).await`: once a consumer stops reading and `out` is full, a relay told to stop waits for room for ever, and the connection it serves is never let go.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at};
use tokio_util::sync::CancellationToken;

pub use solutions::ex14_cancel_safe_loop::{MAX_FRAME, Relayed};

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
                // Only a heartbeat: sent as it is, with no race against the stop.
                if out.send(Relayed::Heartbeat).await.is_err() {
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
