//! Reading a run back: the trace decoded with names resolved, for insights, the console,
//! the command-line runner and the Chrome trace-event export.

use crate::trace::{EndState, Event, Kind, ObjKind, Op, Trace};
use serde::Serialize;
use std::collections::HashMap;

/// One printed line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    /// Lesson seconds since the run started.
    pub t: f64,
    /// Thread id (1: MainThread).
    pub actor: u32,
    pub text: String,
    pub stderr: bool,
}

/// A run's events with every name resolved.
#[derive(Clone, Debug, Default)]
pub struct TraceView {
    pub events: Vec<Event>,
    /// Lesson seconds per real second.
    pub speed: f64,
    /// Thread id -> name.
    pub threads: HashMap<u32, String>,
    /// Object id -> (kind, name).
    pub objects: HashMap<u32, (ObjKind, String)>,
    /// Every string argument, by event index (prints, names, messages).
    pub strings: HashMap<usize, String>,
    pub dropped: u64,
}

impl TraceView {
    /// Decodes everything recorded so far.
    pub fn from_trace(trace: &Trace) -> TraceView {
        let mut v = TraceView { speed: 1.0, ..Default::default() };
        let mut events = Vec::new();
        trace.read(0, &mut events);
        v.extend(trace, events);
        v
    }

    /// Adds newly read events (as returned by [`Trace::read`]) to the view.
    pub fn extend(&mut self, trace: &Trace, events: Vec<Event>) {
        for e in events {
            let i = self.events.len();
            match e.kind {
                Kind::RunStart => self.speed = f64::from_bits(e.arg),
                Kind::ThreadStart => {
                    self.threads.insert(e.actor, trace.text(e.str_arg()));
                }
                Kind::ObjNew => {
                    self.objects.insert(e.obj, (ObjKind::from_u16(e.code), trace.text(e.str_arg())));
                }
                Kind::Print | Kind::Fail | Kind::ThreadPanic | Kind::RunEnd => {
                    self.strings.insert(i, trace.text(e.str_arg()));
                }
                _ => {}
            }
            self.events.push(e);
        }
        self.dropped = trace.dropped();
    }

    /// Lesson seconds of an event.
    pub fn t(&self, e: &Event) -> f64 {
        e.t_ns as f64 * self.speed / 1e9
    }

    pub fn thread_name(&self, tid: u32) -> &str {
        match tid {
            0 => "runtime",
            1 => "MainThread",
            _ => self.threads.get(&tid).map_or("?", |s| s.as_str()),
        }
    }

    pub fn obj_name(&self, obj: u32) -> &str {
        self.objects.get(&obj).map_or("?", |(_, n)| n.as_str())
    }

    pub fn obj_kind(&self, obj: u32) -> Option<ObjKind> {
        self.objects.get(&obj).map(|(k, _)| *k)
    }

    /// The first object of `kind` named `name`.
    pub fn find_obj(&self, kind: ObjKind, name: &str) -> Option<u32> {
        let mut ids: Vec<_> =
            self.objects.iter().filter(|(_, (k, n))| *k == kind && n == name).map(|(id, _)| *id).collect();
        ids.sort();
        ids.first().copied()
    }

    /// Every printed line, in order.
    pub fn lines(&self) -> Vec<Line> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == Kind::Print)
            .map(|(i, e)| Line {
                t: self.t(e),
                actor: e.actor,
                text: self.strings.get(&i).cloned().unwrap_or_default(),
                stderr: e.code == 1,
            })
            .collect()
    }

    /// The printed text of stdout, one line each.
    pub fn stdout(&self) -> Vec<String> {
        self.lines().into_iter().filter(|l| !l.stderr).map(|l| l.text).collect()
    }

    /// How the run ended and why, once it has.
    pub fn end(&self) -> Option<(EndState, String)> {
        self.events.iter().enumerate().rev().find(|(_, e)| e.kind == Kind::RunEnd).and_then(|(i, e)| {
            EndState::from_u16(e.code).map(|s| (s, self.strings.get(&i).cloned().unwrap_or_default()))
        })
    }

    /// Events of one kind and op.
    pub fn ops(&self, kind: Kind, op: Op) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.kind == kind && e.op == op)
    }

    /// Lesson time the run lasted (to its last event).
    pub fn duration(&self) -> f64 {
        self.events.last().map_or(0.0, |e| self.t(e))
    }

    /// For each object, the number of threads "inside" it over time, from Ok-acquire and
    /// Release events: the largest value reached. Used by the semaphore and pool insights.
    pub fn max_inside(&self, obj: u32) -> usize {
        let mut inside: i64 = 0;
        let mut max = 0;
        for e in self.events.iter().filter(|e| e.obj == obj) {
            match (e.kind, e.op) {
                (Kind::Ok, Op::Acquire) => inside += 1,
                (Kind::Signal, Op::Release) => inside -= 1,
                _ => {}
            }
            max = max.max(inside);
        }
        max as usize
    }

    /// The run as Chrome trace-event JSON (opens in Perfetto's UI and chrome://tracing):
    /// one track per thread, a slice for each blocked, sleeping or running stretch, an
    /// instant for each print and signal.
    pub fn chrome_json(&self) -> String {
        #[derive(Serialize)]
        struct Ev<'a> {
            name: String,
            cat: &'a str,
            ph: &'a str,
            ts: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            dur: Option<f64>,
            pid: u32,
            tid: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            s: Option<&'a str>,
            args: serde_json::Value,
        }
        let us = |e: &Event| self.t(e) * 1e6; // lesson microseconds
        let mut out: Vec<Ev> = Vec::new();
        for (tid, name) in self.threads.iter().chain([(&1u32, &"MainThread".to_string())]) {
            out.push(Ev {
                name: "thread_name".into(),
                cat: "__metadata",
                ph: "M",
                ts: 0.0,
                dur: None,
                pid: 1,
                tid: *tid,
                s: None,
                args: serde_json::json!({ "name": name }),
            });
        }
        let mut open: HashMap<u32, (f64, String)> = HashMap::new();
        let mut start: HashMap<u32, f64> = HashMap::new();
        for (i, e) in self.events.iter().enumerate() {
            let ts = us(e);
            let what =
                if e.obj != 0 { format!("{} {}", e.op.name(), self.obj_name(e.obj)) } else { e.op.name().to_owned() };
            match e.kind {
                Kind::ThreadStart => {
                    start.insert(e.actor, ts);
                }
                Kind::ThreadEnd => {
                    if let Some(s) = start.remove(&e.actor) {
                        out.push(Ev {
                            name: self.thread_name(e.actor).into(),
                            cat: "thread",
                            ph: "X",
                            ts: s,
                            dur: Some(ts - s),
                            pid: 1,
                            tid: e.actor,
                            s: None,
                            args: serde_json::json!({}),
                        });
                    }
                }
                Kind::Block => {
                    open.insert(
                        e.actor,
                        (ts, if e.op == Op::Sleep { "sleep".into() } else { format!("blocked: {what}") }),
                    );
                }
                Kind::Ok | Kind::Timeout if open.contains_key(&e.actor) => {
                    let (s, name) = open.remove(&e.actor).unwrap();
                    out.push(Ev {
                        name,
                        cat: "wait",
                        ph: "X",
                        ts: s,
                        dur: Some(ts - s),
                        pid: 1,
                        tid: e.actor,
                        s: None,
                        args: serde_json::json!({ "outcome": format!("{:?}", e.kind) }),
                    });
                }
                Kind::Print => out.push(Ev {
                    name: self.strings.get(&i).cloned().unwrap_or_default(),
                    cat: "print",
                    ph: "i",
                    ts,
                    dur: None,
                    pid: 1,
                    tid: e.actor,
                    s: Some("t"),
                    args: serde_json::json!({}),
                }),
                Kind::Signal | Kind::Fail | Kind::WaitEdge => out.push(Ev {
                    name: what,
                    cat: "op",
                    ph: "i",
                    ts,
                    dur: None,
                    pid: 1,
                    tid: e.actor,
                    s: Some("t"),
                    args: serde_json::json!({ "value": e.arg }),
                }),
                _ => {}
            }
        }
        serde_json::json!({ "traceEvents": out, "displayTimeUnit": "ms" }).to_string()
    }
}
