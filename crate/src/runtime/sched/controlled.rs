//! The controlled policy: between two schedule points only one lesson thread runs, and the
//! scheduler, not the OS, picks which runs next: at random from the run's seed, by PCT
//! (probabilistic concurrency testing: random priorities, lowered at `depth - 1` random
//! steps, as shuttle's and Coyote's PCT schedulers do), or as a recorded schedule says
//! (replay). Time is virtual: it stands still while threads run and jumps to the next
//! deadline when every thread waits, so a ten-second lesson replays at once, and a run is
//! the same run, event for event, whenever its choices are the same.
//!
//! A thread waits for its turn on a word of its own. A blocked thread is runnable again
//! when the word it waits on no longer holds the value it waited for (the futex contract
//! every primitive keeps), or when its deadline has come: wakes need no bookkeeping.

use super::{next_random, splitmix, Park};
use crate::error::{Interrupted, PyResult};
use crate::futex;
use crate::runtime::thread::{T_RUNNING, T_SLEEPING};
use crate::runtime::{Ctx, Run};
use crate::sync::{AtomicU32, AtomicU64, Ordering};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

/// How the controlled scheduler picks the next thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Uniformly among the runnable threads, from the run's seed.
    Random,
    /// PCT with this depth (the number of orderings a bug needs, at least 1).
    Pct { depth: u32 },
    /// As the run's recorded schedule says ([`crate::runtime::RunConfig::schedule`]).
    Replay,
}

/// The choices of a controlled run: the thread picked at each schedule point where more
/// than one thread could run. With the run's seed it is all a replay needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule(pub Vec<u32>);

/// `2*3.1.3`: thread 2 three times, then 1, then 3 (ids in base 10, `*n` repeats).
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut i = 0;
        while i < self.0.len() {
            let tid = self.0[i];
            let n = self.0[i..].iter().take_while(|t| **t == tid).count();
            if !first {
                f.write_str(".")?;
            }
            first = false;
            if n > 1 {
                write!(f, "{tid}*{n}")?;
            } else {
                write!(f, "{tid}")?;
            }
            i += n;
        }
        Ok(())
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Schedule, String> {
        let mut out = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let (tid, n) = match part.split_once('*') {
                Some((t, n)) => (t, n.parse::<usize>().map_err(|_| format!("bad repeat in '{part}'"))?),
                None => (part, 1),
            };
            let tid: u32 = tid.parse().map_err(|_| format!("bad thread id in '{part}'"))?;
            if tid == 0 || n == 0 || n > 10_000_000 || out.len() + n > 10_000_000 {
                return Err(format!("'{part}' is out of range"));
            }
            out.extend(std::iter::repeat_n(tid, n));
        }
        Ok(Schedule(out))
    }
}

/// PCT's change points are spread over this many steps (a run's expected length).
const PCT_STEPS: u64 = 2_000;
/// The longest a thread waits for its turn before it looks for Stop again.
const SLICE_NS: u64 = 20_000_000;

#[derive(Clone, Copy, Debug)]
enum TState {
    /// May run; `resumed` says how its last wait ended.
    Runnable { resumed: Park },
    /// Waits while the word at `addr` holds `expected`, until `deadline` (virtual ns).
    Blocked { addr: usize, expected: u32, deadline: Option<u64> },
    /// In `time.sleep` until `until` (virtual ns).
    Sleeping { until: u64 },
}

struct State {
    threads: BTreeMap<u32, TState>,
    rng: u64,
    choice: Choice,
    /// PCT: each thread's priority (higher runs first) and the steps where the running
    /// thread's priority drops.
    priority: BTreeMap<u32, u64>,
    change_points: Vec<u64>,
    steps: u64,
    /// What replay follows, and how far it got.
    replay: Vec<u32>,
    replayed: usize,
    diverged: bool,
    decisions: Vec<u32>,
}

/// The controlled scheduler of one run.
pub(crate) struct Controller {
    /// The thread whose turn it is (0: nobody yet).
    current: AtomicU32,
    /// Virtual nanoseconds since the run started.
    now: AtomicU64,
    state: Mutex<State>,
}

impl Controller {
    pub(crate) fn new(seed: u64, choice: Choice, replay: Option<&Schedule>) -> Controller {
        let mut rng = core::sync::atomic::AtomicU64::new(splitmix(seed) | 1);
        let change_points = match choice {
            Choice::Pct { depth } => {
                (1..depth.max(1)).map(|_| 1 + next_random(&mut rng) % PCT_STEPS).collect::<Vec<_>>()
            }
            _ => Vec::new(),
        };
        Controller {
            current: AtomicU32::new(0),
            now: AtomicU64::new(0),
            state: Mutex::new(State {
                threads: BTreeMap::new(),
                rng: rng.load(Ordering::Relaxed),
                choice,
                priority: BTreeMap::new(),
                change_points,
                steps: 0,
                replay: replay.map(|s| s.0.clone()).unwrap_or_default(),
                replayed: 0,
                diverged: false,
                decisions: Vec::new(),
            }),
        }
    }

    /// Virtual nanoseconds since the run started.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A thread is registered: it may be picked from now on, even while it still boots.
    pub(crate) fn register(&self, tid: u32) {
        let mut st = self.lock();
        st.threads.insert(tid, TState::Runnable { resumed: Park::Woken });
        if let Choice::Pct { depth } = st.choice {
            let mut r = core::sync::atomic::AtomicU64::new(st.rng);
            let p = depth as u64 + 1 + next_random(&mut r) % 1_000_000;
            st.rng = r.load(Ordering::Relaxed);
            st.priority.insert(tid, p);
        }
        // The first thread (MainThread) starts with the turn.
        let _ = self.current.compare_exchange(0, tid, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// A registered thread that will never run (its start failed): it leaves the table,
    /// and the turn moves on if it had it.
    pub(crate) fn forget(&self, run: &Run, tid: u32) {
        let mut st = self.lock();
        st.threads.remove(&tid);
        if self.current.load(Ordering::Acquire) == tid {
            pick(run, self, &mut st);
        }
    }

    /// The schedule so far, and whether a replay had to leave its schedule.
    pub(crate) fn schedule(&self) -> (Schedule, bool) {
        let st = self.lock();
        (Schedule(st.decisions.clone()), st.diverged)
    }
}

/// A schedule point of a running thread: it may go on, or another thread gets the turn.
pub(crate) fn point(ctx: &Ctx) {
    let ctl = ctx.run.ctl();
    if ctl.current.load(Ordering::Acquire) != ctx.tid {
        return; // unwinding after Stop: no turns any more
    }
    switch(ctx, ctl, None);
}

/// A lesson thread's first schedule point: it waits until it is picked.
pub(crate) fn begin(ctx: &Ctx) {
    wait_turn(ctx, ctx.run.ctl());
}

/// A lesson thread is done: the turn passes on, and it never waits again.
pub(crate) fn end(ctx: &Ctx) {
    let ctl = ctx.run.ctl();
    let mut st = ctl.lock();
    st.threads.remove(&ctx.tid);
    if ctl.current.load(Ordering::Acquire) == ctx.tid {
        pick(&ctx.run, ctl, &mut st);
    }
}

/// `park` under control: the thread waits off the CPU until the scheduler finds its word
/// changed or its deadline come, and picks it.
pub(crate) fn park(
    ctx: &Ctx,
    word: &AtomicU32,
    expected: u32,
    deadline: Option<u64>,
    obj: u32,
) -> Result<Park, Interrupted> {
    let ctl = ctx.run.ctl();
    let slot = ctx.run.slot(ctx.tid);
    slot.block(obj, 0, 0, deadline.is_some());
    let addr = word as *const AtomicU32 as usize;
    let resumed = switch(ctx, ctl, Some(TState::Blocked { addr, expected, deadline }));
    // The word must not be looked at once this call returns (it may be freed): leave the
    // table, whatever happened.
    ctl.lock().threads.entry(ctx.tid).and_modify(|s| *s = TState::Runnable { resumed: Park::Woken });
    slot.unblock();
    if ctx.run.interrupted(ctx.tid) {
        return Err(Interrupted);
    }
    Ok(resumed)
}

/// `time.sleep` under control: virtual time, so it costs no real time at all.
pub(crate) fn sleep(ctx: &Ctx, secs: f64) -> PyResult<()> {
    let ctl = ctx.run.ctl();
    let slot = ctx.run.slot(ctx.tid);
    let until = ctl.now().saturating_add((secs * 1e9) as u64);
    ctx.run.emit(ctx.tid, crate::trace::Kind::Block, crate::trace::Op::Sleep, 0, (secs * 1e9) as u64);
    slot.state.store(T_SLEEPING, Ordering::SeqCst);
    switch(ctx, ctl, Some(TState::Sleeping { until }));
    slot.state.store(T_RUNNING, Ordering::SeqCst);
    if ctx.run.interrupted(ctx.tid) {
        return Err(crate::error::PyErr::Interrupted);
    }
    ctx.run.emit(ctx.tid, crate::trace::Kind::Ok, crate::trace::Op::Sleep, 0, 0);
    Ok(())
}

/// Sets the current thread's state (`None`: runnable), picks who runs next, hands the turn
/// over and waits for it to come back. Returns how the thread's wait ended.
fn switch(ctx: &Ctx, ctl: &Controller, state: Option<TState>) -> Park {
    {
        let mut st = ctl.lock();
        st.threads.insert(ctx.tid, state.unwrap_or(TState::Runnable { resumed: Park::Woken }));
        pick(&ctx.run, ctl, &mut st);
    }
    wait_turn(ctx, ctl);
    match ctl.lock().threads.get(&ctx.tid) {
        Some(TState::Runnable { resumed }) => *resumed,
        _ => Park::Woken,
    }
}

/// Waits until it is this thread's turn, or the run stops.
fn wait_turn(ctx: &Ctx, ctl: &Controller) {
    let slot = ctx.run.slot(ctx.tid);
    loop {
        if ctl.current.load(Ordering::Acquire) == ctx.tid || ctx.run.interrupted(ctx.tid) {
            return;
        }
        let seen = slot.turn.load(Ordering::Acquire);
        if ctl.current.load(Ordering::Acquire) == ctx.tid {
            return;
        }
        futex::wait(&slot.turn, seen, Some(SLICE_NS));
    }
}

/// Decides who runs next (under the state's lock) and gives them the turn. When nobody can
/// run and nobody has a deadline, the run is deadlocked, and the report says who waits on
/// what: the same report the watchdog writes, found at once and the same on every replay.
fn pick(run: &Run, ctl: &Controller, st: &mut State) {
    loop {
        let now = ctl.now();
        let mut runnable: Vec<u32> = Vec::new();
        let mut next_deadline: Option<u64> = None;
        for (&tid, s) in st.threads.iter_mut() {
            match *s {
                TState::Runnable { .. } => runnable.push(tid),
                TState::Blocked { addr, expected, deadline } => {
                    // SAFETY: `addr` is the word a thread is parked on inside `park`, which
                    // borrows it for the whole call; that thread leaves `park` only after
                    // taking its entry out of this table under this same lock, so the word
                    // is alive whenever its entry is here.
                    let value = unsafe { (*(addr as *const AtomicU32)).load(Ordering::Acquire) };
                    if value != expected {
                        *s = TState::Runnable { resumed: Park::Woken };
                        runnable.push(tid);
                    } else if deadline.is_some_and(|d| d <= now) {
                        *s = TState::Runnable { resumed: Park::TimedOut };
                        runnable.push(tid);
                    } else if let Some(d) = deadline {
                        next_deadline = Some(next_deadline.map_or(d, |n| n.min(d)));
                    }
                }
                TState::Sleeping { until } => {
                    if until <= now {
                        *s = TState::Runnable { resumed: Park::Woken };
                        runnable.push(tid);
                    } else {
                        next_deadline = Some(next_deadline.map_or(until, |n| n.min(until)));
                    }
                }
            }
        }
        if runnable.is_empty() {
            match next_deadline {
                // Everybody waits: time jumps to the first deadline.
                Some(d) => {
                    ctl.now.store(d, Ordering::Release);
                    run.trace.set_virtual_ns(d);
                    continue;
                }
                None if st.threads.is_empty() => return,
                None => {
                    ctl.current.store(0, Ordering::Release);
                    run.report_deadlock();
                    return;
                }
            }
        }
        let next = choose(ctl, st, &runnable);
        st.steps += 1;
        if runnable.len() > 1 {
            st.decisions.push(next);
        }
        if ctl.current.swap(next, Ordering::AcqRel) != next {
            let slot = run.slot(next);
            slot.turn.fetch_add(1, Ordering::Release);
            futex::wake_one(&slot.turn);
        }
        return;
    }
}

fn choose(ctl: &Controller, st: &mut State, runnable: &[u32]) -> u32 {
    if runnable.len() == 1 {
        return runnable[0];
    }
    let mut rng = core::sync::atomic::AtomicU64::new(st.rng);
    let picked = match st.choice {
        Choice::Random => runnable[(next_random(&mut rng) % runnable.len() as u64) as usize],
        Choice::Pct { .. } => {
            // At a change point the running thread's priority drops below every other's.
            let running = ctl.current.load(Ordering::Acquire);
            if let Some(k) = st.change_points.iter().position(|c| *c == st.steps) {
                st.priority.insert(running, k as u64);
            }
            *runnable.iter().max_by_key(|t| st.priority.get(t).copied().unwrap_or(0)).unwrap()
        }
        Choice::Replay => match st.replay.get(st.replayed) {
            Some(t) if runnable.contains(t) => *t,
            // A schedule from another run, or past its end: the lowest id, and say so.
            _ => {
                st.diverged |= st.replayed < st.replay.len();
                runnable[0]
            }
        },
    };
    if st.choice == Choice::Replay {
        st.replayed += 1;
    }
    st.rng = rng.load(Ordering::Relaxed);
    picked
}
