//! The read model of a run, derived incrementally from its decoded trace: one lane of
//! states per actor (ordered by process, thread, task, under a header row per process when
//! there is more than one), each object's state over time, the hand-offs between actors,
//! the console lines, the deadlock report and the panics. The page draws it, the command
//! line prints it, the embed API and the Perfetto export read it. A run of several
//! processes adds a header per process (its name, pid and exit code), an arrow from the
//! thread that started a child to the child's `MainThread`, and an arrow per message that
//! crossed between processes (send -> recv, put -> get, by the message's run-wide number),
//! with its bytes. Each event is looked at
//! once, as it arrives, so a run of 100,000 events costs nothing per frame beyond its new
//! events.

use super::{Line, TraceView, WaitEdge};
use crate::trace::{Actor, Kind, ObjKey, ObjKind, Op, ThreadEndHow};
use std::collections::{BTreeMap, HashMap};

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
    /// Its id, as its process's events name it.
    pub obj: u32,
    /// Its process; 0 for an object shared between processes.
    pub pid: u32,
    pub kind: ObjKind,
    pub name: String,
    pub steps: Vec<Step>,
    pub max_value: i64,
    pub max_waiting: u32,
}

impl ObjRow {
    pub fn key(&self) -> ObjKey {
        ObjKey { pid: self.pid, obj: self.obj }
    }

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
/// blocked on the same object, went on at `t1`. Between processes: a message sent (or put)
/// by `from` and received (or got) by `to`, or `from` starting the child whose `MainThread`
/// `to` is (`op` `Start`, `obj` 0); both carry the bytes that crossed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrow {
    pub from: Actor,
    pub t0: f64,
    pub to: Actor,
    pub t1: f64,
    /// The object, as `to`'s process names it (0 for a process start).
    pub obj: u32,
    pub op: Op,
    /// Bytes that crossed into another process (a message, a child's target and arguments).
    pub bytes: Option<u32>,
}

impl Arrow {
    pub fn key(&self) -> ObjKey {
        ObjKey::new(self.to.pid, self.obj)
    }
}

/// A process of the run, for its header row.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcInfo {
    pub pid: u32,
    pub name: String,
    /// The pid of the process that started it (0: none, the run's first).
    pub parent: u32,
    pub daemon: bool,
    /// When its parent started it, and the bytes of its target and arguments.
    pub started: Option<(f64, u32)>,
    /// When it was gone, and its exit code (CPython's: 0, 1, `sys.exit`'s, -15, -9).
    pub exit: Option<(f64, i64)>,
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
    /// The run is known to start processes (its lesson has targets): its console names
    /// processes from the first line, not from the first child's start.
    processes_ahead: bool,
    /// Objects shown in the object panel (threads and thread-locals are not).
    pub objects: Vec<ObjRow>,
    obj_index: HashMap<ObjKey, usize>,
    /// Every process seen (in its own trace or its parent's), by pid.
    procs: BTreeMap<u32, ProcInfo>,
    pub arrows: Vec<Arrow>,
    pub lines: Vec<Line>,
    /// The deadlock report, each edge once.
    pub edges: Vec<WaitEdge>,
    pub panics: Vec<(Actor, String)>,
    /// Lesson time of the latest event.
    pub end_t: f64,
    pub events: usize,
    processed: usize,
    last_signal: HashMap<ObjKey, (Actor, f64, Op)>,
    /// Thread id -> the object standing for it (what `join` blocks on).
    thread_obj: HashMap<Actor, ObjKey>,
    /// Messages between processes seen at one end only, by number: the send (or put), or
    /// the receive when its stamp came first (two processes' clocks may disagree by a tick).
    sent: HashMap<u32, (Actor, f64, Op)>,
    received: HashMap<u32, (Actor, f64, u32, u32)>,
    /// Children started whose `MainThread` has no lane yet: pid -> (starter, time, bytes).
    starting: HashMap<u32, (Actor, f64, u32)>,
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

    /// A process's header: name, parent, start and exit code.
    pub fn process(&self, pid: u32) -> Option<&ProcInfo> {
        self.procs.get(&pid)
    }

    /// Every process seen, by pid.
    pub fn processes(&self) -> impl Iterator<Item = &ProcInfo> {
        self.procs.values()
    }

    fn proc_mut(&mut self, view: &TraceView, pid: u32) -> &mut ProcInfo {
        if !self.procs.contains_key(&pid) {
            let info = ProcInfo { pid, name: String::new(), parent: 0, daemon: false, started: None, exit: None };
            self.procs.insert(pid, info);
            // A child has its header from its start on, before any lane of its own.
            self.layout_rows();
        }
        let info = self.procs.get_mut(&pid).expect("inserted above");
        info.name = view.process_name(pid).to_owned();
        info
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
        self.processes > 1 || self.processes_ahead
    }

    /// A model of a run that will start processes: every actor is named with its process
    /// from the start.
    pub fn for_processes(ahead: bool) -> Model {
        Model { processes_ahead: ahead, ..Model::default() }
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
        self.proc_mut(view, actor.pid);
        if actor.is_main_thread() {
            if let Some((from, t0, bytes)) = self.starting.remove(&actor.pid) {
                self.push_arrow(Arrow {
                    from,
                    t0,
                    to: actor,
                    t1: t.max(t0),
                    obj: 0,
                    op: Op::Start,
                    bytes: Some(bytes),
                });
            }
        }
        let at = self.lane_index[&actor];
        &mut self.lanes[at]
    }

    /// Rebuilds the rows from the lanes and the processes: a header above each process's
    /// lanes when there is more than one process (a child started has its header before
    /// its first lane).
    fn layout_rows(&mut self) {
        let pids: std::collections::BTreeSet<u32> =
            self.lanes.iter().map(|l| l.actor.pid).chain(self.procs.keys().copied()).collect();
        self.processes = pids.len();
        self.rows.clear();
        self.row_index.clear();
        let mut next = 0; // the lanes are sorted by pid first
        for pid in pids {
            if self.processes > 1 {
                self.rows.push(Row::Process(pid));
            }
            while let Some(lane) = self.lanes.get(next).filter(|l| l.actor.pid == pid) {
                self.row_index.insert(lane.actor, self.rows.len());
                self.rows.push(Row::Lane(next));
                next += 1;
            }
        }
    }

    fn push_arrow(&mut self, a: Arrow) {
        if self.arrows.len() < MAX_ARROWS {
            self.arrows.push(a);
        }
    }

    /// Matches the two ends of a message between processes: an arrow once both are seen.
    fn message(&mut self, no: u32, bytes: u32, actor: Actor, t: f64, op: Op, obj: u32) {
        if matches!(op, Op::Send | Op::Put) {
            match self.received.remove(&no) {
                Some((to, t1, obj, _)) => {
                    self.push_arrow(Arrow { from: actor, t0: t, to, t1: t1.max(t), obj, op, bytes: Some(bytes) })
                }
                None => {
                    self.sent.entry(no).or_insert((actor, t, op));
                }
            }
        } else {
            match self.sent.remove(&no) {
                Some((from, t0, op)) => {
                    self.push_arrow(Arrow { from, t0, to: actor, t1: t.max(t0), obj, op, bytes: Some(bytes) })
                }
                None => {
                    self.received.insert(no, (actor, t, obj, bytes));
                }
            }
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
                    if let Some(&key) = self.thread_obj.get(&e.actor) {
                        self.last_signal.insert(key, (e.actor, t, Op::None));
                    }
                }
                Kind::Block => {
                    let lane = self.lane_mut(view, e.actor, t);
                    close(lane, t);
                    let state = if e.op == Op::Sleep { State::Sleeping } else { State::Blocked };
                    let t0 = lane.segs.last().map_or(t, |s| s.t1);
                    lane.segs.push(Seg { t0, t1: f64::INFINITY, state, obj: e.obj, op: e.op });
                    if state == State::Blocked {
                        self.obj_waiting(e.obj_key(), t, 1);
                    }
                }
                Kind::Ok | Kind::Timeout | Kind::Fail => {
                    let lane = self.lane_mut(view, e.actor, t);
                    let open = lane.segs.last().filter(|s| s.t1.is_infinite() && s.state != State::Running).copied();
                    if let Some(seg) = open {
                        close(lane, t);
                        let t0 = lane.segs.last().map_or(t, |s| s.t1);
                        lane.segs.push(Seg { t0, t1: f64::INFINITY, state: State::Running, obj: 0, op: Op::None });
                        // An asyncio task's sleep is on its own object: the loop's wake
                        // when the timer fires is its hand-off (a thread's sleep has none).
                        if seg.state == State::Blocked || seg.obj != 0 {
                            let key = ObjKey::new(e.actor.pid, seg.obj);
                            if seg.state == State::Blocked {
                                self.obj_waiting(key, t, -1);
                            }
                            // A numbered message has an arrow of its own, by its number.
                            if e.kind == Kind::Ok && seg.obj == e.obj && e.msg().is_none() {
                                if let Some(&(from, ts, op)) = self.last_signal.get(&key) {
                                    if from != e.actor && ts >= seg.t0 - 1e-9 {
                                        let to = e.actor;
                                        let a = Arrow { from, t0: ts, to, t1: t.max(ts), obj: e.obj, op, bytes: None };
                                        self.push_arrow(a);
                                    }
                                }
                            }
                        }
                    }
                    // The last party to reach a barrier releases the others without a
                    // signal of its own: its wait that did not block is the hand-off.
                    if e.kind == Kind::Ok && open.is_none() && view.obj_kind(e.obj_key()) == Some(ObjKind::Barrier) {
                        self.last_signal.insert(e.obj_key(), (e.actor, t, e.op));
                    }
                    if let (Kind::Ok, Some((no, bytes))) = (e.kind, e.msg()) {
                        self.message(no, bytes, e.actor, t, e.op, e.obj);
                    }
                    if e.kind == Kind::Fail {
                        let msg = view.strings.get(&i).cloned().unwrap_or_default();
                        let lane = self.lane_mut(view, e.actor, t);
                        lane.fails.push((t, e.op, e.obj, msg));
                    } else if e.kind == Kind::Ok {
                        self.obj_value(e.kind, e.op, e.obj_key(), e.actor, e.arg, t);
                    }
                }
                Kind::Signal => {
                    if e.op == Op::Start && view.obj_kind(e.obj_key()) == Some(ObjKind::Thread) {
                        self.thread_obj.insert(Actor::thread(e.actor.pid, e.arg as u32), e.obj_key());
                    } else if let Some((no, bytes)) = e.msg() {
                        self.message(no, bytes, e.actor, t, e.op, e.obj);
                        self.obj_value(e.kind, e.op, e.obj_key(), e.actor, e.arg, t);
                    } else {
                        self.last_signal.insert(e.obj_key(), (e.actor, t, e.op));
                        self.obj_value(e.kind, e.op, e.obj_key(), e.actor, e.arg, t);
                    }
                }
                Kind::ObjNew => {
                    let kind = e.obj_kind().unwrap_or(ObjKind::Value);
                    let key = e.obj_key();
                    if kind == ObjKind::Thread {
                        if view.obj_name(key) == "MainThread" {
                            self.thread_obj.insert(Actor::thread(e.actor.pid, Actor::MAIN_TID), key);
                        }
                    } else if !matches!(kind, ObjKind::Local | ObjKind::Task) && !self.obj_index.contains_key(&key) {
                        // A shared object is new in each process using it: one row.
                        self.obj_index.insert(key, self.objects.len());
                        let mut row = ObjRow {
                            obj: key.obj,
                            pid: key.pid,
                            kind,
                            name: view.obj_name(key).to_owned(),
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
                Kind::Process => {
                    let info = self.proc_mut(view, e.obj);
                    info.parent = e.code as u32;
                }
                Kind::ProcStart => {
                    let (child, bytes) = (e.obj, e.arg as u32);
                    let info = self.proc_mut(view, child);
                    info.parent = e.actor.pid;
                    info.daemon = e.code == 1;
                    info.started = Some((t, bytes));
                    // The child's MainThread may already have its lane (its first stamp came
                    // before its parent's); else the lane's creation draws the arrow.
                    let main = Actor::thread(child, Actor::MAIN_TID);
                    match self.lane(main).map(|l| l.start) {
                        Some(t1) => self.push_arrow(Arrow {
                            from: e.actor,
                            t0: t,
                            to: main,
                            t1: t1.max(t),
                            obj: 0,
                            op: Op::Start,
                            bytes: Some(bytes),
                        }),
                        None => {
                            self.starting.insert(child, (e.actor, t, bytes));
                        }
                    }
                }
                Kind::ProcEnd => {
                    let child = e.obj;
                    self.proc_mut(view, child).exit = Some((t, e.arg as i64));
                    // However it went, its threads are gone: a terminated child's never
                    // recorded their ends.
                    for lane in self.lanes.iter_mut().filter(|l| l.actor.pid == child) {
                        close(lane, t);
                        lane.end.get_or_insert((t, ThreadEndHow::Stopped));
                    }
                }
                // An asyncio task's lane: from its creation to its end, like a thread's.
                Kind::TaskNew => {
                    let lane = self.lane_mut(view, e.actor, t);
                    lane.name = view.thread_name(e.actor).to_owned();
                    lane.start = lane.start.min(t);
                }
                Kind::TaskEnd => {
                    let lane = self.lane_mut(view, e.actor, t);
                    close(lane, t);
                    lane.end = Some((t, e.thread_end_code().unwrap_or(ThreadEndHow::Returned)));
                }
                Kind::RunStart | Kind::Seed | Kind::Attempt | Kind::Measure | Kind::TaskStep | Kind::LoopIter => {}
            }
        }
        self.processed = view.events.len();
        self.events = view.events.len();
    }

    fn obj_waiting(&mut self, obj: ObjKey, t: f64, delta: i32) {
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

    fn obj_value(&mut self, kind: Kind, op: Op, obj: ObjKey, actor: Actor, arg: u64, t: f64) {
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
            // A process pool: how many calls its workers run now (their events, merged).
            ObjKind::Pool => match (kind, op) {
                (Kind::Signal, Op::Task) => s.value += 1,
                (Kind::Ok, Op::Task) => s.value = (s.value - 1).max(0),
                _ => return,
            },
            // A pool's job: 1 once its result is ready.
            ObjKind::AsyncResult => match op {
                Op::Set => s.value = 1,
                _ => return,
            },
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
            // Their events' `arg` is a message's number and bytes: a queue shows the
            // messages in it (put, not yet got), a pipe's end the messages through it.
            ObjKind::MpQueue | ObjKind::SimpleQueue => match op {
                Op::Put => s.value += 1,
                Op::Get => s.value = (s.value - 1).max(0),
                _ => return,
            },
            ObjKind::Connection => match op {
                Op::Send | Op::Recv => s.value += 1,
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
pub(super) mod tests {
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

    /// One event of a hand-written process trace, `us` microseconds into the run.
    fn at(tr: &Trace, us: u64, tid: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        tr.emit_at(us * 1_000, tid, kind, code, obj, arg);
    }

    pub(in crate::analysis) const Q: u32 = crate::trace::SHARED_OBJ_BASE + 1;

    /// A string or a number, as an event's `arg` in a script.
    #[derive(Clone, Copy)]
    enum Arg {
        N(u64),
        S(&'static str),
    }

    /// A run of three processes, each trace written by hand on the run's clock: the parent
    /// (trace 0, pid 1) starts two children and gets a message from a queue (shared, `Q`)
    /// that child 2 puts; each process has a Lock of its own, all three with local id 1;
    /// child 3, a daemon, is terminated. (trace, µs, tid, kind, code, obj, arg).
    fn script() -> Vec<(usize, u64, u32, Kind, u16, u32, Arg)> {
        use crate::trace::msg_arg;
        use Arg::{N, S};
        let (lock, mpq, get, put) = (ObjKind::Lock as u16, ObjKind::MpQueue as u16, Op::Get as u16, Op::Put as u16);
        vec![
            (0, 10, 0, Kind::RunStart, 0, 0, N(1.0f64.to_bits())),
            (0, 11, 0, Kind::Process, 0, 1, S("MainProcess")),
            (0, 12, 1, Kind::ThreadStart, 0, 0, S("MainThread")),
            (0, 13, 1, Kind::ObjNew, lock, 1, S("lock")),
            (0, 14, 1, Kind::ObjNew, mpq, Q, S("q")),
            (0, 20, 1, Kind::ProcStart, 0, 2, N(120)),
            (0, 21, 1, Kind::ProcStart, 1, 3, N(80)),
            (0, 30, 1, Kind::Block, get, Q, N(0)),
            (1, 22, 0, Kind::Process, 1, 2, S("Process-1")),
            (1, 23, 1, Kind::ThreadStart, 0, 0, S("MainThread")),
            (1, 24, 1, Kind::ObjNew, lock, 1, S("lock")),
            (1, 25, 1, Kind::Ok, Op::Acquire as u16, 1, N(1)),
            (1, 26, 1, Kind::ObjNew, mpq, Q, S("q")),
            (2, 24, 0, Kind::Process, 1, 3, S("Process-2")),
            (2, 25, 1, Kind::ThreadStart, 0, 0, S("MainThread")),
            (2, 27, 1, Kind::ObjNew, lock, 1, S("lock")),
            (2, 45, 1, Kind::Print, 0, 0, S("working")),
            (1, 50, 1, Kind::Signal, put, Q, N(msg_arg(1, 40))),
            (0, 52, 1, Kind::Ok, get, Q, N(msg_arg(1, 40))),
            (1, 55, 1, Kind::Print, 0, 0, S("put done")),
            (0, 60, 1, Kind::Print, 0, 0, S("got it")),
            (1, 70, 1, Kind::ThreadEnd, 0, 0, N(0)),
            (0, 80, 0, Kind::ProcEnd, 0, 2, N(0)),
            (0, 90, 0, Kind::ProcEnd, 0, 3, N((-15i64) as u64)),
            (0, 100, 0, Kind::RunEnd, EndState::Finished as u16, 0, S("")),
        ]
    }

    /// Writes the script's events in (`from`, `to`] µs into the three traces.
    fn write(traces: &[Trace; 3], from: u64, to: u64) {
        for (k, us, tid, kind, code, obj, arg) in script() {
            if us > from && us <= to {
                let tr = &traces[k];
                let arg = match arg {
                    Arg::N(n) => n,
                    Arg::S(text) => tr.intern(text).0,
                };
                tr.emit_at(us * 1_000, tid, kind, code, obj, arg);
            }
        }
    }

    pub(in crate::analysis) fn three_processes() -> [Trace; 3] {
        let traces = [Trace::new(64, 0), Trace::new(64, 0), Trace::new(64, 0)];
        traces[1].set_pid(2);
        traces[2].set_pid(3);
        write(&traces, 0, u64::MAX);
        traces
    }

    use crate::analysis::TraceReader;
    use crate::trace::{EndState, ObjKey};

    #[test]
    fn three_traces_merge_in_time_order() {
        let traces = three_processes();
        let refs: Vec<&Trace> = traces.iter().collect();
        let view = TraceView::from_traces(&refs);
        assert_eq!(view.events.len(), traces.iter().map(Trace::len).sum::<usize>());
        let stamps: Vec<u64> = view.events.iter().map(|e| e.t_ns).collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
        // Ties keep the order of the traces given: child 2's lock (24) before child 3's start.
        let at_24: Vec<u32> = view.events.iter().filter(|e| e.t_ns == 24_000).map(|e| e.actor.pid).collect();
        assert_eq!(at_24, vec![2, 3]);
        let texts: Vec<(u32, String)> = view.lines().into_iter().map(|l| (l.actor.pid, l.text)).collect();
        assert_eq!(texts, vec![(3, "working".into()), (2, "put done".into()), (1, "got it".into())]);
        assert_eq!((view.process_name(2), view.process_name(3)), ("Process-1", "Process-2"));
    }

    #[test]
    fn the_reader_hands_on_an_event_only_once_no_trace_can_precede_it() {
        let traces = [Trace::new(64, 0), Trace::new(64, 0), Trace::new(64, 0)];
        traces[1].set_pid(2);
        traces[2].set_pid(3);
        let [root, c2, c3] = &traces;
        write(&traces, 0, 46);
        let mut view = TraceView::default();
        let mut reader = TraceReader::new();
        // The parent alone: its children are announced at 20 and 21 µs, so nothing after
        // the first start goes on before its trace is there, however late the clock is.
        reader.read(&mut view, &[root], Some(1_000_000_000));
        assert_eq!(view.events.last().map(|e| e.t_ns), Some(20_000), "held at the first child's start");
        // All three, no clock: each trace has been read to its latest event, child 2's at
        // 26 µs the earliest, so nothing later goes on.
        reader.read(&mut view, &[root, c2, c3], None);
        assert_eq!(view.events.last().map(|e| e.t_ns), Some(26_000));
        let stamps: Vec<u64> = view.events.iter().map(|e| e.t_ns).collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
        // The run's clock at 46 µs (read before the call): every trace was read to its end,
        // so none can add anything before 46 µs less the clock's slack.
        reader.read(&mut view, &[root, c2, c3], Some(46_000 + super::super::CLOCK_SLACK_NS));
        assert_eq!(view.events.len(), root.len() + c2.len() + c3.len());
        // The rest of the run: the parent's ProcEnds and RunEnd say the traces are complete.
        write(&traces, 46, u64::MAX);
        reader.read(&mut view, &[root, c2, c3], None);
        assert_eq!(view.events, TraceView::from_traces(&[root, c2, c3]).events, "the same as one pass");
        assert!(view.lines().windows(2).all(|w| w[0].t <= w[1].t));
        assert_eq!(view.stdout(), vec!["working", "put done", "got it"]);
    }

    #[test]
    fn a_clock_lets_the_reader_pass_a_trace_that_records_nothing() {
        // A parent that waits in `join` records nothing while its child prints: with the
        // run's clock, the child's lines go on anyway.
        let (parent, child) = (Trace::new(16, 0), Trace::new(16, 0));
        child.set_pid(2);
        at(&parent, 1, 1, Kind::ProcStart, 0, 2, 10);
        at(&parent, 2, 1, Kind::Block, Op::Join as u16, 5, 0);
        at(&child, 3, 1, Kind::ThreadStart, 0, 0, child.intern("MainThread").0);
        at(&child, 5_000, 1, Kind::Print, 0, 0, child.intern("still here").0);
        let mut view = TraceView::default();
        let mut reader = TraceReader::new();
        reader.read(&mut view, &[&parent, &child], None);
        assert_eq!(view.events.len(), 2, "without a clock, the parent's latest event (2 µs) bounds it");
        reader.read(&mut view, &[&parent, &child], Some(6_000_000 + 1_000_000));
        assert_eq!(view.stdout(), vec!["still here"]);
    }

    #[test]
    fn objects_are_their_processes_and_a_shared_one_is_one() {
        let traces = three_processes();
        let view = TraceView::from_traces(&traces.iter().collect::<Vec<_>>());
        let m = Model::of(&view);
        // Three locks, all with local id 1, and one queue seen by two processes.
        let mut keys: Vec<(ObjKey, ObjKind)> = m.objects.iter().map(|o| (o.key(), o.kind)).collect();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                (ObjKey { pid: 0, obj: Q }, ObjKind::MpQueue),
                (ObjKey { pid: 1, obj: 1 }, ObjKind::Lock),
                (ObjKey { pid: 2, obj: 1 }, ObjKind::Lock),
                (ObjKey { pid: 3, obj: 1 }, ObjKind::Lock),
            ]
        );
        assert_eq!(view.objects.len(), 4, "one entry for the queue, though both its processes made it");
        // Child 2's acquire is its lock's, not the parent's.
        let holder =
            |pid| m.objects.iter().find(|o| o.key() == ObjKey::new(pid, 1)).unwrap().steps.last().unwrap().holder;
        assert_eq!((holder(1), holder(2), holder(3)), (None, Some(Actor::thread(2, 1)), None));
        assert_eq!(
            view.find_key(ObjKind::MpQueue, "q"),
            Some(ObjKey::new(2, Q)),
            "a shared id is itself in any process"
        );
        // The queue held the message from its put to its get.
        let q = m.objects.iter().find(|o| o.kind == ObjKind::MpQueue).unwrap();
        assert_eq!((q.max_value, q.steps.last().unwrap().value), (1, 0));
    }

    #[test]
    fn a_message_and_a_start_cross_processes_with_their_bytes() {
        let traces = three_processes();
        let view = TraceView::from_traces(&traces.iter().collect::<Vec<_>>());
        let m = Model::of(&view);
        let arrows: Vec<(Actor, Actor, Op, u32, Option<u32>)> =
            m.arrows.iter().map(|a| (a.from, a.to, a.op, a.obj, a.bytes)).collect();
        let (main, c2, c3) = (Actor::main_thread(), Actor::thread(2, 1), Actor::thread(3, 1));
        assert_eq!(
            arrows,
            vec![
                (main, c2, Op::Start, 0, Some(120)),
                (main, c3, Op::Start, 0, Some(80)),
                (c2, main, Op::Put, Q, Some(40)),
            ],
            "one arrow for the message (by its number, none from the blocked get's hand-off)"
        );
        let put = m.arrows[2];
        assert!((put.t0 - 50e-6).abs() < 1e-12 && (put.t1 - 52e-6).abs() < 1e-12, "{put:?}");
        // The receive stamped before the send (two processes' clocks a tick apart) still
        // makes the same arrow.
        let (a, b) = (Trace::new(8, 0), Trace::new(8, 0));
        b.set_pid(2);
        at(&a, 5, 1, Kind::Ok, Op::Recv as u16, Q, crate::trace::msg_arg(7, 3));
        at(&b, 6, 1, Kind::Signal, Op::Send as u16, Q + 1, crate::trace::msg_arg(7, 3));
        let m = Model::of(&TraceView::from_traces(&[&a, &b]));
        assert_eq!(m.arrows.iter().map(|a| (a.from, a.to, a.bytes)).collect::<Vec<_>>(), vec![(c2, main, Some(3))]);
        assert!(m.arrows[0].t0 <= m.arrows[0].t1);
    }

    #[test]
    fn each_process_header_carries_its_exit_code() {
        let traces = three_processes();
        let view = TraceView::from_traces(&traces.iter().collect::<Vec<_>>());
        let m = Model::of(&view);
        assert_eq!(
            m.rows()
                .iter()
                .filter_map(|r| match r {
                    Row::Process(pid) => Some(*pid),
                    Row::Lane(_) => None,
                })
                .collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        let p2 = m.process(2).unwrap();
        assert_eq!((p2.name.as_str(), p2.parent, p2.daemon, p2.exit), ("Process-1", 1, false, Some((80e-6, 0))));
        assert_eq!(p2.started, Some((20e-6, 120)));
        let p3 = m.process(3).unwrap();
        assert_eq!((p3.name.as_str(), p3.daemon, p3.exit), ("Process-2", true, Some((90e-6, -15))));
        assert_eq!(m.process(1).unwrap().exit, None, "the run's first process has no parent to see it end");
        // A terminated child's threads end with it.
        let lane = m.lane(Actor::thread(3, 1)).unwrap();
        assert_eq!(lane.end, Some((90e-6, ThreadEndHow::Stopped)));
        assert!(lane.segs.iter().all(|s| s.t1.is_finite()));
        assert_eq!(m.lane(Actor::thread(2, 1)).unwrap().end, Some((70e-6, ThreadEndHow::Returned)));
    }

    #[test]
    fn a_child_has_its_header_from_its_start_and_a_shared_lock_names_its_holder_process() {
        let (parent, child) = (Trace::new(16, 0), Trace::new(16, 0));
        child.set_pid(2);
        let lock = crate::trace::SHARED_OBJ_BASE + 7;
        at(&parent, 1, 0, Kind::Process, 0, 1, parent.intern("MainProcess").0);
        at(&parent, 2, 1, Kind::ThreadStart, 0, 0, parent.intern("MainThread").0);
        at(&parent, 3, 1, Kind::ObjNew, ObjKind::Lock as u16, lock, parent.intern("mlock").0);
        at(&parent, 4, 1, Kind::Ok, Op::Acquire as u16, lock, 1);
        at(&parent, 5, 1, Kind::ProcStart, 0, 2, 64);
        let m = Model::of(&TraceView::from_traces(&[&parent]));
        assert_eq!(m.rows(), &[Row::Process(1), Row::Lane(0), Row::Process(2)], "the child's header, no lane yet");
        // The child blocks on the shared lock its parent's MainThread holds: the watchdog's
        // edge carries the holder's pid.
        at(&child, 6, 0, Kind::Process, 1, 2, child.intern("Process-1").0);
        at(&child, 7, 1, Kind::ThreadStart, 0, 0, child.intern("MainThread").0);
        at(&child, 8, 1, Kind::ObjNew, ObjKind::Lock as u16, lock, child.intern("mlock").0);
        at(&child, 9, 1, Kind::Block, Op::Acquire as u16, lock, 0);
        at(&child, 10, 1, Kind::WaitEdge, Op::Acquire as u16, lock, 1 << 32 | 1);
        let view = TraceView::from_traces(&[&parent, &child]);
        let m = Model::of(&view);
        assert_eq!(m.rows(), &[Row::Process(1), Row::Lane(0), Row::Process(2), Row::Lane(1)]);
        assert_eq!(m.edges.len(), 1);
        assert_eq!(m.edges[0].holder, Some(Actor::main_thread()));
        assert_eq!(
            m.edges[0].describe(&view).en,
            "Process-1/MainThread waits on Lock 'mlock' held by MainProcess/MainThread"
        );
        // One lock, held by the parent, waited on by the child.
        assert_eq!(m.objects.len(), 1);
        let step = m.objects[0].steps.last().copied().unwrap();
        assert_eq!((step.holder, step.waiting), (Some(Actor::main_thread()), 1));
    }
}
