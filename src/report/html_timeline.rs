//! The HTML report's timeline: per collection, one bar per request, placed by when it started
//! and as long as it took, coloured by outcome, with its sends, retry waits, delays, token
//! fetches and receive waits as segments, so a slow or flaky step is seen at a glance.

use std::fmt::Write as _;
use std::time::Duration;

use super::{CollectedCollection, KeptRequest, failure_lines};
use crate::report::event::{Outcome, PhaseKind, RequestResult};

/// Words for the legend and the hover titles.
fn phase_words(k: PhaseKind) -> &'static str {
    match k {
        PhaseKind::Delay => "delay",
        PhaseKind::Token => "token fetch",
        PhaseKind::Send => "send",
        PhaseKind::Wait => "retry wait",
        PhaseKind::Receive => "receive wait",
    }
}

/// A short time for the page, finer than the terminal's below 10 ms (a mock answers in
/// microseconds): `0`, `250µs`, `1.2ms`, `40ms`, `1.5s`.
pub fn short(ms: f64) -> String {
    if ms == 0.0 {
        "0".into()
    } else if ms < 1.0 {
        format!("{}µs", (ms * 1000.0).round())
    } else if ms < 10.0 {
        let r = (ms * 10.0).round() / 10.0;
        format!("{r}ms")
    } else if ms < 1000.0 {
        format!("{}ms", ms.round())
    } else {
        let s = (ms / 100.0).round() / 10.0;
        format!("{s}s")
    }
}

/// A round step for about six ticks over `span_ms`.
fn tick_step(span_ms: f64) -> f64 {
    let raw = span_ms / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The hover title of a request's bar: name, outcome and status, time, then its phases.
fn title(r: &RequestResult) -> String {
    let status = r.response.as_ref().map_or_else(
        || "no response".to_string(),
        |p| format!("status {}", p.status),
    );
    let mut t = format!(
        "{}\n{} · {status} · {}",
        r.name,
        outcome_class(r.outcome),
        short(ms(r.duration))
    );
    let sends = r
        .phases
        .iter()
        .filter(|p| p.kind == PhaseKind::Send)
        .count();
    let mut n = 0;
    for p in &r.phases {
        let what = if p.kind == PhaseKind::Send && sends > 1 {
            n += 1;
            format!("send {n} of {sends}")
        } else {
            phase_words(p.kind).to_string()
        };
        let _ = write!(t, "\n  {what}: {}", short(ms(p.duration)));
    }
    if let Some(first) = failure_lines(r).first().and_then(|l| l.lines().next()) {
        let _ = write!(t, "\n{first}");
    }
    t
}

/// The timeline of one collection; `ids[i]` is the id of request `i`'s row in the list.
pub fn timeline(col: &CollectedCollection, ids: &[String]) -> String {
    let reqs: Vec<&RequestResult> = col
        .requests
        .iter()
        .map(|k: &KeptRequest| &k.result)
        .collect();
    let Some(t0) = reqs.iter().map(|r| r.started).min() else {
        return String::new();
    };
    let end = reqs
        .iter()
        .map(|r| r.started + r.duration)
        .max()
        .unwrap_or(t0);
    let scale = Scale {
        t0,
        span: ms(end - t0).max(0.001),
    };
    let mut h = axis(&scale, &col.title());
    let mut seen = Seen::default();
    for (r, id) in reqs.iter().zip(ids) {
        lane(&mut h, r, id, &scale, &mut seen);
    }
    legend(&mut h, seen);
    h
}

/// Where a request sits on the track: milliseconds from the first start, over the span.
struct Scale {
    t0: Duration,
    span: f64,
}

impl Scale {
    fn pct(&self, v: f64) -> f64 {
        v / self.span * 100.0
    }
}

/// What the legend lists: the outcomes and phase kinds that appear, and whether a send was
/// retried.
#[derive(Default)]
struct Seen {
    kinds: Vec<PhaseKind>,
    outcomes: Vec<&'static str>,
    retried: bool,
}

/// The timeline's opening and its time axis. Gridlines are the track's background,
/// repeating every step from 0.
fn axis(scale: &Scale, title: &str) -> String {
    let step = tick_step(scale.span);
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<div class=\"timeline\" role=\"group\" style=\"--tick:{:.4}%\" aria-label=\"Timeline of {}\">",
        scale.pct(step),
        escape(title)
    );
    h.push_str("<div class=\"axis\"><span></span><div class=\"ticks\">");
    for t in (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|t| *t <= scale.span * 1.0001)
    {
        // A label at the right end is right-aligned, so it stays inside the track.
        let end = if scale.pct(t) > 94.0 {
            " class=\"end\""
        } else {
            ""
        };
        let _ = write!(
            h,
            "<span{end} style=\"left:{:.4}%\">{}</span>",
            scale.pct(t),
            short(t)
        );
    }
    h.push_str("</div><span></span></div>\n<div class=\"lanes\">\n");
    h
}

/// One request's lane: its name, its bar with a segment per phase, its time.
fn lane(h: &mut String, r: &RequestResult, id: &str, scale: &Scale, seen: &mut Seen) {
    let class = outcome_class(r.outcome);
    if !seen.outcomes.contains(&class) {
        seen.outcomes.push(class);
    }
    let start = ms(r.started - scale.t0);
    let len = ms(r.duration);
    let tries = if r.attempts > 1 {
        format!("<span class=\"tries\">{} sends</span>", r.attempts)
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<div class=\"lane\" data-req=\"{id}\" data-outcome=\"{class}\" data-name=\"{}\"><span class=\"lane-name\" title=\"{}\">{}{tries}</span><div class=\"track\"><a class=\"bar {class}\" href=\"#{id}\" style=\"left:{:.4}%;width:{:.4}%\" title=\"{}\">",
        escape(&r.name),
        escape(&r.name),
        escape(&r.name),
        scale.pct(start),
        scale.pct(len),
        escape(&title(r))
    );
    segments(h, r, len, seen);
    let _ = writeln!(
        h,
        "</a></div><span class=\"lane-time\">{}</span></div>",
        short(ms(r.duration))
    );
}

/// A segment per phase of a request, placed within its bar.
fn segments(h: &mut String, r: &RequestResult, len: f64, seen: &mut Seen) {
    let sends = r
        .phases
        .iter()
        .filter(|p| p.kind == PhaseKind::Send)
        .count();
    let mut send = 0;
    for p in &r.phases {
        if !seen.kinds.contains(&p.kind) {
            seen.kinds.push(p.kind);
        }
        // Every send but the last was answered in a way that made baton send again.
        let retried = p.kind == PhaseKind::Send && {
            send += 1;
            send < sends
        };
        seen.retried |= retried;
        let (left, width) = if len > 0.0 {
            (
                ms(p.start.saturating_sub(r.started)) / len * 100.0,
                ms(p.duration) / len * 100.0,
            )
        } else {
            (0.0, 100.0)
        };
        let _ = write!(
            h,
            "<span class=\"seg {}{}\" style=\"left:{left:.4}%;width:{width:.4}%\"></span>",
            p.kind.name(),
            if retried { " retried" } else { "" }
        );
    }
}

/// The legend: the outcomes, then the phase kinds that appear.
fn legend(h: &mut String, mut seen: Seen) {
    h.push_str("</div>\n<div class=\"legend\">");
    for o in seen.outcomes {
        let _ = write!(h, "<span><i class=\"key {o}\"></i>{o}</span>");
    }
    seen.kinds.sort_by_key(|k| *k as u8);
    if !seen.kinds.is_empty() {
        // The pale rest of a bar: rendering the request before, checks and captures after.
        h.push_str("<span><i class=\"key other\"></i>before and after sending</span>");
    }
    for k in seen.kinds {
        let _ = write!(
            h,
            "<span><i class=\"key {}\"></i>{}</span>",
            k.name(),
            phase_words(k)
        );
        if k == PhaseKind::Send && seen.retried {
            h.push_str("<span><i class=\"key retried\"></i>send that was retried</span>");
        }
    }
    h.push_str("</div>\n</div>\n");
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The class (and word) of an outcome, shared by the list and the timeline.
pub fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Error => "error",
        Outcome::Skipped => "skipped",
        Outcome::Interrupted => "interrupted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(1000.0), 200.0);
        assert_eq!(tick_step(583.0), 100.0);
        assert_eq!(tick_step(37.0), 10.0);
        assert_eq!(tick_step(4.1), 1.0);
        assert_eq!(tick_step(3.0), 0.5);
        assert_eq!(short(0.25), "250µs");
        assert_eq!(short(1500.0), "1.5s");
        assert_eq!(short(40.0), "40ms");
        assert_eq!(short(1.23), "1.2ms");
        assert_eq!(short(0.0004), "0µs");
    }
}
