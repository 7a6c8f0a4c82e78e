//! Reading a run back. [`TraceView`] is the trace decoded with every name resolved;
//! [`model::Model`] is the one fold of it that everything shows (the page's lanes, object
//! states, hand-offs and console; the command line's console and deadlock report; the
//! embed API's result); [`deadlock`] words who waits on whom; [`chrome`] exports a run for
//! Perfetto. Insights read the view, and its console lines and wait edges come from the
//! same per-event decoding as the model's.

pub mod chrome;
pub mod deadlock;
pub mod model;

pub use deadlock::WaitEdge;
pub use model::Model;

use crate::trace::{Actor, EndState, Event, Kind, ObjKind, Op, Trace, MEASURE_NAME};
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
    /// Events (and strings) that did not fit, over every process's trace.
    pub dropped: u64,
    /// The same, by process: each process records into a trace of its own.
    pub dropped_by_pid: BTreeMap<u32, u64>,
    /// What the run measured beside its output ([`Kind::Measure`]), by name; a name
    /// measured twice keeps its last value.
    pub measures: BTreeMap<String, f64>,
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
                // The name is this thread's previous event (see `Kind::Measure`).
                Kind::Measure if e.code == MEASURE_NAME => {
                    self.strings.insert(i, trace.text(e.str_arg()));
                }
                Kind::Measure => {
                    let named = self.events.iter().enumerate().rev().find(|(_, p)| p.actor == e.actor);
                    if let Some((j, _)) = named.filter(|(_, p)| p.kind == Kind::Measure && p.code == MEASURE_NAME) {
                        let name = self.strings.get(&j).cloned().unwrap_or_default();
                        self.measures.insert(name, f64::from_bits(e.arg));
                    }
                }
                _ => {}
            }
            self.events.push(e);
        }
        self.dropped_by_pid.insert(trace.pid(), trace.dropped());
        self.dropped = self.dropped_by_pid.values().sum();
    }

    /// Reads the events `trace` published past `cursor` into the view and returns the new
    /// cursor. A run's every process has a trace of its own (its events carry its pid):
    /// each is read into the one view with a cursor of its own.
    pub fn extend_from(&mut self, trace: &Trace, cursor: usize) -> usize {
        let mut fresh = Vec::new();
        let next = trace.read(cursor, &mut fresh);
        self.extend(trace, fresh);
        next
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

    /// Every printed line, in order (as the model's console has them). Their times never
    /// run backwards: the order is the trace's, which is causal, while two threads' stamps
    /// can be a clock tick apart the other way, and a console must not show that.
    pub fn lines(&self) -> Vec<Line> {
        let mut after = 0.0f64;
        (0..self.events.len())
            .filter_map(|i| self.line(i))
            .map(|l| {
                after = after.max(l.t);
                Line { t: after, ..l }
            })
            .collect()
    }

    /// The printed line event `i` is, if it is one: the one decoding of a print, which
    /// the model's console and [`TraceView::lines`] share.
    pub fn line(&self, i: usize) -> Option<Line> {
        let e = self.events.get(i).filter(|e| e.kind == Kind::Print)?;
        Some(Line {
            t: self.t(e).max(0.0),
            actor: e.actor,
            text: self.strings.get(&i).cloned().unwrap_or_default(),
            stderr: e.is_stderr(),
        })
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

    /// The deadlock report: who waits on what, held by whom, each line once (as the
    /// model's `edges`).
    pub fn wait_edges(&self) -> Vec<WaitEdge> {
        let mut edges: Vec<WaitEdge> = Vec::new();
        for edge in self.events.iter().filter_map(WaitEdge::of) {
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
}
