//! `load`: sends a fixed number of GETs to one of the course's servers, a bounded
//! number at a time, and sums up what came back.
//!
//! The lessons' `--serve` servers are there to be put under load: a leaky one climbs in
//! tasks and memory, a fixed one comes back to its baseline. `scripts/load` starts a
//! lesson, reads its `/debug/stats`, runs this tool, and reads them again.
//!
//! Every run is small and finite by construction: loopback only, at most 100 000
//! requests and 1 000 in flight, each with a timeout (see `plan.rs`).
//!
//! * `plan.rs`: the command line, and the limits that keep a run small.
//! * `send.rs`: the requests themselves, and what became of each.
//! * `summary.rs`: counts, latency percentiles and the final `load:` line.

mod plan;
mod send;
mod summary;

use anyhow::{Result, ensure};

use plan::Command;
use summary::Summary;

#[tokio::main]
async fn main() -> Result<()> {
    let plan = match plan::parse(std::env::args_os().skip(1)) {
        Ok(Command::Run(plan)) => plan,
        Ok(Command::Help(text)) => {
            print!("{text}");
            return Ok(());
        }
        // A refused run is a usage error, like the lessons' bad flags: status 2.
        Err(refused) => refused.exit(),
    };
    println!("{plan}");
    let run = send::send_all(&plan).await?;
    let summary = Summary::new(&run);
    print!("{summary}");
    ensure!(
        summary.answered > 0,
        "not one request was answered: is a server listening on {}?",
        plan.url
    );
    Ok(())
}
