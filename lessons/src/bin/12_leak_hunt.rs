//! Lesson 12: hunting a leak the way Go's pprof does.
//!
//! Go answers "which goroutines are alive, and where were they started?" with the
//! goroutine dump, and watches `runtime.NumGoroutine` through Prometheus. For tokio:
//! tasks spawned through a registry that knows their names and spawn sites, listed on
//! `/debug/tasks`; the live-task count on `/metrics` in Prometheus's text format; and
//! a diff of two listings, before and after some load, that points at the leak.

use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use lessons::kit::{
    DUMP_BUILD, Flags, Latency, Narrator, Report, Serve, SlowBackend, TaskDump, TaskGauge,
    TaskRegistry, TestServer, burst, ms, run_lesson, task_dump, wait_until,
};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast;
use tokio_metrics::TaskMonitor;

const ABOUT: &str = "Lesson 12: finding a leak with a task listing, a diff, and /metrics";

/// Requests sent to each route under load.
const REQUESTS: usize = 50;

// ANCHOR: app
/// What the handlers share.
#[derive(Clone)]
struct App {
    /// Every task the handlers spawn goes through here, with a name.
    tasks: TaskRegistry,
    db: SlowBackend,
    /// Price updates, for subscribers. Nothing is ever published in this demo.
    updates: broadcast::Sender<String>,
    metrics: Arc<Metrics>,
    /// tokio-metrics' count of one kind of task: the pumps it instrumented, and how
    /// many of those have been dropped (ended).
    pumps: TaskMonitor,
}

/// Renders a report in the background: a task that ends.
async fn report(State(app): State<App>) -> &'static str {
    let db = app.db.clone();
    app.tasks.spawn("render-report", async move {
        db.call("SELECT totals").await;
    });
    "report queued"
}

/// Starts pushing price updates to the caller's session.
async fn subscribe(State(app): State<App>) -> &'static str {
    let mut updates = app.updates.subscribe();
    // LEAK: this task ends only when the updates channel closes, and the app holds its
    // sender for as long as it runs. Nothing ties the task to the subscriber's session.
    let pump = async move {
        while let Ok(update) = updates.recv().await {
            let _ = update; // would be pushed to the subscriber
        }
    };
    app.tasks.spawn("price-pump", app.pumps.instrument(pump));
    "subscribed"
}
// ANCHOR_END: app

// ANCHOR: debug
/// `/debug/tasks`: the live tasks by name and spawn site, the largest group first.
async fn debug_tasks(State(app): State<App>) -> String {
    app.tasks.snapshot().to_string()
}

/// The gauges `/metrics` exports.
struct Metrics {
    registry: Registry,
    /// All live tokio tasks: `runtime.NumGoroutine()`.
    alive_tasks: Gauge<i64, AtomicI64>,
    /// Live tasks per registry name.
    named_tasks: Family<Vec<(String, String)>, Gauge<i64, AtomicI64>>,
    /// Held from reading the figures to encoding them: two scrapes at once must not
    /// see each other's half-updated gauges.
    scraping: Mutex<()>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::default();
        let alive_tasks = Gauge::default();
        let named_tasks = Family::default();
        registry.register("tokio_alive_tasks", "Live tokio tasks", alive_tasks.clone());
        registry.register(
            "named_tasks",
            "Live tasks spawned through the registry, by name",
            named_tasks.clone(),
        );
        Metrics {
            registry,
            alive_tasks,
            named_tasks,
            scraping: Mutex::new(()),
        }
    }
}

/// `/metrics`: read the figures at scrape time, then encode them as Prometheus text.
async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let metrics = &app.metrics;
    // No `.await` below: a std mutex, held for microseconds.
    let _scrape = metrics
        .scraping
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    metrics
        .alive_tasks
        .set(i64::try_from(alive).unwrap_or(i64::MAX));
    // A name with no live task left should be gone, not stuck at its last value.
    metrics.named_tasks.clear();
    for group in app.tasks.snapshot().groups {
        let labels = vec![("name".to_owned(), group.name.to_owned())];
        let count = i64::try_from(group.count).unwrap_or(i64::MAX);
        // Set, never added to: a gauge holds the figure now, whoever read it last.
        metrics.named_tasks.get_or_create(&labels).set(count);
    }
    let mut body = String::new();
    match encode(&mut body, &metrics.registry) {
        Ok(()) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response(),
        Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `/debug/dump`: every live task's trace, where this build has task dumps. Bounded:
/// a dump waits for every worker, and a blocked one would hold it up.
async fn debug_dump() -> String {
    match task_dump(ms(2000)).await {
        TaskDump::Traces(traces) => traces.join("\n"),
        TaskDump::Unsupported(needs) => format!("{needs}: {DUMP_BUILD} -- --serve\n"),
        TaskDump::TimedOut => "no dump within 2 s: a worker is blocked\n".to_owned(),
    }
}
// ANCHOR_END: debug

fn start(flags: &Flags) -> (Router, App) {
    let (updates, _) = broadcast::channel(16);
    let app = App {
        tasks: TaskRegistry::default(),
        db: SlowBackend::new("db", Latency::Fixed(flags.ms(20)), &Narrator::quiet()),
        updates,
        metrics: Arc::new(Metrics::new()),
        pumps: TaskMonitor::new(),
    };
    let router = Router::new()
        .route("/report", get(report))
        .route("/subscribe", get(subscribe))
        .route("/debug/tasks", get(debug_tasks))
        .route("/metrics", get(metrics))
        .route("/debug/dump", get(debug_dump))
        .with_state(app.clone());
    (router, app)
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (router, app) = start(flags);
    let server = TestServer::start(router).await?;

    narrator.scenario("before: take a listing");
    let gauge = TaskGauge::new();
    let before = app.tasks.snapshot();
    narrator.say("tasks", format!("{} live named tasks", before.total()));

    narrator.scenario(format!(
        "load: {REQUESTS} requests to /report and {REQUESTS} to /subscribe"
    ));
    for path in ["/report", "/subscribe"] {
        let answered = burst(&server, path, REQUESTS).await.with_status(200);
        narrator.say("client", format!("{path}: {answered} answers of 200"));
    }
    server.connections_closed(ms(2000)).await;
    // Every report ends once its query has: after that, what is left is left for good.
    let reports_running = || {
        let listing = app.tasks.snapshot();
        listing
            .groups
            .iter()
            .any(|group| group.name == "render-report")
    };
    wait_until(ms(2000), || !reports_running()).await;

    narrator.scenario("after: the listing, and what grew");
    let (_, listing) = server.get("/debug/tasks").await?;
    for line in listing.lines() {
        narrator.say("GET", format!("/debug/tasks  {line}"));
    }
    let grown = app.tasks.snapshot().grown_since(&before);
    for group in &grown {
        narrator.say(
            "diff",
            format!(
                "+{} {} (spawned at {})",
                group.count, group.name, group.spawned_at
            ),
        );
    }
    // The listing's connection, here and in the client, ends first, so the count
    // below is the server's own tasks, the leak and this scrape's connection.
    server.connections_closed(ms(2000)).await;
    // Connection tasks, the server's and the client's, end a moment after the socket.
    wait_until(ms(2000), || {
        gauge.above_baseline() <= app.tasks.snapshot().total()
    })
    .await;
    let (_, exported) = server.get("/metrics").await?;
    let alive_line = exported
        .lines()
        .find(|line| line.starts_with("tokio_alive_tasks "))
        .unwrap_or("tokio_alive_tasks ?");
    narrator.say("GET", format!("/metrics  {alive_line}"));
    let metrics_alive_tasks = alive_line.rsplit(' ').next().unwrap_or("?").to_owned();
    // ANCHOR: monitor
    let pumps = app.pumps.cumulative();
    let live_pumps = pumps.instrumented_count - pumps.dropped_count;
    narrator.say(
        "monitor",
        format!(
            "price-pump: {} instrumented, {} dropped, {live_pumps} alive",
            pumps.instrumented_count, pumps.dropped_count
        ),
    );
    // ANCHOR_END: monitor

    // ANCHOR: dump
    narrator.scenario("a task dump: where each live task is waiting");
    let dump = task_dump(ms(2000)).await;
    let dumped_pumps = dump.through("subscribe").count();
    match &dump {
        TaskDump::Traces(traces) => {
            narrator.say(
                "dump",
                format!(
                    "{} tasks; {dumped_pumps} wait inside subscribe's pump, the first:",
                    traces.len()
                ),
            );
            let first = dump.through("subscribe").next().map_or("", String::as_str);
            for line in first.lines() {
                narrator.say("dump", line);
            }
        }
        TaskDump::Unsupported(needs) => {
            narrator.say("dump", format!("not in this build: {needs}"));
            narrator.say("dump", format!("to see one: {DUMP_BUILD}"));
        }
        TaskDump::TimedOut => narrator.say("dump", "no dump within 2 s: a worker is blocked"),
    }
    // ANCHOR_END: dump

    server.shutdown().await?;
    let leaking = grown.first();
    let report = Report::new()
        .with("requests", 2 * REQUESTS)
        .with("leaking_task", leaking.map_or("none", |group| group.name))
        .with("leaked_tasks", leaking.map_or(0, |group| group.count))
        .with("grown_groups", grown.len())
        .with("metrics_alive_tasks", metrics_alive_tasks)
        .with("monitor_live_pumps", live_pumps);
    // Only a build with task dumps has this figure: the others print how to get one.
    Ok(match dump {
        TaskDump::Traces(_) => report.with("dump_pumps", dumped_pumps),
        _ => report,
    })
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, _| Serve {
        router: start(flags).0,
        routes: vec![
            "/report",
            "/subscribe",
            "/debug/tasks",
            "/debug/dump",
            "/metrics",
        ],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn scrapes_at_once_never_count_a_task_twice() {
        let (router, app) = start(&Flags::for_test(7));
        let server = TestServer::start(router).await.unwrap();
        for _ in 0..5 {
            server.get("/subscribe").await.unwrap();
        }
        let scrapes = (0..200).map(|_| server.get("/metrics"));
        for scrape in futures::future::join_all(scrapes).await {
            let (_, text) = scrape.unwrap();
            let pumps = text
                .lines()
                .find(|line| line.starts_with("named_tasks{name=\"price-pump\"}"))
                .and_then(|line| line.rsplit(' ').next())
                .unwrap_or("missing");
            assert_eq!(pumps, "5", "{text}");
        }
        drop(app);
        server.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn the_diff_points_at_the_leaking_spawn() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.get("leaking_task"), Some("price-pump"), "{report}");
        assert_eq!(report.number("leaked_tasks"), REQUESTS as u64, "{report}");
        assert_eq!(report.number("grown_groups"), 1, "reports finish: {report}");
        assert_eq!(
            report.number("monitor_live_pumps"),
            REQUESTS as u64,
            "tokio-metrics counts the same leak: {report}"
        );
        assert!(
            report.number("metrics_alive_tasks") >= REQUESTS as u64,
            "{report}"
        );
    }
}
