//! The last scene: the server is told to stop, the way Kubernetes tells a pod, while
//! requests are under way, lines wait in its logger and its workers run. The fixed
//! server stops accepting, lets the requests finish up to a deadline, cuts the rest,
//! stops its workers, flushes its log and exits with nothing left; the broken one exits.
//!
//! The server's process is played by a tokio runtime of its own, on a thread of its
//! own: when the server's `main` returns, the runtime is dropped with every task still
//! on it, as a process's exit ends its threads and the OS closes their connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lessons::kit::{Flags, InFlight, Narrator, Report, TaskGauge, ms, wait_until};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The requests under way when the signal comes, by how long each takes, in ms: three
/// end well inside the drain deadline, two far beyond it.
const REQUESTS_MS: [u64; 5] = [300, 400, 500, 4000, 6000];

/// How long the requests under way at the signal may take to finish. Kubernetes gives
/// a pod 30 s by default, then sends SIGKILL; a server's own deadline must come first.
fn drain_deadline(flags: &Flags) -> Duration {
    flags.ms(1000)
}

/// How often the logger writes its batch out: far longer than the scene, so that every
/// line logged before the signal is still in the process's memory when it comes.
fn log_batch_every(flags: &Flags) -> Duration {
    flags.ms(10_000)
}

/// Workers running beside the handlers.
const WORKERS: usize = 2;

// ANCHOR: logger
/// The handlers' side of the logger. A line goes into a queue; a writer task gathers
/// the lines into a batch and writes it out every few seconds, as log shippers do.
/// Between two writes, the lines exist only in this process's memory.
#[derive(Clone)]
struct Logger {
    lines: mpsc::Sender<String>,
    /// Lines handed to the logger so far.
    logged: Arc<AtomicUsize>,
}

impl Logger {
    fn log(&self, line: String) {
        if self.lines.try_send(line).is_ok() {
            self.logged.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The writer's side: its task, what tells it to flush, and what it has written.
struct LogWriter {
    task: JoinHandle<()>,
    /// Cancelled to flush: the writer takes every line left in the queue, writes the
    /// batch and ends.
    flush: CancellationToken,
    /// Lines written out so far.
    written: Arc<AtomicUsize>,
}

fn start_logger(every: Duration) -> (Logger, LogWriter) {
    let (lines, mut queue) = mpsc::channel::<String>(1024);
    let (flush, written) = (CancellationToken::new(), Arc::new(AtomicUsize::new(0)));
    let task = tokio::spawn({
        let (flush, written) = (flush.clone(), written.clone());
        async move {
            let mut batch = Vec::new();
            let mut tick = tokio::time::interval_at(Instant::now() + every, every);
            loop {
                tokio::select! {
                    () = flush.cancelled() => break,
                    Some(line) = queue.recv() => batch.push(line),
                    _ = tick.tick() => write_out(&mut batch, &written).await,
                }
            }
            // No line gets in from now on; every line already queued gets out.
            queue.close();
            while let Some(line) = queue.recv().await {
                batch.push(line);
            }
            write_out(&mut batch, &written).await;
        }
    });
    let logger = Logger {
        lines,
        logged: Arc::default(),
    };
    let writer = LogWriter {
        task,
        flush,
        written,
    };
    (logger, writer)
}

impl LogWriter {
    /// Flushes, waiting at most `within`; returns the lines the flush wrote.
    async fn flush(self, within: Duration) -> usize {
        let before = self.written.load(Ordering::SeqCst);
        self.flush.cancel();
        let _ = timeout(within, self.task).await;
        self.written.load(Ordering::SeqCst) - before
    }
}
// ANCHOR_END: logger

/// Writes a batch to the log's destination: here it takes a moment and is counted.
async fn write_out(batch: &mut Vec<String>, written: &AtomicUsize) {
    if batch.is_empty() {
        return;
    }
    tokio::time::sleep(ms(5)).await;
    written.fetch_add(batch.len(), Ordering::SeqCst);
    batch.clear();
}

/// Starts the workers on `tracker`: each does a small job every `every` until `stop`,
/// then logs that it stopped.
fn start_workers(tracker: &TaskTracker, stop: &CancellationToken, log: &Logger, every: Duration) {
    for n in 1..=WORKERS {
        let (stop, log) = (stop.clone(), log.clone());
        tracker.spawn(async move {
            while stop
                .run_until_cancelled(tokio::time::sleep(every))
                .await
                .is_some()
            {}
            log.log(format!("worker {n} stopped"));
        });
    }
    tracker.close();
}

/// What every handler shares.
#[derive(Clone)]
struct App {
    log: Logger,
    /// Requests being handled now.
    under_way: InFlight,
}

/// A request that takes `ms` milliseconds: an upload, a report, a slow query.
async fn work(State(app): State<App>, Path(ms): Path<u64>) -> &'static str {
    let _counted = app.under_way.enter();
    app.log.log(format!("GET /work/{ms} started"));
    tokio::time::sleep(Duration::from_millis(ms)).await;
    app.log.log(format!("GET /work/{ms} answered"));
    "done\n"
}

// ANCHOR: cut
/// What cuts the requests still running at the drain deadline.
#[derive(Clone)]
struct Cut {
    /// Cancelled at the deadline.
    token: CancellationToken,
    /// Requests cut so far.
    count: Arc<AtomicUsize>,
    log: Logger,
}

/// Runs a request until it ends or the cut comes, whichever is first. A request cut
/// is dropped (its handler stops at its next `.await`) and its client told 503, which
/// a client or a load balancer retries elsewhere; and its connection can then close,
/// which is what lets the server's drain end.
async fn cut_at_deadline(State(cut): State<Cut>, request: Request, next: Next) -> Response {
    match cut.token.run_until_cancelled(next.run(request)).await {
        Some(response) => response,
        None => {
            cut.count.fetch_add(1, Ordering::SeqCst);
            cut.log
                .log("a request cut at the drain deadline".to_owned());
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting down: try again\n",
            )
                .into_response()
        }
    }
}
// ANCHOR_END: cut

/// A server's parts, started on its process's runtime.
struct Server {
    listener: TcpListener,
    router: Router,
    log: Logger,
    writer: LogWriter,
    workers: TaskTracker,
    /// Cancelled to stop the workers.
    stop_workers: CancellationToken,
    under_way: InFlight,
    /// The process's live tasks, against none.
    gauge: TaskGauge,
    narrator: Narrator,
}

/// What the server's process had done when it exited, as its own counters tell.
#[derive(Debug, Default)]
struct Exit {
    /// Requests being handled when the signal came.
    in_flight_at_signal: usize,
    /// Workers that had ended by the exit.
    workers_stopped: usize,
    /// Lines the logger wrote when it was flushed.
    lines_flushed: usize,
    /// Lines logged and never written: the exit loses them.
    lines_lost: usize,
    /// Tasks still on the runtime when `main` returned: the exit drops them.
    tasks_at_exit: usize,
    /// From the signal to the exit.
    exit_after: Duration,
}

// ANCHOR: graceful
/// The fixed server: serves until the signal, then shuts down step by step, each step
/// bounded, so that the whole shutdown fits in the time the orchestrator allows.
async fn serve_then_shut_down(server: Server, signal: StopSignal, drain: Duration) -> Result<Exit> {
    let Server {
        listener,
        router,
        log,
        writer,
        workers,
        stop_workers,
        under_way,
        gauge,
        narrator,
    } = server;
    let cut = Cut {
        token: CancellationToken::new(),
        count: Arc::default(),
        log: log.clone(),
    };
    let router = router.layer(middleware::from_fn_with_state(cut.clone(), cut_at_deadline));
    // Cancelled at the signal: axum then stops accepting (it drops the listener) and
    // lets each open connection finish the request it is serving, then close.
    let stopping = CancellationToken::new();
    let serving = axum::serve(listener, router)
        .with_graceful_shutdown(stopping.clone().cancelled_owned())
        .into_future();
    let mut serving = std::pin::pin!(serving);
    let which = tokio::select! {
        which = signal.received() => which,
        ended = &mut serving => return Err(anyhow!("the server stopped by itself: {ended:?}")),
    };
    stopping.cancel();
    let signalled = Instant::now();
    let in_flight_at_signal = under_way.now();
    narrator.say(
        "server",
        format!("{which}: no new connections; {in_flight_at_signal} requests under way"),
    );

    // The drain: the requests under way may finish until the deadline; then the rest
    // are cut, and the connections they held close.
    if timeout(drain, &mut serving).await.is_err() {
        cut.token.cancel();
        let _ = timeout(drain, &mut serving).await;
    }
    let cut = cut.count.load(Ordering::SeqCst);
    narrator.say(
        "server",
        format!("drained; {cut} requests cut at the deadline"),
    );

    // The workers: the token ends them, the tracker tells when they all have.
    stop_workers.cancel();
    let _ = timeout(drain, workers.wait()).await;
    let workers_stopped = WORKERS - workers.len();

    // The logger last: every step before it may still log.
    let lines_flushed = writer.flush(drain).await;
    narrator.say(
        "server",
        format!("{workers_stopped} workers stopped, {lines_flushed} log lines flushed"),
    );

    // Exit once nothing is left running: then the exit drops nothing.
    let tasks_at_exit = gauge.settle(drain).await;
    Ok(Exit {
        in_flight_at_signal,
        workers_stopped,
        lines_flushed,
        tasks_at_exit,
        exit_after: signalled.elapsed(),
        ..Exit::default()
    })
}
// ANCHOR_END: graceful

// ANCHOR: abrupt
/// The broken server: serves until the signal, then returns from `main`, and the
/// process ends where it stands. One that does nothing about SIGTERM gets the same from
/// the signal's default action.
async fn serve_until_signal(server: Server, signal: StopSignal) -> Result<Exit> {
    let serving = axum::serve(server.listener, server.router).into_future();
    let which = tokio::select! {
        which = signal.received() => which,
        ended = serving => return Err(anyhow!("the server stopped by itself: {ended:?}")),
    };
    // Nothing else: the requests under way, the log's batch and the workers stay as
    // they are, and the exit drops them.
    let lines_lost =
        server.log.logged.load(Ordering::SeqCst) - server.writer.written.load(Ordering::SeqCst);
    let in_flight_at_signal = server.under_way.now();
    server.narrator.say(
        "server",
        format!("{which}: exit at once; {in_flight_at_signal} requests under way"),
    );
    Ok(Exit {
        in_flight_at_signal,
        lines_lost,
        tasks_at_exit: server.gauge.above_baseline(),
        workers_stopped: WORKERS - server.workers.len(),
        ..Exit::default()
    })
}
// ANCHOR_END: abrupt

// ANCHOR: signal
/// What tells the server to stop: on Unix, SIGTERM, what `kill` and Kubernetes send.
/// Elsewhere there is no SIGTERM, and the lesson cancels a token instead; so do the
/// binary's own tests, which run in the test harness's process, where a SIGTERM would
/// reach every test at once.
struct StopSignal {
    #[cfg(all(unix, not(test)))]
    terminate: tokio::signal::unix::Signal,
    #[cfg(any(not(unix), test))]
    token: CancellationToken,
    /// Cancelled once the signal is received, for the lesson's clients to see.
    heard: CancellationToken,
}

/// The lesson's way of sending that signal to the server.
struct SendStop {
    #[cfg(any(not(unix), test))]
    token: CancellationToken,
}

impl StopSignal {
    /// Listens from now on. Until a process listens for SIGTERM, the signal's default
    /// action applies: the process ends at once.
    fn listen() -> Result<(StopSignal, SendStop)> {
        #[cfg(all(unix, not(test)))]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
            let heard = CancellationToken::new();
            Ok((StopSignal { terminate, heard }, SendStop {}))
        }
        #[cfg(any(not(unix), test))]
        {
            let (token, heard) = (CancellationToken::new(), CancellationToken::new());
            let send = SendStop {
                token: token.clone(),
            };
            Ok((StopSignal { token, heard }, send))
        }
    }

    /// Waits for the signal; returns its name.
    async fn received(self) -> &'static str {
        #[cfg(all(unix, not(test)))]
        let which = {
            let mut terminate = self.terminate;
            terminate.recv().await;
            "SIGTERM"
        };
        #[cfg(any(not(unix), test))]
        let which = {
            self.token.cancelled().await;
            "the stop token (in place of SIGTERM)"
        };
        self.heard.cancel();
        which
    }
}

impl SendStop {
    /// On Unix, `kill -TERM` with this process's own id, as an orchestrator would.
    async fn send(&self) -> Result<()> {
        #[cfg(all(unix, not(test)))]
        {
            let status = tokio::process::Command::new("kill")
                .args(["-TERM", &std::process::id().to_string()])
                .status()
                .await
                .context("running kill")?;
            anyhow::ensure!(status.success(), "kill -TERM failed: {status}");
        }
        #[cfg(any(not(unix), test))]
        self.token.cancel();
        Ok(())
    }
}
// ANCHOR_END: signal

/// Which `main` the server's process runs.
#[derive(Clone, Copy)]
enum Ending {
    Graceful,
    Abrupt,
}

/// What the lesson, outside the server's process, gets once the server is up.
struct Ready {
    addr: SocketAddr,
    under_way: InFlight,
    /// Cancelled once the server has received the signal.
    heard: CancellationToken,
    send_stop: SendStop,
}

/// Starts the server's process: a runtime of its own on a thread of its own, running
/// the `ending`'s `main`. The runtime is dropped when `main` returns: the exit.
fn start_process(
    flags: &Flags,
    narrator: &Narrator,
    ending: Ending,
) -> (
    oneshot::Receiver<Ready>,
    std::thread::JoinHandle<Result<Exit>>,
) {
    let (ready_tx, ready_rx) = oneshot::channel();
    let (flags, narrator) = (flags.clone(), narrator.clone());
    let process = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let exit = runtime.block_on(async move {
            let gauge = TaskGauge::new();
            // Listening comes first: a SIGTERM before it would end the whole lesson.
            let (signal, send_stop) = StopSignal::listen()?;
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let (log, writer) = start_logger(log_batch_every(&flags));
            let (workers, stop_workers) = (TaskTracker::new(), CancellationToken::new());
            start_workers(&workers, &stop_workers, &log, flags.ms(20));
            let under_way = InFlight::default();
            let app = App {
                log: log.clone(),
                under_way: under_way.clone(),
            };
            let ready = Ready {
                addr: listener.local_addr()?,
                under_way: under_way.clone(),
                heard: signal.heard.clone(),
                send_stop,
            };
            let server = Server {
                listener,
                router: Router::new().route("/work/{ms}", get(work)).with_state(app),
                log,
                writer,
                workers,
                stop_workers,
                under_way,
                gauge,
                narrator,
            };
            if ready_tx.send(ready).is_err() {
                return Err(anyhow!("the lesson stopped waiting for the server"));
            }
            match ending {
                Ending::Graceful => {
                    serve_then_shut_down(server, signal, drain_deadline(&flags)).await
                }
                Ending::Abrupt => serve_until_signal(server, signal).await,
            }
        });
        // The exit: every task still on the runtime is dropped here.
        drop(runtime);
        exit
    });
    (ready_rx, process)
}

/// What a client got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 200, the whole body.
    Answered,
    /// 503: cut at the deadline.
    Cut,
    /// No answer: the connection was refused or closed.
    ConnectionError,
    /// Any other status.
    Other,
}

async fn call(client: reqwest::Client, url: String) -> Answer {
    let Ok(response) = client.get(url).send().await else {
        return Answer::ConnectionError;
    };
    let status = response.status();
    if response.bytes().await.is_err() {
        return Answer::ConnectionError;
    }
    match status {
        reqwest::StatusCode::OK => Answer::Answered,
        reqwest::StatusCode::SERVICE_UNAVAILABLE => Answer::Cut,
        _ => Answer::Other,
    }
}

/// One run: the server's process starts, the requests go in, the signal is sent once
/// all of them are under way, and a late client tries to connect during the drain.
/// Returns what the clients got, whether the late one was refused, and the exit.
async fn run(
    flags: &Flags,
    narrator: &Narrator,
    ending: Ending,
) -> Result<(Vec<Answer>, bool, Exit)> {
    let (ready, process) = start_process(flags, narrator, ending);
    let Ok(ready) = ready.await else {
        let ended = tokio::task::spawn_blocking(move || process.join()).await?;
        return Err(match ended {
            Ok(Err(error)) => error.context("starting the server's process"),
            _ => anyhow!("the server's process ended before it was up"),
        });
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(flags.ms(20_000))
        .build()
        .context("a plain-HTTP client always builds")?;
    let requests: Vec<_> = REQUESTS_MS
        .iter()
        .map(|&length| {
            let url = format!(
                "http://{}/work/{}",
                ready.addr,
                flags.ms(length).as_millis()
            );
            tokio::spawn(call(client.clone(), url))
        })
        .collect();
    let all_in = wait_until(flags.ms(2000), || {
        ready.under_way.now() == REQUESTS_MS.len()
    })
    .await;
    anyhow::ensure!(all_in, "the requests never got under way");
    ready.send_stop.send().await?;
    // A client that comes during the drain.
    let late = matches!(ending, Ending::Graceful).then(|| {
        let (client, heard) = (client.clone(), ready.heard.clone());
        let url = format!("http://{}/work/0", ready.addr);
        let drain_started = flags.ms(50);
        tokio::spawn(async move {
            heard.cancelled().await;
            tokio::time::sleep(drain_started).await;
            client.get(url).send().await.is_err_and(|e| e.is_connect())
        })
    });
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        answers.push(request.await?);
    }
    let refused = match late {
        Some(late) => late.await?,
        None => false,
    };
    let exit = tokio::task::spawn_blocking(move || process.join())
        .await?
        .map_err(|_| anyhow!("the server's process panicked"))??;
    Ok((answers, refused, exit))
}

fn count(answers: &[Answer], which: Answer) -> usize {
    answers.iter().filter(|answer| **answer == which).count()
}

/// The scene: the fixed server told to stop, then the broken one; their figures are
/// added to `report`.
pub async fn play(flags: &Flags, narrator: &Narrator, report: Report) -> Result<Report> {
    let drain = drain_deadline(flags);
    narrator.scenario(format!(
        "SIGTERM with {} requests under way: stop accepting, drain for {} ms, cut the rest, \
         stop the workers, flush the log",
        REQUESTS_MS.len(),
        drain.as_millis()
    ));
    let (answers, refused, exit) = run(flags, narrator, Ending::Graceful).await?;
    let (answered, cut) = (
        count(&answers, Answer::Answered),
        count(&answers, Answer::Cut),
    );
    narrator.say(
        "client",
        format!(
            "{answered} answered after the signal, {cut} told 503, a late client {}",
            if refused { "refused" } else { "let in" }
        ),
    );
    narrator.say(
        "main",
        format!(
            "exit {} ms after the signal, {} tasks left to drop",
            exit.exit_after.as_millis(),
            exit.tasks_at_exit
        ),
    );
    let report = report
        .with("in_flight_at_signal", exit.in_flight_at_signal)
        .with("answered_after_signal", answered)
        .with("cut_at_deadline", cut)
        .with("refused_during_drain", usize::from(refused))
        .with("workers_stopped", exit.workers_stopped)
        .with("lines_flushed", exit.lines_flushed)
        .with("tasks_left", exit.tasks_at_exit)
        .with("exit_ms", exit.exit_after.as_millis());

    narrator.scenario("the same signal to a server that exits at once");
    let (answers, _, exit) = run(flags, narrator, Ending::Abrupt).await?;
    let (answered, errors) = (
        count(&answers, Answer::Answered),
        count(&answers, Answer::ConnectionError),
    );
    narrator.say(
        "client",
        format!("{answered} answered after the signal, {errors} connection errors"),
    );
    narrator.say(
        "main",
        format!(
            "exit at the signal: {} tasks dropped, {} log lines lost, {} workers stopped",
            exit.tasks_at_exit, exit.lines_lost, exit.workers_stopped
        ),
    );
    Ok(report
        .with("abrupt_answered_after_signal", answered)
        .with("abrupt_connection_errors", errors)
        .with("abrupt_lines_lost", exit.lines_lost)
        .with("abrupt_tasks_dropped", exit.tasks_at_exit))
}
