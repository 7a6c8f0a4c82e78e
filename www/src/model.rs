//! What the page draws, derived incrementally from a run's decoded trace: one lane of
//! states per thread, each object's state over time, the hand-offs between threads, and
//! the console lines. Each event is looked at once, as it arrives, so a run of 100,000
//! events costs nothing per frame beyond its new events.

use parlab::analysis::{TraceView, WaitEdge};
use parlab::trace::{Actor, Kind, ObjKind, Op, ThreadEndHow};
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

#[derive(Clone, Debug)]
pub struct ConsoleLine {
    pub t: f64,
    pub actor: Actor,
    pub text: String,
    pub stderr: bool,
}

#[derive(Default)]
pub struct Model {
    pub lanes: Vec<Lane>,
    lane_index: HashMap<Actor, usize>,
    /// Objects shown in the object panel (threads and thread-locals are not).
    pub objects: Vec<ObjRow>,
    obj_index: HashMap<u32, usize>,
    pub arrows: Vec<Arrow>,
    pub lines: Vec<ConsoleLine>,
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
    pub fn lane(&self, actor: Actor) -> Option<&Lane> {
        self.lane_index.get(&actor).map(|&i| &self.lanes[i])
    }

    pub fn lane_pos(&self, actor: Actor) -> Option<usize> {
        self.lane_index.get(&actor).copied()
    }

    pub fn color_of(&self, actor: Actor) -> usize {
        self.lane(actor).map_or(0, |l| l.color)
    }

    fn lane_mut(&mut self, view: &TraceView, actor: Actor, t: f64) -> &mut Lane {
        let n = self.lanes.len();
        let i = *self.lane_index.entry(actor).or_insert(n);
        if i == n {
            self.lanes.push(Lane {
                actor,
                name: view.thread_name(actor).to_owned(),
                color: n,
                daemon: false,
                start: t,
                end: None,
                segs: vec![Seg { t0: t, t1: f64::INFINITY, state: State::Running, obj: 0, op: Op::None }],
                fails: Vec::new(),
            });
        }
        &mut self.lanes[i]
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
                    if e.op == Op::Start && self.obj_kind(view, e.obj) == Some(ObjKind::Thread) {
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
                    self.lines.push(ConsoleLine {
                        t,
                        actor: e.actor,
                        text: view.strings.get(&i).cloned().unwrap_or_default(),
                        stderr: e.is_stderr(),
                    });
                }
                Kind::WaitEdge => {
                    let holder = (e.arg != 0).then(|| Actor::thread(e.actor.pid, e.arg as u32));
                    self.edges.push(WaitEdge { waiter: e.actor, obj: e.obj, holder })
                }
                Kind::ThreadPanic => self.panics.push((e.actor, view.strings.get(&i).cloned().unwrap_or_default())),
                Kind::RunEnd => {
                    for lane in &mut self.lanes {
                        close(lane, t);
                    }
                }
                Kind::RunStart | Kind::Process | Kind::Seed | Kind::Attempt => {}
            }
        }
        self.processed = view.events.len();
        self.events = view.events.len();
    }

    fn obj_kind(&self, view: &TraceView, obj: u32) -> Option<ObjKind> {
        view.obj_kind(obj)
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
            ObjKind::Lock | ObjKind::RLock => match op {
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

    /// The console as plain text, as Python would have printed it.
    pub fn plain_text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
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
    use parlab::trace::Trace;

    /// A hand-written trace: `MainThread` (1) and `worker` (2) around one Lock (obj 1).
    fn lock_trace() -> TraceView {
        let tr = Trace::new(256, parlab::clock::now_ns());
        // A microsecond apart: a real trace's clock may stamp neighbours alike, which
        // would merge the zero-length states this test looks for.
        let t = core::cell::Cell::new(0);
        let ev = |actor, kind, code, obj, arg| {
            t.set(t.get() + 1_000);
            tr.emit_at(t.get(), actor, kind, code, obj, arg)
        };
        ev(0, Kind::RunStart, Op::None as u16, 0, 1.0f64.to_bits());
        let main = tr.intern("MainThread");
        ev(1, Kind::ThreadStart, 0, 0, main.0);
        let lock = tr.intern("lock");
        ev(1, Kind::ObjNew, ObjKind::Lock as u16, 1, lock.0);
        ev(1, Kind::Ok, Op::Acquire as u16, 1, 1);
        let w = tr.intern("worker");
        ev(2, Kind::ThreadStart, 0, 1, w.0);
        ev(2, Kind::Attempt, Op::Acquire as u16, 1, 0);
        ev(2, Kind::Block, Op::Acquire as u16, 1, 0);
        let line = tr.intern("hello");
        ev(1, Kind::Print, 0, 0, line.0);
        ev(1, Kind::Signal, Op::Release as u16, 1, 0);
        ev(2, Kind::Ok, Op::Acquire as u16, 1, 1);
        ev(2, Kind::Signal, Op::Release as u16, 1, 0);
        ev(2, Kind::ThreadEnd, 0, 0, 0);
        ev(1, Kind::ThreadEnd, 0, 0, 0);
        let end = tr.intern("");
        ev(0, Kind::RunEnd, 1, 0, end.0);
        TraceView::from_trace(&tr)
    }

    #[test]
    fn lanes_states_and_handoff() {
        let view = lock_trace();
        let mut m = Model::default();
        m.update(&view);
        assert_eq!(m.lanes.len(), 2);
        let worker = m.lane(2).unwrap();
        assert_eq!(worker.name, "worker");
        let states: Vec<State> = worker.segs.iter().map(|s| s.state).collect();
        assert_eq!(states, vec![State::Running, State::Blocked, State::Running]);
        assert_eq!(worker.segs[1].obj, 1);
        assert!(worker.segs.iter().all(|s| s.t1.is_finite()), "the run's end closes every segment");
        assert!(worker.end.is_some());
        // release by MainThread -> acquire by worker
        assert_eq!(m.arrows.len(), 1);
        let a = m.arrows[0];
        assert_eq!((a.from, a.to, a.obj, a.op), (1, 2, 1, Op::Release));
        assert!(a.t0 <= a.t1);
        assert_eq!(m.lines.len(), 1);
        assert_eq!(m.lines[0].text, "hello");
    }

    #[test]
    fn lock_holder_and_waiters_over_time() {
        let view = lock_trace();
        let mut m = Model::default();
        m.update(&view);
        let row = &m.objects[0];
        assert_eq!(row.kind, ObjKind::Lock);
        let seq: Vec<(u32, u32)> = row.steps.iter().map(|s| (s.holder, s.waiting)).collect();
        // free; held by main; main holds, worker waits; free (released); worker holds; free
        assert_eq!(seq.first(), Some(&(0, 0)));
        assert!(seq.contains(&(1, 1)), "{seq:?}");
        assert!(seq.contains(&(2, 0)), "{seq:?}");
        assert_eq!(seq.last(), Some(&(0, 0)));
        assert_eq!(row.max_waiting, 1);
    }

    #[test]
    fn incremental_updates_equal_one_pass() {
        let view = lock_trace();
        let mut whole = Model::default();
        whole.update(&view);
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
    }

    #[test]
    fn barrier_last_arrival_releases_the_others() {
        let tr = Trace::new(256, parlab::clock::now_ns());
        tr.emit(0, Kind::RunStart, Op::None, 0, 1.0f64.to_bits());
        tr.emit_code(1, Kind::ObjNew, ObjKind::Barrier as u16, 1, tr.intern("barrier").0);
        for tid in [2u32, 3] {
            tr.emit_code(tid, Kind::ThreadStart, 0, 1, tr.intern(&format!("t{tid}")).0);
        }
        tr.emit(2, Kind::Block, Op::Wait, 1, 0);
        tr.emit(3, Kind::Ok, Op::Wait, 1, 1);
        tr.emit(2, Kind::Ok, Op::Wait, 1, 0);
        let view = TraceView::from_trace(&tr);
        let mut m = Model::default();
        m.update(&view);
        assert_eq!(m.arrows.len(), 1);
        assert_eq!((m.arrows[0].from, m.arrows[0].to), (3, 2));
        assert_eq!(m.objects[0].max_value, 1, "one thread waited at the barrier");
    }
}
