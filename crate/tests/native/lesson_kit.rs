//! Helpers for the lesson litmus tests: run a lesson natively many times, look up its
//! insights, and check every parameter's edges.

use parlab::analysis::TraceView;
use parlab::lessons::{self, exec, Insight, Lesson, ParamKind, Params};
use parlab::runtime::{native, RunConfig};
use parlab::trace::{EndState, Kind};
use std::cell::Cell;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Events a litmus run keeps: enough for every test here, and quick to allocate in a debug
/// build (the page's full-size trace takes a quarter second).
pub const TRACE: usize = 1 << 17;

pub fn lesson(id: &str) -> &'static Lesson {
    lessons::find(id).unwrap_or_else(|| panic!("lesson {id} is registered"))
}

/// Parameters from `key=value` pairs, defaults for the rest; panics with the messages on a
/// refusal.
pub fn params(lesson: &Lesson, pairs: &[(&str, &str)]) -> Params {
    lesson.parse_params(pairs.iter().copied()).unwrap_or_else(|e| panic!("{} refused {pairs:?}: {e:?}", lesson.id))
}

/// Litmus runs hold this shared; a test whose assertions compare trace times at high speed
/// holds it alone ([`alone`]), so that no other lesson's threads compete with it for the
/// two cores. In a binary of its own, a lesson's tests only ever ran beside each other;
/// in the one native binary a timer test beside a 64-thread race lost the trace clock's
/// ticker for a millisecond, and its events were stamped that much early (the ticker's
/// lag under load is the clock's, see crate/src/clock.rs; this keeps our own tests from
/// adding to it).
static CORES: RwLock<()> = RwLock::new(());

thread_local! {
    /// This test thread holds [`CORES`] alone: its own runs need no shared hold.
    static ALONE: Cell<bool> = const { Cell::new(false) };
}

pub enum Hold {
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
    Nested,
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Hold::Alone(_) = self {
            ALONE.set(false);
        }
    }
}

/// A hold for lesson runs that may share the cores with others (none while a test runs
/// [`alone`]).
pub fn shared() -> Hold {
    if ALONE.get() {
        return Hold::Nested;
    }
    Hold::Shared(CORES.read().unwrap_or_else(|e| e.into_inner()))
}

/// Holds every other lesson run off until the returned hold drops.
pub fn alone() -> Hold {
    let guard = CORES.write().unwrap_or_else(|e| e.into_inner());
    ALONE.set(true);
    Hold::Alone(guard)
}

pub struct Outcome {
    pub view: TraceView,
    pub insights: Vec<Insight>,
}

impl Outcome {
    pub fn insight(&self, id: &str) -> &Insight {
        self.insights.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("no insight {id} in {:#?}", self.insights))
    }
    pub fn observed(&self, id: &str) -> bool {
        self.insight(id).observed
    }
    pub fn end(&self) -> Option<EndState> {
        self.view.end().map(|(s, _)| s)
    }
    pub fn stdout(&self) -> Vec<String> {
        self.view.stdout()
    }
    /// Everything printed, stderr included, for failure messages.
    pub fn console(&self) -> String {
        self.view
            .lines()
            .iter()
            .map(|l| {
                format!(
                    "[{:8.3}] {} {} {}",
                    l.t,
                    self.view.thread_name(l.actor),
                    if l.stderr { '!' } else { '|' },
                    l.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    pub fn panicked(&self) -> bool {
        self.view.events.iter().any(|e| e.kind == Kind::ThreadPanic)
    }
}

/// Runs `lesson` once at `speed` and computes its insights.
pub fn run(lesson: &Lesson, p: &Params, speed: f64) -> Outcome {
    let _hold = shared();
    crate::mp_process::children_from_the_runner();
    let (_, view) =
        exec::run_native_with(lesson, p, RunConfig { speed, trace_capacity: TRACE, ..RunConfig::default() });
    assert_eq!(view.dropped, 0, "{}: the trace overflowed", lesson.id);
    let insights = (lesson.insights)(&view, p, &Default::default());
    assert!(!view.events.iter().any(|e| e.kind == Kind::ThreadPanic), "{} panicked:\n{}", lesson.id, console_of(&view));
    Outcome { view, insights }
}

fn console_of(view: &TraceView) -> String {
    view.lines()
        .iter()
        .map(|l| format!("[{:8.3}] {} | {}", l.t, view.thread_name(l.actor), l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `lesson` for at most `budget` of real time (then presses Stop), and checks that it
/// neither panicked nor left its insights unable to cope.
pub fn run_bounded(lesson: &Lesson, p: &Params, speed: f64, budget: Duration) -> Outcome {
    let _hold = shared();
    crate::mp_process::children_from_the_runner();
    let program = lesson.run;
    let pc = p.clone();
    let run = native::start(RunConfig { speed, trace_capacity: TRACE, ..RunConfig::default() }, move || program(&pc));
    let t0 = Instant::now();
    while !run.wait_done(Some(20_000_000)) {
        run.watchdog_tick();
        if t0.elapsed() > budget {
            run.stop();
        }
        assert!(t0.elapsed() < budget + Duration::from_secs(5), "{}: Stop did not end the run", lesson.id);
    }
    let view = TraceView::from_trace(&run.trace);
    let insights = (lesson.insights)(&view, p, &Default::default());
    let o = Outcome { view, insights };
    assert!(!o.panicked(), "{} panicked with {p:?}:\n{}", lesson.id, o.console());
    assert!(o.end().is_some(), "{}: no end recorded with {p:?}", lesson.id);
    o
}

/// Every parameter's min and max parse and run (others at defaults, or at `base` where a
/// cross-check needs them), and values past the ends are refused with the same message
/// the parameter gives.
pub fn check_param_edges(lesson: &Lesson, base: &[(&str, &str)], speed: f64, budget: Duration) {
    for spec in lesson.params {
        let (ends, outside): (Vec<String>, Vec<String>) = match spec.kind {
            ParamKind::Int { min, max, .. } => {
                (vec![min.to_string(), max.to_string()], vec![(min - 1).to_string(), (max + 1).to_string(), "x".into()])
            }
            ParamKind::Float { min, max, .. } | ParamKind::OptFloat { min, max, .. } => (
                vec![min.to_string(), max.to_string()],
                vec![(min - 0.5).to_string(), (max + 1.0).to_string(), "nan".into(), "x".into()],
            ),
            ParamKind::Bool { .. } => (vec!["True".into(), "False".into()], vec!["maybe".into()]),
            ParamKind::Choice { options, .. } => {
                (options.iter().map(|(k, _)| (*k).to_owned()).collect(), vec!["nope".into()])
            }
        };
        let mut ends = ends;
        if let ParamKind::OptFloat { none, .. } = spec.kind {
            ends.push(none.to_owned());
        }
        for v in &ends {
            let mut pairs: Vec<(&str, &str)> = base.iter().copied().filter(|(k, _)| *k != spec.key).collect();
            pairs.push((spec.key, v));
            let p = lesson
                .parse_params(pairs.iter().copied())
                .unwrap_or_else(|e| panic!("{}: {}={v} refused: {e:?}", lesson.id, spec.key));
            run_bounded(lesson, &p, speed, budget);
        }
        for v in &outside {
            let expected = spec.parse(v).expect_err("outside the range");
            let err = lesson
                .parse_params([(spec.key, v.as_str())])
                .expect_err(&format!("{}: {}={v} accepted", lesson.id, spec.key));
            assert_eq!(err, vec![(spec.key.to_owned(), expected.clone())], "{}: {}={v}", lesson.id, spec.key);
            assert!(!expected.en.is_empty() && !expected.ru.is_empty());
        }
    }
    let unknown = lesson.parse_params([("no_such_key", "1")]).expect_err("unknown key accepted");
    assert_eq!(unknown[0].0, "no_such_key");
}

/// The lesson's listing: every slot filled, and every parameter has a slot (its value's,
/// or a choice slot `{{key|value=text|...}}`).
pub fn check_listing(lesson: &Lesson) {
    for spec in lesson.params {
        let slot = format!("{{{{{}}}}}", spec.key);
        let choice = format!("{{{{{}|", spec.key);
        assert!(
            lesson.listing.contains(&slot) || lesson.listing.contains(&choice),
            "{}: no slot for {}",
            lesson.id,
            spec.key
        );
    }
    let filled = lesson.listing_with(&lesson.defaults());
    assert!(!filled.contains("{{"), "{}: unfilled slot in\n{filled}", lesson.id);
    // Every value of a choice fills its choice slots too.
    for spec in lesson.params {
        if let ParamKind::Choice { options, .. } = spec.kind {
            for (value, _) in options {
                let filled = lesson.listing_with(&params(lesson, &[(spec.key, value)]));
                assert!(!filled.contains("{{"), "{}: {}={value} leaves a slot in\n{filled}", lesson.id, spec.key);
            }
        }
    }
    assert!(!lesson.explanation.ru.is_empty() && !lesson.explanation.en.is_empty());
}

/// Starts `lesson`, waits (bounded) until `procs` of its processes run, presses Stop, and
/// checks that the whole run, every process of it included, ended within 200 ms of real
/// time, as stopped. Alone: on two cores shared with other tests' processes, unwinding
/// them could alone take longer than that.
pub fn stops_within_200ms(lesson: &Lesson, p: &Params, speed: f64, procs: usize) {
    let _hold = alone();
    crate::mp_process::children_from_the_runner();
    let program = lesson.run;
    let pc = p.clone();
    let run = native::start(RunConfig { speed, trace_capacity: TRACE, ..RunConfig::default() }, move || program(&pc));
    let t0 = Instant::now();
    while run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcStart).count() < procs {
        assert!(t0.elapsed() < Duration::from_secs(30), "{}: {procs} processes did not start", lesson.id);
        // The bounded wait is the poll's pause; a run over before its processes ran is a
        // test that checks nothing.
        assert!(!run.wait_done(Some(2_000_000)), "{}: ended before {procs} processes ran", lesson.id);
    }
    let stop = Instant::now();
    run.stop();
    native::wait(&run);
    let took = stop.elapsed();
    assert!(took < Duration::from_millis(200), "{}: Stop took {took:?} with {p:?}", lesson.id);
    assert_eq!(run.end_state(), Some(EndState::Stopped), "{} with {p:?}", lesson.id);
}

/// The run's workers were child processes, as many as `n`, named as `names` says (the
/// ones given), while `MainProcess` ran its main thread only: the `model=processes` switch.
pub fn workers_are_processes(o: &Outcome, n: usize, names: &[&str]) {
    let children: Vec<&str> = o.view.processes.iter().filter(|(pid, _)| **pid != 1).map(|(_, n)| n.as_str()).collect();
    assert_eq!(children.len(), n, "{:?}", o.view.processes);
    for name in names {
        assert!(children.contains(name), "{name} is not among {children:?}");
    }
    let threads = o.view.events.iter().filter(|e| e.kind == Kind::ThreadStart && e.actor.pid == 1 && e.actor.tid != 1);
    assert_eq!(threads.count(), 0, "MainProcess started threads:\n{}", o.console());
}
