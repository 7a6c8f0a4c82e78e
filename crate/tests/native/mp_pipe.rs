//! `multiprocessing.Pipe` natively: between threads of one process and between real OS
//! processes; every message arrives once and in order, `EOFError` once no live process
//! holds a write end, CPython's errors.

use crate::mp_process::{children_from_the_runner, run_with};
use parlab::multiprocessing::{probes, Pipe, Process};
use parlab::runtime::{native, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{msg_of, EndState, Kind, Op};
use parlab::PyResult;

#[test]
fn between_threads_messages_arrive_whole_and_in_order() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let (a, b) = Pipe(true)?;
        let sender = Thread::new("sender", move || {
            for i in 0..2000u32 {
                b.send(&i)?;
            }
            // Larger than the ring (64 KiB): passed in chunks while the reader drains it.
            let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            b.send_bytes(&big)?;
            b.send_bytes(b"")?;
            b.close();
            Ok(())
        });
        sender.start()?;
        let mut notes = vec![];
        let mut bad = 0;
        for i in 0..2000u32 {
            if a.recv::<u32>()? != i {
                bad += 1;
            }
        }
        notes.push(format!("out of order {bad}"));
        let big = a.recv_bytes()?;
        let intact = big.len() == 200_000 && big.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8);
        notes.push(format!("big intact {intact}"));
        notes.push(format!("empty {}", a.recv_bytes()?.len()));
        sender.join(None)?;
        // `b`, the only handle of the other end, was closed in the thread: what `a` reads
        // can come from nowhere any more.
        notes.push(a.recv_bytes().unwrap_err().to_string());
        notes.push(format!("poll at eof {}", a.poll(Some(0.0))?));
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec!["out of order 0", "big intact true", "empty 0", "EOFError", "poll at eof true"]);
    // The trace pairs each send with its receive by message number.
    let events = run.trace.snapshot();
    let sent: Vec<u32> =
        events.iter().filter(|e| e.kind == Kind::Signal && e.op == Op::Send).map(|e| msg_of(e.arg).0).collect();
    let recvd: Vec<u32> =
        events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Recv).map(|e| msg_of(e.arg).0).collect();
    assert_eq!(sent.len(), 2002);
    assert_eq!(sent, recvd, "every message received once, in the order sent");
}

#[test]
fn wrong_ends_and_closed_handles_raise_cpythons_errors() {
    let (run, errs) = run_with::<Vec<String>>(|out| {
        let (r, w) = Pipe(false)?;
        let mut errs = vec![
            r.send(&1).unwrap_err().to_string(),
            w.recv_bytes().unwrap_err().to_string(),
            w.poll(None).unwrap_err().to_string(),
            format!("{}", r.poll(Some(0.01))?),
        ];
        w.send(&7u8)?;
        errs.push(format!("{}", r.poll(None)?));
        errs.push(format!("{}", r.recv::<u8>()?));
        w.close();
        w.close();
        errs.push(w.send(&1).unwrap_err().to_string());
        errs.push(r.recv::<u8>().unwrap_err().to_string());
        r.close();
        errs.push(r.recv::<u8>().unwrap_err().to_string());
        errs.push(format!("{}", r.closed()));
        *out.lock().unwrap() = errs;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        errs,
        vec![
            "OSError: connection is read-only",
            "OSError: connection is write-only",
            "OSError: connection is write-only",
            "false",
            "true",
            "7",
            "OSError: handle is closed",
            "EOFError",
            "OSError: handle is closed",
            "true",
        ]
    );
}

#[test]
fn between_processes_every_item_arrives_once_in_order_then_eof() {
    let (run, got) = run_with::<Vec<Vec<u32>>>(|out| {
        let (r, w) = Pipe(false)?;
        let kids: Vec<Process> =
            (0..3u32).map(|s| Process::new(&probes::PIPE_SENDER, &(w.clone(), s, 500u32))).collect::<PyResult<_>>()?;
        for k in &kids {
            k.start()?;
        }
        // CPython's idiom: the parent closes its own write end, so that EOF comes once the
        // children are done.
        w.close();
        let mut per = vec![vec![]; 3];
        loop {
            match r.recv::<(u32, u32)>() {
                Ok((s, i)) => per[s as usize].push(i),
                Err(e) if e.class() == "EOFError" => break,
                Err(e) => return Err(e),
            }
        }
        for k in &kids {
            k.join(Some(20.0))?;
        }
        *out.lock().unwrap() = per;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    for per in &got {
        assert_eq!(per, &(0..500).collect::<Vec<u32>>(), "each sender's items once and in order");
    }
    assert_eq!(got.len(), 3);
}

#[test]
fn a_killed_writer_holds_no_write_end() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let (r, w) = Pipe(false)?;
        let p = Process::new(&probes::PIPE_HOLDER, &(w.clone(), 60.0))?;
        p.start()?;
        w.close();
        let mut notes = vec![r.recv::<String>()?];
        p.kill()?;
        // Bounded: a reader that waited forever would hang the test, not pass it.
        notes.push(format!("{}", r.poll(Some(20.0))?));
        notes.push(r.recv::<String>().unwrap_err().to_string());
        p.join(Some(20.0))?;
        notes.push(format!("{:?}", p.exitcode()));
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec!["ready", "true", "EOFError", "Some(-9)"]);
}

#[test]
fn the_echo_probe_answers_every_message() {
    let (run, got) = run_with::<Vec<u32>>(|out| {
        let (mine, theirs) = Pipe(true)?;
        let p = Process::new(&probes::PIPE_ECHO, &(theirs.clone(), 300u32))?;
        p.start()?;
        theirs.close();
        let mut back = vec![];
        for i in 0..300u32 {
            mine.send_bytes(&i.to_le_bytes())?;
            back.push(u32::from_le_bytes(mine.recv_bytes()?.try_into().unwrap()));
        }
        p.join(Some(20.0))?;
        back.push(p.exitcode().unwrap_or(-1) as u32);
        *out.lock().unwrap() = back;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let mut want: Vec<u32> = (0..300).collect();
    want.push(0);
    assert_eq!(got, want);
}

#[test]
fn stop_ends_a_receive_that_would_wait_forever() {
    children_from_the_runner();
    let run = native::start(RunConfig::default(), || {
        // This process holds the write end itself: no EOF can come, as in CPython.
        let (r, _w) = Pipe(false)?;
        r.recv::<u32>()?;
        Err(parlab::PyErr::runtime("recv should not have returned"))
    });
    let t0 = std::time::Instant::now();
    while !run.trace.snapshot().iter().any(|e| e.kind == Kind::Block && e.op == Op::Recv) {
        assert!(t0.elapsed().as_secs() < 20, "the receive blocks");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let stop = std::time::Instant::now();
    run.stop();
    native::wait(&run);
    assert!(stop.elapsed().as_millis() < 1000, "stopped within a second, took {:?}", stop.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}

#[test]
fn a_writer_killed_before_it_took_its_handle_holds_none() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let mut notes = vec![];
        for _ in 0..3 {
            let (r, w) = Pipe(false)?;
            let p = Process::new(&probes::PIPE_HOLDER, &(w.clone(), 60.0))?;
            p.start()?;
            w.close();
            // At once: the child may not even have decoded its arguments yet. The handle
            // in flight is the child's from its start, so it dies with it either way.
            p.kill()?;
            let mut first = r.recv::<String>();
            if first.as_deref() == Ok("ready") {
                first = r.recv::<String>();
            }
            notes.push(first.unwrap_err().to_string());
            p.join(Some(20.0))?;
        }
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec!["EOFError"; 3]);
}
