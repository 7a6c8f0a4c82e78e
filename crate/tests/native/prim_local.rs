//! threading.local natively: each lesson thread (or OS thread) sees only its own values,
//! Python's AttributeError, delete, and the trace.

use parlab::prims::{Barrier, Local};
use parlab::runtime::{native, RunConfig};
use parlab::threading::{current_thread, Thread};
use parlab::trace::{EndState, Kind, Op};
use std::sync::{Arc, Mutex};

const NO_X: &str = "AttributeError: '_thread._local' object has no attribute 'x'";

#[test]
fn a_thread_sees_only_what_it_set() {
    let data: Arc<Local<String>> = Arc::new(Local::new());
    data.set("x", "main".into());
    let d2 = data.clone();
    let other = std::thread::spawn(move || {
        let before = d2.get("x").map_err(|e| e.to_string());
        d2.set("x", "other".into());
        (before, d2.get("x"))
    })
    .join()
    .unwrap();
    assert_eq!(other, (Err(NO_X.to_owned()), Ok("other".to_owned())));
    assert_eq!(data.get("x"), Ok("main".to_owned()), "the other thread's set did not touch ours");
}

#[test]
fn has_delete_and_overwrite() {
    let data: Local<i32> = Local::new();
    assert!(!data.has("x"));
    assert_eq!(data.delete("x").unwrap_err().to_string(), NO_X);
    data.set("x", 1);
    data.set("x", 2);
    data.set("y", 3);
    assert!(data.has("x"));
    assert_eq!((data.get("x"), data.get("y")), (Ok(2), Ok(3)));
    data.delete("x").unwrap();
    assert!(!data.has("x"));
    assert_eq!(data.get("x").unwrap_err().to_string(), NO_X);
    assert_eq!(data.get("y"), Ok(3));
    assert_eq!(
        data.get("name with spaces").unwrap_err().to_string(),
        "AttributeError: '_thread._local' object has no attribute 'name with spaces'"
    );
}

#[test]
fn lesson_threads_each_keep_their_own_value_at_the_same_time() {
    const THREADS: usize = 8;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let run = native::run(RunConfig::default(), move || {
        let data: Arc<Local<String>> = Arc::new(Local::named("data"));
        // Everyone sets before anyone reads: the values live side by side.
        let all_set = Arc::new(Barrier::new(THREADS as u32, None)?);
        let threads: Vec<Thread> = (0..THREADS)
            .map(|i| {
                let (data, all_set, seen) = (data.clone(), all_set.clone(), s2.clone());
                Thread::named(&format!("w{i}"), "", move || {
                    data.set("x", current_thread().name().to_owned());
                    all_set.wait(None)?;
                    let mine = data.get("x")?;
                    seen.lock().unwrap().push((current_thread().name().to_owned(), mine));
                    Ok(())
                })
            })
            .collect();
        for t in &threads {
            t.start()?;
        }
        for t in &threads {
            t.join(None)?;
        }
        // MainThread never set "x".
        assert_eq!(data.get("x").unwrap_err().to_string(), NO_X);
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), THREADS);
    for (thread, value) in seen.iter() {
        assert_eq!(thread, value, "a thread read another thread's value");
    }
    let events = run.trace.snapshot();
    let writes: Vec<u64> =
        events.iter().filter(|e| e.kind == Kind::Signal && e.op == Op::Write).map(|e| e.arg).collect();
    assert_eq!(writes.iter().max(), Some(&(THREADS as u64)), "the last write saw every thread holding a value");
    assert_eq!(events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Read).count(), THREADS);
    assert_eq!(events.iter().filter(|e| e.kind == Kind::Fail && e.op == Op::Read).count(), 1);
}
