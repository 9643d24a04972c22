//! Cancel safety: a `select!` loop drops the futures of the branches that lose.
//!
//! A relay reads length-prefixed frames from a connection, and a ticker in the same
//! `select!` sends a heartbeat every 20 ms. The peer sends six orders; the third comes
//! slowly, in two halves 30 ms apart, so a tick falls between them. A read that keeps
//! what it has read inside its own future loses it when the tick wins, and from then
//! on the loop reads from the middle of a frame. A read into a buffer the loop owns
//! loses nothing. Both run on tokio's paused clock (the pipe is in-process), so the
//! tick lands between the two halves on every run.

use std::io::{self, ErrorKind};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use lessons::kit::{Flags, Narrator, on_paused_clock};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::{Instant, interval_at};

/// The peer's orders, one frame each.
const ORDERS: [&str; 6] = [
    "order 1: 2 espresso",
    "order 2: 1 flat white",
    "order 3: 3 cappuccino",
    "order 4: 1 mocha",
    "order 5: 2 latte",
    "order 6: 1 cortado",
];
/// The order that arrives in two halves.
const SLOW: usize = 3;
/// The longest body a frame may have. A longer length means the reader is not at
/// the start of a frame, and allocating it would be a gift to anyone sending garbage.
const MAX_FRAME: usize = 1024;

/// One frame on the wire: the body's length as 4 big-endian bytes, then the body
/// (the default format of tokio-util's `LengthDelimitedCodec`).
fn encode(body: &str) -> Vec<u8> {
    let length = u32::try_from(body.len()).expect("an order is a few bytes");
    [&length.to_be_bytes()[..], body.as_bytes()].concat()
}

/// A frame's length, read from its header; an error if it is over [`MAX_FRAME`].
fn frame_length(header: [u8; 4]) -> io::Result<usize> {
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME {
        let read_as_text = String::from_utf8_lossy(&header);
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!(
                "the bytes {read_as_text:?} read as a length: {length}, over the limit of \
                 {MAX_FRAME}; the loop is reading from the middle of a frame"
            ),
        ));
    }
    Ok(length)
}

// ANCHOR: read_frame
/// Reads one frame: its 4-byte length, then its body. Right on its own, and not cancel
/// safe: what it has read sits in its own locals (and `read_exact`'s), so dropping it
/// between or inside its two reads throws those bytes away.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Bytes> {
    let mut header = [0; 4];
    reader.read_exact(&mut header).await?;
    let mut body = vec![0; frame_length(header)?];
    reader.read_exact(&mut body).await?;
    Ok(body.into())
}
// ANCHOR_END: read_frame

/// What a relay loop passed on, counted and narrated as it goes.
#[derive(Default)]
struct Received {
    /// Whole frames passed on.
    frames: usize,
}

impl Received {
    fn frame(&mut self, frame: Bytes, narrator: &Narrator) {
        self.frames += 1;
        narrator.say("relay", format!("<- {:?}", String::from_utf8_lossy(&frame)));
    }

    fn heartbeat(&mut self, narrator: &Narrator) {
        narrator.say("relay", "tick: heartbeat");
    }

    /// The loop is over: the stream ended, or could not be read any more.
    fn end(self, outcome: io::Result<()>, narrator: &Narrator) -> Self {
        match outcome {
            Ok(()) => narrator.say("relay", "the peer closed the connection"),
            Err(error) => narrator.say("relay", format!("error: {error}; hangs up")),
        }
        self
    }
}

// ANCHOR: dropping
/// A connection's loop: a heartbeat on every tick, and each frame as it comes.
async fn relay_dropping_reads(
    mut reader: DuplexStream,
    period: Duration,
    narrator: &Narrator,
) -> Received {
    let mut ticker = interval_at(Instant::now() + period, period);
    let mut received = Received::default();
    loop {
        tokio::select! {
            _ = ticker.tick() => received.heartbeat(narrator),
            // Broken: a new read_frame every turn. When the tick wins, select! drops
            // this one, with the bytes it has read, and the next starts mid-frame.
            frame = read_frame(&mut reader) => match frame {
                Ok(frame) => received.frame(frame, narrator),
                Err(error) => return received.end(Err(error), narrator),
            },
        }
    }
}
// ANCHOR_END: dropping

// ANCHOR: buffered
/// The same loop, fixed: the bytes read so far live in `buffer`, which belongs to the
/// loop, and the read that races the ticker is `read_buf`, which is cancel safe: if
/// the tick wins, it has read nothing. Whole frames are taken out of the buffer
/// between reads, where no `.await` can be interrupted.
async fn relay_keeping_bytes(
    mut reader: DuplexStream,
    period: Duration,
    narrator: &Narrator,
) -> Received {
    let mut ticker = interval_at(Instant::now() + period, period);
    let mut received = Received::default();
    let mut buffer = BytesMut::new();
    loop {
        loop {
            match take_frame(&mut buffer) {
                Ok(Some(frame)) => received.frame(frame, narrator),
                Ok(None) => break,
                Err(error) => return received.end(Err(error), narrator),
            }
        }
        tokio::select! {
            _ = ticker.tick() => received.heartbeat(narrator),
            read = reader.read_buf(&mut buffer) => match read {
                Ok(0) if buffer.is_empty() => return received.end(Ok(()), narrator),
                Ok(0) => {
                    let cut = io::Error::new(ErrorKind::UnexpectedEof, "the stream ended mid-frame");
                    return received.end(Err(cut), narrator);
                }
                Ok(_) => {}
                Err(error) => return received.end(Err(error), narrator),
            },
        }
    }
}

/// Takes the first frame off the front of `buffer`, if the whole of it is there.
fn take_frame(buffer: &mut BytesMut) -> io::Result<Option<Bytes>> {
    let Some(header) = buffer.first_chunk::<4>() else {
        return Ok(None);
    };
    let length = frame_length(*header)?;
    if buffer.len() < 4 + length {
        return Ok(None);
    }
    buffer.advance(4);
    Ok(Some(buffer.split_to(length).freeze()))
}
// ANCHOR_END: buffered

/// The peer: each order as one frame, 10 ms apart, from 5 ms on. Closes the
/// connection once every order is sent, or stops when the relay has hung up. Returns
/// how many frames it wrote to the end: sent, whatever the relay made of them.
async fn send_orders(mut writer: DuplexStream, flags: &Flags, narrator: &Narrator) -> usize {
    tokio::time::sleep(flags.ms(5)).await;
    let mut sent = 0;
    for (n, order) in (1..).zip(ORDERS) {
        if let Err(error) = send_order(&mut writer, n, order, flags, narrator).await {
            narrator.say("peer", format!("-> frame {n}: {error}, the relay hung up"));
            return sent;
        }
        sent += 1;
        tokio::time::sleep(flags.ms(10)).await;
    }
    narrator.say("peer", "closes the connection");
    sent
}

/// Sends order `n` as one frame: in one write, or, for the slow one, in two halves
/// 30 ms apart.
async fn send_order(
    writer: &mut DuplexStream,
    n: usize,
    order: &str,
    flags: &Flags,
    narrator: &Narrator,
) -> io::Result<()> {
    let frame = encode(order);
    if n != SLOW {
        writer.write_all(&frame).await?;
        narrator.say("peer", format!("-> frame {n} ({} bytes)", frame.len()));
        return Ok(());
    }
    let (first, rest) = frame.split_at(4 + order.len() / 2);
    writer.write_all(first).await?;
    narrator.say(
        "peer",
        format!(
            "-> frame {n}, its first {} of {} bytes",
            first.len(),
            frame.len()
        ),
    );
    tokio::time::sleep(flags.ms(30)).await;
    writer.write_all(rest).await?;
    narrator.say(
        "peer",
        format!("-> frame {n}, its last {} bytes", rest.len()),
    );
    Ok(())
}

/// Frames of one run: written whole by the peer, and passed on whole by the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frames {
    /// Frames the peer wrote to the end before the connection closed or broke.
    pub sent: usize,
    /// Frames the relay passed on whole.
    pub received: usize,
}

impl Frames {
    /// Frames the peer wrote whole that the relay never passed on.
    pub fn lost(self) -> usize {
        self.sent - self.received
    }

    /// Orders the peer never got to write, because the relay had hung up.
    pub fn never_sent(self) -> usize {
        ORDERS.len() - self.sent
    }
}

/// Plays the peer against one relay loop on tokio's paused clock, with a ticker of
/// 20 ms, and returns how many frames the peer wrote and the loop passed on.
async fn one_loop<L, F>(relay: L, flags: &Flags, narrator: &Narrator) -> anyhow::Result<Frames>
where
    L: FnOnce(DuplexStream, Duration, Narrator) -> F + Send + 'static,
    F: Future<Output = Received>,
{
    let (flags, narrator) = (flags.clone(), narrator.clone());
    on_paused_clock(move || async move {
        let (writer, reader) = tokio::io::duplex(1024);
        let period = flags.ms(20);
        let (sent, received) = tokio::join!(
            send_orders(writer, &flags, &narrator),
            relay(reader, period, narrator.clone()),
        );
        Frames {
            sent,
            received: received.frames,
        }
    })
    .await
}

/// What the peer wrote to each of the two loops, and what each passed on.
pub struct Relayed {
    pub dropping_reads: Frames,
    pub keeping_bytes: Frames,
}

/// The two loops, each against the same peer: reads dropped by the tick, then bytes
/// kept by the loop.
pub async fn both(flags: &Flags, narrator: &Narrator) -> anyhow::Result<Relayed> {
    narrator.scenario("a select! loop that drops a read half-way");
    let dropping_reads =
        one_loop(
            |reader, period, narrator| async move {
                relay_dropping_reads(reader, period, &narrator).await
            },
            flags,
            narrator,
        )
        .await?;
    narrator.scenario("the same loop, reading into a buffer it keeps");
    let keeping_bytes =
        one_loop(
            |reader, period, narrator| async move {
                relay_keeping_bytes(reader, period, &narrator).await
            },
            flags,
            narrator,
        )
        .await?;
    Ok(Relayed {
        dropping_reads,
        keeping_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: kept
    /// The other fix: one `read_frame` kept across the turns of the loop, and a new one
    /// made only once it has finished. A tick then pauses the read; it never drops it.
    async fn relay_keeping_the_read(
        reader: DuplexStream,
        period: Duration,
        narrator: &Narrator,
    ) -> Received {
        // The read owns the reader while it runs, and hands it back with the frame,
        // so that the next read can be made from it.
        async fn next_frame(mut reader: DuplexStream) -> (DuplexStream, io::Result<Bytes>) {
            let frame = read_frame(&mut reader).await;
            (reader, frame)
        }
        let mut ticker = interval_at(Instant::now() + period, period);
        let mut received = Received::default();
        let mut reading = Box::pin(next_frame(reader));
        loop {
            tokio::select! {
                _ = ticker.tick() => received.heartbeat(narrator),
                // `&mut reading` polls the same read at every turn, and leaves it in
                // place when the tick wins.
                (reader, frame) = &mut reading => match frame {
                    Ok(frame) => {
                        received.frame(frame, narrator);
                        reading.set(next_frame(reader));
                    }
                    // The end of the stream too: `read_exact` cannot tell a clean end
                    // between frames from a frame cut short.
                    Err(error) => return received.end(Err(error), narrator),
                },
            }
        }
    }
    // ANCHOR_END: kept

    #[tokio::test]
    async fn a_read_kept_across_the_turns_loses_nothing() {
        let frames = one_loop(
            |reader, period, narrator| async move {
                relay_keeping_the_read(reader, period, &narrator).await
            },
            &Flags::for_test(7),
            &Narrator::quiet(),
        )
        .await
        .unwrap();
        assert_eq!(
            frames,
            Frames {
                sent: ORDERS.len(),
                received: ORDERS.len()
            },
            "every order sent and passed on, the slow one too"
        );
    }

    #[tokio::test]
    async fn frames_that_arrive_whole_hide_the_bug() {
        // No tick ever falls inside a frame when each arrives in one write: the loop
        // that drops its reads passes every frame on, and looks right.
        let received = on_paused_clock(|| async {
            let (mut writer, reader) = tokio::io::duplex(1024);
            for order in ORDERS {
                writer.write_all(&encode(order)).await.unwrap();
            }
            drop(writer);
            relay_dropping_reads(reader, Duration::from_millis(20), &Narrator::quiet())
                .await
                .frames
        });
        assert_eq!(received.await.unwrap(), ORDERS.len());
    }

    #[test]
    fn a_length_over_the_limit_is_refused() {
        assert_eq!(frame_length(1024u32.to_be_bytes()).unwrap(), 1024);
        let error = frame_length(*b"ress").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
    }
}
