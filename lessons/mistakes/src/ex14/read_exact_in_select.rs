//! Wrong: a `read_frame` that reads the length and then the body with `read_exact`, made anew at every turn of the select!: when a tick wins in the middle of a frame, the bytes it had read are dropped with it, the next read starts inside the frame, and the relay hangs up on a connection that was fine, or passes on bytes no peer sent as a frame.

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
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(()),
            _ = ticker.tick() => {
                if !pass_on(&out, &stop, Relayed::Heartbeat).await {
                    return Ok(());
                }
            }
            frame = read_frame(&mut reader) => match frame? {
                Some(frame) => {
                    if !pass_on(&out, &stop, Relayed::Frame(frame)).await {
                        return Ok(());
                    }
                }
                None => return Ok(()),
            },
        }
    }
}

/// One frame, or `None` when the stream ends before a frame begins.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0; 4];
    // The first byte alone tells the end of the stream from the start of a frame.
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
