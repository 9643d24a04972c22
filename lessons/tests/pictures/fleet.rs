//! Chapter 13's picture: the three replicas on a time line, in scene 2 (one lease, one
//! query, two replicas waiting) and scene 3 (the holder killed, its lease lapsing, a
//! waiter taking over), drawn from the recording. Times are from each scene's first
//! request.

use std::fmt::Write as _;

use super::recording::Line;

/// The query's length, as lesson 13 sets it (`QUERY_MS`): the recording shows when
/// things happened, the lesson's source how long a query takes.
const QUERY_MS: u64 = 400;

/// Scene 2: when the wave was sent and answered.
pub struct Coalesced {
    answered: u64,
    queries: u64,
}

/// Scene 3: when `a` was killed, when the lease was taken over, when all were answered.
pub struct TakenOver {
    killed: u64,
    took_over: u64,
    answered: u64,
    ttl: u64,
}

fn first_request(lines: &[Line]) -> u64 {
    lines
        .iter()
        .find(|line| line.who == "client")
        .expect("a scene starts with the client")
        .ms
}

fn line<'a>(lines: &'a [Line], who: &str, starts: &str) -> &'a Line {
    lines
        .iter()
        .find(|line| line.who == who && line.text.starts_with(starts))
        .unwrap_or_else(|| panic!("no `{who} {starts}…` line in the recording"))
}

/// The number right after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> u64 {
    let rest = &text[text.find(prefix).expect("the figure's prefix") + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a whole number")
}

impl Coalesced {
    pub fn from(lines: &[Line]) -> Coalesced {
        let start = first_request(lines);
        Coalesced {
            answered: line(lines, "client", "90 answered").ms - start,
            queries: number_after(&line(lines, "db", "queries").text, "queries: "),
        }
    }
}

impl TakenOver {
    pub fn from(lines: &[Line]) -> TakenOver {
        let start = first_request(lines);
        let killed = line(lines, "replica", "a killed").ms - start;
        let fleet = &line(lines, "fleet", "a's lease lapsed").text;
        TakenOver {
            killed,
            took_over: killed + number_after(fleet, "taken over "),
            answered: line(lines, "client", "60 answered").ms - start,
            ttl: number_after(fleet, "lease TTL "),
        }
    }
}

/// x for a time in ms: 1 px per 1.6 ms from x = 120.
fn x(ms: u64) -> f64 {
    120.0 + ms as f64 / 1.6
}

const LANES: [&str; 3] = ["replica a", "replica b", "replica c"];
const QUERY: &str = "#1f618d";
const WAIT: &str = "#d5dbdb";
const DEAD: &str = "#c0392b";
const LEASE: &str = "#d68910";

fn bar(w: &mut String, from: u64, to: u64, y: u64, fill: &str, label: &str) {
    let _ = writeln!(
        w,
        r#"  <rect x="{:.1}" y="{y}" width="{:.1}" height="18" fill="{fill}"/>"#,
        x(from),
        (x(to) - x(from)).max(1.0)
    );
    if !label.is_empty() {
        let dark = fill == QUERY || fill == DEAD;
        let _ = writeln!(
            w,
            r#"  <text x="{:.1}" y="{}" fill="{}" font-size="11">{label}</text>"#,
            x(from) + 5.0,
            y + 13,
            if dark { "#ffffff" } else { "#222222" }
        );
    }
}

fn lane_labels(w: &mut String, top: u64) {
    for (n, lane) in LANES.iter().enumerate() {
        let _ = writeln!(
            w,
            r##"  <text x="110" y="{}" text-anchor="end" fill="#222222">{lane}</text>"##,
            top + 13 + 26 * n as u64
        );
    }
    let _ = writeln!(
        w,
        r##"  <text x="110" y="{}" text-anchor="end" fill="#222222">lease in Redis</text>"##,
        top + 13 + 26 * 3
    );
}

pub fn draw(coalesced: &Coalesced, taken_over: &TakenOver) -> String {
    let mut svg = String::new();
    let w = &mut svg;
    let (c, t) = (coalesced, taken_over);
    let _ = write!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="860" height="420" viewBox="0 0 860 420" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title desc">
  <title id="title">Lesson 13: one query for three replicas, and a takeover when the holder dies</title>
  <desc id="desc">Scene 2: replica a holds the lease and queries for {QUERY_MS} ms while b and c wait; all are answered at {answered} ms, with {queries} query. Scene 3: a holds the lease and is killed at {killed} ms; its lease lapses on its own and a waiting replica (drawn as b) takes it over at {took_over} ms, {after} ms after the kill (lease TTL {ttl} ms), queries, and every waiting request is answered at {t_answered} ms.</desc>
  <rect width="860" height="420" fill="#ffffff"/>
"##,
        answered = c.answered,
        queries = c.queries,
        killed = t.killed,
        took_over = t.took_over,
        after = t.took_over - t.killed,
        ttl = t.ttl,
        t_answered = t.answered,
    );

    // Scene 2. Which replica takes the lease changes from run to run; drawn as a.
    let top = 50;
    let _ = writeln!(
        w,
        r##"  <text x="20" y="32" font-size="13" font-weight="bold" fill="#222222">Scene 2 · one lease, one query for the fleet ({} query)</text>"##,
        c.queries
    );
    lane_labels(w, top);
    bar(w, 0, c.answered, top, QUERY, "holds the lease, queries");
    bar(w, 0, c.answered, top + 26, WAIT, "waits for a's value");
    bar(w, 0, c.answered, top + 52, WAIT, "waits for a's value");
    bar(w, 0, c.answered, top + 78, LEASE, "a");
    let _ = writeln!(
        w,
        r##"  <text x="{:.1}" y="{}" fill="#222222" font-size="11">all answered, {} ms</text>"##,
        x(c.answered) + 5.0,
        top + 40,
        c.answered
    );

    // Scene 3.
    let top = 240;
    let _ = writeln!(
        w,
        r##"  <text x="20" y="222" font-size="13" font-weight="bold" fill="#222222">Scene 3 · a dies mid-query; its lease lapses, b takes over ({} ms after the kill, TTL {} ms)</text>"##,
        t.took_over - t.killed,
        t.ttl
    );
    lane_labels(w, top);
    bar(w, 0, t.killed, top, QUERY, "");
    bar(w, t.killed, t.killed + 6, top, DEAD, "");
    let _ = writeln!(
        w,
        r#"  <text x="{:.1}" y="{}" fill="{DEAD}" font-size="11">killed at {} ms: query and renewals dropped</text>"#,
        x(t.killed) + 10.0,
        top + 13,
        t.killed
    );
    bar(w, 0, t.took_over, top + 26, WAIT, "waits");
    bar(
        w,
        t.took_over,
        t.answered,
        top + 26,
        QUERY,
        "takes over, queries",
    );
    bar(w, 0, t.answered, top + 52, WAIT, "waits for b's value");
    bar(
        w,
        0,
        t.took_over,
        top + 78,
        LEASE,
        "a's, never released: lapses",
    );
    bar(w, t.took_over, t.answered, top + 78, LEASE, "b's");
    let _ = writeln!(
        w,
        r##"  <line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#222222" stroke-dasharray="3 3"/>
  <text x="{0:.1}" y="{3}" text-anchor="middle" fill="#222222" font-size="11">taken over at {4} ms</text>
  <text x="{5:.1}" y="{6}" fill="#222222" font-size="11">all answered, {7} ms</text>"##,
        x(t.took_over),
        top - 6,
        top + 100,
        top + 114,
        t.took_over,
        x(t.answered) + 5.0,
        top + 40,
        t.answered
    );
    svg.push_str("</svg>\n");
    svg
}
