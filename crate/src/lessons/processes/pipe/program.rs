//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::{PyErr, PyResult};
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::multiprocessing::{Connection, Pipe, Process, Target};
use crate::py_print;
use crate::runtime::{self, monotonic};

pub(super) static CHILD: Target = crate::target!(child);

/// Python's repr of a str without quotes or backslashes in it.
fn repr(s: &str) -> String {
    format!("'{s}'")
}

fn child((conn, messages, duplex, close_early, delay): (Connection, i64, bool, bool, f64)) -> PyResult<()> {
    let show = messages <= 20;
    let to_send = if close_early { messages / 2 } else { messages };
    for i in 1..=to_send {
        if delay > 0.0 {
            runtime::sleep(delay)?;
        }
        conn.send(&format!("message {i}"))?;
        if show {
            py_print!("child: sent message {i}")?;
        }
    }
    if close_early {
        if delay > 0.0 {
            runtime::sleep(delay)?;
        }
        conn.close();
        py_print!("child: closed its end after {to_send} of {messages}")?;
        match conn.send(&"one more".to_string()) {
            Err(e) if e.class() == "OSError" => py_print!("child: send() on the closed end: OSError: {}", e.message())?,
            other => other?,
        }
    } else if duplex {
        let back: String = conn.recv()?;
        py_print!("child: got back {}", repr(&back))?;
    }
    Ok(())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (messages, duplex) = (p.int("messages"), p.flag("duplex"));
    let (close_early, delay) = (p.flag("close_early"), p.float("delay_s"));
    let show = messages <= 20;
    // Duplex off: the first end only receives, the second only sends.
    let (mine, theirs) = Pipe(duplex)?;
    let child = Process::named("child", &CHILD, &(theirs.clone(), messages, duplex, close_early, delay))?;
    child.start()?;
    // Close our copy of the child's end, or recv() would never see EOF.
    theirs.close();
    let start = monotonic();
    let mut got = 0;
    for _ in 0..messages {
        let ready = mine.poll(Some(0.0))?;
        let message: String = match mine.recv() {
            Ok(m) => m,
            Err(e) if e.class() == "EOFError" => {
                py_print!("main: poll() = {}, recv(): EOFError, every write end is closed", py_bool(ready))?;
                break;
            }
            Err(e) => return Err(e),
        };
        got += 1;
        if show {
            py_print!("main: poll() = {}, recv() -> {} at {:.2}", py_bool(ready), repr(&message), monotonic() - start)?;
        }
    }
    py_print!("main: received {got} of {messages}")?;
    if !duplex {
        match mine.send(&"thanks".to_string()) {
            Err(e) if e.class() == "OSError" => {
                py_print!("main: send() on the receiving end: OSError: {}", e.message())?
            }
            Err(e) => return Err(e),
            Ok(()) => return Err(PyErr::runtime("a one-way pipe's receiving end sent")),
        }
    } else if got == messages {
        mine.send(&format!("thanks for {got}"))?;
    }
    child.join(None)?;
    py_print!("main: child exitcode {}", child.exitcode().map_or("None".to_owned(), |c| c.to_string()))
}
