//! `multiprocessing.Value` and `Array` natively: shared between processes, exact with
//! their lock, losing updates without it; CPython's errors.

use crate::mp_process::run_with;
use parlab::multiprocessing::{probes, Array, Event, Process, Value};
use parlab::trace::EndState;
use parlab::PyResult;

#[test]
fn values_and_arrays_behave_as_cpythons() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let v = Value::new("i", 5i32, true)?;
        let raw = Value::new("d", 1.5f64, false)?;
        let a = Array::<f64>::new("d", 3, true)?;
        let raw_a = Array::from_values("q", &[1i64, 2, 3], false)?;
        v.set_value(v.value() + 1);
        a.set(-1, 2.5)?;
        let notes = vec![
            v.to_string(),
            raw.to_string(),
            format!("{:?}", a.to_vec()),
            format!("{:?} {:?}", raw_a.slice(1, 10), raw_a.get(-3)?),
            a.get(3).unwrap_err().to_string(),
            a.set(-4, 0.0).unwrap_err().to_string(),
            raw.get_lock().unwrap_err().to_string(),
            raw_a.get_lock().unwrap_err().to_string(),
            Value::new("x", 0i32, true).err().map(|e| e.to_string()).unwrap_or_default(),
            Value::new("d", 0i32, true).err().map(|e| e.class().to_owned()).unwrap_or_default(),
            format!("{}", v.get_lock().is_ok()),
        ];
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec![
            "<Synchronized wrapper for c_int(6)>",
            "c_double(1.5)",
            "[0.0, 0.0, 2.5]",
            "[2, 3] 1",
            "IndexError: invalid index",
            "IndexError: invalid index",
            "AttributeError: 'c_double' object has no attribute 'get_lock'",
            "AttributeError: 'c_long_Array_3' object has no attribute 'get_lock'",
            "TypeError: this type has no size",
            "TypeError",
            "true",
        ]
    );
}

/// Four processes add 1 `n` times each to one shared value; returns the total.
fn count(n: u32, locked: bool) -> i64 {
    let (run, total) = run_with::<i64>(move |out| {
        let v = Value::new("l", 0i64, true)?;
        let go = Event::new()?;
        let kids: Vec<Process> = (0..4)
            .map(|_| Process::new(&probes::COUNTER, &(v.clone(), n, locked, go.clone())))
            .collect::<PyResult<_>>()?;
        for k in &kids {
            k.start()?;
        }
        // Let them all start before any counts, so that they overlap.
        go.set();
        for k in &kids {
            k.join(Some(60.0))?;
            if k.exitcode() != Some(0) {
                return Err(parlab::PyErr::value("a counter failed"));
            }
        }
        *out.lock().unwrap() = v.value();
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    total
}

#[test]
fn a_counter_is_exact_with_the_lock() {
    assert_eq!(count(3000, true), 4 * 3000);
}

#[test]
fn a_counter_loses_updates_without_the_lock() {
    // A race, so not every run loses one; of a few runs of 4 x 20000 plain read-then-write
    // increments, at least one does (and none ever counts more).
    let mut totals = vec![];
    for _ in 0..4 {
        let total = count(20_000, false);
        assert!(total <= 80_000, "never more than the increments made: {total}");
        totals.push(total);
        if total < 80_000 {
            return;
        }
    }
    panic!("no update was lost in {totals:?}");
}
