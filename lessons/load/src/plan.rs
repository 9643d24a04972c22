//! The command line: which URL to load, how hard, and the limits that keep a run small.
//!
//! Parsed with clap, like the lessons' own flags. The target must be this machine: the
//! tool exists to load the course's servers, never anyone else's. And a run must end:
//! the counts are capped, every request has a timeout, and a run whose every request
//! could time out must still fit in ten minutes.

use std::ffi::OsString;
use std::fmt;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use reqwest::Url;

/// The most requests one run may send.
pub const MAX_REQUESTS: usize = 100_000;
/// The most requests one run may have in flight.
pub const MAX_CONCURRENCY: usize = 1_000;
/// The longest timeout a single request may have, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 30_000;
/// How long each request may take unless `--timeout-ms` says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 2_000;
/// How long a run may last if every single request times out.
pub const MAX_WORST_CASE: Duration = Duration::from_secs(10 * 60);

/// The hosts a run may target, as `Url` spells them: loopback, nothing else.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// Sends exactly N GET requests to URL, at most C at a time, and sums up the answers.
/// URL must be on this machine: http://127.0.0.1, http://localhost or http://[::1].
#[derive(Debug, Parser)]
#[command(name = "load", disable_version_flag = true)]
struct Args {
    /// Where every GET goes: a loopback http:// URL
    #[arg(value_parser = loopback_url)]
    url: Url,
    /// How many requests to send, 1 to 100000
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_REQUESTS as u64))]
    requests: u64,
    /// How many may be in flight at once, 1 to 1000
    #[arg(long, value_name = "C", value_parser = clap::value_parser!(u64).range(1..=MAX_CONCURRENCY as u64))]
    concurrency: u64,
    /// How long each request may take, 1 to 30000 milliseconds
    #[arg(long, value_name = "T", default_value_t = DEFAULT_TIMEOUT_MS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS))]
    timeout_ms: u64,
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Send the load.
    Run(LoadPlan),
    /// Print this help, and stop.
    Help(String),
}

/// One run, checked: a loopback URL and counts within the limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    /// Where every GET goes.
    pub url: Url,
    /// How many GETs to send in all.
    pub requests: usize,
    /// How many may be in flight at once.
    pub concurrency: usize,
    /// How long each one may take before it counts as a timeout.
    pub timeout: Duration,
}

/// Parses the arguments (without the program name) and checks the run they describe.
/// A refusal is clap's error: print it with `exit()` (status 2).
pub fn parse<I, S>(args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Whoever asks for help gets it, even on a command line that would be refused.
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        return Ok(Command::Help(Args::command().render_help().to_string()));
    }
    let program = std::iter::once(OsString::from("load"));
    let args = match Args::try_parse_from(program.chain(args)) {
        Ok(args) => args,
        Err(error) if error.kind() == ErrorKind::DisplayHelp => {
            return Ok(Command::Help(error.to_string()));
        }
        Err(error) => return Err(error),
    };
    let plan = LoadPlan {
        url: args.url,
        // Both within the ranges above, far below usize::MAX.
        requests: args.requests as usize,
        concurrency: args.concurrency as usize,
        timeout: Duration::from_millis(args.timeout_ms),
    };
    plan.check_worst_case()
        .map_err(|problem| Args::command().error(ErrorKind::ValueValidation, problem))?;
    Ok(Command::Run(plan))
}

impl LoadPlan {
    /// Refuses a run that could go on for too long.
    fn check_worst_case(&self) -> Result<(), String> {
        // Requests go out in waves of `concurrency`; if each one times out, every
        // wave lasts the whole timeout.
        let worst_case = self.timeout * u32::try_from(self.waves()).unwrap_or(u32::MAX);
        if worst_case > MAX_WORST_CASE {
            return Err(format!(
                "this run could last {} s if every request timed out (the limit is {} s): \
                 raise --concurrency, or lower --requests or --timeout-ms",
                worst_case.as_secs(),
                MAX_WORST_CASE.as_secs()
            ));
        }
        Ok(())
    }

    /// How many rounds of `concurrency` requests the run takes.
    fn waves(&self) -> usize {
        self.requests.div_ceil(self.concurrency)
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for LoadPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} GETs to {}, at most {} in flight, each timing out after {} ms",
            self.requests,
            self.url,
            self.concurrency,
            self.timeout_ms()
        )
    }
}

/// Parses `target` and accepts it only if it names this machine, over plain HTTP.
fn loopback_url(target: &str) -> Result<Url, String> {
    let url = Url::parse(target).map_err(|error| format!("not a URL: {error}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "only http:// URLs can be loaded, got {}://",
            url.scheme()
        ));
    }
    // `Url` has already normalised the host: `LOCALHOST` is `localhost`, `[0::1]` is
    // `[::1]`, `127.1` is `127.0.0.1`, so comparing spellings is enough.
    let host = url.host_str().unwrap_or_default();
    if !LOOPBACK_HOSTS.contains(&host) {
        return Err(format!(
            "refusing to load {host:?}: this tool only sends to this machine \
             (127.0.0.1, localhost or [::1])"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<LoadPlan, clap::Error> {
        match parse(args)? {
            Command::Run(plan) => Ok(plan),
            Command::Help(_) => panic!("no help was asked for"),
        }
    }

    fn refusal(args: &[&str]) -> String {
        match run(args) {
            Ok(plan) => panic!("{args:?} should be refused, got {plan:?}"),
            Err(error) => {
                assert_eq!(error.exit_code(), 2, "a refusal is a usage error");
                error.to_string()
            }
        }
    }

    #[test]
    fn a_full_command_line_becomes_a_plan() {
        let plan = run(&[
            "http://127.0.0.1:3000/fanout",
            "--requests",
            "500",
            "--concurrency",
            "50",
            "--timeout-ms",
            "750",
        ])
        .unwrap();
        assert_eq!(plan.url.as_str(), "http://127.0.0.1:3000/fanout");
        assert_eq!((plan.requests, plan.concurrency), (500, 50));
        assert_eq!(plan.timeout, Duration::from_millis(750));
    }

    #[test]
    fn options_may_come_before_the_url_and_the_timeout_has_a_default() {
        let plan = run(&[
            "--concurrency",
            "4",
            "--requests",
            "8",
            "http://localhost:1/",
        ])
        .unwrap();
        assert_eq!((plan.requests, plan.concurrency), (8, 4));
        assert_eq!(plan.timeout, Duration::from_millis(DEFAULT_TIMEOUT_MS));
    }

    #[test]
    fn every_loopback_spelling_is_accepted() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://localhost:8080/x",
            "http://LOCALHOST:8080/",
            "http://[::1]:8080/",
        ] {
            let plan = run(&[url, "--requests", "1", "--concurrency", "1"]);
            assert!(plan.is_ok(), "{url} is this machine: {plan:?}");
        }
    }

    #[test]
    fn any_other_host_is_refused() {
        for url in [
            "http://example.com/",
            "http://10.0.0.1:3000/",
            "http://0.0.0.0:3000/",
            "http://localhost.example.com/",
            "http://[::2]/",
        ] {
            let message = refusal(&[url, "--requests", "1", "--concurrency", "1"]);
            assert!(message.contains("refusing"), "{url}: {message}");
        }
    }

    #[test]
    fn only_plain_http_is_loaded() {
        let message = refusal(&[
            "https://127.0.0.1/",
            "--requests",
            "1",
            "--concurrency",
            "1",
        ]);
        assert!(message.contains("http://"), "{message}");
    }

    #[test]
    fn counts_beyond_the_limits_are_refused() {
        let url = "http://127.0.0.1:1/";
        for (requests, concurrency, expected) in [
            ("100001", "10", "--requests"),
            ("0", "10", "--requests"),
            ("10", "1001", "--concurrency"),
            ("10", "0", "--concurrency"),
        ] {
            let args = [url, "--requests", requests, "--concurrency", concurrency];
            let message = refusal(&args);
            assert!(message.contains(expected), "{args:?}: {message}");
        }
        let message = refusal(&[
            url,
            "--requests",
            "1",
            "--concurrency",
            "1",
            "--timeout-ms",
            "30001",
        ]);
        assert!(message.contains("--timeout-ms"), "{message}");
    }

    #[test]
    fn the_limits_themselves_are_allowed() {
        let max = [
            "http://127.0.0.1:1/",
            "--requests",
            "100000",
            "--concurrency",
            "1000",
        ];
        assert!(run(&max).is_ok());
    }

    #[test]
    fn a_run_that_could_last_too_long_is_refused() {
        // 100 000 requests one at a time, each allowed 2 s: 55 hours if all time out.
        let message = refusal(&[
            "http://127.0.0.1:1/",
            "--requests",
            "100000",
            "--concurrency",
            "1",
        ]);
        assert!(message.contains("could last"), "{message}");
    }

    #[test]
    fn missing_or_malformed_values_are_explained() {
        let url = "http://127.0.0.1:1/";
        let required = "the following required arguments were not provided";
        assert!(refusal(&[url, "--concurrency", "1"]).contains("--requests <N>"));
        assert!(refusal(&[url, "--concurrency", "1"]).contains(required));
        assert!(refusal(&[url, "--requests", "1"]).contains("--concurrency <C>"));
        assert!(refusal(&["--requests", "1", "--concurrency", "1"]).contains("<URL>"));
        assert!(refusal(&[url, "--requests"]).contains("a value is required"));
        let message = refusal(&[url, "--requests", "ten", "--concurrency", "1"]);
        assert!(message.contains("invalid value 'ten'"), "{message}");
        let message = refusal(&[url, "--requests", "-3", "--concurrency", "1"]);
        assert!(message.contains("'-3'"), "{message}");
        assert!(refusal(&[url, "--rps", "5"]).contains("unexpected argument '--rps'"));
        assert!(
            refusal(&[url, url, "--requests", "1", "--concurrency", "1"])
                .contains("unexpected argument")
        );
        assert!(
            refusal(&["not a url", "--requests", "1", "--concurrency", "1"]).contains("not a URL")
        );
    }

    #[test]
    fn help_wins_over_everything_else() {
        for args in [&["--help"][..], &["http://example.com/", "-h"]] {
            let Command::Help(text) = parse(args).unwrap() else {
                panic!("{args:?} asks for help");
            };
            assert!(text.contains("--concurrency <C>"), "{text}");
        }
    }
}
