//! Wrong: the length's bytes are kept across the turns of the select!, but the body is read with `read_exact` into a buffer made for each turn: a tick in the middle of a body drops the bytes read so far, and the frame passed on is the rest of the body followed by the start of the next frame.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at};
use tokio_util::sync::CancellationToken;

pub use solutions::ex14_cancel_safe_loop::{MAX_FRAME, Relayed};

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
    // The length's bytes in so far: they outlive the turns of the loop.
    let mut header = [0; 4];
    let mut filled = 0;
    loop {
        if filled < 4 {
            let read = tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(()),
                _ = ticker.tick() => None,
                read = reader.read(&mut header[filled..]) => Some(read?),
            };
            match read {
                None => {
                    if !pass_on(&out, &stop, Relayed::Heartbeat).await {
                        return Ok(());
                    }
                }
                Some(0) if filled == 0 => return Ok(()),
                Some(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Some(read) => filled += read,
            }
            continue;
        }
        let length = u32::from_be_bytes(header) as usize;
        if length > MAX_FRAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a frame of {length} bytes, over the limit of {MAX_FRAME}"),
            ));
        }
        let mut body = vec![0; length];
        let read = tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(()),
            _ = ticker.tick() => None,
            read = reader.read_exact(&mut body) => Some(read?),
        };
        let item = match read {
            None => Relayed::Heartbeat,
            Some(_) => {
                filled = 0;
                Relayed::Frame(body)
            }
        };
        if !pass_on(&out, &stop, item).await {
            return Ok(());
        }
    }
}

async fn pass_on(out: &mpsc::Sender<Relayed>, stop: &CancellationToken, item: Relayed) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        sent = out.send(item) => sent.is_ok(),
    }
}
