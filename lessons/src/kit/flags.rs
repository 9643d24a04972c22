//! The command-line flags every lesson shares.
//!
//! Three flags, parsed with the standard library alone: a lesson's interface is small
//! enough that a parser crate would be more to read than the parsing it saves.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

/// What `--help` prints, after the lesson's own one-line description.
const USAGE: &str = "\
options:
  --seed N     seed the random latencies, to repeat a run exactly (default: a new seed)
  --serve      keep the server up after the demo, for curl or a load tool (Ctrl-C stops)
  --scale F    multiply every latency and timeout by F, from 0.5 to 20 (default 1;
               10 is closer to the articles' seconds)
  --help       print this help";

/// The flags of one lesson run.
///
/// ```
/// use lessons::kit::Flags;
///
/// let flags = Flags::parse(["--seed", "7", "--scale", "2"]).unwrap().unwrap();
/// assert_eq!(flags.seed, 7);
/// assert_eq!(flags.ms(50), std::time::Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Flags {
    /// Seed for every random latency in the run: the same seed, the same story.
    pub seed: u64,
    /// Keep the server up after the demo instead of exiting.
    pub serve: bool,
    /// Multiplier for every latency and timeout the lesson uses.
    pub scale: f64,
}

impl Flags {
    /// Flags for a test: a fixed seed, no serving, the default scale.
    pub fn for_test(seed: u64) -> Self {
        Flags {
            seed,
            serve: false,
            scale: 1.0,
        }
    }

    /// Reads the process's arguments. Prints help and exits on `--help`; exits with
    /// status 2 and a message on a bad flag.
    pub fn from_env(about: &str) -> Self {
        match Self::parse(std::env::args().skip(1)) {
            Ok(Some(flags)) => flags,
            Ok(None) => {
                println!("{about}\n\n{USAGE}");
                std::process::exit(0);
            }
            Err(error) => {
                eprintln!("error: {error:#}\n\n{USAGE}");
                std::process::exit(2);
            }
        }
    }

    /// Parses arguments (without the program name). `Ok(None)` means help was asked for.
    pub fn parse<I, S>(args: I) -> anyhow::Result<Option<Self>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut flags = Flags {
            seed: fresh_seed(),
            serve: false,
            scale: 1.0,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_ref() {
                "--seed" => {
                    let value = args.next().context("--seed needs a number")?;
                    flags.seed = value
                        .as_ref()
                        .parse()
                        .with_context(|| format!("--seed {}: not a number", value.as_ref()))?;
                }
                "--scale" => {
                    let value = args.next().context("--scale needs a number")?;
                    let scale: f64 = value
                        .as_ref()
                        .parse()
                        .with_context(|| format!("--scale {}: not a number", value.as_ref()))?;
                    // Below 0.5 the latencies approach the time a busy machine takes
                    // to schedule a task, and the lessons' figures become noise.
                    if !(0.5..=20.0).contains(&scale) {
                        bail!("--scale {scale}: keep it between 0.5 and 20");
                    }
                    flags.scale = scale;
                }
                "--serve" => flags.serve = true,
                "--help" | "-h" => return Ok(None),
                other => bail!("unknown argument `{other}`"),
            }
        }
        Ok(Some(flags))
    }

    /// `millis` milliseconds, multiplied by `--scale`.
    pub fn ms(&self, millis: u64) -> Duration {
        Duration::from_millis(millis).mul_f64(self.scale)
    }
}

/// A seed for runs that did not ask for one; lessons print it so a run can be repeated.
fn fresh_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.subsec_nanos())
        .unwrap_or_default();
    u64::from(nanos % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_not_an_error() {
        assert_eq!(Flags::parse(["--help"]).unwrap(), None);
    }

    #[test]
    fn bad_input_is_reported_not_panicked() {
        let error = Flags::parse(["--seed", "seven"]).unwrap_err();
        assert!(format!("{error:#}").contains("not a number"), "{error:#}");
        assert!(Flags::parse(["--scale"]).is_err());
        assert!(Flags::parse(["--scale", "0"]).is_err());
        assert!(Flags::parse(["--bogus"]).is_err());
    }

    #[test]
    fn serve_is_off_unless_asked_for() {
        let flags = Flags::parse(["--seed", "1"]).unwrap().unwrap();
        assert!(!flags.serve);
        assert!(Flags::parse(["--serve"]).unwrap().unwrap().serve);
    }
}
