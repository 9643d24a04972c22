//! The command line: which URL to load, how hard, and the limits that keep a run small.
//!
//! Parsed with the standard library alone, like the lessons' own flags. The target must
//! be this machine: the tool exists to load the course's servers, never anyone else's.
//! And a run must end: the counts are capped, every request has a timeout, and a run
//! whose every request could time out must still fit in ten minutes.

use std::ffi::OsStr;
use std::fmt;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use reqwest::Url;

pub const USAGE: &str = "\
usage: load URL --requests N --concurrency C [--timeout-ms T]

Sends exactly N GET requests to URL, at most C at a time, and sums up the answers.
URL must be on this machine: http://127.0.0.1, http://localhost or http://[::1].

options:
  --requests N      how many requests to send, 1 to 100000
  --concurrency C   how many may be in flight at once, 1 to 1000
  --timeout-ms T    how long each request may take, 1 to 30000 (default 2000)
  --help            print this help";

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

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Send the load.
    Run(LoadPlan),
    /// Print the usage and stop.
    Help,
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
pub fn parse<I, S>(args: I) -> Result<Command>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args = args
        .into_iter()
        .map(|arg| utf8(arg.as_ref()).map(str::to_owned))
        .collect::<Result<Vec<_>>>()?;
    // Whoever asks for help gets it, even on a command line that would be refused.
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        return Ok(Command::Help);
    }
    let mut url = None;
    let mut requests = None;
    let mut concurrency = None;
    let mut timeout_ms = DEFAULT_TIMEOUT_MS;
    let mut args = args.iter().map(String::as_str);
    while let Some(arg) = args.next() {
        match arg {
            "--requests" => requests = Some(number(&mut args, "--requests")?),
            "--concurrency" => concurrency = Some(number(&mut args, "--concurrency")?),
            "--timeout-ms" => timeout_ms = number(&mut args, "--timeout-ms")?,
            flag if flag.starts_with('-') => bail!("unknown option {flag}"),
            target => {
                ensure!(url.is_none(), "one URL only, got a second: {target}");
                url = Some(loopback_url(target)?);
            }
        }
    }
    let plan = LoadPlan {
        url: url.context(
            "which URL? e.g. load http://127.0.0.1:3000/ --requests 100 --concurrency 10",
        )?,
        requests: usize::try_from(requests.context("--requests N is required")?)?,
        concurrency: usize::try_from(concurrency.context("--concurrency C is required")?)?,
        timeout: Duration::from_millis(timeout_ms),
    };
    plan.check_bounds()?;
    Ok(Command::Run(plan))
}

impl LoadPlan {
    /// Refuses a run that would be too big or could go on for too long.
    fn check_bounds(&self) -> Result<()> {
        ensure!(
            (1..=MAX_REQUESTS).contains(&self.requests),
            "--requests must be from 1 to {MAX_REQUESTS}, got {}",
            self.requests
        );
        ensure!(
            (1..=MAX_CONCURRENCY).contains(&self.concurrency),
            "--concurrency must be from 1 to {MAX_CONCURRENCY}, got {}",
            self.concurrency
        );
        ensure!(
            (1..=MAX_TIMEOUT_MS).contains(&self.timeout_ms()),
            "--timeout-ms must be from 1 to {MAX_TIMEOUT_MS}, got {}",
            self.timeout_ms()
        );
        // Requests go out in waves of `concurrency`; if each one times out, every
        // wave lasts the whole timeout.
        let worst_case = self.timeout * u32::try_from(self.waves()).unwrap_or(u32::MAX);
        ensure!(
            worst_case <= MAX_WORST_CASE,
            "this run could last {} s if every request timed out (the limit is {} s): \
             raise --concurrency, or lower --requests or --timeout-ms",
            worst_case.as_secs(),
            MAX_WORST_CASE.as_secs()
        );
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
fn loopback_url(target: &str) -> Result<Url> {
    let url = Url::parse(target).with_context(|| format!("not a URL: {target}"))?;
    ensure!(
        url.scheme() == "http",
        "only http:// URLs can be loaded, got {}://",
        url.scheme()
    );
    // `Url` has already normalised the host: `LOCALHOST` is `localhost`, `[0::1]` is
    // `[::1]`, `127.1` is `127.0.0.1`, so comparing spellings is enough.
    let host = url.host_str().unwrap_or_default();
    ensure!(
        LOOPBACK_HOSTS.contains(&host),
        "refusing to load {host:?}: this tool only sends to this machine \
         (127.0.0.1, localhost or [::1])"
    );
    Ok(url)
}

/// The value after `flag`, as a whole number.
fn number<'a>(args: &mut impl Iterator<Item = &'a str>, flag: &str) -> Result<u64> {
    let value = args
        .next()
        .with_context(|| format!("{flag} needs a number"))?;
    value
        .parse()
        .with_context(|| format!("{flag} needs a whole number, got {value:?}"))
}

fn utf8(arg: &OsStr) -> Result<&str> {
    arg.to_str()
        .with_context(|| format!("arguments must be UTF-8, got {arg:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<LoadPlan> {
        match parse(args)? {
            Command::Run(plan) => Ok(plan),
            Command::Help => bail!("asked for help"),
        }
    }

    fn refusal(args: &[&str]) -> String {
        match run(args) {
            Ok(plan) => panic!("{args:?} should be refused, got {plan:?}"),
            Err(error) => format!("{error:#}"),
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
        assert!(refusal(&[url, "--concurrency", "1"]).contains("--requests N is required"));
        assert!(refusal(&[url, "--requests", "1"]).contains("--concurrency C is required"));
        assert!(refusal(&["--requests", "1", "--concurrency", "1"]).contains("which URL"));
        assert!(refusal(&[url, "--requests"]).contains("needs a number"));
        assert!(refusal(&[url, "--requests", "-3", "--concurrency", "1"]).contains("whole number"));
        assert!(
            refusal(&[url, "--requests", "ten", "--concurrency", "1"]).contains("whole number")
        );
        assert!(refusal(&[url, "--rps", "5"]).contains("unknown option --rps"));
        assert!(refusal(&[url, url, "--requests", "1", "--concurrency", "1"]).contains("one URL"));
        assert!(
            refusal(&["not a url", "--requests", "1", "--concurrency", "1"]).contains("not a URL")
        );
    }

    #[test]
    fn help_wins_over_everything_else() {
        assert_eq!(parse(["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(["http://example.com/", "-h"]).unwrap(), Command::Help);
    }
}
