//! Reading runs back from memory the reader cannot address: a live run's trace mirrored as
//! the page mirrors a child process's, and read into the one view of a run's traces.

use parlab::analysis::{Model, TraceReader, TraceView};
use parlab::prims::Lock;
use parlab::runtime::{native, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{EndState, TraceMirror};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn a_live_run_read_through_a_mirror_is_the_run() {
    let run = native::start(RunConfig::default(), || {
        let lock = Arc::new(Lock::named("lock"));
        let workers: Vec<Thread> = (0..4)
            .map(|k| {
                let lock = lock.clone();
                Thread::named(&format!("w{k}"), "work", move || {
                    for i in 0..300 {
                        lock.with(|| parlab::py_print!("w{k} {i}"))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for w in &workers {
            w.start()?;
        }
        workers.iter().try_for_each(|w| w.join(None))
    });
    // The page's loop: copy what the run added (racing its threads), read the copy into
    // the view with the merged reader, update the model; until the run is over.
    let (base, len) = run.trace.region();
    let mut copy = |off: usize, buf: &mut [u8]| {
        assert!(off + buf.len() <= len, "the mirror copies inside the region");
        for (k, b) in buf.iter_mut().enumerate() {
            // SAFETY: inside the run's trace region, which `run` keeps alive; relaxed byte
            // loads race its writers the way the page's copies do, which the mirror allows.
            *b = unsafe { (*((base + off + k) as *const AtomicU8)).load(Ordering::Relaxed) };
        }
    };
    let mut mirror = TraceMirror::new();
    let (mut view, mut model, mut reader) = (TraceView::default(), Model::default(), TraceReader::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = run.wait_done(Some(1_000_000));
        let now = parlab::clock::now_ns().saturating_sub(run.trace.start_ns());
        mirror.sync(&mut copy);
        reader.read(&mut view, &[mirror.trace()], Some(now));
        model.update(&view);
        let times: Vec<f64> = model.lines.iter().map(|l| l.t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "the console never runs backwards");
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not end");
    }
    while mirror.sync(&mut copy) {}
    reader.read(&mut view, &[mirror.trace()], None);
    reader.flush(&mut view);
    model.update(&view);
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let direct = TraceView::from_trace(&run.trace);
    assert_eq!(view.events, direct.events, "the mirror read the run's every event, in its order");
    assert_eq!(view.lines(), direct.lines(), "and every string");
    let whole = Model::of(&direct);
    assert_eq!(model.lines, whole.lines);
    assert_eq!(model.arrows, whole.arrows, "the same hand-offs, read bit by bit as at once");
    assert_eq!(model.lines.len(), 4 * 300);
}
