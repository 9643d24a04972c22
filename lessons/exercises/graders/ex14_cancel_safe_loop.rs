//! Grader for exercise 14: `relay` passes every frame on whole, once and in order,
//! keeps its heartbeat while a frame is half read, and stops at once.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The relay reads one end of an in-process pipe (`tokio::io::duplex`) while the test
//! writes the other, so nearly every test runs on paused time: a pause of "two ticks"
//! in the middle of a frame is exact, and the ticks land there on every run. One test
//! runs on the multi-thread runtime and the real clock, with a ticker of 1 ms.
//!
//! The classes of half-right answers, and where each is caught:
//! * the demo's sizes: a frame split at every byte of its length and body, with ticks
//!   in the pause (`frames_split_at_every_byte_arrive_whole`), frames sent a byte at a
//!   time (`frames_sent_byte_by_byte_arrive_whole`), several frames in one read
//!   (`frames_that_arrive_together_all_go_out_at_once`), hundreds of frames of every
//!   size from empty to the limit, through a pipe smaller than some of them
//!   (`many_frames_of_every_size_arrive_whole_and_in_order`);
//! * right eventually, wrong now: the heartbeat goes on while a frame is half read
//!   (`heartbeats_keep_coming_while_a_frame_is_half_read`); the stop is obeyed at once
//!   with a frame half read, a silent peer, or a consumer that has stopped reading
//!   (`stops_at_once_while_a_frame_is_half_read`, `stops_at_once_when_nothing_arrives`,
//!   `stops_at_once_while_its_consumer_is_not_reading`), also while a heartbeat, not a
//!   frame, waits for room (`stops_at_once_while_a_heartbeat_waits_for_room`); whole
//!   frames go out as soon
//!   as they are in, not at the next read or tick
//!   (`frames_that_arrive_together_all_go_out_at_once`);
//! * right until shutdown, wrong after: the end of the stream between frames
//!   (`returns_ok_when_the_stream_ends_between_frames`), inside one
//!   (`a_frame_cut_off_by_the_end_is_an_error_and_never_passed_on`), and a receiver
//!   that has gone (`returns_when_its_receiver_is_gone`);
//! * right against a silent peer, wrong against a slow one: a peer that pauses inside
//!   a frame, and a consumer that stops reading (above); a peer that sends a byte every
//!   half period, which never lets a timer made anew on each turn run out
//!   (`heartbeats_keep_their_period_while_bytes_trickle_in`);
//! * many threads: the writer and the relay on different workers, a tick every
//!   millisecond (`frames_survive_a_busy_ticker_on_many_threads`);
//! * right when it returns, leaky when its caller drops it: a ticker moved to a task of
//!   its own (with a clone of `out`) spares the read loop its `select!`, and runs on
//!   when the relay is dropped (`a_relay_dropped_by_its_caller_leaves_nothing_running`);
//! * the contract: `Relayed::Heartbeat` every period, the first one period after the
//!   start, not at once (`a_heartbeat_every_period`), a
//!   length over the limit refused before its body
//!   (`a_length_over_the_limit_is_refused_as_soon_as_it_is_read`), a frame of the
//!   limit accepted, the future is `Send` (checked when this file compiles).
//!
//! Not applicable: races on shared state (the relay shares nothing but its channel).

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::ms;
use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::subject::{MAX_FRAME, Relayed, relay};

/// The relay's ticker period in the paused-time tests.
const PERIOD: Duration = ms(10);
/// Far beyond any right answer on paused time: only a stuck relay reaches it.
const LIMIT: Duration = Duration::from_secs(5);
/// A pipe far larger than any test writes: the test's writes never wait.
const WIDE_PIPE: usize = 1 << 20;

/// One frame on the wire: the body's length as 4 big-endian bytes, then the body.
fn encode(body: &[u8]) -> Vec<u8> {
    let length = u32::try_from(body.len()).expect("a test frame fits a u32");
    [&length.to_be_bytes()[..], body].concat()
}

/// The body of frame `n`, `size` bytes: its name, repeated as far as it goes, so that
/// bytes read from the wrong place never make a body that looks right.
fn body(n: usize, size: usize) -> Vec<u8> {
    format!("frame {n:04} ")
        .bytes()
        .cycle()
        .take(size)
        .collect()
}

/// Frames with bodies of these sizes, and the stream that carries them one after
/// another.
fn frames_of(sizes: &[usize]) -> (Vec<Vec<u8>>, Vec<u8>) {
    let bodies: Vec<Vec<u8>> = (1..).zip(sizes).map(|(n, size)| body(n, *size)).collect();
    let stream = bodies.iter().flat_map(|body| encode(body)).collect();
    (bodies, stream)
}

/// A few words on a body, for the messages: its size and how it starts.
fn show(body: &[u8]) -> String {
    let start = String::from_utf8_lossy(&body[..body.len().min(12)]).into_owned();
    format!("{} bytes {start:?}", body.len())
}

/// How what was passed on differs from what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrong {
    /// Frames sent were never passed on (or not yet).
    Missing,
    /// A frame passed on that was never sent: bytes from the middle of one.
    Garbage,
    /// A frame sent, passed on twice or out of its place.
    Misplaced,
    /// All the frames, then more.
    Extra,
}

/// `None` if `got` is `expected`; otherwise what went wrong, and in words.
fn difference(expected: &[Vec<u8>], got: &[Vec<u8>]) -> Option<(Wrong, String)> {
    if expected == got {
        return None;
    }
    let same = expected.iter().zip(got).take_while(|(e, g)| e == g).count();
    let counts = match expected.len() {
        1 => format!("1 frame sent, {} passed on", got.len()),
        sent => format!("{sent} frames sent, {} passed on", got.len()),
    };
    Some(match (expected.get(same), got.get(same)) {
        (Some(e), Some(g)) if expected.contains(g) => (
            Wrong::Misplaced,
            format!(
                "{counts}: after {same} right, the frame of {} came where the frame of {} \
                 should have: a frame twice, or out of order",
                show(g),
                show(e)
            ),
        ),
        (Some(e), Some(g)) => (
            Wrong::Garbage,
            format!(
                "{counts}: after {same} right, a frame of {} came where the frame of {} \
                 should have: bytes that were never a frame, read from the middle of one",
                show(g),
                show(e)
            ),
        ),
        (Some(_), None) if same == 0 => (Wrong::Missing, counts),
        (Some(_), None) => (
            Wrong::Missing,
            format!("{counts}: the first {same} whole and in order, then nothing"),
        ),
        (None, Some(g)) => (
            Wrong::Extra,
            format!("{counts}: all of them, then a frame of {} more", show(g)),
        ),
        (None, None) => unreachable!("equal lengths with no difference are equal"),
    })
}

/// The hint for frames read from the wrong place.
const DROPPED_READ: &str = "when a tick wins the select!, the read future that lost is \
    dropped, and whatever it had read is dropped with it: `read_exact` (and an async fn \
    that reads a length and then a body) is not cancel safe, and the next read starts in \
    the middle of a frame. Keep the bytes read so far outside the future, in the loop, and \
    race only a cancel-safe read (`read_buf`); or keep one read future across the turns \
    of the loop, and make a new one only when it has finished.";

/// The hint for frames whose bytes had all arrived and were not passed on.
const NOT_PASSED_ON: &str = "every byte of these frames had arrived. Either bytes went \
    with a read future that lost a turn of the select! (`read_exact`, or an async fn that \
    reads a length and then a body, is not cancel safe), and the relay now reads from the \
    middle of a frame, perhaps waiting for a length that is really a body's bytes; or whole \
    frames are waiting in the relay: one read can bring several frames, or a frame and a \
    half, so take out every whole frame the bytes hold before reading again (a loop, not an \
    `if`).";

/// What the test's consumer has received, with the moment each item came.
type Log = Arc<Mutex<Vec<(Instant, Relayed)>>>;

/// How the consumer at the end of `out` behaves.
enum Consumer {
    /// Takes each item as soon as it is sent, into a channel with room for 1024.
    Draining,
    /// Never reads, from a channel with room for one item.
    Stalled,
    /// Has gone before the relay starts: its receiver is dropped.
    Gone,
}

/// A relay under test: on a task of its own, reading one end of a pipe whose other
/// end (`peer`) the test writes.
struct Relay {
    /// The test's end of the connection; `None` once closed.
    peer: Option<DuplexStream>,
    /// The token the relay was given: cancelled by the tests of its stop.
    stop: CancellationToken,
    /// The relay's task, until its outcome has been taken.
    task: Option<JoinHandle<io::Result<()>>>,
    /// What the relay returned, in words, once its outcome has been taken.
    returned_with: Option<String>,
    /// What the relay passed on, as the consumer took it.
    log: Log,
    /// The consumer's task, when it has one: it ends once the relay has returned and
    /// everything sent has been taken.
    consumer: Option<JoinHandle<()>>,
    /// A stalled consumer's receiver, kept alive and never read.
    _stalled: Option<mpsc::Receiver<Relayed>>,
}

impl Relay {
    /// A relay on a wide pipe, whose consumer takes everything at once.
    fn start() -> Self {
        Self::start_with(WIDE_PIPE, Consumer::Draining, PERIOD)
    }

    fn start_with(pipe: usize, consumer: Consumer, period: Duration) -> Self {
        let (peer, reader) = tokio::io::duplex(pipe);
        let stop = CancellationToken::new();
        let log = Log::default();
        let room = match consumer {
            Consumer::Stalled => 1,
            _ => 1024,
        };
        let (out, mut received) = mpsc::channel(room);
        let (consumer, stalled) = match consumer {
            Consumer::Draining => {
                let log = Arc::clone(&log);
                let consumer = tokio::spawn(async move {
                    while let Some(item) = received.recv().await {
                        log.lock().unwrap().push((Instant::now(), item));
                    }
                });
                (Some(consumer), None)
            }
            Consumer::Stalled => (None, Some(received)),
            Consumer::Gone => (None, None),
        };
        let task = tokio::spawn(relay(reader, out, stop.clone(), period));
        Relay {
            peer: Some(peer),
            stop,
            task: Some(task),
            returned_with: None,
            log,
            consumer,
            _stalled: stalled,
        }
    }

    /// Writes `bytes` to the relay's connection.
    async fn send(&mut self, bytes: &[u8]) {
        let peer = self
            .peer
            .as_mut()
            .expect("the test writes before it closes");
        let written = within(
            LIMIT,
            "writing to the relay's connection",
            "the relay stopped reading its connection: is it waiting for something that \
             will never come?",
            peer.write_all(bytes),
        )
        .await;
        if written.is_err() {
            let outcome = self.outcome().await;
            panic!(
                "\nthe relay closed its connection while the test still had bytes to send: \
                 it returned {outcome:?} in the middle of the stream.\nhint: a relay that \
                 reads from the middle of a frame takes its bytes for a length, and finds it \
                 over the limit; look for a read dropped half-way by the select!.\n"
            );
        }
    }

    /// Closes the test's end: the relay's next read finds the end of the stream.
    fn close(&mut self) {
        self.peer = None;
    }

    /// Whether the relay has returned.
    fn returned(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the relay to return, and gives what it returned; a panic in it goes on
    /// here, as it was.
    async fn outcome(&mut self) -> io::Result<()> {
        let task = self.task.take().expect("the outcome is taken once");
        let joined = within(
            LIMIT,
            "relay",
            "it never returned: the test had closed the connection (or cancelled `stop`). \
             Does the loop leave on the end of the stream, read as 0 bytes?",
            task,
        )
        .await;
        let outcome =
            joined.unwrap_or_else(|failed| std::panic::resume_unwind(failed.into_panic()));
        self.returned_with = Some(format!("{outcome:?}"));
        outcome
    }

    /// Gives what the relay returned if it has returned within `limit` of now, or
    /// `None` if it is still running then.
    async fn returns_within(&mut self, limit: Duration) -> Option<io::Result<()>> {
        let task = self.task.as_mut().expect("the outcome is taken once");
        let joined = tokio::time::timeout(limit, task).await.ok()?;
        self.task = None;
        let outcome =
            joined.unwrap_or_else(|failed| std::panic::resume_unwind(failed.into_panic()));
        self.returned_with = Some(format!("{outcome:?}"));
        Some(outcome)
    }

    /// The frames passed on so far, in the order the consumer took them; once the
    /// relay has returned, every frame it sent.
    async fn frames(&mut self) -> Vec<Vec<u8>> {
        if self.returned() {
            if let Some(consumer) = self.consumer.take() {
                let drained = within(
                    LIMIT,
                    "the test's consumer",
                    "the relay returned, and its channel never closed: is a clone of `out` \
                     left somewhere, in a task that runs on?",
                    consumer,
                )
                .await;
                drained.expect("the consumer does not panic");
            }
        }
        let log = self.log.lock().unwrap();
        log.iter()
            .filter_map(|(_, item)| match item {
                Relayed::Frame(body) => Some(body.clone()),
                Relayed::Heartbeat => None,
            })
            .collect()
    }

    /// Heartbeats the consumer took at or after `from` and before `to`.
    fn heartbeats_between(&self, from: Instant, to: Instant) -> usize {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(at, item)| *item == Relayed::Heartbeat && *at >= from && *at < to)
            .count()
    }

    /// When the consumer took its first heartbeat, if it has taken one.
    fn first_heartbeat_at(&self) -> Option<Instant> {
        let log = self.log.lock().unwrap();
        log.iter()
            .find(|(_, item)| *item == Relayed::Heartbeat)
            .map(|(at, _)| *at)
    }

    /// Fails the test with the relay's outcome if it has returned before it should.
    async fn still_running(&mut self, when: &str) {
        if self.returned() && self.task.is_some() {
            let outcome = self.outcome().await;
            panic!(
                "\nthe relay returned {outcome:?} {when}, with the connection open and `stop` \
                 not cancelled: it should still be relaying.\n"
            );
        }
    }
}

/// Fails the test unless the relay has passed on exactly `expected`: `situation` says
/// what the test did, `also` adds what this test is about to the hint.
async fn expect_frames(relay: &mut Relay, expected: &[Vec<u8>], situation: &str, also: &str) {
    let Some((wrong, what)) = difference(expected, &relay.frames().await) else {
        return;
    };
    let (state, failed) = match (relay.task.as_ref(), relay.returned_with.as_ref()) {
        (Some(task), _) if task.is_finished() => match relay.outcome().await {
            Ok(()) => ("the relay had returned Ok(())".to_owned(), false),
            Err(error) => (format!("the relay had returned the error {error:?}"), true),
        },
        (Some(_), _) => ("the relay was still running".to_owned(), false),
        (None, Some(outcome)) => (format!("the relay had returned {outcome}"), false),
        (None, None) => ("the relay had been dropped".to_owned(), false),
    };
    let hint = match wrong {
        Wrong::Missing if !failed => NOT_PASSED_ON,
        Wrong::Missing | Wrong::Garbage => DROPPED_READ,
        Wrong::Misplaced => {
            "each frame goes out once, in the order it came: a frame taken out of the \
             bytes must leave them, and nothing may reorder what is passed on."
        }
        Wrong::Extra => {
            "more frames were passed on than were sent: a piece of a frame passed on as \
             one, or a frame passed on twice."
        }
    };
    panic!("\n{situation}: {what}; {state}.\nhint: {hint}{also}\n");
}

#[test]
fn passes_on_frames_that_arrive_whole() {
    paused(|| async {
        let (bodies, _) = frames_of(&[19, 0, 1, 250, 4000]);
        let mut relay = Relay::start();
        for body in &bodies {
            relay.send(&encode(body)).await;
            tokio::time::sleep(ms(3)).await;
        }
        expect_frames(
            &mut relay,
            &bodies,
            "five frames, each arriving in one piece, 3 ms apart (an empty one among them)",
            " A frame is 4 bytes of length, big-endian, then that many bytes; a length of 0 \
             is a frame with an empty body.",
        )
        .await;
        relay.still_running("after five frames").await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between two frames: the relay should return Ok(())"
        );
    });
}

#[test]
fn frames_that_arrive_together_all_go_out_at_once() {
    paused(|| async {
        let (bodies, stream) = frames_of(&[7, 0, 30, 5, 12]);
        let mut relay = Relay::start();
        relay.send(&stream).await;
        // Less than a period: no tick comes to move a loop that waits for one.
        tokio::time::sleep(ms(1)).await;
        expect_frames(
            &mut relay,
            &bodies,
            "five frames arrived in one write; 1 ms later, with no more bytes to come yet",
            "",
        )
        .await;
        relay.still_running("after five frames").await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames"
        );
    });
}

#[test]
fn frames_split_at_every_byte_arrive_whole() {
    paused(|| async {
        // An empty frame between two others: every byte of a length and of a body,
        // and the boundary between two frames, is somewhere a split can fall.
        let (bodies, stream) = frames_of(&[6, 0, 13]);
        for split in 1..stream.len() {
            let mut relay = Relay::start();
            relay.send(&stream[..split]).await;
            // Two and a half periods: two ticks while part of the stream is in.
            tokio::time::sleep(PERIOD * 5 / 2).await;
            relay.still_running("during the pause").await;
            relay.send(&stream[split..]).await;
            tokio::time::sleep(ms(1)).await;
            let situation = format!(
                "three frames, {} bytes in all, sent in two writes split after byte {split}, \
                 two ticks between them",
                stream.len()
            );
            expect_frames(&mut relay, &bodies, &situation, "").await;
            relay.close();
            assert!(
                relay.outcome().await.is_ok(),
                "split after byte {split}: every frame was whole, then the stream ended \
                 between frames: the relay should return Ok(())"
            );
        }
    });
}

#[test]
fn frames_sent_byte_by_byte_arrive_whole() {
    paused(|| async {
        let (bodies, stream) = frames_of(&[9, 0, 2]);
        let mut relay = Relay::start();
        for byte in &stream {
            relay.send(std::slice::from_ref(byte)).await;
            // A tick between every two bytes.
            tokio::time::sleep(PERIOD + ms(1)).await;
        }
        expect_frames(
            &mut relay,
            &bodies,
            "three frames sent one byte at a time, a tick between each two bytes",
            " A read returns whatever has arrived, one byte or many: a length, too, can \
             come in pieces.",
        )
        .await;
        relay
            .still_running("while the frames came a byte at a time")
            .await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames"
        );
    });
}

/// A reproducible stream of numbers below `bound`, from `seed`.
fn numbers(seed: u64, bound: u64) -> impl Iterator<Item = usize> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        // xorshift64: good enough to scatter sizes and splits.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound).expect("a small number")
    })
}

#[test]
fn many_frames_of_every_size_arrive_whole_and_in_order() {
    paused(|| async {
        // 300 frames from empty to 3 KiB, and one of the largest size allowed.
        let mut sizes: Vec<usize> = numbers(0x5eed, 3001).take(300).collect();
        sizes[0] = 0;
        sizes[150] = MAX_FRAME;
        let (bodies, stream) = frames_of(&sizes);
        // A pipe of 4 KiB: the largest frame can never be in it at once.
        let mut relay = Relay::start_with(4096, Consumer::Draining, PERIOD);
        let mut rest = &stream[..];
        let mut pieces = numbers(7, 5000).zip(numbers(11, 16));
        while !rest.is_empty() {
            let (size, pause) = pieces.next().expect("endless");
            let (piece, after) = rest.split_at((size + 1).min(rest.len()));
            relay.send(piece).await;
            rest = after;
            // From no pause to a period and a half: ticks fall inside many frames.
            tokio::time::sleep(ms(pause as u64)).await;
        }
        tokio::time::sleep(ms(1)).await;
        expect_frames(
            &mut relay,
            &bodies,
            "300 frames from 0 to 3000 bytes and one of MAX_FRAME, in pieces of 1 to 5000 \
             bytes with pauses of up to 15 ms and a tick every 10 ms, through a pipe of 4 KiB",
            " A frame larger than anything one read brings waits across many reads, and \
             many ticks; a frame of exactly MAX_FRAME bytes is allowed.",
        )
        .await;
        relay.still_running("while the frames came").await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames"
        );
    });
}

#[test]
fn a_heartbeat_every_period() {
    paused(|| async {
        let mut relay = Relay::start();
        let started = Instant::now();
        tokio::time::sleep(PERIOD * 10 + ms(5)).await;
        relay.still_running("with nothing arriving").await;
        let beats = relay.heartbeats_between(started, Instant::now());
        let first = relay.first_heartbeat_at();
        assert!(
            beats == 10 && first.is_some_and(|at| at >= started + PERIOD),
            "\nin 105 ms with a period of 10 ms and nothing arriving, the consumer got {beats} \
             heartbeats, the first {}, not 10 from 10 ms on.\nhint: the first heartbeat comes \
             one period after the relay starts, not at once: `tokio::time::interval(period)` \
             ticks the moment it is first polled; `tokio::time::interval_at(Instant::now() + \
             period, period)` ticks once a period from one period on. Each tick sends one \
             Relayed::Heartbeat on `out`.\n",
            match first {
                Some(at) => format!("{} ms after the start", (at - started).as_millis()),
                None => "never".to_owned(),
            }
        );
        relay.stop.cancel();
        assert!(relay.outcome().await.is_ok());
    });
}

#[test]
fn heartbeats_keep_coming_while_a_frame_is_half_read() {
    paused(|| async {
        let frame = encode(&body(1, 100));
        let mut relay = Relay::start();
        // The length and half of the body; the rest ten periods later.
        relay.send(&frame[..54]).await;
        let stalled_at = Instant::now();
        tokio::time::sleep(PERIOD * 10 + ms(5)).await;
        relay.still_running("while a frame was half read").await;
        let beats = relay.heartbeats_between(stalled_at, Instant::now());
        assert!(
            beats >= 10,
            "\nthe peer sent half a frame and paused for 105 ms, a period of 10 ms: the \
             consumer got {beats} heartbeats in that time, not 10. A slow peer silenced the \
             heartbeat.\nhint: the rest of a frame is read in the same select! as the ticker \
             and the stop token, never in a branch's body or after the select! (`read_exact` \
             there waits for the whole frame while nothing else runs).\n"
        );
        relay.send(&frame[54..]).await;
        tokio::time::sleep(ms(1)).await;
        expect_frames(
            &mut relay,
            &[body(1, 100)],
            "half a frame, ten ticks, then the other half",
            "",
        )
        .await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames"
        );
    });
}

#[test]
fn heartbeats_keep_their_period_while_bytes_trickle_in() {
    paused(|| async {
        // 20 bytes, one every half period: the peer is never silent for a whole period.
        let frame = encode(&body(1, 16));
        let mut relay = Relay::start();
        let started = Instant::now();
        for byte in frame.chunks(1) {
            relay.send(byte).await;
            tokio::time::sleep(PERIOD / 2).await;
        }
        tokio::time::sleep(ms(5)).await;
        relay.still_running("while bytes trickled in").await;
        let beats = relay.heartbeats_between(started, Instant::now());
        assert!(
            beats >= 9,
            "\nthe peer sent one byte every 5 ms for 100 ms, with a period of 10 ms: in 105 ms \
             the consumer got {beats} heartbeats, not 10. A peer that sends a little at a \
             time silenced the heartbeat.\nhint: a timer made anew on each turn of the loop \
             (`sleep(period)` as a branch of the select!, or `timeout(period, read)`) starts \
             over at every read, and a peer that sends more often than once a period keeps \
             it from ever running out. Make one ticker before the loop \
             (`tokio::time::interval_at`) and tick it in the select!: its deadlines do not \
             move when other branches win.\n"
        );
        tokio::time::sleep(ms(1)).await;
        expect_frames(
            &mut relay,
            &[body(1, 16)],
            "one frame of 20 bytes on the wire, a byte every 5 ms",
            "",
        )
        .await;
        relay.close();
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames"
        );
    });
}

/// Cancels `stop` and fails the test unless the relay returns `Ok(())` at once.
async fn stop_now(relay: &mut Relay, situation: &str, hint: &str) {
    relay.stop.cancel();
    match relay.returns_within(ms(1)).await {
        Some(Ok(())) => {}
        Some(Err(error)) => panic!(
            "\n`stop` was cancelled {situation}, and the relay returned the error \
             {error:?}: a stop is not a failure, it should return Ok(()).\n"
        ),
        None => panic!(
            "\n`stop` was cancelled {situation}, and 1 ms later the relay was still running: \
             it should return at once.\nhint: {hint}\n"
        ),
    }
}

#[test]
fn stops_at_once_while_a_frame_is_half_read() {
    paused(|| async {
        let frame = encode(&body(1, 40));
        let mut relay = Relay::start();
        relay.send(&frame[..20]).await;
        tokio::time::sleep(PERIOD * 5 / 2).await;
        relay.still_running("while a frame was half read").await;
        stop_now(
            &mut relay,
            "while the peer, silent, had sent half a frame",
            "the stop token is a branch of the same select! as the read, and the read of a \
             frame's rest is in that select!, not after it. Finishing the frame first \
             waits on a peer that may never send it.",
        )
        .await;
        let frames = relay.frames().await;
        assert!(
            frames.is_empty(),
            "half a frame must never be passed on, not even on the way out: {} frames were",
            frames.len()
        );
    });
}

#[test]
fn stops_at_once_when_nothing_arrives() {
    paused(|| async {
        let mut relay = Relay::start();
        tokio::time::sleep(PERIOD * 7 / 2).await;
        relay.still_running("with nothing arriving").await;
        stop_now(
            &mut relay,
            "with nothing arriving",
            "race `stop.cancelled()` against the read and the ticker in the select!, and \
             return when it wins.",
        )
        .await;
    });
}

#[test]
fn stops_at_once_while_its_consumer_is_not_reading() {
    paused(|| async {
        let (_, stream) = frames_of(&[8, 8, 8]);
        let mut relay = Relay::start_with(WIDE_PIPE, Consumer::Stalled, PERIOD);
        relay.send(&stream).await;
        tokio::time::sleep(PERIOD * 2).await;
        relay
            .still_running("while its consumer had stopped reading")
            .await;
        stop_now(
            &mut relay,
            "while `out` was full (a consumer with room for one item, which has stopped \
             reading) and frames were waiting to go",
            "`out.send(item).await` waits for room for as long as it takes: race it against \
             `stop.cancelled()` too. An item not sent because of the stop is not a loss: the \
             relay is stopping.",
        )
        .await;
    });
}

#[test]
fn stops_at_once_while_a_heartbeat_waits_for_room() {
    paused(|| async {
        let mut relay = Relay::start_with(WIDE_PIPE, Consumer::Stalled, PERIOD);
        // No frames: the first heartbeat fills `out`, the second waits for room.
        tokio::time::sleep(PERIOD * 3).await;
        relay
            .still_running("while its consumer had stopped reading")
            .await;
        stop_now(
            &mut relay,
            "while `out` was full (a consumer with room for one item, which has stopped \
             reading), no frame had come and a heartbeat was waiting to go",
            "a heartbeat is sent on `out` like a frame, and `out.send(Relayed::Heartbeat)\
             .await` waits for room for as long as it takes: race every send against \
             `stop.cancelled()`, the heartbeat's too.",
        )
        .await;
    });
}

#[test]
fn returns_ok_when_the_stream_ends_between_frames() {
    paused(|| async {
        let (bodies, stream) = frames_of(&[3, 0]);
        let mut relay = Relay::start();
        relay.send(&stream).await;
        relay.close();
        match relay.returns_within(ms(1)).await {
            Some(Ok(())) => {}
            Some(Err(error)) => panic!(
                "\nthe stream ended just after a whole frame, and the relay returned \
                 {error:?}: an end between frames is how a peer says it is done; return \
                 Ok(()).\nhint: `read_exact` cannot tell that end from a frame cut short (it \
                 fails with UnexpectedEof either way); a read that returns 0 bytes with \
                 nothing left over can. Take out every whole frame already read before \
                 deciding.\n"
            ),
            None => panic!(
                "\nthe stream ended between frames, and 1 ms later the relay was still \
                 running.\nhint: a read that returns Ok(0) means the stream has ended: \
                 return, do not read again.\n"
            ),
        }
        expect_frames(&mut relay, &bodies, "two frames, then the end", "").await;
    });
}

#[test]
fn a_frame_cut_off_by_the_end_is_an_error_and_never_passed_on() {
    paused(|| async {
        let (bodies, stream) = frames_of(&[5, 6]);
        let cut = encode(&body(3, 30));
        // Cut inside the third frame's body, then inside its length.
        for keep in [11, 2] {
            let mut relay = Relay::start();
            relay.send(&stream).await;
            relay.send(&cut[..keep]).await;
            relay.close();
            let outcome = relay.outcome().await;
            let situation =
                format!("two whole frames, then {keep} bytes of a third and the end of the stream");
            match difference(&bodies, &relay.frames().await) {
                Some((Wrong::Extra | Wrong::Garbage, what)) => panic!(
                    "\n{situation}: {what}. Only the two whole frames should go out.\nhint: \
                     at the end of the stream, bytes left over are a frame cut short: an \
                     error, never a frame.\n"
                ),
                Some(_) => expect_frames(&mut relay, &bodies, &situation, "").await,
                None => {}
            }
            assert!(
                outcome.is_err(),
                "\nthe stream ended {keep} bytes into a frame, and the relay returned \
                 Ok(()): a frame cut short is an error (an io::Error of kind UnexpectedEof \
                 says so), or the caller cannot tell it from a clean end.\n"
            );
        }
    });
}

#[test]
fn a_length_over_the_limit_is_refused_as_soon_as_it_is_read() {
    paused(|| async {
        let mut relay = Relay::start();
        let too_long = u32::try_from(MAX_FRAME + 1).expect("the limit fits a u32");
        // The length alone: the body never comes.
        relay.send(&too_long.to_be_bytes()).await;
        match relay.returns_within(ms(1)).await {
            Some(Err(error)) if error.kind() == io::ErrorKind::InvalidData => {}
            Some(outcome) => panic!(
                "\na frame said it was MAX_FRAME + 1 bytes long, and the relay returned \
                 {outcome:?}: it should be an io::Error of kind InvalidData.\n"
            ),
            None => panic!(
                "\na frame said it was MAX_FRAME + 1 bytes long, and 1 ms later the relay \
                 was still running, waiting for its body.\nhint: check the length as soon \
                 as its 4 bytes are in: a peer that sends garbage (or a relay that reads \
                 from the middle of a frame) would otherwise have it wait for, and allocate, \
                 up to 4 GiB.\n"
            ),
        }
        assert!(
            relay.frames().await.is_empty(),
            "nothing of that frame is passed on"
        );
    });
}

#[test]
fn returns_when_its_receiver_is_gone() {
    paused(|| async {
        let mut relay = Relay::start_with(WIDE_PIPE, Consumer::Gone, PERIOD);
        match relay.returns_within(PERIOD * 2 + ms(1)).await {
            Some(Ok(())) => {}
            Some(Err(error)) => panic!(
                "\nthe receiver of `out` was gone, and the relay returned {error:?}: with \
                 nobody to relay to, its work is done; return Ok(()).\n"
            ),
            None => panic!(
                "\nthe receiver of `out` was gone from the start, and two periods later the \
                 relay was still running, with a heartbeat sent (or tried) at each tick.\n\
                 hint: `out.send(..)` fails when the receiver is gone: that error means \
                 return, not `let _ =` and carry on for ever.\n"
            ),
        }
    });
}

#[test]
fn a_relay_dropped_by_its_caller_leaves_nothing_running() {
    paused(|| async {
        let mut relay = Relay::start();
        let frame = encode(&body(1, 40));
        relay.send(&frame[..10]).await;
        tokio::time::sleep(PERIOD * 3 / 2).await;
        relay.still_running("while a frame was half read").await;
        // The caller gives up on it: an aborted connection handler, a timeout around it.
        relay.task.take().expect("running").abort();
        let_tasks_run().await;
        let dropped_at = Instant::now();
        tokio::time::sleep(PERIOD * 5).await;
        let beats = relay.heartbeats_between(dropped_at, Instant::now());
        let closed = relay.consumer.as_ref().is_none_or(JoinHandle::is_finished);
        assert!(
            beats == 0 && closed,
            "\nthe relay's caller dropped it (its task was aborted), and in the five periods \
             after that the consumer got {beats} more heartbeats{}.\nhint: something the \
             relay started runs on without it: a task spawned for the ticker, holding a \
             clone of `out`. Dropping a future cancels what is inside it, not the tasks it \
             spawned. Keep the ticker in the relay's own select!.\n",
            if closed {
                ""
            } else {
                ", and `out` was still open"
            }
        );
    });
}

#[test]
fn frames_survive_a_busy_ticker_on_many_threads() {
    threaded(|| async {
        let sizes: Vec<usize> = numbers(0xbeef, 401).take(2000).collect();
        let (bodies, stream) = frames_of(&sizes);
        // A tick every millisecond of real time, the writer on another worker.
        let mut relay = Relay::start_with(512, Consumer::Draining, ms(1));
        let mut peer = relay.peer.take().expect("just started");
        let writer = tokio::spawn(async move {
            let mut rest = &stream[..];
            for (round, size) in numbers(3, 300).enumerate() {
                if rest.is_empty() {
                    break;
                }
                let (piece, after) = rest.split_at((size + 1).min(rest.len()));
                if peer.write_all(piece).await.is_err() {
                    return;
                }
                rest = after;
                if round % 40 == 0 {
                    tokio::time::sleep(ms(1)).await;
                } else {
                    tokio::task::yield_now().await;
                }
            }
        });
        within(
            LIMIT,
            "writing 2000 frames",
            "the relay stopped reading its connection",
            writer,
        )
        .await
        .expect("the writer does not panic");
        // The writer has closed the connection: the relay ends with the stream.
        within(
            LIMIT,
            "relay, after the stream ended",
            "it never returned: does the loop leave on a read of 0 bytes?",
            async {
                while !relay.returned() {
                    tokio::time::sleep(ms(1)).await;
                }
            },
        )
        .await;
        expect_frames(
            &mut relay,
            &bodies,
            "2000 frames of 0 to 400 bytes, written in pieces from another worker thread, \
             with a tick every millisecond",
            " On many threads a tick lands anywhere in a frame.",
        )
        .await;
        assert!(
            relay.outcome().await.is_ok(),
            "the stream ended between frames: the relay should return Ok(())"
        );
    });
}

/// The relay runs on a task of its own in a server: its future must be `Send`.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn relay_must_be_send_because_it_runs_on_a_task() {
    fn send<T: Send>(_: T) {}
    let (_, reader) = tokio::io::duplex(1);
    let (out, _) = mpsc::channel(1);
    send(relay(reader, out, CancellationToken::new(), PERIOD));
}
