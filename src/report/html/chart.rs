//! The timeline chart of one fixture as inline SVG: per programación, its window (shaded), its
//! rows by estado after every tick (stacked), a mark per tick (sent, error or skipped, with the
//! reason on hover), and the sends of each business day against its quota.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};

use super::esc;
use crate::domain::{EstadoEnvio, weekday_name};
use crate::report::timeline::{Lane, Sample, TickMark, Timeline};

const WIDTH: f64 = 1040.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 12.0;
const AXIS: f64 = 22.0;
const TITLE: f64 = 16.0;
const ROWS: f64 = 64.0;
const MARKS: f64 = 18.0;
const QUOTA: f64 = 34.0;
const GAP: f64 = 16.0;
const LANE: f64 = TITLE + ROWS + MARKS + QUOTA + GAP;

const PENDIENTE: &str = "#9ca3af";
const ENVIADO: &str = "#2f9e55";
const ERROR: &str = "#d64541";
const SKIP: &str = "#e08a00";
const WINDOW: &str = "#dbeafe";
const QUOTA_LINE: &str = "#7c3aed";

/// The legend above the charts (HTML).
pub const LEGEND: &str = "<p class=\"legend\">\
<span><i class=\"sw\" style=\"background:#dbeafe\"></i>window open</span>\
<span><i class=\"sw\" style=\"background:#9ca3af\"></i>pendiente</span>\
<span><i class=\"sw\" style=\"background:#2f9e55\"></i>enviado / sent by a tick</span>\
<span><i class=\"sw\" style=\"background:#d64541\"></i>error</span>\
<span><i class=\"sw\" style=\"background:#e08a00\"></i>tick skipped (hover: why)</span>\
<span><i class=\"sw\" style=\"background:#7c3aed\"></i>sent today vs cupo (dashed)</span></p>\n";

/// Maps business-local time to x.
struct Scale {
    t0: NaiveDateTime,
    seconds: f64,
}

impl Scale {
    fn x(&self, t: NaiveDateTime) -> f64 {
        let s = (t - self.t0).num_seconds() as f64;
        LEFT + (s / self.seconds).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }
}

/// The chart of a fixture from `t0` to `t1`.
pub fn svg(t: &Timeline, t0: NaiveDateTime, t1: NaiveDateTime) -> String {
    let scale = Scale {
        t0,
        seconds: ((t1 - t0).num_seconds().max(1)) as f64,
    };
    let general = if t.general.is_empty() {
        0.0
    } else {
        MARKS + 8.0
    };
    let height = AXIS + general + LANE * t.lanes.len() as f64;
    let mut out = format!(
        "<svg class=\"chart\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"timeline of {}\">",
        esc(&t.fixture)
    );
    axis(&mut out, &scale, t0, t1, height);
    let mut y = AXIS;
    if !t.general.is_empty() {
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{}\">every programación</text>",
            y + 12.0
        );
        marks(&mut out, &scale, &t.general, y);
        y += general;
    }
    for lane in &t.lanes {
        lane_chart(&mut out, &scale, lane, t0, t1, y);
        y += LANE;
    }
    out.push_str("</svg>\n");
    out
}

/// Time labels along the top, and light vertical rules.
fn axis(out: &mut String, scale: &Scale, t0: NaiveDateTime, t1: NaiveDateTime, height: f64) {
    let steps = 6;
    for i in 0..=steps {
        let t = t0 + (t1 - t0) * i / steps;
        let x = scale.x(t);
        let anchor = if i == steps {
            "end"
        } else if i == 0 {
            "start"
        } else {
            "middle"
        };
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height}\" stroke=\"#eef0f3\"/>\
             <text x=\"{x:.1}\" y=\"14\" text-anchor=\"{anchor}\">{}</text>",
            AXIS - 4.0,
            t.format("%a %d %H:%M")
        );
    }
}

/// One programación: title, window bands, estado rows, tick marks, quota.
fn lane_chart(
    out: &mut String,
    scale: &Scale,
    lane: &Lane,
    t0: NaiveDateTime,
    t1: NaiveDateTime,
    y: f64,
) {
    let days: String = lane
        .weekdays
        .iter()
        .filter_map(|d| chrono::Weekday::try_from(*d as u8).ok().map(weekday_name))
        .collect::<Vec<_>>()
        .join(",");
    let _ = write!(
        out,
        "<g class=\"lane\" data-programacion=\"{}\"><text x=\"4\" y=\"{:.1}\"><tspan font-weight=\"bold\">programación {}</tspan> · campaña {} · cliente {} · window {}–{} {days} · cupo {}/day</text>",
        lane.programacion_id,
        y + 12.0,
        lane.programacion_id,
        lane.campania_id,
        lane.cliente_id,
        lane.hora_inicio.format("%H:%M"),
        lane.hora_fin.format("%H:%M"),
        lane.cupo_diario
    );
    let top = y + TITLE;
    windows(out, scale, lane, t0, t1, top, ROWS + MARKS + QUOTA);
    rows(out, scale, lane, t1, top);
    let _ = write!(
        out,
        "<text x=\"4\" y=\"{:.1}\">ticks</text>",
        top + ROWS + 12.0
    );
    marks(out, scale, &lane.ticks, top + ROWS);
    quota(out, scale, lane, t1, top + ROWS + MARKS);
    out.push_str("</g>");
}

/// Shaded bands where the window is open (weekday and hours), clipped to the run.
fn windows(
    out: &mut String,
    scale: &Scale,
    lane: &Lane,
    t0: NaiveDateTime,
    t1: NaiveDateTime,
    top: f64,
    height: f64,
) {
    let mut day = t0.date();
    while day <= t1.date() {
        let open = day.and_time(lane.hora_inicio);
        let close = day.and_time(lane.hora_fin);
        if lane.in_window(open) && close > t0 && open < t1 {
            let (a, b) = (scale.x(open.max(t0)), scale.x(close.min(t1)));
            let _ = write!(
                out,
                "<rect class=\"window\" x=\"{a:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{height}\" fill=\"{WINDOW}\"><title>window {} {}–{}</title></rect>",
                (b - a).max(1.0),
                day.format("%a %d"),
                lane.hora_inicio.format("%H:%M"),
                lane.hora_fin.format("%H:%M")
            );
        }
        day += Duration::days(1);
    }
}

/// Rows by estado, stacked (enviado, error, pendiente from the bottom), step by step.
fn rows(out: &mut String, scale: &Scale, lane: &Lane, t1: NaiveDateTime, top: f64) {
    let _ = write!(
        out,
        "<text x=\"4\" y=\"{:.1}\">rows by estado</text>",
        top + 30.0
    );
    let max = lane
        .samples
        .iter()
        .map(|s| s.pendiente + s.enviado + s.error)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bottom = top + ROWS - 4.0;
    let unit = (ROWS - 8.0) / max;
    // One block per change of the counts; a tick takes no virtual time without pacing, so
    // the state before it still gets a sliver.
    let mut cursor = LEFT;
    for (i, (s, until)) in changes(lane, t1).into_iter().enumerate() {
        let x0 = scale.x(s.at).max(cursor).min(WIDTH - RIGHT - 1.0);
        let x1 = scale
            .x(until)
            .max(x0 + if i == 0 { 5.0 } else { 0.5 })
            .min(WIDTH - RIGHT);
        cursor = x1;
        let w = (x1 - x0).max(0.5);
        let mut base = bottom;
        for (n, color, estado) in [
            (s.enviado, ENVIADO, EstadoEnvio::Enviado.as_str()),
            (s.error, ERROR, EstadoEnvio::Error.as_str()),
            (s.pendiente, PENDIENTE, EstadoEnvio::Pendiente.as_str()),
        ] {
            if n == 0 {
                continue;
            }
            let h = n as f64 * unit;
            let _ = write!(
                out,
                "<rect class=\"estado {estado}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{color}\"><title>{} {estado} {n}</title></rect>",
                base - h,
                s.at.format("%a %d %H:%M")
            );
            base -= h;
        }
    }
}

/// The samples where the counts change, each with the time the next change comes (or `t1`).
fn changes(lane: &Lane, t1: NaiveDateTime) -> Vec<(Sample, NaiveDateTime)> {
    let same = |a: &Sample, b: &Sample| {
        (a.pendiente, a.enviado, a.error) == (b.pendiente, b.enviado, b.error)
    };
    let mut out: Vec<(Sample, NaiveDateTime)> = Vec::new();
    for s in &lane.samples {
        match out.last_mut() {
            Some((last, _)) if same(last, s) => {}
            Some((_, until)) => {
                *until = s.at;
                out.push((*s, t1));
            }
            None => out.push((*s, t1)),
        }
    }
    out
}

/// One mark per tick: green with the count when it sent, red when rows went to error,
/// orange when it skipped; hover says why.
fn marks(out: &mut String, scale: &Scale, ticks: &[TickMark], top: f64) {
    let cy = top + MARKS / 2.0;
    for m in ticks {
        let x = scale.x(m.at);
        let (class, color) = match (m.sent, m.errors, &m.skip) {
            (s, _, _) if s > 0 => ("sent", ENVIADO),
            (_, e, _) if e > 0 => ("error", ERROR),
            (_, _, Some(_)) => ("skipped", SKIP),
            _ => ("idle", PENDIENTE),
        };
        let why = match &m.skip {
            Some(skip) => format!(": {skip}: {}", m.detail),
            None => String::new(),
        };
        let _ = write!(
            out,
            "<circle class=\"tick {class}\" cx=\"{x:.1}\" cy=\"{cy:.1}\" r=\"{}\" fill=\"{color}\"><title>tick {}: sent {}, error {}{}</title></circle>",
            if m.sent > 0 { 5 } else { 3 },
            m.at.format("%a %d %H:%M"),
            m.sent,
            m.errors,
            esc(&why)
        );
    }
}

/// Sends of each business day so far (a step line) against the day's cupo (dashed).
fn quota(out: &mut String, scale: &Scale, lane: &Lane, t1: NaiveDateTime, top: f64) {
    let _ = write!(
        out,
        "<text x=\"4\" y=\"{:.1}\">sent today / cupo</text>",
        top + 20.0
    );
    let mut points: Vec<(NaiveDateTime, u64)> = Vec::new();
    let mut today = None;
    let mut sum = 0;
    for m in &lane.ticks {
        if today != Some(m.at.date()) {
            today = Some(m.at.date());
            sum = 0;
            points.push((m.at, 0));
        }
        sum += m.sent;
        points.push((m.at, sum));
    }
    let peak = points.iter().map(|p| p.1).max().unwrap_or(0);
    let max = peak
        .max(u64::try_from(lane.cupo_diario).unwrap_or(0))
        .max(1) as f64;
    let bottom = top + QUOTA - 4.0;
    let y = |n: u64| bottom - n as f64 / max * (QUOTA - 8.0);
    let cupo_y = y(u64::try_from(lane.cupo_diario).unwrap_or(0));
    let _ = write!(
        out,
        "<line class=\"cupo\" x1=\"{LEFT}\" y1=\"{cupo_y:.1}\" x2=\"{:.1}\" y2=\"{cupo_y:.1}\" stroke=\"{QUOTA_LINE}\" stroke-dasharray=\"4 3\"><title>cupo {} per day</title></line>",
        WIDTH - RIGHT,
        lane.cupo_diario
    );
    let mut path = String::new();
    let mut last_y = bottom;
    for (i, (at, n)) in points.iter().enumerate() {
        let x = scale.x(*at);
        let _ = write!(
            path,
            "{}{x:.1},{last_y:.1} L{x:.1},{:.1} ",
            if i == 0 { "M" } else { "L" },
            y(*n)
        );
        last_y = y(*n);
    }
    if !path.is_empty() {
        let _ = write!(
            out,
            "<path class=\"sent-today\" d=\"{path}L{:.1},{last_y:.1}\" fill=\"none\" stroke=\"{QUOTA_LINE}\" stroke-width=\"1.5\"><title>most sent in a day: {peak}</title></path>",
            scale.x(t1)
        );
    }
}
