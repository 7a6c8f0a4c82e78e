//! Reading a run back. [`TraceView`] is the trace decoded with every name resolved;
//! [`model::Model`] is the one fold of it that everything shows (the page's lanes, object
//! states, hand-offs and console; the command line's console and deadlock report; the
//! embed API's result); [`deadlock`] words who waits on whom; [`chrome`] exports a run for
//! Perfetto. Insights read the view, and its console lines and wait edges come from the
//! same per-event decoding as the model's.
//!
//! A run of several processes has a trace per process, all on the run's one clock;
//! [`TraceReader`] merges them into one view in time order. Objects are keyed by
//! [`ObjKey`]: a process's own ids by (pid, id), a shared id as itself.

pub mod chrome;
pub mod deadlock;
pub mod model;

pub use deadlock::WaitEdge;
pub use model::Model;

use crate::trace::{Actor, EndState, Event, Kind, ObjKey, ObjKind, Op, Trace, MEASURE_NAME};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

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
    /// asyncio task (`Actor::task` != 0) -> name.
    pub tasks: HashMap<Actor, String>,
    /// Process id -> name.
    pub processes: BTreeMap<u32, String>,
    /// The seed the run drew its random choices from.
    pub seed: Option<u64>,
    /// Object -> (kind, name): a process's own objects by (pid, id), shared ones once.
    pub objects: HashMap<ObjKey, (ObjKind, String)>,
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

    /// The one view of several traces, one per process of a run (all on its clock), their
    /// events merged in time order.
    pub fn from_traces(traces: &[&Trace]) -> TraceView {
        let mut v = TraceView { speed: 1.0, ..Default::default() };
        let mut reader = TraceReader::default();
        reader.read(&mut v, traces, None);
        reader.flush(&mut v);
        v
    }

    /// Adds newly read events (as returned by [`Trace::read`]) to the view.
    pub fn extend(&mut self, trace: &Trace, events: Vec<Event>) {
        for e in events {
            let text = e.kind.has_str(e.code).then(|| trace.text(e.str_arg()));
            self.push(e, text);
        }
        self.dropped_by_pid.insert(trace.pid(), trace.dropped());
        self.dropped = self.dropped_by_pid.values().sum();
    }

    /// Adds one event, with the text of its string argument if its kind has one.
    fn push(&mut self, e: Event, text: Option<String>) {
        let text = text.unwrap_or_default();
        match e.kind {
            Kind::RunStart => self.speed = f64::from_bits(e.arg),
            Kind::ThreadStart => {
                self.threads.insert(e.actor.as_thread(), text);
            }
            Kind::Process => {
                self.processes.insert(e.obj, text);
            }
            Kind::TaskNew => {
                self.tasks.insert(e.actor, text);
            }
            Kind::Seed => self.seed = Some(e.arg),
            Kind::ObjNew => {
                // A shared object is new in every process that uses it: one entry.
                self.objects.entry(e.obj_key()).or_insert((e.obj_kind().unwrap_or(ObjKind::Value), text));
            }
            Kind::Print | Kind::Fail | Kind::ThreadPanic | Kind::RunEnd => {
                self.strings.insert(self.events.len(), text);
            }
            // The name is this thread's previous event (see `Kind::Measure`).
            Kind::Measure if e.code == MEASURE_NAME => {
                self.strings.insert(self.events.len(), text);
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
        if actor.task != 0 {
            return self.tasks.get(&actor).map_or("?", |s| s.as_str());
        }
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

    /// An object's name: `obj` is a key, or a bare id of `MainProcess` (or a shared one).
    pub fn obj_name(&self, obj: impl Into<ObjKey>) -> &str {
        self.objects.get(&obj.into()).map_or("?", |(_, n)| n.as_str())
    }

    pub fn obj_kind(&self, obj: impl Into<ObjKey>) -> Option<ObjKind> {
        self.objects.get(&obj.into()).map(|(k, _)| *k)
    }

    /// The first object of `kind` named `name`, in key order (shared objects, then by
    /// process): its id, as the events of its process name it.
    pub fn find_obj(&self, kind: ObjKind, name: &str) -> Option<u32> {
        self.find_key(kind, name).map(|k| k.obj)
    }

    /// The same, as a key: [`Event::obj_key`] of the events acting on it.
    pub fn find_key(&self, kind: ObjKind, name: &str) -> Option<ObjKey> {
        self.objects.iter().filter(|(_, (k, n))| *k == kind && n == name).map(|(key, _)| *key).min()
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
    pub fn max_inside(&self, obj: impl Into<ObjKey>) -> usize {
        let obj = obj.into();
        let mut inside: i64 = 0;
        let mut max = 0;
        for e in self.events.iter().filter(|e| e.obj_key() == obj) {
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

/// How far before "now" an event not yet read may still be stamped: the ticker's reading is
/// at most a tick stale ([`crate::clock::ticker::TICK_NS`]), and each process has a ticker
/// of its own; ten ticks cover both.
const CLOCK_SLACK_NS: u64 = 1_000_000;

/// Reads the traces of a run's processes into one view, handing their events to it in time
/// order with per-trace cursors: the page's and the command line's reader of a run.
///
/// An event is handed on once no trace can still add an earlier one. Each trace's order is
/// kept as it is (causal; two threads' stamps may be a tick apart the other way), and the
/// traces are merged by time. What a trace can still add: nothing once its process is
/// over (its `RunEnd` was read, or its `ProcEnd` in its parent's trace before this read of
/// it); nothing stamped before the run's clock as read before this call (`now_ns`, less
/// [`CLOCK_SLACK_NS`]) when the read got to its last reserved slot, since later slots are
/// stamped later; else nothing before its latest event. Waiting on every trace's latest
/// event alone would freeze the view while a process sits in a long `join`, recording
/// nothing, which is what a parent does. A child announced by a `ProcStart` whose trace is
/// not here yet holds back everything after that start (until [`TraceReader::flush`]):
/// pass each child's trace as soon as it exists.
#[derive(Debug, Default)]
pub struct TraceReader {
    sources: Vec<Source>,
    /// Children started whose traces are not among the sources yet: pid -> start.
    expected: BTreeMap<u32, u64>,
    /// Processes whose `ProcEnd` was read.
    ended: BTreeSet<u32>,
}

#[derive(Debug, Default)]
struct Source {
    pid: u32,
    cursor: usize,
    /// Read, not handed on yet, with their strings.
    pending: VecDeque<(Event, Option<String>)>,
    /// Nothing this trace adds from now on is stamped before this.
    frontier: u64,
    latest: u64,
    done: bool,
}

impl TraceReader {
    pub fn new() -> TraceReader {
        TraceReader::default()
    }

    /// Reads what every trace published since the last call and hands `view` every event
    /// that no trace can still precede; returns whether it handed any. `traces[k]` is the
    /// same trace at every call (a child's is appended once it exists). `now_ns`: the
    /// run's clock as its events are stamped (nanoseconds since its start; a controlled
    /// run's virtual time), read before this call, or `None` where there is no clock
    /// (traces written by hand, replays): then only each trace's latest event bounds it.
    pub fn read(&mut self, view: &mut TraceView, traces: &[&Trace], now_ns: Option<u64>) -> bool {
        self.sources.resize_with(traces.len().max(self.sources.len()), Source::default);
        let mut fresh = Vec::new();
        for (src, trace) in self.sources.iter_mut().zip(traces) {
            src.pid = trace.pid();
            self.expected.remove(&src.pid);
            // Ended before this read: what it reads is all there is.
            let over = self.ended.contains(&src.pid);
            let reserved = trace.len();
            fresh.clear();
            src.cursor = trace.read(src.cursor, &mut fresh);
            for e in fresh.drain(..) {
                src.latest = src.latest.max(e.t_ns);
                match e.kind {
                    Kind::RunEnd => src.done = true,
                    Kind::ProcStart => {
                        self.expected.entry(e.obj).or_insert(e.t_ns);
                    }
                    Kind::ProcEnd => {
                        self.ended.insert(e.obj);
                    }
                    _ => {}
                }
                let text = e.kind.has_str(e.code).then(|| trace.text(e.str_arg()));
                src.pending.push_back((e, text));
            }
            let whole = src.cursor >= reserved;
            src.done |= over && whole;
            src.frontier = match (src.done, now_ns) {
                (true, _) => u64::MAX,
                (false, Some(now)) if whole => src.latest.max(now.saturating_sub(CLOCK_SLACK_NS)),
                _ => src.latest,
            };
            view.dropped_by_pid.insert(src.pid, trace.dropped());
        }
        let present: BTreeSet<u32> = self.sources.iter().map(|s| s.pid).collect();
        self.expected.retain(|pid, _| !present.contains(pid));
        view.dropped = view.dropped_by_pid.values().sum();
        let limit = self.sources.iter().map(|s| s.frontier).chain(self.expected.values().copied()).min();
        self.release(view, limit.unwrap_or(u64::MAX))
    }

    /// Hands on everything read: the run is over, nothing earlier can come.
    pub fn flush(&mut self, view: &mut TraceView) -> bool {
        self.release(view, u64::MAX)
    }

    /// Hands on, in time order, the events read that are stamped at or before `limit`.
    fn release(&mut self, view: &mut TraceView, limit: u64) -> bool {
        let mut any = false;
        loop {
            let next = self
                .sources
                .iter()
                .enumerate()
                .filter_map(|(k, s)| s.pending.front().map(|(e, _)| (e.t_ns, k)))
                .min()
                .filter(|&(t, _)| t <= limit);
            let Some((_, k)) = next else { return any };
            let (e, text) = self.sources[k].pending.pop_front().expect("a pending event");
            view.push(e, text);
            any = true;
        }
    }
}
