//! Chapter 11's bar charts: database queries and p99 latency for the first three
//! set-ups, drawn from the recording's result line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The set-ups drawn, by the suffix of their result keys, with their label and colour.
const SETUPS: [(&str, &str, &str, &str); 3] = [
    ("no_protection", "no", "protection", "#c0392b"),
    ("singleflight", "singleflight", "only", "#d68910"),
    ("cache_singleflight", "cache +", "singleflight", "#1e8449"),
];

/// The height of a panel's plot area, in px, from y = 280 up to y = 60.
const PLOT_HEIGHT: f64 = 220.0;
const BASELINE: f64 = 280.0;

/// One panel: a title, an axis title, the value of each set-up, where it sits.
struct Panel<'a> {
    left: f64,
    title: &'a str,
    axis: &'a str,
    values: Vec<u64>,
    /// Grid lines every `step` units, four of them up to the top.
    step: u64,
}

/// A step so that four of them cover `max`, rounded up to a multiple of `unit`.
fn step_for(max: u64, unit: u64) -> u64 {
    max.div_ceil(4).div_ceil(unit).max(1) * unit
}

pub fn draw(result: &BTreeMap<String, String>) -> String {
    let figure = |key: String| -> u64 {
        result
            .get(&key)
            .unwrap_or_else(|| panic!("lesson 11's result has no {key}"))
            .parse()
            .unwrap_or_else(|_| panic!("lesson 11's {key} is a whole number"))
    };
    let calls: Vec<u64> = SETUPS
        .iter()
        .map(|(setup, ..)| figure(format!("calls_{setup}")))
        .collect();
    let p99: Vec<u64> = SETUPS
        .iter()
        .map(|(setup, ..)| figure(format!("p99_ms_{setup}")))
        .collect();
    let mut svg = String::new();
    let w = &mut svg;
    let _ = write!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="760" height="392" viewBox="0 0 760 392" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title desc">
  <title id="title">Lesson 11: database queries and p99 latency for three set-ups</title>
  <desc id="desc">200 requests arrive in two waves of 100 once the cached entry has expired. No protection: {} queries, p99 {} ms. Singleflight only: {} queries, p99 {} ms. Cache and singleflight: {} query, p99 {} ms. Latencies are timed from the moment a request is let in.</desc>
  <rect width="760" height="392" fill="#ffffff"/>
  <text x="380" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#222222">200 requests, in two waves of 100, once the cached entry has expired</text>

  <g transform="translate(0 12)">
"##,
        calls[0], p99[0], calls[1], p99[1], calls[2], p99[2]
    );
    let queries = Panel {
        left: 80.0,
        title: "Database queries during the waves",
        axis: "queries started",
        step: step_for(*calls.iter().max().unwrap_or(&1), 25),
        values: calls,
    };
    let latency = Panel {
        left: 460.0,
        title: "Latency once let in, p99",
        axis: "p99 latency (ms)",
        step: step_for(*p99.iter().max().unwrap_or(&1), 50),
        values: p99,
    };
    draw_panel(w, &queries);
    w.push('\n');
    draw_panel(w, &latency);
    w.push_str(
        r##"  </g>

  <text x="380" y="380" text-anchor="middle" font-size="11" fill="#555555">Drawn from the recorded run of cargo run --bin 11_cache_stampede -- --seed 7 (debug build, 2 cores): queries take 100 ms, 20 at a time.</text>
</svg>
"##,
    );
    svg
}

fn draw_panel(w: &mut String, panel: &Panel) {
    let (left, right) = (panel.left, panel.left + 260.0);
    let centre = (left + right) / 2.0;
    let top = panel.step * 4;
    let y = |value: u64| BASELINE - PLOT_HEIGHT * value as f64 / top as f64;
    let _ = write!(
        w,
        "  <text x=\"{centre}\" y=\"34\" text-anchor=\"middle\" font-size=\"13\" fill=\"#222222\">{}</text>\n  <g stroke=\"#dddddd\" stroke-width=\"1\">\n",
        panel.title
    );
    for n in (1..=4).rev() {
        let _ = writeln!(
            w,
            r#"    <line x1="{left}" y1="{0}" x2="{right}" y2="{0}"/>"#,
            y(panel.step * n)
        );
    }
    w.push_str("  </g>\n  <g fill=\"#444444\" text-anchor=\"end\">\n");
    for n in (0..=4).rev() {
        let _ = writeln!(
            w,
            r#"    <text x="{}" y="{}">{}</text>"#,
            left - 6.0,
            y(panel.step * n) + 4.0,
            panel.step * n
        );
    }
    w.push_str("  </g>\n");
    let slot = 260.0 / 3.0;
    let bar_centre = |n: usize| left + 43.3 + slot * n as f64;
    for (n, value) in panel.values.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"  <rect x="{:.1}" y="{:.1}" width="52" height="{:.1}" fill="{}"/>"#,
            bar_centre(n) - 26.0,
            y(*value),
            BASELINE - y(*value),
            SETUPS[n].3
        );
    }
    w.push_str("  <g fill=\"#222222\" text-anchor=\"middle\" font-weight=\"bold\">\n");
    for (n, value) in panel.values.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <text x="{:.1}" y="{:.1}">{value}</text>"#,
            bar_centre(n),
            y(*value) - 6.0
        );
    }
    let _ = write!(
        w,
        "  </g>\n  <line x1=\"{left}\" y1=\"60\" x2=\"{left}\" y2=\"280\" stroke=\"#444444\"/>\n  <line x1=\"{left}\" y1=\"280\" x2=\"{right}\" y2=\"280\" stroke=\"#444444\"/>\n  <g fill=\"#222222\" text-anchor=\"middle\">\n"
    );
    for (n, (_, first, second, _)) in SETUPS.iter().enumerate() {
        let _ = writeln!(
            w,
            r#"    <text x="{0:.1}" y="298">{first}<tspan x="{0:.1}" dy="14">{second}</tspan></text>"#,
            bar_centre(n)
        );
    }
    let _ = write!(
        w,
        "  </g>\n  <text x=\"{centre}\" y=\"338\" text-anchor=\"middle\" fill=\"#444444\">set-up</text>\n  <text transform=\"translate({} 170) rotate(-90)\" text-anchor=\"middle\" fill=\"#444444\">{}</text>\n",
        left - 48.0,
        panel.axis
    );
}
