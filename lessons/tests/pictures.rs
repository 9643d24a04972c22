//! The book's pictures carry figures, and figures drift: a picture drawn from one run
//! goes on showing its numbers after the lesson has changed. This target keeps every
//! picture in `book/src/images/` tied to the recorded outputs beside it.
//!
//! * The pictures of timed runs (02's timeline, 11's bar charts, 13's fleet) are drawn here,
//!   from the recorded outputs: `scripts/outputs` records the lessons, then runs this
//!   target with `RECORD_OUTPUTS=1`, which writes the pictures again. Without it, the
//!   test draws them and fails if the files differ.
//! * The two pictures of exact runs (04's token tree, 09's flights on the paused clock)
//!   are drawn by hand; the test reads the states and times they show and checks each
//!   against the recording.

// Shared with the `binaries` target, which uses the comparison this one does not.
#[allow(dead_code)]
mod recorded;

use std::path::PathBuf;

#[path = "pictures/fleet.rs"]
mod fleet;
#[path = "pictures/recording.rs"]
mod recording;
#[path = "pictures/stampede.rs"]
mod stampede;
#[path = "pictures/timeline.rs"]
mod timeline;

use recording::Recording;

fn image_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../book/src/images/{name}"))
}

/// Writes `drawn` as the picture `name` when recording, or checks the file against it.
fn record_or_compare(name: &str, drawn: &str) {
    let path = image_path(name);
    if std::env::var_os(recorded::RECORD_VAR).is_some() {
        std::fs::write(&path, drawn).expect("writing the picture");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == drawn,
        "{} is not what the recorded outputs draw: a lesson's output was recorded again \
         without its picture. Run `scripts/outputs` (it draws the pictures after the \
         outputs) and read the diff.",
        path.display()
    );
}

#[test]
fn the_timeout_timeline_is_drawn_from_the_recordings_of_02_and_03() {
    let leak = Recording::of("02_timeout_leak");
    let fixed = Recording::of("03_timeout_fixed");
    let drawn = timeline::draw(
        &timeline::Leaked::from(&leak.scenario("fan-out with select!")),
        &timeline::Cancelled::from(&fixed.scenario("fan-out, joined futures")),
    );
    record_or_compare("02_timeout_leak.svg", &drawn);
}

#[test]
fn the_stampede_bars_are_drawn_from_the_recording_of_11() {
    let result = Recording::of("11_cache_stampede").result();
    record_or_compare("11_stampede.svg", &stampede::draw(&result));
}

#[test]
fn the_fleet_time_line_is_drawn_from_the_recording_of_13() {
    let recording = Recording::of("13_fleet_stampede");
    let drawn = fleet::draw(
        &fleet::Coalesced::from(&recording.scenario("2. coalesced")),
        &fleet::TakenOver::from(&recording.scenario("3. the lease holder")),
    );
    record_or_compare("13_fleet_flight.svg", &drawn);
}

/// The texts of a hand-drawn picture's `<text>` elements, in order.
fn texts_of(name: &str) -> Vec<String> {
    let svg = std::fs::read_to_string(image_path(name)).expect("reading the picture");
    svg.split("<text")
        .skip(1)
        .map(|element| {
            let body = &element[element.find('>').map_or(0, |end| end + 1)..];
            body[..body.find("</text>").unwrap_or(body.len())].to_owned()
        })
        .collect()
}

#[test]
fn the_token_tree_shows_the_states_lesson_04_prints() {
    let recording = Recording::of("04_cancellation");
    let printed: Vec<String> = recording
        .scenario("a token tree")
        .iter()
        .map(|line| line.text.clone())
        .collect();
    let texts = texts_of("04_cancellation_tree.svg");
    // The picture splits the first printed line over two lines of text.
    let shown = [
        format!(
            "{} {}",
            texts_at(&texts, "db_query="),
            texts_at(&texts, "server=")
        ),
        texts_at(&texts, "request=true").to_owned(),
    ];
    for line in shown {
        assert!(
            printed.contains(&line),
            "04_cancellation_tree.svg shows `{line}`, and lesson 04 prints {printed:?}"
        );
    }
    let result = texts_at(&texts, "result: ");
    assert!(
        recording.result_line().starts_with(result),
        "04_cancellation_tree.svg shows `{result}`, and the recording's result line is `{}`",
        recording.result_line()
    );
}

/// The first text that starts with `prefix`.
fn texts_at<'a>(texts: &'a [String], prefix: &str) -> &'a str {
    texts
        .iter()
        .find(|text| text.starts_with(prefix))
        .unwrap_or_else(|| panic!("no text starting with `{prefix}` in the picture"))
}

#[test]
fn the_flights_are_the_ones_lesson_09_recorded() {
    let recording = Recording::of("09_singleflight");
    let demo = recording.scenario("10 callers");
    // Each flight: when the work started and landed, and the callers it answered.
    let mut flights: Vec<(u64, u64, usize)> = Vec::new();
    for line in &demo {
        if line.who == "db" && line.text.ends_with("started (takes 10 ms)") {
            flights.push((line.ms, 0, 0));
        } else if line.who == "db" && line.text.ends_with("finished") {
            flights.last_mut().expect("a flight starts first").1 = line.ms;
        } else if line.who.starts_with("caller") {
            flights
                .last_mut()
                .expect("a caller answers after a flight")
                .2 += 1;
        }
    }
    let texts = texts_of("09_singleflight_flight.svg");
    let labels: Vec<&String> = texts.iter().filter(|t| t.starts_with("flight ")).collect();
    let roles: Vec<&str> = texts
        .iter()
        .filter(|t| *t == "leader" || *t == "waiter")
        .map(String::as_str)
        .collect();
    let mut expected_roles = Vec::new();
    for (n, (started, landed, callers)) in flights.iter().enumerate() {
        let label = format!("flight {} · {started} to {landed} ms", n + 1);
        assert_eq!(
            labels.get(n).map(|label| label.as_str()),
            Some(label.as_str()),
            "09_singleflight_flight.svg against the recording"
        );
        expected_roles.push("leader");
        expected_roles.extend(std::iter::repeat_n("waiter", callers - 1));
    }
    assert_eq!(labels.len(), flights.len(), "one label per recorded flight");
    assert_eq!(
        roles, expected_roles,
        "who led and who waited, flight by flight"
    );
    let shown = texts_at(&texts, "result: ");
    for pair in shown.trim_start_matches("result: ").split(' ') {
        if let Some((key, value)) = pair.split_once('=') {
            assert_eq!(
                recording.result().get(key).map(String::as_str),
                Some(value),
                "09_singleflight_flight.svg shows {pair}"
            );
        }
    }
}
