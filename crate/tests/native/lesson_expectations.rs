//! Every registered lesson is held to what it declares (`Lesson.expect`): a run ends as
//! `expect.ends` says and starts no more threads than `expect.actors` and no more processes
//! than `expect.processes`, with its defaults and
//! with every combination of its switches (flags and choices, the rest at defaults), plus a
//! few numeric sets that change how a run ends.

use parlab::lessons::{all, exec::run_native_with, EndState, Lesson, ParamKind, Params};
use parlab::runtime::RunConfig;
use parlab::trace::Kind;

/// Lesson seconds per real second: the runs only need to end.
const SPEED: f64 = 200.0;

/// Numeric parameter sets whose end differs from the defaults' (a switch alone cannot
/// show it): a barrier with leftovers, without and with a timeout.
const NUMERIC: &[(&str, &[(&str, &str)])] =
    &[("barrier", &[("threads", "7")]), ("barrier", &[("threads", "7"), ("timeout", "2")])];

/// Every combination of the lesson's flags and choices, the other parameters at defaults.
fn switch_sets(lesson: &Lesson) -> Vec<Vec<(&'static str, String)>> {
    let mut sets: Vec<Vec<(&'static str, String)>> = vec![Vec::new()];
    for spec in lesson.params {
        let values: Vec<String> = match spec.kind {
            ParamKind::Bool { .. } => vec!["True".into(), "False".into()],
            ParamKind::Choice { options, .. } => options.iter().map(|(k, _)| (*k).to_owned()).collect(),
            _ => continue,
        };
        sets = sets
            .into_iter()
            .flat_map(|set| {
                values.iter().map(move |v| {
                    let mut s = set.clone();
                    s.push((spec.key, v.clone()));
                    s
                })
            })
            .collect();
    }
    sets
}

fn check(lesson: &Lesson, params: &Params) -> EndState {
    crate::mp_process::children_from_the_runner();
    let cfg = RunConfig { speed: SPEED, trace_capacity: 1 << 18, ..RunConfig::default() };
    let (run, view) = run_native_with(lesson, params, cfg);
    assert!(run.is_done(), "{} did not end with {params:?}", lesson.id);
    let end = view.end().map(|(s, _)| s);
    let declared = (lesson.expect.ends)(params);
    assert_eq!(end, Some(declared), "{} with {params:?} ended {end:?}, declares {declared:?}", lesson.id);
    // `actors` are MainProcess's threads (the page's own pool runs them); a child's
    // threads run on its own instance's workers.
    let started = view.events.iter().filter(|e| e.kind == Kind::ThreadStart && e.actor.pid == 1).count();
    let actors = (lesson.expect.actors)(params);
    assert!(started <= actors, "{} with {params:?} started {started} threads, declares {actors}", lesson.id);
    let children = view.events.iter().filter(|e| e.kind == Kind::ProcStart).count();
    let processes = (lesson.expect.processes)(params);
    assert!(children <= processes, "{} with {params:?} started {children} processes, declares {processes}", lesson.id);
    declared
}

#[test]
fn every_lesson_ends_as_it_declares_with_its_defaults() {
    for lesson in all() {
        check(lesson, &lesson.defaults());
    }
}

#[test]
fn every_lesson_ends_as_it_declares_with_every_combination_of_its_switches() {
    let mut ends = Vec::new();
    for lesson in all() {
        for set in switch_sets(lesson) {
            let p = lesson
                .parse_params(set.iter().map(|(k, v)| (*k, v.as_str())))
                .unwrap_or_else(|e| panic!("{} refused {set:?}: {e:?}", lesson.id));
            ends.push(check(lesson, &p));
        }
    }
    // The sets reach every end a lesson declares on purpose.
    for state in [EndState::Finished, EndState::Deadlocked, EndState::Failed] {
        assert!(ends.contains(&state), "no switch set ends {state:?}");
    }
}

#[test]
fn numeric_sets_end_as_declared() {
    let mut ends = Vec::new();
    for (id, pairs) in NUMERIC {
        let lesson = parlab::lessons::find(id).unwrap_or_else(|| panic!("{id} is registered"));
        let p = lesson.parse_params(pairs.iter().copied()).unwrap_or_else(|e| panic!("{id} refused {pairs:?}: {e:?}"));
        ends.push(check(lesson, &p));
    }
    assert_eq!(ends, [EndState::Deadlocked, EndState::Finished]);
}
