//! Every registered lesson, with its defaults: it runs, and it starts no more threads than
//! it declares (the page prepares that many workers before Run).

use parlab::lessons::{all, exec::run_native};
use parlab::trace::Kind;

#[test]
fn every_lesson_starts_at_most_the_threads_it_declares() {
    let _hold = crate::lesson_kit::shared();
    for lesson in all() {
        let params = lesson.defaults();
        crate::mp_process::children_from_the_runner();
        let (run, view) = run_native(lesson, &params, 200.0);
        assert!(run.is_done(), "{} did not end", lesson.id);
        // MainProcess's threads: a child's run on its own instance's workers.
        let started = view.events.iter().filter(|e| e.kind == Kind::ThreadStart && e.actor.pid == 1).count();
        let declared = (lesson.expect.actors)(&params);
        assert!(started <= declared, "{} started {started} threads but declares {declared}", lesson.id);
    }
}

/// The page computes insights on its own thread, where a panic would take the page down:
/// they must cope with any trace, including one cut short by Stop at any moment.
#[test]
fn insights_survive_runs_stopped_at_any_moment() {
    let _hold = crate::lesson_kit::shared();
    use parlab::analysis::TraceView;
    use parlab::runtime::{native, RunConfig};
    for lesson in all() {
        let params = lesson.defaults();
        for stop_after_us in [0u64, 200, 2_000, 20_000] {
            let program = lesson.run;
            let p = params.clone();
            let run = native::start(RunConfig { speed: 20.0, ..RunConfig::default() }, move || program(&p));
            std::thread::sleep(std::time::Duration::from_micros(stop_after_us));
            run.stop();
            native::wait(&run);
            let view = run.with_traces(TraceView::from_traces);
            let insights = (lesson.insights)(&view, &params, &Default::default());
            assert!(!insights.is_empty(), "{} reports its insights after a stop at {stop_after_us} µs", lesson.id);
            // And on every prefix of the trace, as the page sees it while the run goes.
            let mut partial = TraceView::default();
            let events = run.trace.snapshot();
            for chunk in events.chunks(events.len().div_ceil(4).max(1)) {
                partial.extend(&run.trace, chunk.to_vec());
                (lesson.insights)(&partial, &params, &Default::default());
            }
        }
    }
}
