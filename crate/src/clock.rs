//! One clock for every thread. Workers each have their own `performance.now()` origin, so
//! the wasm clock reads `timeOrigin + now()`, which is common to all of them.

/// The clock of trace events: the ticker's reading while events flow, else [`now_ns`]
/// (see [`ticker`]).
#[inline]
pub fn trace_now_ns() -> u64 {
    #[cfg(not(loom))]
    {
        ticker::read()
    }
    #[cfg(loom)]
    {
        now_ns()
    }
}

/// Monotonic nanoseconds on a base shared by every thread of every process of this
/// machine (the kernel's CLOCK_MONOTONIC): a run's processes stamp their traces on one
/// clock.
#[cfg(all(unix, not(target_arch = "wasm32")))]
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a pointer to a timespec that outlives the call.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Monotonic nanoseconds on a base shared by every thread of this process.
#[cfg(all(not(unix), not(target_arch = "wasm32")))]
pub fn now_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

#[cfg(target_arch = "wasm32")]
pub fn now_ns() -> u64 {
    use wasm_bindgen::JsCast;
    thread_local! {
        static PERF: (web_sys::Performance, f64) = {
            let perf: web_sys::Performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
                .expect("performance exists in windows and workers")
                .unchecked_into();
            let origin = perf.time_origin();
            (perf, origin)
        };
    }
    PERF.with(|(perf, origin)| ((origin + perf.now()) * 1e6) as u64)
}

/// The trace's clock. Reading a real clock is most of what recording an event would cost:
/// in a worker, `performance.now()` is a call out of wasm into JavaScript (68 ns, and it
/// moves in 5 µs steps anyway); natively, `Instant::now` is 26 ns on these VMs, where a
/// whole event could be 5. So while events are being recorded, one ticker thread (a
/// worker of its own in the browser) publishes the clock here every [`ticker::TICK_NS`],
/// and events read the word for the price of a load. When no event came during a tick,
/// the ticker marks the word stale and sleeps until the next event wakes it: that event,
/// finding the word stale, reads the real clock itself. A CPU-bound run that records nothing thus
/// costs the ticker nothing, and no event is ever stamped more than a tick late. Waits
/// and deadlines never use this word.
#[cfg(not(loom))]
pub mod ticker {
    use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    /// Real time between two readings while events flow: the trace's resolution.
    pub const TICK_NS: u64 = 100_000;

    /// The latest reading (see [`Reading`]).
    static COARSE: Reading = Reading(AtomicU64::new(0));
    /// 1 once an event wanted the clock since the ticker last looked; the idle ticker
    /// sleeps on it.
    static WANTED: AtomicU32 = AtomicU32::new(0);
    /// Never changes: the busy ticker sleeps on it with a timeout.
    static NEVER: AtomicU32 = AtomicU32::new(0);

    /// The clock for an event: the ticker's reading, or the real clock when it is idle.
    #[inline]
    pub(crate) fn read() -> u64 {
        // Load first: the flag's line stays shared while the ticker is busy.
        if WANTED.load(Ordering::Relaxed) == 0 && WANTED.swap(1, Ordering::Relaxed) == 0 {
            crate::futex::wake_one(&WANTED);
        }
        COARSE.get().unwrap_or_else(|| COARSE.floor(super::now_ns()))
    }

    /// A thread that just saw the real clock pass `now` (a deadline came) raises the
    /// reading to it: a ticker the OS has not run for a while would otherwise stamp the
    /// thread's next events before the deadline it waited for, by as long as it stalled.
    #[cold]
    pub(crate) fn raise_to(now: u64) {
        COARSE.floor(now);
    }

    /// The ticker's word: the latest reading shifted left by one, with [`Reading::LIVE`]
    /// set while the ticker keeps it current. Its value only grows (but for `LIVE` going
    /// off), so that no event is stamped earlier than one that happened before it,
    /// whichever clock each read.
    pub(crate) struct Reading(AtomicU64);

    impl Reading {
        /// The low bit: the reading is at most a tick old. Only the ticker sets it, so a
        /// reading can never be left behind, live, by an idle ticker.
        const LIVE: u64 = 1;

        /// The reading, while the ticker keeps it live.
        #[inline]
        fn get(&self) -> Option<u64> {
            let c = self.0.load(Ordering::Relaxed);
            (c & Self::LIVE != 0).then_some(c >> 1)
        }

        /// An idle reader's stamp: its real-clock reading `now`, raised to the last
        /// reading if that is later (the ticker, woken a moment ago, may have read the
        /// clock after this thread did), and left behind as the new floor.
        #[cold]
        fn floor(&self, now: u64) -> u64 {
            now.max(self.0.fetch_max(now << 1, Ordering::Relaxed) >> 1)
        }

        /// The ticker publishes `now`, never below what readers left behind.
        fn publish(&self, now: u64) {
            let _ = self
                .0
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| Some((c >> 1).max(now) << 1 | Self::LIVE));
        }

        /// The ticker goes idle: readers read the real clock until it publishes again.
        fn stale(&self) {
            self.0.fetch_and(!Self::LIVE, Ordering::Relaxed);
        }
    }

    /// Natively, the ticker is an OS thread of its own, started by the first run.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn start() {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            std::thread::Builder::new()
                .name("parlab-clock".into())
                .stack_size(64 * 1024)
                .spawn(|| run())
                .expect("the trace clock's thread starts");
        });
    }

    /// The ticker's loop (in the browser, started by `runtime::browser::init_pool` in a
    /// worker of its own).
    pub fn run() -> ! {
        loop {
            if WANTED.swap(0, Ordering::Relaxed) == 1 {
                COARSE.publish(super::now_ns());
                crate::futex::wait(&NEVER, 0, Some(TICK_NS));
            } else {
                COARSE.stale();
                crate::futex::wait(&WANTED, 0, None);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        // The race a reading must survive: an event finds the ticker idle and stamps 100
        // from the real clock; the ticker, just woken, read 90 a moment earlier and
        // publishes it. A word that simply took the ticker's 90 (as it once did) would
        // stamp the thread's next event earlier than its last.
        #[test]
        fn a_late_publish_never_takes_the_reading_below_an_idle_readers_stamp() {
            let r = Reading(AtomicU64::new(0));
            assert_eq!(r.get(), None, "idle at first");
            assert_eq!(r.floor(100), 100);
            r.publish(90);
            assert_eq!(r.get(), Some(100));
            r.publish(150);
            assert_eq!(r.get(), Some(150));
            r.stale();
            assert_eq!(r.get(), None);
            // A reader whose real clock lags the last reading is raised to it.
            assert_eq!(r.floor(120), 150);
            assert_eq!(r.floor(200), 200);
            r.publish(180);
            assert_eq!(r.get(), Some(200));
        }
    }
}
