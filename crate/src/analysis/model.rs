//! The read model of a run, derived incrementally from its decoded trace: one lane of
//! states per actor (ordered by process, thread, task, under a header row per process when
//! there is more than one), each object's state over time, the hand-offs between actors,
//! the console lines, the deadlock report and the panics. The page draws it, the command
//! line prints it, the embed API and the Perfetto export read it. Each event is looked at
//! once, as it arrives, so a run of 100,000 events costs nothing per frame beyond its new
//! events.

use super::{Line, TraceView, WaitEdge};
use crate::trace::{Actor, Kind, ObjKind, Op, ThreadEndHow};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Running,
    Sleeping,
    Blocked,
}

/// One stretch of a thread in one state. `t1` is infinite while it lasts.
#[derive(Clone, Copy, Debug)]
pub struct Seg {
    pub t0: f64,
    pub t1: f64,
    pub state: State,
    /// What it is blocked on (0 for sleeping and running).
    pub obj: u32,
    pub op: Op,
}

#[derive(Clone, Debug)]
pub struct Lane {
    pub actor: Actor,
    pub name: String,
    /// Index in the actor palette (order of appearance).
    pub color: usize,
    pub daemon: bool,
    pub start: f64,
    pub end: Option<(f64, ThreadEndHow)>,
    pub segs: Vec<Seg>,
    /// Exceptions raised by operations: (time, op, object, message).
    pub fails: Vec<(f64, Op, u32, String)>,
}

impl Lane {
    /// The segment covering time `t`, if any.
    pub fn seg_at(&self, t: f64) -> Option<&Seg> {
        let i = self.segs.partition_point(|s| s.t1 < t);
        self.segs.get(i).filter(|s| s.t0 <= t)
    }
}

/// An object's state from time `t` on.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub t: f64,
    /// The value the primitive reports (counter, size, flag, recursion count).
    pub value: i64,
    /// The thread holding it (locks).
    pub holder: Option<Actor>,
    /// Threads blocked on it.
    pub waiting: u32,
}

#[derive(Clone, Debug)]
pub struct ObjRow {
    pub obj: u32,
    pub kind: ObjKind,
    pub name: String,
    pub steps: Vec<Step>,
    pub max_value: i64,
    pub max_waiting: u32,
}

impl ObjRow {
    pub fn step_at(&self, t: f64) -> Option<&Step> {
        let i = self.steps.partition_point(|s| s.t <= t);
        if i == 0 {
            None
        } else {
            self.steps.get(i - 1)
        }
    }
    fn last(&self) -> Step {
        self.steps.last().copied().unwrap_or(Step { t: 0.0, value: 0, holder: None, waiting: 0 })
    }
    fn push(&mut self, s: Step) {
        let t = self.steps.last().map_or(s.t, |l| l.t.max(s.t));
        self.max_value = self.max_value.max(s.value);
        self.max_waiting = self.max_waiting.max(s.waiting);
        match self.steps.last_mut() {
            Some(l) if l.t == t => *l = Step { t, ..s },
            _ => self.steps.push(Step { t, ..s }),
        }
    }
}

/// A hand-off: thread `from` released (set, notified, put, ended) at `t0`, and thread `to`,
/// blocked on the same object, went on at `t1`.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    pub from: Actor,
    pub t0: f64,
    pub to: Actor,
    pub t1: f64,
    pub obj: u32,
    pub op: Op,
}

/// A row of the timeline: a process's header (only when the run has more than one
/// process), or a lane, by its index in [`Model::lanes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Process(u32),
    Lane(usize),
}

#[derive(Default)]
pub struct Model {
    /// One lane per actor, ordered by actor: process, then thread, then task.
    pub lanes: Vec<Lane>,
    lane_index: HashMap<Actor, usize>,
    /// The timeline's rows: the lanes, under a header per process when there are several.
    rows: Vec<Row>,
    row_index: HashMap<Actor, usize>,
    /// Distinct processes among the lanes.
    processes: usize,
    /// Objects shown in the object panel (threads and thread-locals are not).
    pub objects: Vec<ObjRow>,
    obj_index: HashMap<u32, usize>,
    pub arrows: Vec<Arrow>,
    pub lines: Vec<Line>,
    /// The deadlock report, each edge once.
    pub edges: Vec<WaitEdge>,
    pub panics: Vec<(Actor, String)>,
    /// Lesson time of the latest event.
    pub end_t: f64,
    pub events: usize,
    processed: usize,
    last_signal: HashMap<u32, (Actor, f64, Op)>,
    /// Thread id -> the object standing for it (what `join` blocks on).
    thread_obj: HashMap<Actor, u32>,
}

/// Hand-offs kept at most; past this the timeline draws none newer.
const MAX_ARROWS: usize = 200_000;

impl Model {
    /// The model of everything `view` holds so far.
    pub fn of(view: &TraceView) -> Model {
        let mut m = Model::default();
        m.update(view);
        m
    }

    pub fn lane(&self, actor: Actor) -> Option<&Lane> {
        self.lane_index.get(&actor).map(|&i| &self.lanes[i])
    }

    pub fn color_of(&self, actor: Actor) -> usize {
        self.lane(actor).map_or(0, |l| l.color)
    }

    /// The timeline's rows, top to bottom.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The row of `actor`'s lane.
    pub fn row_of(&self, actor: Actor) -> Option<usize> {
        self.row_index.get(&actor).copied()
    }

    /// Whether the run has more than one process (then lanes are grouped under headers and
    /// console lines name the process too).
    pub fn multi_process(&self) -> bool {
        self.processes > 1
    }

    /// How the console stamps `actor`: its thread's name, with its process's name before
    /// it when the run has more than one process (`Process-1/MainThread`).
    pub fn who(&self, view: &TraceView, actor: Actor) -> String {
        if self.multi_process() {
            format!("{}/{}", view.process_name(actor.pid), view.thread_name(actor))
        } else {
            view.thread_name(actor).to_owned()
        }
    }

    /// The console as plain text, as Python would have printed it.
    pub fn plain_text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }

    fn lane_mut(&mut self, view: &TraceView, actor: Actor, t: f64) -> &mut Lane {
        if let Some(&i) = self.lane_index.get(&actor) {
            return &mut self.lanes[i];
        }
        // A new actor goes in its place by (pid, tid, task); the lanes after it move down.
        // New actors are rare next to events, so the re-indexing is cheap.
        let at = self.lanes.partition_point(|l| l.actor < actor);
        let color = self.lanes.len();
        self.lanes.insert(
            at,
            Lane {
                actor,
                name: view.thread_name(actor).to_owned(),
                color,
                daemon: false,
                start: t,
                end: None,
                segs: vec![Seg { t0: t, t1: f64::INFINITY, state: State::Running, obj: 0, op: Op::None }],
                fails: Vec::new(),
            },
        );
        for (i, lane) in self.lanes.iter().enumerate().skip(at) {
            self.lane_index.insert(lane.actor, i);
        }
        self.layout_rows();
        &mut self.lanes[at]
    }

    /// Rebuilds the rows from the lanes: a header above each process's lanes when there
    /// is more than one process.
    fn layout_rows(&mut self) {
        let mut pids: Vec<u32> = self.lanes.iter().map(|l| l.actor.pid).collect();
        pids.dedup(); // the lanes are sorted by pid first
        self.processes = pids.len();
        self.rows.clear();
        self.row_index.clear();
        let mut prev = None;
        for (i, lane) in self.lanes.iter().enumerate() {
            if self.processes > 1 && prev != Some(lane.actor.pid) {
                self.rows.push(Row::Process(lane.actor.pid));
            }
            prev = Some(lane.actor.pid);
            self.row_index.insert(lane.actor, self.rows.len());
            self.rows.push(Row::Lane(i));
        }
    }

    /// Looks at the events of `view` not seen yet.
    pub fn update(&mut self, view: &TraceView) {
        let events = &view.events[self.processed.min(view.events.len())..];
        for (k, e) in events.iter().enumerate() {
            let i = self.processed + k;
            let t = view.t(e).max(0.0);
            self.end_t = self.end_t.max(t);
            match e.kind {
                Kind::ThreadStart => {
                    let lane = self.lane_mut(view, e.actor, t);
                    lane.name = view.thread_name(e.actor).to_owned();
                    lane.daemon = e.is_daemon_start();
                    lane.start = lane.start.min(t);
                }
                Kind::ThreadEnd => {
                    let lane = self.lane_mut(view, e.actor, t);
                    close(lane, t);
                    lane.end = Some((t, e.thread_end().unwrap_or(ThreadEndHow::Returned)));
                    if let Some(&obj) = self.thread_obj.get(&e.actor) {
                        self.last_signal.insert(obj, (e.actor, t, Op::None));
                    }
                }
                Kind::Block => {
                    let lane = self.lane_mut(view, e.actor, t);
                    close(lane, t);
                    let state = if e.op == Op::Sleep { State::Sleeping } else { State::Blocked };
                    let t0 = lane.segs.last().map_or(t, |s| s.t1);
                    lane.segs.push(Seg { t0, t1: f64::INFINITY, state, obj: e.obj, op: e.op });
                    if state == State::Blocked {
                        self.obj_waiting(e.obj, t, 1);
                    }
                }
                Kind::Ok | Kind::Timeout | Kind::Fail => {
                    let lane = self.lane_mut(view, e.actor, t);
                    let open = lane.segs.last().filter(|s| s.t1.is_infinite() && s.state != State::Running).copied();
                    if let Some(seg) = open {
                        close(lane, t);
                        let t0 = lane.segs.last().map_or(t, |s| s.t1);
                        lane.segs.push(Seg { t0, t1: f64::INFINITY, state: State::Running, obj: 0, op: Op::None });
                        if seg.state == State::Blocked {
                            self.obj_waiting(seg.obj, t, -1);
                            if e.kind == Kind::Ok && seg.obj == e.obj && self.arrows.len() < MAX_ARROWS {
                                if let Some(&(from, ts, op)) = self.last_signal.get(&e.obj) {
                                    if from != e.actor && ts >= seg.t0 - 1e-9 {
                                        self.arrows.push(Arrow {
                                            from,
                                            t0: ts,
                                            to: e.actor,
                                            t1: t.max(ts),
                                            obj: e.obj,
                                            op,
                                        });
                                    }
                                }
                            }
                        }
                    }
                    // The last party to reach a barrier releases the others without a
                    // signal of its own: its wait that did not block is the hand-off.
                    if e.kind == Kind::Ok && open.is_none() && view.obj_kind(e.obj) == Some(ObjKind::Barrier) {
                        self.last_signal.insert(e.obj, (e.actor, t, e.op));
                    }
                    if e.kind == Kind::Fail {
                        let msg = view.strings.get(&i).cloned().unwrap_or_default();
                        let lane = self.lane_mut(view, e.actor, t);
                        lane.fails.push((t, e.op, e.obj, msg));
                    } else if e.kind == Kind::Ok {
                        self.obj_value(e.kind, e.op, e.obj, e.actor, e.arg, t);
                    }
                }
                Kind::Signal => {
                    if e.op == Op::Start && view.obj_kind(e.obj) == Some(ObjKind::Thread) {
                        self.thread_obj.insert(Actor::thread(e.actor.pid, e.arg as u32), e.obj);
                    } else {
                        self.last_signal.insert(e.obj, (e.actor, t, e.op));
                        self.obj_value(e.kind, e.op, e.obj, e.actor, e.arg, t);
                    }
                }
                Kind::ObjNew => {
                    let kind = e.obj_kind().unwrap_or(ObjKind::Value);
                    if kind == ObjKind::Thread {
                        if view.obj_name(e.obj) == "MainThread" {
                            self.thread_obj.insert(Actor::thread(e.actor.pid, Actor::MAIN_TID), e.obj);
                        }
                    } else if kind != ObjKind::Local && !self.obj_index.contains_key(&e.obj) {
                        self.obj_index.insert(e.obj, self.objects.len());
                        let mut row = ObjRow {
                            obj: e.obj,
                            kind,
                            name: view.obj_name(e.obj).to_owned(),
                            steps: Vec::new(),
                            max_value: 0,
                            max_waiting: 0,
                        };
                        row.push(Step { t, value: 0, holder: None, waiting: 0 });
                        self.objects.push(row);
                    }
                }
                Kind::Print => {
                    self.lane_mut(view, e.actor, t);
                    let after = self.lines.last().map_or(0.0, |l| l.t);
                    self.lines.extend(view.line(i).map(|l| Line { t: l.t.max(after), ..l }));
                }
                Kind::WaitEdge => {
                    // The watchdog may report an edge more than once.
                    if let Some(edge) = WaitEdge::of(e).filter(|edge| !self.edges.contains(edge)) {
                        self.edges.push(edge);
                    }
                }
                Kind::ThreadPanic => self.panics.push((e.actor, view.strings.get(&i).cloned().unwrap_or_default())),
                Kind::RunEnd => {
                    for lane in &mut self.lanes {
                        close(lane, t);
                    }
                }
                Kind::RunStart | Kind::Process | Kind::Seed | Kind::Attempt | Kind::Measure => {}
                // Drawn by the process lanes once processes run (issue 11).
                Kind::ProcStart | Kind::ProcEnd => {}
            }
        }
        self.processed = view.events.len();
        self.events = view.events.len();
    }

    fn obj_waiting(&mut self, obj: u32, t: f64, delta: i32) {
        if let Some(&i) = self.obj_index.get(&obj) {
            let row = &mut self.objects[i];
            let mut s = row.last();
            s.t = t;
            s.waiting = (s.waiting as i32 + delta).max(0) as u32;
            if matches!(row.kind, ObjKind::Barrier | ObjKind::Condition) {
                s.value = s.waiting as i64;
            }
            row.push(s);
        }
    }

    fn obj_value(&mut self, kind: Kind, op: Op, obj: u32, actor: Actor, arg: u64, t: f64) {
        let Some(&i) = self.obj_index.get(&obj) else { return };
        let row = &mut self.objects[i];
        let mut s = row.last();
        s.t = t;
        match row.kind {
            ObjKind::Lock | ObjKind::RLock | ObjKind::Gil => match op {
                Op::Acquire if kind == Kind::Ok => {
                    s.value = (arg as i64).max(1);
                    s.holder = Some(actor);
                }
                Op::Release => {
                    s.value = arg as i64;
                    if arg == 0 {
                        s.holder = None;
                    }
                }
                _ => return,
            },
            ObjKind::Barrier | ObjKind::Condition | ObjKind::Thread | ObjKind::Local => return,
            // A timer waits on its own object; `cancel` sets it, `fire` calls the function.
            ObjKind::Timer => {
                s.value = match (kind, op) {
                    (Kind::Signal, Op::Fire) => 2,
                    (Kind::Signal, Op::Set | Op::Cancel) if s.value != 2 => 3,
                    _ => return,
                }
            }
            // A future: 0 pending, 1 running, 2 done, 3 cancelled.
            ObjKind::Future => {
                s.value = match (kind, op) {
                    (Kind::Signal, Op::Start) => 1,
                    (Kind::Signal, Op::Set) => 2,
                    (Kind::Signal, Op::Cancel) => 3,
                    _ => return,
                }
            }
            // An executor: how many tasks were submitted so far.
            ObjKind::Executor => match op {
                Op::Submit => s.value += 1,
                _ => return,
            },
            ObjKind::Event => match op {
                Op::Set => s.value = 1,
                Op::Clear => s.value = 0,
                _ => return,
            },
            _ => s.value = arg.min(i64::MAX as u64) as i64,
        }
        row.push(s);
    }
}

fn close(lane: &mut Lane, t: f64) {
    if let Some(s) = lane.segs.last_mut() {
        if s.t1.is_infinite() {
            s.t1 = t.max(s.t0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Trace;
    use core::cell::Cell;

    const MAIN: Actor = Actor::main_thread();
    const WORKER: Actor = Actor::thread(Actor::MAIN_PID, 2);

    /// Writes events into `tr` a microsecond apart: a real trace's clock may stamp
    /// neighbours alike, which would merge the zero-length states these tests look for.
    struct Writer<'a> {
        tr: &'a Trace,
        t: Cell<u64>,
    }

    impl Writer<'_> {
        fn new(tr: &Trace) -> Writer<'_> {
            Writer { tr, t: Cell::new(0) }
        }
        fn ev(&self, tid: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
            self.t.set(self.t.get() + 1_000);
            self.tr.emit_at(self.t.get(), tid, kind, code, obj, arg);
        }
        fn op(&self, tid: u32, kind: Kind, op: Op, obj: u32, arg: u64) {
            self.ev(tid, kind, op as u16, obj, arg);
        }
        fn s(&self, text: &str) -> u64 {
            self.tr.intern(text).0
        }
    }

    #[test]
    fn console_times_never_run_backwards() {
        // Two threads' prints, the second stamped a tick before the first (its clock read
        // came late): the console keeps the trace's order and never goes back in time.
        let tr = Trace::new(64, 0);
        tr.emit_at(0, 0, Kind::RunStart, Op::None as u16, 0, 1.0f64.to_bits());
        tr.emit_at(5_000_000, 1, Kind::Print, 0, 0, tr.intern("first").0);
        tr.emit_at(4_900_000, 2, Kind::Print, 0, 0, tr.intern("second").0);
        tr.emit_at(7_000_000, 1, Kind::Print, 0, 0, tr.intern("third").0);
        let view = TraceView::from_trace(&tr);
        let mut model = Model::default();
        model.update(&view);
        let times = |lines: &[Line]| lines.iter().map(|l| (l.text.clone(), l.t)).collect::<Vec<_>>();
        let expected = vec![("first".to_owned(), 0.005), ("second".to_owned(), 0.005), ("third".to_owned(), 0.007)];
        assert_eq!(times(&model.lines), expected);
        assert_eq!(times(&view.lines()), expected);
    }

    /// A hand-written trace: `MainThread` (1) and `worker` (2) around one Lock (obj 1).
    fn lock_trace() -> TraceView {
        let tr = Trace::new(256, 0);
        let w = Writer::new(&tr);
        w.op(0, Kind::RunStart, Op::None, 0, 1.0f64.to_bits());
        w.ev(1, Kind::ThreadStart, 0, 0, w.s("MainThread"));
        w.ev(1, Kind::ObjNew, ObjKind::Lock as u16, 1, w.s("lock"));
        w.op(1, Kind::Ok, Op::Acquire, 1, 1);
        w.ev(2, Kind::ThreadStart, 0, 1, w.s("worker"));
        w.op(2, Kind::Attempt, Op::Acquire, 1, 0);
        w.op(2, Kind::Block, Op::Acquire, 1, 0);
        w.ev(1, Kind::Print, 0, 0, w.s("hello"));
        w.op(1, Kind::Signal, Op::Release, 1, 0);
        w.op(2, Kind::Ok, Op::Acquire, 1, 1);
        w.op(2, Kind::Signal, Op::Release, 1, 0);
        w.ev(2, Kind::ThreadEnd, 0, 0, 0);
        w.ev(1, Kind::ThreadEnd, 0, 0, 0);
        w.ev(0, Kind::RunEnd, 1, 0, w.s(""));
        TraceView::from_trace(&tr)
    }

    #[test]
    fn lanes_states_and_handoff() {
        let view = lock_trace();
        let m = Model::of(&view);
        assert_eq!(m.lanes.len(), 2);
        let worker = m.lane(WORKER).unwrap();
        assert_eq!(worker.name, "worker");
        let states: Vec<State> = worker.segs.iter().map(|s| s.state).collect();
        assert_eq!(states, vec![State::Running, State::Blocked, State::Running]);
        assert_eq!(worker.segs[1].obj, 1);
        assert!(worker.segs.iter().all(|s| s.t1.is_finite()), "the run's end closes every segment");
        assert!(worker.end.is_some());
        // release by MainThread -> acquire by worker
        assert_eq!(m.arrows.len(), 1);
        let a = m.arrows[0];
        assert_eq!((a.from, a.to, a.obj, a.op), (MAIN, WORKER, 1, Op::Release));
        assert!(a.t0 <= a.t1);
        assert_eq!(m.lines.len(), 1);
        assert_eq!(m.lines[0].text, "hello");
        assert_eq!(m.lines, view.lines(), "the view's console is the model's");
        // One process: no header rows, and the console names the thread alone.
        assert!(!m.multi_process());
        assert_eq!(m.rows(), &[Row::Lane(0), Row::Lane(1)]);
        assert_eq!(m.who(&view, MAIN), "MainThread");
    }

    #[test]
    fn lock_holder_and_waiters_over_time() {
        let view = lock_trace();
        let m = Model::of(&view);
        let row = &m.objects[0];
        assert_eq!(row.kind, ObjKind::Lock);
        let seq: Vec<(Option<Actor>, u32)> = row.steps.iter().map(|s| (s.holder, s.waiting)).collect();
        // free; held by main; main holds, worker waits; free (released); worker holds; free
        assert_eq!(seq.first(), Some(&(None, 0)));
        assert!(seq.contains(&(Some(MAIN), 1)), "{seq:?}");
        assert!(seq.contains(&(Some(WORKER), 0)), "{seq:?}");
        assert_eq!(seq.last(), Some(&(None, 0)));
        assert_eq!(row.max_waiting, 1);
    }

    #[test]
    fn incremental_updates_equal_one_pass() {
        let view = lock_trace();
        let whole = Model::of(&view);
        let mut parts = Model::default();
        let mut partial = TraceView {
            speed: view.speed,
            threads: view.threads.clone(),
            objects: view.objects.clone(),
            ..Default::default()
        };
        for (i, e) in view.events.iter().enumerate() {
            partial.events.push(*e);
            if let Some(s) = view.strings.get(&i) {
                partial.strings.insert(i, s.clone());
            }
            parts.update(&partial);
        }
        assert_eq!(parts.arrows.len(), whole.arrows.len());
        assert_eq!(parts.lanes[1].segs.len(), whole.lanes[1].segs.len());
        assert_eq!(parts.objects[0].steps.len(), whole.objects[0].steps.len());
        assert_eq!(parts.lines, whole.lines);
    }

    #[test]
    fn barrier_last_arrival_releases_the_others() {
        let tr = Trace::new(256, 0);
        let w = Writer::new(&tr);
        w.op(0, Kind::RunStart, Op::None, 0, 1.0f64.to_bits());
        w.ev(1, Kind::ObjNew, ObjKind::Barrier as u16, 1, w.s("barrier"));
        for tid in [2u32, 3] {
            w.ev(tid, Kind::ThreadStart, 0, 1, w.s(&format!("t{tid}")));
        }
        w.op(2, Kind::Block, Op::Wait, 1, 0);
        w.op(3, Kind::Ok, Op::Wait, 1, 1);
        w.op(2, Kind::Ok, Op::Wait, 1, 0);
        let m = Model::of(&TraceView::from_trace(&tr));
        assert_eq!(m.arrows.len(), 1);
        assert_eq!((m.arrows[0].from, m.arrows[0].to), (Actor::thread(1, 3), Actor::thread(1, 2)));
        assert_eq!(m.objects[0].max_value, 1, "one thread waited at the barrier");
    }

    #[test]
    fn lanes_follow_thread_ids_not_arrival() {
        let tr = Trace::new(64, 0);
        let w = Writer::new(&tr);
        // Thread 3 starts before thread 2 (they run in parallel): lanes go by id anyway,
        // and each keeps the colour of its arrival.
        for tid in [1u32, 3, 2] {
            w.ev(tid, Kind::ThreadStart, 0, 0, w.s(&format!("t{tid}")));
        }
        let m = Model::of(&TraceView::from_trace(&tr));
        let order: Vec<(u32, usize)> = m.lanes.iter().map(|l| (l.actor.tid, l.color)).collect();
        assert_eq!(order, vec![(1, 0), (2, 2), (3, 1)]);
        assert_eq!(m.row_of(Actor::thread(1, 3)), Some(2));
    }

    /// A process's trace, as every process records its own: `MainThread` prints, a second
    /// thread blocks on a lock (object `lock`) that `MainThread` holds and never releases.
    fn process_trace(pid: u32, name: &str, lock: u32) -> Trace {
        let tr = Trace::new(64, 0);
        tr.set_pid(pid);
        let w = Writer::new(&tr);
        w.op(0, Kind::RunStart, Op::None, 0, 1.0f64.to_bits());
        w.ev(0, Kind::Process, 0, pid, w.s(name));
        w.ev(1, Kind::ThreadStart, 0, 0, w.s("MainThread"));
        w.ev(1, Kind::ObjNew, ObjKind::Lock as u16, lock, w.s("lock"));
        w.op(1, Kind::Ok, Op::Acquire, lock, 1);
        w.ev(2, Kind::ThreadStart, 0, 0, w.s("worker"));
        w.op(2, Kind::Block, Op::Acquire, lock, 0);
        w.ev(1, Kind::Print, 0, 0, w.s(&format!("hello from {name}")));
        w.op(2, Kind::WaitEdge, Op::Acquire, lock, 1);
        w.op(2, Kind::WaitEdge, Op::Acquire, lock, 1);
        tr
    }

    #[test]
    fn two_processes_group_lanes_under_a_header_each() {
        let (parent, child) = (process_trace(1, "MainProcess", 1), process_trace(2, "Process-1", 2));
        let mut view = TraceView::default();
        // The child's trace is read first: lanes still go by process.
        assert_eq!(view.extend_from(&child, 0), child.len());
        view.extend_from(&parent, 0);
        assert_eq!(view.process_name(2), "Process-1");
        let m = Model::of(&view);
        assert!(m.multi_process());
        let actors: Vec<(u32, u32)> = m.lanes.iter().map(|l| (l.actor.pid, l.actor.tid)).collect();
        assert_eq!(actors, vec![(1, 1), (1, 2), (2, 1), (2, 2)]);
        assert_eq!(
            m.rows(),
            &[Row::Process(1), Row::Lane(0), Row::Lane(1), Row::Process(2), Row::Lane(2), Row::Lane(3)]
        );
        assert_eq!(m.row_of(Actor::thread(2, 1)), Some(4));
        // Console lines name the process too.
        let stamps: Vec<String> = m.lines.iter().map(|l| m.who(&view, l.actor)).collect();
        assert_eq!(stamps, vec!["Process-1/MainThread", "MainProcess/MainThread"]);
        // Each process's deadlock edge once, with its own holder.
        let edges: Vec<(Actor, Option<Actor>)> = m.edges.iter().map(|e| (e.waiter, e.holder)).collect();
        assert_eq!(
            edges,
            vec![(Actor::thread(2, 2), Some(Actor::thread(2, 1))), (Actor::thread(1, 2), Some(Actor::thread(1, 1)))]
        );
        assert_eq!(m.edges, view.wait_edges(), "the view's report is the model's");
        assert_eq!(view.actor_json(Actor::thread(2, 2))["process"], "Process-1");
    }
}
