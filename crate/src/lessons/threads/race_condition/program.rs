//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Lock;
use crate::py_print;
use crate::runtime;
use crate::threading::Thread;
use crate::trace::{Kind, ObjKind, Op};
use std::sync::{Arc, Mutex};

/// `account.balance`: a shared integer whose every read and write is traced. Each single
/// read or write is atomic (as under Python's GIL); the read-modify-write is not.
struct Balance {
    /// The std mutex only keeps the trace in the memory's order; it never spans the gap.
    value: Mutex<i64>,
    obj: u32,
}

impl Balance {
    fn new() -> Balance {
        Balance { value: Mutex::new(0), obj: runtime::new_object(ObjKind::Value, "balance") }
    }
    fn read(&self) -> i64 {
        let v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        runtime::trace(Kind::Ok, Op::Read, self.obj, *v as u64);
        *v
    }
    fn write(&self, new: i64) {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        *v = new;
        runtime::trace(Kind::Signal, Op::Write, self.obj, new as u64);
    }
}

struct BankAccount {
    balance: Balance,
    lock: Lock,
    use_lock: bool,
    gap: f64,
}

impl BankAccount {
    fn deposit(&self, amount: i64) -> PyResult<()> {
        if self.use_lock {
            self.lock.with(|| self.add(amount))
        } else {
            self.add(amount)
        }
    }

    fn add(&self, amount: i64) -> PyResult<()> {
        let current = self.balance.read();
        runtime::sleep(self.gap)?;
        self.balance.write(current + amount);
        Ok(())
    }
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (n, times) = (p.int("threads"), p.int("deposits"));
    let account = Arc::new(BankAccount {
        balance: Balance::new(),
        lock: Lock::named("account.lock"),
        use_lock: p.flag("lock"),
        gap: p.int("gap_ms") as f64 / 1000.0,
    });
    let start = runtime::monotonic();
    let threads: Vec<Thread> = (0..n)
        .map(|_| {
            let account = account.clone();
            Thread::new("client", move || {
                for _ in 0..times {
                    account.deposit(1)?;
                }
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
    let elapsed = runtime::monotonic() - start;
    let expected = n * times;
    let balance = *account.balance.value.lock().unwrap_or_else(|e| e.into_inner());
    py_print!("expected: {expected}")?;
    py_print!("balance:  {balance}")?;
    py_print!("lost:     {}", expected - balance)?;
    py_print!("time:     {elapsed:.2} s")
}
