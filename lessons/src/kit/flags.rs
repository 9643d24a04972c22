//! The command-line flags every lesson shares, parsed with clap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{CommandFactory, FromArgMatches, Parser};

/// The flags as clap reads them; [`Flags`] is what lessons use.
#[derive(Debug, Parser)]
#[command(disable_version_flag = true)]
struct Args {
    /// Seed the random latencies, to repeat a run exactly [default: a new seed]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Keep the server up after the demo, for curl or a load tool (Ctrl-C stops)
    #[arg(long)]
    serve: bool,
    /// Multiply every latency and timeout by F, from 0.5 to 20 (10 is closer to the
    /// articles' seconds)
    #[arg(long, value_name = "F", default_value_t = 1.0, value_parser = scale)]
    scale: f64,
}

/// Below 0.5 the latencies approach the time a busy machine takes to schedule a
/// task, and the lessons' figures become noise.
fn scale(value: &str) -> Result<f64, String> {
    let scale: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    if !(0.5..=20.0).contains(&scale) {
        return Err(format!(
            "{scale} is out of range: keep it between 0.5 and 20"
        ));
    }
    Ok(scale)
}

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

    /// Reads the process's arguments, with `about` as the lesson's description. Prints
    /// help and exits on `--help`; on a bad flag, clap's message and exit status 2.
    pub fn from_env(about: &str) -> Self {
        let matches = command(about).get_matches();
        let args = Args::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
        Flags::from(args)
    }

    /// Parses arguments (without the program name). `Ok(None)` means help was asked for.
    pub fn parse<I, S>(args: I) -> Result<Option<Self>, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        let program = std::iter::once(std::ffi::OsString::from("lesson"));
        let args = program.chain(args.into_iter().map(Into::into));
        match command("").try_get_matches_from(args) {
            Ok(matches) => Ok(Some(Flags::from(Args::from_arg_matches(&matches)?))),
            Err(error) if error.kind() == clap::error::ErrorKind::DisplayHelp => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `millis` milliseconds, multiplied by `--scale`.
    pub fn ms(&self, millis: u64) -> Duration {
        Duration::from_millis(millis).mul_f64(self.scale)
    }
}

impl From<Args> for Flags {
    fn from(args: Args) -> Self {
        Flags {
            seed: args.seed.unwrap_or_else(fresh_seed),
            serve: args.serve,
            scale: args.scale,
        }
    }
}

fn command(about: &str) -> clap::Command {
    Args::command().about(about.to_owned())
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
        assert_eq!(error.exit_code(), 2, "{error}");
        assert!(error.to_string().contains("--seed"), "{error}");
        let error = Flags::parse(["--scale", "30"]).unwrap_err();
        assert!(error.to_string().contains("between 0.5 and 20"), "{error}");
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
