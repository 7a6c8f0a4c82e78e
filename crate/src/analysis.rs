//! Reading a run back: the trace decoded with names resolved, for insights, the console,
//! the command-line runner and the Chrome trace-event export.

use crate::text::Msg;
use crate::trace::{Actor, EndState, Event, Kind, ObjKind, Op, Trace};
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;

/// One printed line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    /// Lesson seconds since the run started.
    pub t: f64,
    /// Who printed it.
    pub actor: Actor,
    pub text: String,
    pub stderr: bool,
}

/// A deadlock report line: `waiter` waits on `obj`, held by `holder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitEdge {
    pub waiter: Actor,
    pub obj: u32,
    /// Who holds `obj` (`None`: nobody does).
    pub holder: Option<Actor>,
}

impl WaitEdge {
    /// "MainThread waits on Lock 'lock' held by MainThread", in both languages: the one
    /// wording that the page, the command line and the embed API show.
    pub fn describe(&self, view: &TraceView) -> Msg {
        let w = view.thread_name(self.waiter);
        match view.objects.get(&self.obj) {
            Some((ObjKind::Thread, name)) => Msg::new(
                format!("{w} ждёт завершения потока '{name}' (join)"),
                format!("{w} waits on Thread '{name}' (join)"),
            ),
            Some((kind, name)) => {
                let k = kind.name();
                match self.holder {
                    None => Msg::new(
                        format!("{w} ждёт {k} '{name}', который никто не держит"),
                        format!("{w} waits on {k} '{name}', which nobody holds"),
                    ),
                    Some(h) => {
                        let h = view.thread_name(h);
                        Msg::new(
                            format!("{w} ждёт {k} '{name}', который держит {h}"),
                            format!("{w} waits on {k} '{name}' held by {h}"),
                        )
                    }
                }
            }
            None => Msg::new(format!("{w} ждёт"), format!("{w} waits")),
        }
    }
}

/// A run's events with every name resolved.
#[derive(Clone, Debug, Default)]
pub struct TraceView {
    pub events: Vec<Event>,
    /// Lesson seconds per real second.
    pub speed: f64,
    /// Thread -> name, for every thread that started.
    pub threads: HashMap<Actor, String>,
    /// Process id -> name.
    pub processes: BTreeMap<u32, String>,
    /// The seed the run drew its random choices from.
    pub seed: Option<u64>,
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
                    self.threads.insert(e.actor.as_thread(), trace.text(e.str_arg()));
                }
                Kind::Process => {
                    self.processes.insert(e.obj, trace.text(e.str_arg()));
                }
                Kind::Seed => self.seed = Some(e.arg),
                Kind::ObjNew => {
                    self.objects.insert(e.obj, (e.obj_kind().unwrap_or(ObjKind::Value), trace.text(e.str_arg())));
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

    pub fn thread_name(&self, actor: Actor) -> &str {
        match actor.tid {
            0 => "runtime",
            Actor::MAIN_TID => "MainThread",
            _ => self.threads.get(&actor.as_thread()).map_or("?", |s| s.as_str()),
        }
    }

    /// A process's name (`MainProcess` for the first).
    pub fn process_name(&self, pid: u32) -> &str {
        match self.processes.get(&pid) {
            Some(name) => name,
            None if pid == Actor::MAIN_PID => "MainProcess",
            None => "?",
        }
    }

    /// The thread `tid` of the process these events come from (a run's main process).
    pub fn thread(&self, tid: u32) -> Actor {
        Actor::thread(self.events.first().map_or(Actor::MAIN_PID, |e| e.actor.pid), tid)
    }

    /// The first thread named `name`, in order of thread ids.
    pub fn thread_named(&self, name: &str) -> Option<Actor> {
        if name == "MainThread" {
            return Some(self.thread(Actor::MAIN_TID));
        }
        self.threads.iter().filter(|(_, n)| n.as_str() == name).map(|(a, _)| *a).min()
    }

    /// The actor as `--json`, the embed API and the page's tests name it.
    pub fn actor_json(&self, actor: Actor) -> serde_json::Value {
        serde_json::json!({ "pid": actor.pid, "process": self.process_name(actor.pid), "thread": self.thread_name(actor) })
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
                stderr: e.is_stderr(),
            })
            .collect()
    }

    /// The printed text of stdout, one line each.
    pub fn stdout(&self) -> Vec<String> {
        self.lines().into_iter().filter(|l| !l.stderr).map(|l| l.text).collect()
    }

    /// How the run ended and why, once it has.
    pub fn end(&self) -> Option<(EndState, String)> {
        self.events
            .iter()
            .enumerate()
            .rev()
            .find(|(_, e)| e.kind == Kind::RunEnd)
            .and_then(|(i, e)| e.end_state().map(|s| (s, self.strings.get(&i).cloned().unwrap_or_default())))
    }

    /// The deadlock report: who waits on what, held by whom, each line once.
    pub fn wait_edges(&self) -> Vec<WaitEdge> {
        let mut edges: Vec<WaitEdge> = Vec::new();
        for e in self.events.iter().filter(|e| e.kind == Kind::WaitEdge) {
            let edge = WaitEdge {
                waiter: e.actor,
                obj: e.obj,
                holder: (e.arg != 0).then(|| Actor::thread(e.actor.pid, e.arg as u32)),
            };
            if !edges.contains(&edge) {
                edges.push(edge);
            }
        }
        edges
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
    /// one track per thread under its process (real pids and tids, each named once), a
    /// slice for each blocked or sleeping stretch (a wait that never ended, as in a
    /// deadlock, lasts to the end of the run), an instant for each print and signal.
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
        let ev = |name: String, cat, ph, ts, dur, actor: Actor, s, args| Ev {
            name,
            cat,
            ph,
            ts,
            dur,
            pid: actor.pid,
            tid: actor.tid,
            s,
            args,
        };
        let us = |e: &Event| self.t(e) * 1e6; // lesson microseconds
        let end = self.events.last().map_or(0.0, us);
        let mut out: Vec<Ev> = Vec::new();
        let mut pids: Vec<u32> = self.processes.keys().copied().collect();
        pids.extend(self.events.iter().map(|e| e.actor.pid));
        pids.sort();
        pids.dedup();
        for pid in pids {
            let name = serde_json::json!({ "name": self.process_name(pid) });
            out.push(ev("process_name".into(), "__metadata", "M", 0.0, None, Actor::thread(pid, 0), None, name));
        }
        let mut threads: Vec<Actor> = self.threads.keys().copied().collect();
        threads.sort();
        for actor in threads {
            let name = serde_json::json!({ "name": self.thread_name(actor) });
            out.push(ev("thread_name".into(), "__metadata", "M", 0.0, None, actor, None, name));
        }
        let mut open: HashMap<Actor, (f64, String)> = HashMap::new();
        let mut start: HashMap<Actor, f64> = HashMap::new();
        for (i, e) in self.events.iter().enumerate() {
            let ts = us(e);
            let what =
                if e.obj != 0 { format!("{} {}", e.op.name(), self.obj_name(e.obj)) } else { e.op.name().to_owned() };
            let no_args = serde_json::json!({});
            match e.kind {
                Kind::ThreadStart => {
                    start.insert(e.actor, ts);
                }
                Kind::ThreadEnd => {
                    if let Some(s) = start.remove(&e.actor) {
                        let name = self.thread_name(e.actor).to_owned();
                        out.push(ev(name, "thread", "X", s, Some(ts - s), e.actor, None, no_args));
                    }
                }
                Kind::Block => {
                    let name = if e.op == Op::Sleep { "sleep".into() } else { format!("blocked: {what}") };
                    open.insert(e.actor, (ts, name));
                }
                Kind::Ok | Kind::Timeout | Kind::Fail if open.contains_key(&e.actor) => {
                    let (s, name) = open.remove(&e.actor).unwrap();
                    let args = serde_json::json!({ "outcome": e.kind.name() });
                    out.push(ev(name, "wait", "X", s, Some(ts - s), e.actor, None, args));
                }
                Kind::Print => {
                    let line = self.strings.get(&i).cloned().unwrap_or_default();
                    out.push(ev(line, "print", "i", ts, None, e.actor, Some("t"), no_args));
                }
                Kind::Signal | Kind::Fail | Kind::WaitEdge => {
                    let args = serde_json::json!({ "value": e.arg });
                    out.push(ev(what, "op", "i", ts, None, e.actor, Some("t"), args));
                }
                _ => {}
            }
        }
        // Waits still open when the trace ends (a deadlock, a Stop) are spans to its end.
        let mut unended: Vec<_> = open.into_iter().collect();
        unended.sort_by_key(|(a, _)| *a);
        for (actor, (s, name)) in unended {
            let args = serde_json::json!({ "outcome": "never ended" });
            out.push(ev(name, "wait", "X", s, Some(end - s), actor, None, args));
        }
        serde_json::json!({ "traceEvents": out, "displayTimeUnit": "ms" }).to_string()
    }
}
