//! Chapter 02's timeline: the fan-out of lesson 02 (the calls run on after the answer)
//! above the same fan-out in lesson 03 (cancelled at the deadline), drawn from the
//! first scenario of each recording. Times are from the moment the request was sent.

use std::fmt::Write as _;

use super::recording::Line;

/// One backend call: its name, how long it takes, and when it started.
struct Call {
    name: String,
    takes: u64,
    started: u64,
}

/// Lesson 02's fan-out: the answer, and when each call finished after it.
pub struct Leaked {
    calls: Vec<(Call, u64)>,
    answered: u64,
    /// When the gauge counted the tasks still alive after the answer, and how many.
    counted: (u64, u64),
    /// When the gauge saw the last of them gone.
    gone: u64,
}

/// Lesson 03's fan-out: when the calls were cancelled, after how long, and the answer.
pub struct Cancelled {
    calls: Vec<Call>,
    cancelled_at: u64,
    cancelled_after: u64,
    answered: u64,
}

/// The time the client sent the request, and a function that makes times relative to it.
fn since_sent(lines: &[Line]) -> impl Fn(u64) -> u64 {
    let sent = lines
        .iter()
        .find(|line| line.who == "client" && line.text.starts_with("-> "))
        .expect("the client sends the request")
        .ms;
    move |ms| ms - sent
}

fn calls(lines: &[Line], at: &impl Fn(u64) -> u64) -> Vec<Call> {
    lines
        .iter()
        .filter(|line| line.who == "backend" && line.text.contains(": started (takes "))
        .map(|line| Call {
            name: line.call().to_owned(),
            takes: line.ms_in_text(),
            started: at(line.ms),
        })
        .collect()
}

fn answered(lines: &[Line], at: &impl Fn(u64) -> u64) -> u64 {
    let line = lines
        .iter()
        .find(|line| line.who == "client" && line.text.starts_with("<- "))
        .expect("the client gets an answer");
    at(line.ms)
}

impl From<&Vec<Line>> for Leaked {
    fn from(lines: &Vec<Line>) -> Self {
        let at = since_sent(lines);
        let finished = |name: &str| {
            let line = lines
                .iter()
                .find(|line| line.text == format!("{name}: finished"))
                .unwrap_or_else(|| panic!("lesson 02's call {name} finishes"));
            at(line.ms)
        };
        let gauge = |prefix: &str| {
            lines
                .iter()
                .find(|line| line.who == "gauge" && line.text.starts_with(prefix))
                .unwrap_or_else(|| panic!("lesson 02's gauge says `{prefix}…`"))
        };
        let counted = gauge("tasks still alive after the response");
        Leaked {
            calls: calls(lines, &at)
                .into_iter()
                .map(|call| {
                    let end = finished(&call.name);
                    (call, end)
                })
                .collect(),
            answered: answered(lines, &at),
            counted: (at(counted.ms), last_number(&counted.text)),
            gone: at(gauge("the leftover work is over").ms),
        }
    }
}

impl From<&Vec<Line>> for Cancelled {
    fn from(lines: &Vec<Line>) -> Self {
        let at = since_sent(lines);
        let cancel = lines
            .iter()
            .find(|line| line.text.contains(": cancelled after "))
            .expect("lesson 03's calls are cancelled");
        Cancelled {
            calls: calls(lines, &at),
            cancelled_at: at(cancel.ms),
            cancelled_after: cancel.ms_in_text(),
            answered: answered(lines, &at),
        }
    }
}

fn last_number(text: &str) -> u64 {
    let digits = text.rsplit(' ').next().expect("a number at the end");
    digits.parse().expect("a whole number")
}

/// Where `ms` falls on the time scale: 1.8 px per ms from x = 130.
fn x(ms: u64) -> f64 {
    130.0 + 1.8 * ms as f64
}

/// The picture shows 0 to 300 ms.
const SCALE_END_MS: u64 = 300;

pub fn draw(leaked: &Leaked, cancelled: &Cancelled) -> String {
    let last_end = leaked.calls.iter().map(|(_, end)| *end).max().unwrap_or(0);
    assert!(
        last_end < SCALE_END_MS,
        "the timeline's scale ends at {SCALE_END_MS} ms and a call of lesson 02 ends at \
         {last_end} ms: widen the scale in lessons/tests/pictures/timeline.rs"
    );
    let ends: Vec<String> = {
        let mut ends: Vec<u64> = leaked.calls.iter().map(|(_, end)| *end).collect();
        ends.sort_unstable();
        ends.iter().map(u64::to_string).collect()
    };
    let ends = match ends.split_last() {
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let (counted_at, alive) = leaked.counted;
    let mut svg = String::new();
    let w = &mut svg;
    let _ = write!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="760" height="532" viewBox="0 0 760 532" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title desc">
  <title id="title">Lessons 02 and 03: a 50 ms timeout over four slow backend calls</title>
  <desc id="desc">A timeline in milliseconds after the request. Lesson 02: the four calls run in spawned tasks; the handler answers "timeout" at {answered} ms, but the calls keep running and finish at {ends} ms, with a collector task alive until the last one: work nobody will read. Lesson 03: the same calls are joined futures inside the handler; at the deadline they are cancelled after {after} ms, the answer goes out at {fixed_answer} ms, and no task is alive after it.</desc>
  <rect width="760" height="532" fill="#ffffff"/>
  <text x="380" y="24" text-anchor="middle" font-size="15" font-weight="bold" fill="#222222">The fan-out times out at 50 ms: what is still running after the answer?</text>

  <!-- Time scale: x = 130 + 1.8 * ms, from 0 ms (x=130) to 300 ms (x=670) -->
  <g stroke="#e6e6e6" stroke-width="1">
"##,
        answered = leaked.answered,
        after = cancelled.cancelled_after,
        fixed_answer = cancelled.answered,
    );
    for tick in (0..=SCALE_END_MS).step_by(50) {
        let _ = writeln!(
            w,
            r#"    <line x1="{0}" y1="84" x2="{0}" y2="424"/>"#,
            x(tick)
        );
    }
    let answer_x = x(leaked.answered);
    let _ = write!(
        w,
        r##"  </g>

  <!-- Lesson 02 -->
  <text x="20" y="52" font-size="13" font-weight="bold" fill="#222222">Lesson 02 · the calls run in spawned tasks</text>
  <text x="{label_x:.1}" y="74" text-anchor="end" fill="#222222">200 OK "timeout" at {answered} ms</text>
  <text x="{middle:.1}" y="72" text-anchor="middle" font-weight="bold" fill="#c0392b">work nobody will read</text>
  <path d="M{from:.1} 84 V78 H{to:.1} V84" fill="none" stroke="#c0392b" stroke-width="1.5"/>

  <g fill="#222222" text-anchor="end">
"##,
        label_x = answer_x - 4.8,
        answered = leaked.answered,
        middle = (answer_x + x(last_end)) / 2.0,
        from = answer_x + 2.0,
        to = x(last_end) - 2.0,
    );
    let row = |n: usize| 90 + 24 * n;
    for (n, (call, _)) in leaked.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <text x="122" y="{}">{} · {} ms</text>"#,
            row(n) + 12,
            call.name,
            call.takes
        );
    }
    let collector_y = row(leaked.calls.len()) + 2;
    let _ = write!(
        w,
        "    <text x=\"122\" y=\"{}\">collector</text>\n  </g>\n  <g fill=\"#5d6d7e\">\n",
        collector_y + 7
    );
    for (n, (call, _)) in leaked.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <rect x="{:.1}" y="{}" width="{:.1}" height="16"/>"#,
            x(call.started),
            row(n),
            answer_x - x(call.started)
        );
    }
    let first_start = leaked
        .calls
        .iter()
        .map(|(c, _)| c.started)
        .min()
        .unwrap_or(0);
    let _ = write!(
        w,
        "    <rect x=\"{:.1}\" y=\"{collector_y}\" width=\"{:.1}\" height=\"8\"/>\n  </g>\n  <g fill=\"#c0392b\">\n",
        x(first_start),
        answer_x - x(first_start)
    );
    for (n, (_, end)) in leaked.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <rect x="{answer_x:.1}" y="{}" width="{:.1}" height="16"/>"#,
            row(n),
            x(*end) - answer_x
        );
    }
    let _ = write!(
        w,
        "    <rect x=\"{answer_x:.1}\" y=\"{collector_y}\" width=\"{:.1}\" height=\"8\"/>\n  </g>\n  <g fill=\"#444444\" font-size=\"11\">\n",
        x(last_end) - answer_x
    );
    for (n, (_, end)) in leaked.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <text x="{:.1}" y="{}">{end} ms</text>"#,
            x(*end) + 4.8,
            row(n) + 12
        );
    }
    let _ = write!(
        w,
        r##"  </g>
  <line x1="{answer_x:.1}" y1="62" x2="{answer_x:.1}" y2="{line_end}" stroke="#222222" stroke-width="2"/>
  <text x="{left:.1}" y="{note_y}" font-size="11" fill="#444444">At {counted_at} ms, {alive} tasks are still alive ({calls} calls and the collector); none is left at {gone} ms.</text>

  <!-- Lesson 03 -->
  <text x="20" y="256" font-size="13" font-weight="bold" fill="#222222">Lesson 03 · the same calls as joined futures inside the handler</text>
"##,
        line_end = collector_y + 16,
        left = x(first_start),
        note_y = collector_y + 34,
        calls = leaked.calls.len(),
        gone = leaked.gone,
    );
    draw_cancelled(w, cancelled);
    svg
}

fn draw_cancelled(w: &mut String, cancelled: &Cancelled) {
    let cut_x = x(cancelled.cancelled_at);
    let answer_x = x(cancelled.answered);
    let last_end = cancelled
        .calls
        .iter()
        .map(|call| call.started + call.takes)
        .max()
        .unwrap_or(0);
    let _ = write!(
        w,
        r##"  <text x="{label_x:.1}" y="278" text-anchor="end" fill="#222222">200 OK "timeout" at {answered} ms</text>
  <text x="{middle:.1}" y="276" text-anchor="middle" font-weight="bold" fill="#1e8449">never run: cancelled when their futures were dropped</text>
  <path d="M{from:.1} 288 V282 H{to:.1} V288" fill="none" stroke="#1e8449" stroke-width="1.5"/>

  <g fill="#222222" text-anchor="end">
"##,
        label_x = answer_x - 5.4,
        answered = cancelled.answered,
        middle = (cut_x + x(last_end)) / 2.0,
        from = cut_x + 2.0,
        to = x(last_end),
    );
    let row = |n: usize| 294 + 24 * n;
    for (n, call) in cancelled.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <text x="122" y="{}">{} · {} ms</text>"#,
            row(n) + 12,
            call.name,
            call.takes
        );
    }
    w.push_str(
        "  </g>\n  <g fill=\"#f4f6f6\" stroke=\"#95a5a6\" stroke-width=\"1\" stroke-dasharray=\"4 3\">\n",
    );
    for (n, call) in cancelled.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <rect x="{cut_x:.1}" y="{}.5" width="{:.1}" height="15"/>"#,
            row(n),
            x(call.started + call.takes) - cut_x
        );
    }
    w.push_str("  </g>\n  <g fill=\"#5d6d7e\">\n");
    for (n, call) in cancelled.calls.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <rect x="{:.1}" y="{}" width="{:.1}" height="16"/>"#,
            x(call.started),
            row(n),
            cut_x - x(call.started)
        );
    }
    let bottom = row(cancelled.calls.len());
    let _ = writeln!(
        w,
        "  </g>\n  <line x1=\"{answer_x:.1}\" y1=\"266\" x2=\"{answer_x:.1}\" y2=\"{}\" stroke=\"#222222\" stroke-width=\"2\"/>\n  <g stroke=\"#1e8449\" stroke-width=\"3\" stroke-linecap=\"round\">",
        bottom + 2
    );
    let cross = cut_x + 6.4;
    for n in 0..cancelled.calls.len() {
        let y = row(n) + 2;
        let _ = writeln!(
            w,
            "    <path d=\"M{cross:.1} {y} L{:.1} {} M{:.1} {y} L{cross:.1} {}\"/>",
            cross + 10.0,
            y + 12,
            cross + 10.0,
            y + 12
        );
    }
    let first_start = cancelled.calls.iter().map(|c| c.started).min().unwrap_or(0);
    let _ = write!(
        w,
        r##"  </g>
  <text x="{left:.1}" y="{note_y}" font-size="11" fill="#444444">Each call is cancelled after {after} ms, at its .await; no task is alive after the response.</text>

  <!-- Axis -->
  <line x1="130" y1="424" x2="670" y2="424" stroke="#444444"/>
  <g stroke="#444444">
"##,
        left = x(first_start),
        note_y = bottom + 16,
        after = cancelled.cancelled_after,
    );
    for tick in (0..=SCALE_END_MS).step_by(50) {
        let _ = writeln!(
            w,
            r#"    <line x1="{0}" y1="424" x2="{0}" y2="429"/>"#,
            x(tick)
        );
    }
    w.push_str("  </g>\n  <g fill=\"#444444\" text-anchor=\"middle\">\n");
    for tick in (0..=SCALE_END_MS).step_by(50) {
        let _ = writeln!(w, r#"    <text x="{}" y="442">{tick}</text>"#, x(tick));
    }
    w.push_str(
        r##"  </g>
  <text x="400" y="458" text-anchor="middle" fill="#444444">ms after the request was sent</text>

  <!-- Legend -->
  <g font-size="11" fill="#222222">
    <rect x="150" y="471" width="16" height="11" fill="#5d6d7e"/>
    <text x="172" y="481">running, no answer yet</text>
    <rect x="320" y="471" width="16" height="11" fill="#c0392b"/>
    <text x="342" y="481">running after the answer</text>
    <rect x="500" y="471.5" width="16" height="10" fill="#f4f6f6" stroke="#95a5a6" stroke-dasharray="4 3"/>
    <text x="522" y="481">cancelled, never run</text>
  </g>

  <g font-size="11" fill="#555555" text-anchor="middle">
    <text x="380" y="506">Drawn from the recorded runs of cargo run --bin 02_timeout_leak -- --seed 7 and</text>
    <text x="380" y="520">cargo run --bin 03_timeout_fixed -- --seed 7 (first case of each); they move by a few ms from run to run.</text>
  </g>
</svg>
"##,
    );
}
