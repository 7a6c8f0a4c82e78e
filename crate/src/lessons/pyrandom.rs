//! The few functions of Python's `random` module that lesson programs use.
//!
//! Every draw goes through the seam ([`crate::hooks::random_u64`]): inside a run it comes
//! from the run's seed, one stream per thread, so a run's seed names its random choices;
//! a fresh run gets a fresh seed, like an unseeded `random` in Python.

fn next_u64() -> u64 {
    crate::hooks::random_u64()
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
