//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::{PyErr, PyResult};
use crate::lessons::Params;
use crate::multiprocessing::{current_process, BaseManager, Process, Target};
use crate::py_print;
use crate::runtime::{self, monotonic};

/// `Service.square`, run by the server (under the service's lock: registered one at a time).
pub(super) static SQUARE: Target = crate::target!(square);
/// `client(address, key)`, in a child; the listing's constants travel with it.
pub(super) static CLIENT: Target = crate::target!(client);

const SECRET: &[u8] = b"parlab-secret";

fn square((_client, i, delay_ms): (String, i64, i64)) -> PyResult<i64> {
    runtime::sleep(delay_ms as f64 / 1000.0)?;
    Ok(i * i)
}

fn service_manager(address: &str, key: &[u8]) -> BaseManager {
    let mut m = BaseManager::new(address, key);
    m.register("square", &SQUARE, true);
    m
}

fn client((address, key, calls, delay_ms): (String, Vec<u8>, i64, i64)) -> PyResult<()> {
    let name = current_process()?.name;
    let mut m = service_manager(&address, &key);
    // The server and the client prove to each other that they know the key; the key
    // itself never crosses the connection.
    if let Err(e) = m.connect() {
        if e.class() == "multiprocessing.context.AuthenticationError" {
            py_print!("{name}: refused: AuthenticationError: {}", e.message())?;
            return Err(PyErr::SystemExit(1));
        }
        return Err(e);
    }
    let start = monotonic();
    let mut total = 0i64;
    for i in 1..=calls {
        total += m.call::<_, i64>("square", &(name.clone(), i, delay_ms))?;
    }
    let each = (monotonic() - start) / calls as f64 * 1000.0;
    py_print!("{name}: {calls} calls, sum of squares {total}, {each:.2} ms per call")
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (clients, calls, delay_ms) = (p.int("clients"), p.int("calls"), p.int("delay_ms"));
    // Port 0: the "system" picks a free port; m.address tells which.
    let mut m = service_manager("127.0.0.1:0", SECRET);
    m.start()?;
    let key = if p.choice("authkey") == "right" { SECRET.to_vec() } else { b"a guess".to_vec() };
    let procs: Vec<Process> = (1..=clients)
        .map(|n| {
            Process::named(&format!("client-{n}"), &CLIENT, &(m.address().to_owned(), key.clone(), calls, delay_ms))
        })
        .collect::<PyResult<_>>()?;
    for c in &procs {
        c.start()?;
    }
    for c in &procs {
        c.join(None)?;
    }
    let codes: Vec<String> = procs.iter().map(|c| c.exitcode().map_or("None".into(), |x| x.to_string())).collect();
    py_print!("main: client exit codes [{}]", codes.join(", "))?;
    m.shutdown()?;
    py_print!("main: server shut down")
}
