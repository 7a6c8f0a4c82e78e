//! Who runs next: a run's scheduling policy, behind the seam ([`crate::hooks`]).
//!
//! Every schedule point of a lesson thread (a wait, a wake, a sleep, a reading of the
//! clock, a random draw, a print, and every traced operation) reaches the run's policy
//! through the seam, which matches on [`Policy`]: a field of the run, already in cache, so
//! that the free policy's hot path is the same code it was before there was a choice.
//!
//! Today's one policy is [`Policy::Free`]: real threads, really parallel, each waiting on
//! its own futex word. A GIL (one thread runs Python code at a time, handing over at the
//! switch interval) and a controlled scheduler (one thread between two schedule points,
//! chosen by a seed or by the learner, on a virtual clock) are further variants here: the
//! primitives and the lessons call the seam and never name a policy.

pub(crate) mod controlled;
pub(crate) mod free;
pub(crate) mod gil;

pub use controlled::{Choice, Schedule};

pub use gil::DEFAULT_SWITCH_INTERVAL_NS;

/// How the threads of a run take turns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Real parallel threads; the OS (or the browser) decides who runs (free-threaded
    /// CPython 3.13t, or any language without a GIL).
    #[default]
    Free,
    /// CPython's GIL: one thread runs lesson code at a time, and a waiting thread gets its
    /// turn after the switch interval (`sys.setswitchinterval`, real nanoseconds).
    Gil { switch_interval_ns: u64 },
    /// One thread between two schedule points, picked by the scheduler; virtual time.
    Controlled(Choice),
}

/// Runs alive now whose policy is not [`Policy::Free`]. While there are none, which is
/// always so in the page today, a schedule point costs one load of this word.
/// On a cache line of its own: every traced operation reads it, and a neighbour written by
/// another thread (the trace clock's word is one) would make each of those reads a miss.
static POLICED_RUNS: Padded = Padded(core::sync::atomic::AtomicUsize::new(0));

#[repr(align(128))]
struct Padded(core::sync::atomic::AtomicUsize);

#[inline(always)]
pub(crate) fn policed_runs() -> usize {
    POLICED_RUNS.0.load(core::sync::atomic::Ordering::Relaxed)
}

/// Counts a run with a policy of its own in [`POLICED_RUNS`] while it lives.
pub(crate) struct Policed(bool);

impl Policed {
    pub(crate) fn new(policy: Policy) -> Policed {
        let policed = policy != Policy::Free;
        if policed {
            POLICED_RUNS.0.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
        }
        Policed(policed)
    }
}

impl Drop for Policed {
    fn drop(&mut self) {
        if self.0 {
            POLICED_RUNS.0.fetch_sub(1, core::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Why [`crate::hooks::park`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Park {
    /// Woken, or the word changed, or spuriously: re-check the condition.
    Woken,
    /// `deadline` passed.
    TimedOut,
}

/// A small, fast generator of a thread's random numbers (xorshift64*), seeded from the run's
/// seed and the thread's id: a thread's draws are the same in every run with that seed.
pub(crate) fn next_random(state: &core::sync::atomic::AtomicU64) -> u64 {
    use core::sync::atomic::Ordering;
    // Only the owning thread touches its state: relaxed loads and stores suffice.
    let mut x = state.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The first state of thread `tid`'s generator in a run seeded with `seed`.
pub(crate) fn random_state(seed: u64, tid: u32) -> u64 {
    splitmix(seed ^ (tid as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1
}

/// SplitMix64's finaliser: spreads a seed's bits over the whole word.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
