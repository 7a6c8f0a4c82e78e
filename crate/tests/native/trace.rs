//! The trace: bounded memory, ordered reads by cursor, strings, and the Chrome export.

use parlab::analysis::TraceView;
use parlab::prims::Lock;
use parlab::runtime::{native, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{Kind, Op, Trace};
use std::sync::Arc;

#[test]
fn a_full_trace_counts_what_it_drops_instead_of_growing() {
    let trace = Trace::new(1 << 20, parlab::clock::now_ns());
    for i in 0..1_200_000u64 {
        trace.emit(1, Kind::Signal, Op::Release, 7, i);
    }
    assert_eq!(trace.len(), 1 << 20);
    assert_eq!(trace.dropped(), 1_200_000 - (1 << 20));
    let mut out = Vec::new();
    assert_eq!(trace.read(0, &mut out), 1 << 20);
    assert!(out.iter().enumerate().all(|(i, e)| e.arg == i as u64), "events keep their order");
}

#[test]
fn a_reader_with_a_cursor_sees_every_event_once_while_threads_write() {
    let trace = Arc::new(Trace::new(1 << 18, parlab::clock::now_ns()));
    let writers: Vec<_> = (0..4u32)
        .map(|w| {
            let t = trace.clone();
            std::thread::spawn(move || {
                for i in 0..50_000u64 {
                    t.emit(w + 1, Kind::Signal, Op::Put, w, i);
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut cursor = 0;
    while seen.len() < 200_000 {
        cursor = trace.read(cursor, &mut seen);
        if writers.iter().all(|w| w.is_finished()) {
            trace.read(cursor, &mut seen);
            break;
        }
    }
    assert_eq!(seen.len(), 200_000);
    for w in 0..4u32 {
        let args: Vec<u64> = seen.iter().filter(|e| e.obj == w).map(|e| e.arg).collect();
        assert_eq!(args, (0..50_000).collect::<Vec<_>>(), "writer {w}'s events in its order, none lost or doubled");
    }
}

#[test]
fn strings_round_trip_including_non_ascii() {
    let trace = Trace::new(16, 0);
    let s = trace.intern("Поток-1 закончил ✓");
    trace.emit(1, Kind::Print, Op::None, 0, s.0);
    let e = trace.snapshot()[0];
    assert_eq!(trace.text(e.str_arg()), "Поток-1 закончил ✓");
}

#[test]
fn chrome_export_is_valid_trace_event_json_with_a_track_per_thread() {
    let run = native::run(RunConfig::default(), || {
        let lock = Arc::new(Lock::named("L"));
        let l2 = lock.clone();
        lock.acquire()?;
        let t = Thread::named("worker", "", move || l2.with(|| parlab::py_print!("inside")));
        t.start()?;
        parlab::runtime::sleep(0.01)?;
        lock.release()?;
        t.join(None)
    });
    let view = TraceView::from_trace(&run.trace);
    let json: serde_json::Value = serde_json::from_str(&view.chrome_json()).expect("valid JSON");
    let events = json["traceEvents"].as_array().unwrap();
    let names: Vec<&str> =
        events.iter().filter(|e| e["ph"] == "M").map(|e| e["args"]["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"MainThread") && names.contains(&"worker"), "{names:?}");
    assert!(
        events.iter().any(|e| e["ph"] == "X" && e["name"].as_str().unwrap().contains("blocked: acquire L")),
        "the worker's wait on L is a slice"
    );
    assert!(events.iter().any(|e| e["ph"] == "i" && e["name"] == "inside"));
}
