//! Wrong: the heartbeat comes from a task of its own, so that the read loop needs no ticker and its `read_exact` is never cut short by a tick; but when the relay's caller drops it (an aborted connection handler, a timeout around it), that task goes on sending heartbeats for a connection nobody reads any more, for as long as the consumer lives.

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
    let beating = tokio::spawn(heartbeat(out.clone(), stop.clone(), period));
    let outcome = read_frames(&mut reader, &out, &stop).await;
    beating.abort();
    outcome
}

/// A heartbeat every period, until the stop or until the receiver is gone.
async fn heartbeat(out: mpsc::Sender<Relayed>, stop: CancellationToken, period: Duration) {
    let mut ticker = interval_at(Instant::now() + period, period);
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            _ = ticker.tick() => {
                if !pass_on(&out, &stop, Relayed::Heartbeat).await {
                    return;
                }
            }
        }
    }
}

/// Passes on every frame until the stop, the end of the stream, or the receiver's end.
async fn read_frames<R: AsyncRead + Unpin>(
    reader: &mut R,
    out: &mpsc::Sender<Relayed>,
    stop: &CancellationToken,
) -> io::Result<()> {
    loop {
        let frame = tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(()),
            () = out.closed() => return Ok(()),
            // Only the stop or a gone receiver can drop this read half-way, and then
            // its bytes no longer matter.
            frame = read_frame(reader) => frame?,
        };
        match frame {
            Some(frame) => {
                if !pass_on(out, stop, Relayed::Frame(frame)).await {
                    return Ok(());
                }
            }
            None => return Ok(()),
        }
    }
}

/// One frame, or `None` when the stream ends before a frame begins.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0; 4];
    if reader.read(&mut header[..1]).await? == 0 {
        return Ok(None);
    }
    reader.read_exact(&mut header[1..]).await?;
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {length} bytes, over the limit of {MAX_FRAME}"),
        ));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some(body))
}

async fn pass_on(out: &mpsc::Sender<Relayed>, stop: &CancellationToken, item: Relayed) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        sent = out.send(item) => sent.is_ok(),
    }
}
