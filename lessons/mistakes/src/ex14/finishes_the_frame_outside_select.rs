//! Wrong: only a frame's first byte is read in the select! (with `read_u8`, which is cancel safe), and the rest of the frame after it with `read_exact`: no byte is lost, but while a slow peer sends the rest of a frame there is no heartbeat and the stop token is not heard, for as long as the peer takes, or for ever.

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
        let item = tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(()),
            _ = ticker.tick() => Relayed::Heartbeat,
            first = reader.read_u8() => match first {
                Ok(first) => Relayed::Frame(rest_of_frame(&mut reader, first).await?),
                // No byte at all: the stream ended between frames.
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(error) => return Err(error),
            },
        };
        if !pass_on(&out, &stop, item).await {
            return Ok(());
        }
    }
}

/// The frame that starts with `first`: the rest of its length, then its body.
async fn rest_of_frame<R: AsyncRead + Unpin>(reader: &mut R, first: u8) -> io::Result<Vec<u8>> {
    let mut header = [first, 0, 0, 0];
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
    Ok(body)
}

async fn pass_on(out: &mpsc::Sender<Relayed>, stop: &CancellationToken, item: Relayed) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        sent = out.send(item) => sent.is_ok(),
    }
}
