//! `cargo grade`: checks the learner's exercises in course order and says what to do next.
//!
//! It runs each exercise's grader in turn and prints one line per exercise. At the
//! first failure it stops and shows what the learner needs to move on: which tests
//! failed, the first panic message (or rustc's first error), the exercise's first hint
//! and the command that reruns that grader alone. Later exercises are not run: they
//! build on the earlier ones, and a wall of failures from stubs not yet begun helps no
//! one. Each exercise has three hints, each closer to the answer; `--hint N` shows
//! another one, `--hints` all of them.
//!
//! `--expect-unsolved` and `--expect-caught` are for the course's CI: every grader must
//! fail on the untouched stubs, or it would pass a learner who has done nothing, and on
//! the plausible wrong answers in `lessons/mistakes`, or it would pass one who is only
//! half right.

use std::process::ExitCode;

use grade::catalog::{self, EXERCISES, Exercise};
use grade::hints::{self, Choice};
use grade::{Outcome, grader};

const USAGE: &str = "\
Checks your exercises (lessons/exercises/src) in course order and stops at the first
one that is not solved yet, with its first hint. Each exercise has three hints, each a
step closer to the answer: 1 a nudge, 2 the tools, 3 nearly there.

usage: cargo grade [--only ID] [--hint N | --hints] [--watch] [--list]
                   [--reset ID [--yes]] [--expect-unsolved | --expect-caught] [--help]

  --only ID           grade this exercise alone (ids: see --list)
  --watch             grade again every time you save an exercise file; type q and
                      Enter (or press Ctrl-C) to leave
  --reset ID          put exercise ID's untouched stub back, after asking; your
                      version is kept beside it as ID.rs.bak
  --yes               with --reset: do not ask
  --hint N            show hint N (1, 2 or 3) of the exercise you are stuck on,
                      instead of hint 1
  --hints             show all three hints at once
  --list              list the exercises, in order, with their lessons
  --expect-unsolved   for the course's maintainers: run every grader and check that
                      each one fails on the untouched stubs
  --expect-caught     for the course's maintainers: check that every grader rejects
                      the plausible wrong answers in lessons/mistakes
  --help              show this text";

/// What the command line asks for.
#[derive(Debug, Default)]
struct Args {
    only: Option<&'static Exercise>,
    /// Which hint to show for the first exercise not solved, if not the first:
    /// `--hint N` or `--hints`.
    hints: Option<Choice>,
    list: bool,
    watch: bool,
    reset: Option<&'static Exercise>,
    yes: bool,
    expect_unsolved: bool,
    expect_caught: bool,
    help: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                let id = args.next().ok_or("--only needs an exercise id")?;
                let (_, exercise) = catalog::find(&id).ok_or_else(|| {
                    let ids: Vec<_> = EXERCISES.iter().map(|exercise| exercise.id).collect();
                    format!(
                        "no exercise is called {id}; the exercises are: {}",
                        ids.join(", ")
                    )
                })?;
                parsed.only = Some(exercise);
            }
            "--hint" | "--hints" => {
                if parsed.hints.is_some() {
                    return Err("give one of --hint N and --hints, once".to_owned());
                }
                parsed.hints = Some(if arg == "--hints" {
                    Choice::All
                } else {
                    let number = args.next().ok_or("--hint needs a number: 1, 2 or 3")?;
                    Choice::parse(&number)?
                });
            }
            "--list" => parsed.list = true,
            "--watch" => parsed.watch = true,
            "--yes" => parsed.yes = true,
            "--reset" => {
                let id = args.next().ok_or("--reset needs an exercise id")?;
                let (_, exercise) = catalog::find(&id)
                    .ok_or_else(|| format!("no exercise is called {id}; see --list"))?;
                parsed.reset = Some(exercise);
            }
            "--expect-unsolved" => parsed.expect_unsolved = true,
            "--expect-caught" => parsed.expect_caught = true,
            "--help" | "-h" => parsed.help = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("grade: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.list {
        list();
        return ExitCode::SUCCESS;
    }
    if let Some(exercise) = args.reset {
        return reset(exercise, args.yes);
    }

    let chosen: Vec<(usize, &Exercise)> = EXERCISES
        .iter()
        .enumerate()
        .map(|(index, exercise)| (index + 1, exercise))
        .filter(|(_, exercise)| args.only.is_none_or(|only| only.id == exercise.id))
        .collect();
    let result = if args.expect_unsolved {
        expect_unsolved(&chosen)
    } else if args.expect_caught {
        expect_caught(&chosen)
    } else if args.watch {
        watch(&chosen, args.only, args.hints.unwrap_or_default())
    } else {
        grade(&chosen, args.only, args.hints.unwrap_or_default()).map(|(code, _)| code)
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("grade: could not run cargo: {error}");
            ExitCode::from(2)
        }
    }
}

/// One progress line: `  ✓ 01 ex01_fan_out         ask for everything at once`.
fn line(mark: char, number: usize, exercise: &Exercise) -> String {
    format!("  {mark} {}", columns(number, exercise, 0))
}

/// The number, the id and the title, the id padded so that the titles line up (and
/// the title padded to `title_width`, for a column after it).
fn columns(number: usize, exercise: &Exercise, title_width: usize) -> String {
    let id_width = EXERCISES
        .iter()
        .map(|exercise| exercise.id.len())
        .max()
        .unwrap_or(0);
    format!(
        "{number:02} {:<id_width$}  {:<title_width$}",
        exercise.id, exercise.title
    )
}

/// The longest title's width, to start a column after the titles.
fn title_width() -> usize {
    EXERCISES
        .iter()
        .map(|exercise| exercise.title.chars().count())
        .max()
        .unwrap_or(0)
}

fn list() {
    println!("The exercises, in course order:\n");
    for (index, exercise) in EXERCISES.iter().enumerate() {
        let columns = columns(index + 1, exercise, title_width());
        println!("  {columns}  lesson {}", exercise.lesson);
    }
    println!("\nSolve each in lessons/exercises/src/ID.rs, then run `cargo grade`.");
}

/// `--reset`: the untouched stub back, the learner's version kept beside it.
fn reset(exercise: &Exercise, yes: bool) -> ExitCode {
    let root = grade::workspace_root();
    let relative = grade::reset::exercise_path(exercise.id);
    let stub = match grade::reset::untouched(&root, &relative) {
        Ok(stub) => stub,
        Err(problem) => {
            eprintln!("grade: {problem}");
            return ExitCode::from(2);
        }
    };
    if !yes {
        println!(
            "Put the untouched stub back in {}? Your version is kept as {}.bak. [y/N]",
            relative.display(),
            relative.display()
        );
        let mut answer = String::new();
        let asked = std::io::stdin().read_line(&mut answer);
        if asked.is_err() || !answer.trim().eq_ignore_ascii_case("y") {
            println!("Nothing changed.");
            return ExitCode::SUCCESS;
        }
    }
    match grade::reset::reset(&root.join(&relative), &stub) {
        Ok(backup) => {
            let backup = backup.strip_prefix(&root).unwrap_or(&backup);
            println!(
                "{} is the untouched stub again; your version is in {}.",
                relative.display(),
                backup.display()
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("grade: could not reset {}: {problem}", relative.display());
            ExitCode::from(2)
        }
    }
}

/// `--watch`: grade, then again on every save, until the learner leaves.
fn watch(
    chosen: &[(usize, &Exercise)],
    only: Option<&Exercise>,
    hints: Choice,
) -> std::io::Result<ExitCode> {
    let folder = grade::workspace_root().join("lessons/exercises/src");
    let (_watcher, woken) = grade::watch::watch(&folder).map_err(std::io::Error::other)?;
    loop {
        // Clear the screen and go to its top: each grading replaces the last.
        print!("\x1b[2J\x1b[H");
        let (_, solved) = grade(chosen, only, hints)?;
        println!(
            "\n{}   watching lessons/exercises/src: save a file to grade again; q and \
             Enter to leave",
            grade::watch::progress(solved, chosen.len()),
        );
        if grade::watch::next(&woken) == grade::watch::Wake::Quit {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// The learner's mode: grade in order, stop at the first exercise not solved. Returns
/// the exit code and how many of `chosen` are solved.
fn grade(
    chosen: &[(usize, &Exercise)],
    only: Option<&Exercise>,
    hints: Choice,
) -> std::io::Result<(ExitCode, usize)> {
    let only_one = only.is_some();
    match chosen {
        [(_, exercise)] if only_one => println!("Grading {}...\n", exercise.id),
        _ => println!("Grading your exercises in course order...\n"),
    }
    let mut solved = 0;
    for &(number, exercise) in chosen {
        let outcome = grader::run(exercise)?;
        if outcome == Outcome::Passed {
            println!("{}", line('✓', number, exercise));
            solved += 1;
            continue;
        }
        println!("{}", line('✗', number, exercise));
        explain(exercise, &outcome, only, hints);
        if !only_one {
            println!("\n{solved} of {} exercises solved.", EXERCISES.len());
        }
        return Ok((ExitCode::FAILURE, solved));
    }

    if only_one {
        println!("\nSolved. `cargo grade` checks every exercise, in order.");
    } else {
        println!("\n{solved} of {} exercises solved.", EXERCISES.len());
        println!("All done: every exercise passes its grader. Congratulations!");
    }
    Ok((ExitCode::SUCCESS, solved))
}

/// Everything the learner needs after a failure, indented under its progress line.
/// `only` is the exercise graded alone, if any, for the commands it suggests.
fn explain(exercise: &Exercise, outcome: &Outcome, only: Option<&Exercise>, hints: Choice) {
    println!();
    match outcome {
        Outcome::Passed => return,
        Outcome::NotStarted { tests } => {
            println!("    not started yet: the stub still calls todo!()");
            print_tests(tests);
        }
        Outcome::Failed { tests, message } => {
            println!("    not solved yet");
            print_tests(tests);
            println!("\n    what the grader says:");
            print_indented(message, 6);
        }
        Outcome::DoesNotCompile { errors } => {
            println!("    does not compile: rustc's first error:");
            print_indented(&errors.join("\n"), 6);
            // Every grader builds the whole exercises package, so a mistake in a later
            // exercise stops this one too; say so rather than let its hint mislead.
            if let Some(other) = elsewhere(exercise, errors) {
                println!(
                    "\n    the error is in {}.rs, not in this exercise: fix it first.",
                    other.id
                );
                return;
            }
        }
        Outcome::CouldNotRun { lines } => {
            println!("    cargo could not run the grader:");
            print_indented(&lines.join("\n"), 6);
        }
    }
    print_hints(exercise, only, hints);
    println!("\n    run this grader alone, with its full output:");
    println!("      {}", exercise.rerun_command());
}

/// The hints chosen, each under its number and what it gives, then how to see the next
/// one, or, after the last, where the answer is.
fn print_hints(exercise: &Exercise, only: Option<&Exercise>, hints: Choice) {
    let levels = hints.levels();
    let last = *levels.end();
    for level in levels {
        let name = hints::NAMES[level - 1];
        println!("\n    hint {level} of {} · {name}:", hints::LEVELS);
        print_indented(&hints::for_terminal(exercise.hint(level)), 6);
    }
    println!();
    println!("    {}", after_the_hints(exercise, only, last));
}

/// The line after the last hint shown: the command for the next hint, as the learner
/// would type it (with `--only ID` if they graded one exercise), or, after hint 3,
/// where the reference solution is.
fn after_the_hints(exercise: &Exercise, only: Option<&Exercise>, last: usize) -> String {
    if last >= hints::LEVELS {
        return format!(
            "that was the last hint; the reference solution is solutions/src/{}.rs",
            exercise.id
        );
    }
    let command = match only {
        Some(only) => format!("cargo grade --only {} --hint", only.id),
        None => "cargo grade --hint".to_owned(),
    };
    let next = last + 1;
    format!(
        "stuck? `{command} {next}` shows hint {next} of {} ({})",
        hints::LEVELS,
        hints::NAMES[next - 1]
    )
}

/// The exercise, other than `exercise`, whose file rustc's first error points to.
fn elsewhere(exercise: &Exercise, errors: &[String]) -> Option<&'static Exercise> {
    let location = errors
        .iter()
        .find_map(|line| line.trim().strip_prefix("--> "))?;
    EXERCISES
        .iter()
        .find(|other| other.id != exercise.id && location.contains(&format!("{}.rs", other.id)))
}

fn print_tests(tests: &[String]) {
    if tests.is_empty() {
        return;
    }
    println!("    failing tests:");
    for test in tests {
        // The graders' tests live in a `grader` module; its path is noise here.
        let name = test.rsplit("::").next().unwrap_or(test);
        println!("      {name}");
    }
}

fn print_indented(text: &str, indent: usize) {
    for text_line in text.lines() {
        if text_line.trim().is_empty() {
            println!();
        } else {
            println!("{:indent$}{text_line}", "");
        }
    }
}

/// The maintainers' mode: on the untouched stubs, every grader must fail, and fail in
/// its tests. A grader that passes checks nothing a stub lacks; one that does not build
/// means the stubs do not compile, and a learner could not even start.
fn expect_unsolved(chosen: &[(usize, &Exercise)]) -> std::io::Result<ExitCode> {
    println!("Checking that every grader fails on the untouched stubs...\n");
    let targets = chosen
        .iter()
        .map(|&(number, exercise)| Target {
            label: columns(number, exercise, title_width()),
            package: "exercises",
            test: exercise.id,
            todo_is_fine: true,
        })
        .collect();
    expect_failures(targets, "graders fail on the untouched stubs")
}

/// The maintainers' other mode: every grader must also reject the plausible wrong
/// answers listed for it (the `mistakes` package), by a failed assertion.
fn expect_caught(chosen: &[(usize, &Exercise)]) -> std::io::Result<ExitCode> {
    println!("Checking that every grader rejects its known mistakes...\n");
    let width = EXERCISES
        .iter()
        .flat_map(|exercise| exercise.mistakes.iter().map(|mistake| mistake.len()))
        .max()
        .unwrap_or(0);
    let targets = chosen
        .iter()
        .flat_map(|&(number, exercise)| {
            exercise.mistakes.iter().map(move |mistake| Target {
                label: format!("{number:02} {mistake:<width$}"),
                package: "mistakes",
                test: mistake,
                todo_is_fine: false,
            })
        })
        .collect();
    expect_failures(targets, "known mistakes are caught")
}

/// A test target that must fail.
struct Target {
    /// What the report line shows.
    label: String,
    package: &'static str,
    test: &'static str,
    /// Whether failing on `todo!()` counts: yes for stubs, no for a written mistake.
    todo_is_fine: bool,
}

/// Runs every target, prints a line each, and fails unless every one failed its tests.
fn expect_failures(targets: Vec<Target>, summary: &str) -> std::io::Result<ExitCode> {
    let mut wrong = Vec::new();
    for target in &targets {
        let outcome = grader::run_target(target.package, target.test)?;
        let (ok, verdict) = match &outcome {
            Outcome::NotStarted { .. } if target.todo_is_fine => {
                (true, "fails, as it should: the stub calls todo!()")
            }
            Outcome::NotStarted { .. } => (false, "stops at a todo!(), not at an assertion"),
            Outcome::Failed { .. } => (true, "fails, as it should"),
            Outcome::Passed => (false, "PASSES: the grader does not catch it"),
            Outcome::DoesNotCompile { .. } => (false, "does not compile"),
            Outcome::CouldNotRun { .. } => (false, "could not be run"),
        };
        println!(
            "  {} {}  {verdict}",
            if ok { '✓' } else { '✗' },
            target.label
        );
        if let Outcome::DoesNotCompile { errors: lines } | Outcome::CouldNotRun { lines } = &outcome
        {
            print_indented(&lines.join("\n"), 6);
        }
        if !ok {
            wrong.push(format!("{} ({verdict})", target.test));
        }
    }

    if wrong.is_empty() {
        println!("\nAll {}: {summary}.", targets.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\nThese do not fail as they should: {}", wrong.join(", "));
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Result<Args, String> {
        parse_args(words.iter().map(|word| (*word).to_owned()))
    }

    #[test]
    fn parses_the_flags() {
        let parsed = args(&["--only", EXERCISES[1].id, "--expect-unsolved"]).unwrap();
        assert_eq!(
            parsed.only.map(|exercise| exercise.id),
            Some(EXERCISES[1].id)
        );
        assert!(parsed.expect_unsolved && !parsed.list && !parsed.help);
    }

    #[test]
    fn hint_one_unless_another_is_asked_for() {
        let hints = |words: &[&str]| args(words).unwrap().hints.unwrap_or_default();
        assert_eq!(hints(&[]), Choice::One(1));
        assert_eq!(hints(&["--hint", "2"]), Choice::One(2));
        assert_eq!(hints(&["--hints"]), Choice::All);
        let parsed = args(&["--hint", "3", "--only", EXERCISES[0].id]).unwrap();
        assert_eq!(parsed.hints, Some(Choice::One(3)));
        assert!(parsed.only.is_some());
    }

    #[test]
    fn rejects_a_hint_that_does_not_exist() {
        for wrong in [
            &["--hint"][..],
            &["--hint", "0"],
            &["--hint", "4"],
            &["--hint", "x"],
        ] {
            assert!(args(wrong).is_err(), "{wrong:?} was accepted");
        }
        assert!(args(&["--hint", "2", "--hints"]).is_err());
        assert!(args(&["--hint", "2", "--hint", "3"]).is_err());
    }

    #[test]
    fn says_how_to_see_the_next_hint_and_where_the_last_one_leads() {
        let exercise = &EXERCISES[2];
        assert_eq!(
            after_the_hints(exercise, None, 1),
            "stuck? `cargo grade --hint 2` shows hint 2 of 3 (the tools)"
        );
        assert!(
            after_the_hints(exercise, Some(exercise), 2)
                .contains(&format!("`cargo grade --only {} --hint 3`", exercise.id))
        );
        assert!(
            after_the_hints(exercise, None, hints::LEVELS)
                .contains(&format!("solutions/src/{}.rs", exercise.id))
        );
    }

    #[test]
    fn rejects_unknown_ids_and_flags() {
        assert!(
            args(&["--only", "ex99_nothing"])
                .unwrap_err()
                .contains(EXERCISES[0].id)
        );
        assert!(args(&["--only"]).is_err());
        assert!(args(&["--everything"]).is_err());
    }

    #[test]
    fn progress_lines_align() {
        let first = line('✓', 1, &EXERCISES[0]);
        let last = line('✗', EXERCISES.len(), EXERCISES.last().unwrap());
        let title_at = |text: &str, title: &str| text.chars().count() - title.chars().count();
        assert!(first.starts_with(&format!("  ✓ 01 {}", EXERCISES[0].id)));
        assert_eq!(
            title_at(&first, EXERCISES[0].title),
            title_at(&last, EXERCISES.last().unwrap().title)
        );
    }
}
