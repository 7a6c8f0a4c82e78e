//! loom models of the futex-based primitives: every interleaving of 2-3 threads, up to
//! loom's preemption bound, must keep mutual exclusion, lose no wake-up and count right.
//!
//! Run (separate target dir: the cfg rebuilds everything):
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p parlab --release --test loom
//! ```
//!
//! Under loom the futex layer is a yield (a wait that returns spuriously) and `park`
//! ignores deadlines, so the models use no timeouts. A lost wake-up shows up as a thread
//! yielding forever, which loom reports as exceeding its branch limit.
//!
//! Preemption bounds: LOOM_MAX_PREEMPTIONS=2 keeps the whole file to a few seconds of
//! model checking on two cores (plus the build). Models in which two threads wait at the
//! same time run with a bound of 1 whatever the environment says ([`model_two_waiting`]):
//! loom 0.7 cannot finish a schedule in which two yield-spinning threads alternate at a
//! bound of 2 or more (its own canonical `while !flag { yield_now() }` with two spinners
//! exceeds the branch limit), and a wait under loom is such a spin.
//!
//! What that bound leaves out: at bound 1 loom never reaches two waiters queued on a
//! Condition at once, so "notify(1) takes exactly one of several" is checked natively
//! (tests/prim_condition.rs); here it is checked for 0 or 1 queued waiters, along with
//! no lost wake-up for two. A futex model that blocks loom threads instead of spinning
//! (src/futex/loom.rs) would lift this limit.
//!
//! Checked against planted bugs: an acquire made Relaxed in Lock fails
//! `lock_excludes_and_orders` (loom reports the racing access).

#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use parlab::prims::{Barrier, Condition, Event, Lock, Queue, RLock, Semaphore};

/// A counter that only a lock may make safe: loom flags any access not ordered by it.
struct Shared<P> {
    prim: P,
    count: UnsafeCell<u32>,
}

impl<P> Shared<P> {
    fn bump(&self) {
        self.count.with_mut(|c| unsafe {
            // SAFETY: called only while holding `prim`; loom checks that claim.
            *c += 1
        });
    }
    fn get(&self) -> u32 {
        self.count.with(|c| unsafe {
            // SAFETY: called after every thread that writes was joined.
            *c
        })
    }
}

fn shared<P>(prim: P) -> Arc<Shared<P>> {
    Arc::new(Shared { prim, count: UnsafeCell::new(0) })
}

/// `loom::model` for models where two threads wait at once: preemption bound 1 (see the
/// file's doc for why).
fn model_two_waiting(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(b.preemption_bound.map_or(1, |p| p.min(1)));
    b.check(f);
}

#[test]
fn lock_excludes_and_orders() {
    loom::model(|| {
        let s = shared(Lock::new());
        let t = {
            let s = s.clone();
            thread::spawn(move || s.prim.with(|| Ok(s.bump())).unwrap())
        };
        s.prim.with(|| Ok(s.bump())).unwrap();
        t.join().unwrap();
        assert_eq!(s.get(), 2);
        assert!(!s.prim.locked());
    });
}

#[test]
fn rlock_excludes_with_nested_acquires() {
    loom::model(|| {
        let s = shared(RLock::new());
        let body = |s: &Shared<RLock>| {
            s.prim.acquire().unwrap();
            s.prim.acquire().unwrap();
            s.bump();
            s.prim.release().unwrap();
            s.bump();
            s.prim.release().unwrap();
        };
        let t = {
            let s = s.clone();
            thread::spawn(move || body(&s))
        };
        body(&s);
        t.join().unwrap();
        assert_eq!(s.get(), 4);
        assert!(!s.prim.locked());
    });
}

#[test]
fn semaphore_of_one_excludes() {
    loom::model(|| {
        let s = shared(Semaphore::new(1).unwrap());
        let t = {
            let s = s.clone();
            thread::spawn(move || s.prim.with(|| Ok(s.bump())).unwrap())
        };
        s.prim.with(|| Ok(s.bump())).unwrap();
        t.join().unwrap();
        assert_eq!((s.get(), s.prim.value()), (2, 1));
    });
}

#[test]
fn semaphore_of_two_admits_at_most_two_of_three() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(2).unwrap());
        let inside = Arc::new(AtomicUsize::new(0));
        let enter = |sem: &Semaphore, inside: &AtomicUsize| {
            sem.acquire().unwrap();
            let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(n <= 2, "{n} threads inside a Semaphore(2)");
            inside.fetch_sub(1, Ordering::SeqCst);
            sem.release(1).unwrap();
        };
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || enter(&sem, &inside))
            })
            .collect();
        enter(&sem, &inside);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.value(), 2);
    });
}

#[test]
fn semaphore_release_reaches_a_blocked_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0).unwrap());
        let t = {
            let sem = sem.clone();
            thread::spawn(move || sem.acquire().unwrap())
        };
        sem.release(1).unwrap();
        t.join().unwrap();
        assert_eq!(sem.value(), 0);
    });
}

#[test]
fn condition_loses_no_wakeup() {
    loom::model(|| {
        let cond = Arc::new(Condition::with_lock("c", std::sync::Arc::new(Lock::new())));
        let ready = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (cond, ready) = (cond.clone(), ready.clone());
            thread::spawn(move || cond.with(|| cond.wait_for(|| ready.load(Ordering::Relaxed) == 1, None)).unwrap())
        };
        cond.with(|| {
            ready.store(1, Ordering::Relaxed);
            cond.notify(1)
        })
        .unwrap();
        assert!(waiter.join().unwrap());
    });
}

#[test]
fn condition_over_an_rlock_restores_its_levels() {
    loom::model(|| {
        let lock = std::sync::Arc::new(RLock::new());
        let cond = Arc::new(Condition::with_lock("c", lock.clone()));
        let ready = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (cond, ready, lock) = (cond.clone(), ready.clone(), lock.clone());
            thread::spawn(move || {
                lock.acquire().unwrap();
                lock.acquire().unwrap();
                let ok = cond.wait_for(|| ready.load(Ordering::Relaxed) == 1, None).unwrap();
                assert_eq!(lock.count(), 2, "both levels are back after the wait");
                lock.release().unwrap();
                lock.release().unwrap();
                ok
            })
        };
        cond.with(|| {
            ready.store(1, Ordering::Relaxed);
            cond.notify_all()
        })
        .unwrap();
        assert!(waiter.join().unwrap());
    });
}

#[test]
fn condition_notify_one_wakes_one_per_call_and_loses_none() {
    model_two_waiting(|| {
        let cond = Arc::new(Condition::with_lock("c", std::sync::Arc::new(Lock::new())));
        // Tokens and wake-ups are only touched holding the condition's lock.
        let tokens = Arc::new(AtomicUsize::new(0));
        let woken = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (cond, tokens, woken) = (cond.clone(), tokens.clone(), woken.clone());
                thread::spawn(move || {
                    cond.with(|| {
                        while tokens.load(Ordering::Relaxed) == 0 {
                            if cond.wait(None)? {
                                woken.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        tokens.fetch_sub(1, Ordering::Relaxed);
                        Ok(())
                    })
                    .unwrap()
                })
            })
            .collect();
        for _ in 0..2 {
            cond.with(|| {
                tokens.fetch_add(1, Ordering::Relaxed);
                // Nobody can join the queue while we hold the lock: notify(1) takes
                // exactly one waiter out of it if there is one, else none.
                let before = cond.n_waiting();
                cond.notify(1)?;
                assert_eq!(cond.n_waiting(), before - before.min(1), "notify(1) with {before} waiting");
                Ok(())
            })
            .unwrap();
        }
        // Both finish: no notify(1) was lost while a waiter was queued.
        for w in waiters {
            w.join().unwrap();
        }
        // And none woke more than one: two notify(1) calls, at most two True returns.
        let woken = woken.load(Ordering::Relaxed);
        assert!(woken <= 2, "two notify(1) calls woke {woken} waits");
        assert_eq!(cond.n_waiting(), 0);
    });
}

#[test]
fn event_set_wakes_both_waiters() {
    model_two_waiting(|| {
        let ev = Arc::new(Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let ev = ev.clone();
                thread::spawn(move || ev.wait(None).unwrap())
            })
            .collect();
        ev.set();
        for w in waiters {
            assert!(w.join().unwrap());
        }
    });
}

#[test]
fn barrier_rounds_hand_out_distinct_indices() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2, None).unwrap());
        let t = {
            let b = b.clone();
            thread::spawn(move || [b.wait(None).unwrap(), b.wait(None).unwrap()])
        };
        let mine = [b.wait(None).unwrap(), b.wait(None).unwrap()];
        let theirs = t.join().unwrap();
        for round in 0..2 {
            let mut r = [mine[round], theirs[round]];
            r.sort_unstable();
            assert_eq!(r, [0, 1], "round {round}");
        }
        assert_eq!(b.n_waiting(), 0);
    });
}

#[test]
fn barrier_abort_breaks_out_a_waiter() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2, None).unwrap());
        let t = {
            let b = b.clone();
            thread::spawn(move || b.wait(None))
        };
        b.abort();
        assert_eq!(t.join().unwrap(), Err(parlab::PyErr::BrokenBarrierError));
        assert!(b.broken());
    });
}

#[test]
fn queue_hands_over_every_item_once() {
    loom::model(|| {
        let q = Arc::new(Queue::new(1));
        let consumer = {
            let q = q.clone();
            thread::spawn(move || [q.get(true, None).unwrap(), q.get(true, None).unwrap()])
        };
        q.put(1, true, None).unwrap();
        q.put(2, true, None).unwrap();
        assert_eq!(consumer.join().unwrap(), [1, 2]);
        assert!(q.empty());
    });
}
