use core::sync::atomic::AtomicU32;

pub fn wait(word: &AtomicU32, expected: u32, timeout_ns: Option<u64>) -> bool {
    let ts = timeout_ns.map(|ns| libc::timespec {
        tv_sec: (ns / 1_000_000_000).min(i64::MAX as u64) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    });
    let ts_ptr = ts.as_ref().map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a valid, aligned AtomicU32 for the duration of the call, and
    // `ts_ptr` is null or points to a timespec that outlives the call. FUTEX_WAIT only
    // reads both.
    let r = unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG, expected, ts_ptr)
    };
    !(r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT))
}

/// Wakes up to `count` waiters on the word at `word`, which need not be live.
pub fn wake(word: *const AtomicU32, count: u32) {
    let n = count.min(i32::MAX as u32) as libc::c_int;
    // SAFETY: FUTEX_WAKE never reads or writes the word: the kernel only hashes the
    // address to find its waiters, and a stale or unmapped one finds none (or EFAULT).
    unsafe {
        libc::syscall(libc::SYS_futex, word, libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, n);
    }
}
