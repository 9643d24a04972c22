//! The frame every lesson's `main` shares: read the flags, introduce the run, play
//! the demo, print the `result:` line, and, with `--serve`, keep a server up.

use axum::Router;
use axum::routing::get;
use futures::future::BoxFuture;

use super::{Flags, Narrator, Report, TestServer};

/// What a lesson keeps up under `--serve`: its router, the routes worth calling
/// (printed as `curl` commands), and, for a fixed lesson, its graceful shutdown.
pub struct Serve {
    pub router: Router,
    pub routes: Vec<&'static str>,
    /// Run on Ctrl-C (or SIGTERM) once the server has stopped taking requests: the
    /// lesson's own shutdown (flush the logger, stop the workers), which says in one
    /// line what it did.
    pub on_shutdown: Option<OnShutdown>,
}

/// A lesson's graceful shutdown, for [`Serve::on_shutdown`].
pub type OnShutdown = Box<dyn FnOnce() -> BoxFuture<'static, String> + Send>;

/// Runs a lesson: `about` is its one-line title, `demo` plays it and returns the
/// measured figures, `serve` builds what `--serve` keeps up afterwards.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use lessons::kit::{Flags, Narrator, Report, Serve, run_lesson};
///
/// async fn demo(_flags: &Flags, narrator: &Narrator) -> anyhow::Result<Report> {
///     narrator.say("main", "nothing happens");
///     Ok(Report::new().with("events", 1))
/// }
///
/// #[tokio::main]
/// async fn main() -> anyhow::Result<()> {
///     run_lesson("Lesson 99: an example", demo, |_, _| Serve {
///         router: Router::new().route("/", get(|| async { "hi" })),
///         routes: vec!["/"],
///         on_shutdown: None,
///     })
///     .await
/// }
/// ```
pub async fn run_lesson(
    about: &str,
    demo: impl AsyncFnOnce(&Flags, &Narrator) -> anyhow::Result<Report>,
    serve: impl FnOnce(&Flags, &Narrator) -> Serve,
) -> anyhow::Result<()> {
    let flags = Flags::from_env(about);
    super::trace::init();
    let narrator = Narrator::new();
    narrator.intro(about, flags.seed);
    let report = demo(&flags, &narrator).await?;
    narrator.result(&report);
    if flags.serve {
        let Serve {
            router,
            mut routes,
            on_shutdown,
        } = serve(&flags, &narrator);
        routes.push(STATS_ROUTE);
        let router = router.route(STATS_ROUTE, get(stats));
        // A lesson's demo may run on one thread, so that its counts never depend on
        // the machine; a server under a load tool wants every core. It gets a
        // multi-thread runtime of its own (measured in scripts/bench-coalesce: at 1,000
        // connections, lesson 10's p50 went from 22 ms to 2.5 ms over its backend).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let serving = runtime.spawn({
            let narrator = narrator.clone();
            async move {
                let server = TestServer::start(router).await?;
                server.serve_until_ctrl_c(&narrator, &routes).await
            }
        });
        let served = serving.await;
        runtime.shutdown_background();
        served??;
        if let Some(shutdown) = on_shutdown {
            narrator.say("main", shutdown().await);
        }
    }
    Ok(())
}

/// Under `--serve`, every lesson also answers here with its live figures, so that a
/// load tool's run can be judged from outside (`scripts/load` reads it).
pub const STATS_ROUTE: &str = "/debug/stats";

/// `alive_tasks=N heap_bytes=M`: the server's tasks and heap, now.
async fn stats() -> String {
    let alive_tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    format!(
        "alive_tasks={alive_tasks} heap_bytes={}\n",
        super::heap_bytes()
    )
}
