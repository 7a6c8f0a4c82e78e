//! The contract every native backend keeps, tested on the backend itself (no sleeper
//! counts in front of it): a changed word returns at once, a timeout expires and says so,
//! a wake ends a wait on an unchanged word, a wake with nobody asleep is not kept for
//! later, and no wake is lost between a change of the word and a wait.
//!
//! On Linux both backends run here: the futex syscall (the one a Linux build uses) and
//! the parking lot that macOS builds use.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MS: u64 = 1_000_000;

/// Waits, with a bound, until `cond` holds, calling `poke` in between.
fn until(what: &str, mut cond: impl FnMut() -> bool, mut poke: impl FnMut()) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out waiting until {what}");
        poke();
        std::thread::sleep(Duration::from_millis(1));
    }
}

macro_rules! contract {
    ($name:ident, $backend:path) => {
        mod $name {
            use super::*;
            use $backend as b;

            #[test]
            fn a_changed_word_returns_at_once() {
                let word = AtomicU32::new(1);
                let t0 = Instant::now();
                assert!(b::wait(&word, 0, Some(10_000 * MS)), "a wait on a changed word is no timeout");
                assert!(t0.elapsed() < Duration::from_secs(5), "it slept {:?}", t0.elapsed());
            }

            #[test]
            fn a_timeout_expires_and_says_so() {
                let word = AtomicU32::new(0);
                for ms in [0, 1, 30] {
                    let t0 = Instant::now();
                    assert!(!b::wait(&word, 0, Some(ms * MS)), "a wait of {ms} ms nobody woke timed out");
                    let slept = t0.elapsed();
                    assert!(slept >= Duration::from_millis(ms), "{ms} ms ended after {slept:?}");
                    assert!(slept < Duration::from_secs(5), "{ms} ms ended after {slept:?}");
                }
            }

            /// The word never changes, so only a wake can end these waits before their
            /// half minute; the main thread wakes (one or all at a time) until all ended.
            fn waiters_woken_by(count: u32) {
                let word = Arc::new(AtomicU32::new(0));
                let ended = Arc::new(AtomicUsize::new(0));
                let waiters: Vec<_> = (0..3)
                    .map(|_| {
                        let (word, ended) = (word.clone(), ended.clone());
                        std::thread::spawn(move || {
                            let woke = b::wait(&word, 0, Some(30_000 * MS));
                            ended.fetch_add(1, Ordering::SeqCst);
                            woke
                        })
                    })
                    .collect();
                until("every waiter is woken", || ended.load(Ordering::SeqCst) == 3, || b::wake(&*word, count));
                for w in waiters {
                    assert!(w.join().unwrap(), "a waiter timed out instead of being woken");
                }
            }

            #[test]
            fn wake_one_and_wake_all_end_waits_on_an_unchanged_word() {
                waiters_woken_by(1);
                waiters_woken_by(u32::MAX);
            }

            #[test]
            fn a_wake_with_nobody_asleep_is_not_kept_for_later() {
                let word = AtomicU32::new(0);
                b::wake(&word, u32::MAX);
                // A word freed before its wake, as Stop may wake one: only its address is used.
                let freed = Box::new(AtomicU32::new(0));
                let addr: *const AtomicU32 = &*freed;
                drop(freed);
                b::wake(addr, u32::MAX);
                assert!(!b::wait(&word, 0, Some(20 * MS)), "an earlier wake ended a later wait");
            }

            /// Two threads take turns through one word; each waits with a bound far past a
            /// turn's length, so a lost wake-up shows up as a timeout.
            #[test]
            fn no_wake_is_lost_between_a_change_and_a_wait() {
                const ROUNDS: u32 = 20_000;
                let word = Arc::new(AtomicU32::new(0));
                let player = |parity: u32, word: Arc<AtomicU32>| {
                    move || loop {
                        let v = word.load(Ordering::SeqCst);
                        if v >= ROUNDS {
                            return;
                        }
                        if v % 2 != parity {
                            assert!(b::wait(&word, v, Some(10_000 * MS)), "a wake was lost at round {v}");
                            continue;
                        }
                        word.store(v + 1, Ordering::SeqCst);
                        b::wake(&*word, 1);
                    }
                };
                let other = std::thread::spawn(player(1, word.clone()));
                player(0, word.clone())();
                other.join().unwrap();
                assert_eq!(word.load(Ordering::SeqCst), ROUNDS);
            }
        }
    };
}

contract!(this_build, super::super::imp);

#[cfg(all(target_os = "linux", not(feature = "futex-parking")))]
contract!(parking, super::super::parking);
