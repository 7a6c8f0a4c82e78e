//! The few functions of Python's `random` module that lesson programs use.
//!
//! A per-thread xorshift generator seeded from the clock and the thread: different on
//! every run, like an unseeded `random` in Python, and without a lock between threads.

use core::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let local = 0u8;
    // The clock and the address of a stack slot differ between threads and runs.
    let s = crate::clock::now_ns() ^ ((&local as *const u8 as u64).rotate_left(29)) ^ 0x9E37_79B9_7F4A_7C15;
    splitmix(s) | 1
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn next_u64() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// `random.random()`: a float in [0, 1).
pub(crate) fn random() -> f64 {
    (next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `random.uniform(a, b)`.
pub(crate) fn uniform(a: f64, b: f64) -> f64 {
    a + (b - a) * random()
}

/// `random.randint(a, b)`: both ends included.
#[allow(dead_code)]
pub(crate) fn randint(a: i64, b: i64) -> i64 {
    if b <= a {
        return a;
    }
    a + (next_u64() % ((b - a) as u64 + 1)) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn uniform_stays_in_range() {
        for _ in 0..10_000 {
            let x = super::uniform(3.0, 7.0);
            assert!((3.0..7.0).contains(&x));
            let k = super::randint(1, 3);
            assert!((1..=3).contains(&k));
        }
    }
}
