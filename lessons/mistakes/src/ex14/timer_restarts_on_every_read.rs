//! Wrong: the heartbeat is a `sleep(period)` made anew on every turn of the select!, so each read starts it over: a peer that sends a byte more often than once a period keeps it from ever running out, and the consumer hears no heartbeat from a connection that is alive.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::time::sleep;
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
            // A new timer on every turn: each read that wins starts it over.
            () = sleep(period) => {
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
