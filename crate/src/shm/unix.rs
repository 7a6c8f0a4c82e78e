//! Segments on Unix: a `memfd` on Linux (sparse: pages cost memory only once touched), an
//! unlinked POSIX shared-memory object elsewhere, mapped `MAP_SHARED` at the same length
//! by every process that has it. Waits are the futex syscall on Linux; where there is no
//! futex across processes (macOS), a wait polls the word with short sleeps.

use core::sync::atomic::{AtomicU32, Ordering};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

/// A mapping of a shared segment. Cloning shares the mapping.
#[derive(Clone)]
pub struct Segment(Arc<Map>);

struct Map {
    ptr: *mut u8,
    len: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is plain shared memory; every access goes through atomics or
// through `read`/`write`, whose callers order them with atomics (a lock, a published
// index), as with any memory shared between threads.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

/// What a child process needs to map a segment: its descriptor (kept open across `exec`
/// for that child only) and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub fd: RawFd,
    pub len: usize,
}

impl Handle {
    /// As it travels in the child's environment: `fd:len`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.fd, self.len)
    }

    pub fn decode(s: &str) -> Option<Handle> {
        let (fd, len) = s.split_once(':')?;
        Some(Handle { fd: fd.parse().ok()?, len: len.parse().ok()? })
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` is the mapping `mmap` returned, unmapped once, here.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

fn os_err(what: &str) -> String {
    format!("{what}: {}", std::io::Error::last_os_error())
}

impl Segment {
    /// A new zeroed segment of `len` bytes (rounded up to whole pages).
    pub fn create(len: usize) -> Result<Segment, String> {
        let len = len.div_ceil(4096) * 4096;
        let fd = Self::new_fd()?;
        // SAFETY: `fd` was just created and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a valid descriptor and length.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(os_err("ftruncate"));
        }
        Self::map(fd, len)
    }

    #[cfg(target_os = "linux")]
    fn new_fd() -> Result<libc::c_int, String> {
        // SAFETY: a NUL-terminated name and valid flags; the result is checked.
        let fd = unsafe { libc::memfd_create(c"parlab-shm".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(os_err("memfd_create"));
        }
        Ok(fd)
    }

    #[cfg(not(target_os = "linux"))]
    fn new_fd() -> Result<libc::c_int, String> {
        static N: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
        let name = format!("/parlab-{}-{}\0", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        // SAFETY: a NUL-terminated name; the object is unlinked at once, so only the
        // descriptor (and the children it is handed to) keep it.
        let fd = unsafe { libc::shm_open(name.as_ptr().cast(), libc::O_CREAT | libc::O_EXCL | libc::O_RDWR, 0o600) };
        if fd < 0 {
            return Err(os_err("shm_open"));
        }
        // SAFETY: the name just created.
        unsafe { libc::shm_unlink(name.as_ptr().cast()) };
        // SAFETY: `fd` is ours; close-on-exec, as memfd's MFD_CLOEXEC.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        Ok(fd)
    }

    /// A new zeroed segment whose descriptor the processes this one starts inherit (not
    /// close-on-exec): a child is then started with a plain spawn (`posix_spawn`), where
    /// clearing the flag in the child alone would take a `fork` of this whole process
    /// (hundreds of ms for a big, many-threaded test binary on a loaded machine). The price:
    /// any program this process starts meanwhile holds the descriptor until it exits.
    pub fn create_inherited(len: usize) -> Result<Segment, String> {
        let seg = Self::create(len)?;
        // SAFETY: clearing FD_CLOEXEC on a descriptor this segment owns.
        if unsafe { libc::fcntl(seg.0.fd.as_raw_fd(), libc::F_SETFD, 0) } != 0 {
            return Err(os_err("fcntl"));
        }
        Ok(seg)
    }

    /// Maps the segment a parent handed down (see [`Segment::handle`]), keeping its
    /// descriptor inheritable for this process's own children.
    pub fn open(h: Handle) -> Result<Segment, String> {
        // SAFETY: F_GETFD on a descriptor number; a bad one fails with EBADF.
        if unsafe { libc::fcntl(h.fd, libc::F_GETFD) } < 0 {
            return Err(os_err("the run's shared memory was not handed down"));
        }
        // SAFETY: the number was handed down for this segment and nothing else owns it here.
        let fd = unsafe { OwnedFd::from_raw_fd(h.fd) };
        Self::map(fd, h.len)
    }

    fn map(fd: OwnedFd, len: usize) -> Result<Segment, String> {
        // SAFETY: a fresh shared mapping of a descriptor at least `len` long.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(os_err("mmap"));
        }
        Ok(Segment(Arc::new(Map { ptr: ptr.cast(), len, fd })))
    }

    /// The handle a child maps this segment by. The caller keeps the descriptor open in
    /// the child (and only there) across `exec`.
    pub fn handle(&self) -> Handle {
        Handle { fd: self.0.fd.as_raw_fd(), len: self.0.len }
    }

    pub fn len(&self) -> usize {
        self.0.len
    }

    /// The word at `off`.
    #[inline]
    fn word(&self, off: u32) -> &AtomicU32 {
        let off = off as usize;
        assert!(off % 4 == 0 && off + 4 <= self.0.len, "segment word {off} out of bounds");
        // SAFETY: in bounds and aligned (checked above; the mapping is page-aligned), and
        // the mapping lives as long as `self`. Every access to shared words is atomic.
        unsafe { &*(self.0.ptr.add(off) as *const AtomicU32) }
    }

    #[inline]
    pub fn load(&self, off: u32) -> u32 {
        self.word(off).load(Ordering::SeqCst)
    }

    #[inline]
    pub fn store(&self, off: u32, v: u32) {
        self.word(off).store(v, Ordering::SeqCst)
    }

    #[inline]
    pub fn fetch_add(&self, off: u32, v: u32) -> u32 {
        self.word(off).fetch_add(v, Ordering::SeqCst)
    }

    #[inline]
    pub fn fetch_sub(&self, off: u32, v: u32) -> u32 {
        self.word(off).fetch_sub(v, Ordering::SeqCst)
    }

    #[inline]
    pub fn cas(&self, off: u32, old: u32, new: u32) -> Result<u32, u32> {
        self.word(off).compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst)
    }

    /// Blocks while the word at `off` is `expected`, for at most `timeout_ns`; false only
    /// when the timeout expired.
    #[cfg(target_os = "linux")]
    pub fn wait(&self, off: u32, expected: u32, timeout_ns: Option<u64>) -> bool {
        let word = self.word(off);
        let ts = timeout_ns.map(|ns| libc::timespec {
            tv_sec: (ns / 1_000_000_000).min(i64::MAX as u64) as libc::time_t,
            tv_nsec: (ns % 1_000_000_000) as libc::c_long,
        });
        let ts_ptr = ts.as_ref().map_or(core::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `word` is a live, aligned word of the mapping, `ts_ptr` null or a live
        // timespec. Not FUTEX_PRIVATE_FLAG: waiters and wakers are in different processes.
        let r = unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, ts_ptr) };
        !(r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT))
    }

    /// Without a futex shared between processes: polls, sleeping a little longer each
    /// time, up to a millisecond.
    #[cfg(not(target_os = "linux"))]
    pub fn wait(&self, off: u32, expected: u32, timeout_ns: Option<u64>) -> bool {
        let word = self.word(off);
        let start = std::time::Instant::now();
        let mut nap = 1_000u64;
        while word.load(Ordering::SeqCst) == expected {
            let waited = start.elapsed().as_nanos() as u64;
            if timeout_ns.is_some_and(|t| waited >= t) {
                return false;
            }
            let left = timeout_ns.map_or(nap, |t| (t - waited).min(nap));
            std::thread::sleep(std::time::Duration::from_nanos(left));
            nap = (nap * 2).min(1_000_000);
        }
        true
    }

    /// Wakes up to `n` processes' threads waiting on the word at `off` (where waits poll,
    /// they see the change by themselves).
    #[cfg(not(target_os = "linux"))]
    pub fn wake(&self, _off: u32, _n: u32) {}

    /// Wakes up to `n` processes' threads waiting on the word at `off`.
    #[cfg(target_os = "linux")]
    pub fn wake(&self, off: u32, n: u32) {
        let word = self.word(off);
        // SAFETY: FUTEX_WAKE only hashes the (shared) mapping's page and offset.
        unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n.min(i32::MAX as u32) as i32) };
    }

    /// Copies `out.len()` bytes at `off` out of the segment.
    pub fn read(&self, off: u32, out: &mut [u8]) {
        let off = off as usize;
        assert!(off + out.len() <= self.0.len, "segment read out of bounds");
        // SAFETY: in bounds; the caller orders this copy after the writer's (by a lock or
        // a published index), so no byte is being written while it is read.
        unsafe { core::ptr::copy_nonoverlapping(self.0.ptr.add(off), out.as_mut_ptr(), out.len()) };
    }

    /// Copies `data` into the segment at `off`.
    pub fn write(&self, off: u32, data: &[u8]) {
        let off = off as usize;
        assert!(off + data.len() <= self.0.len, "segment write out of bounds");
        // SAFETY: in bounds; the caller owns these bytes until it publishes them.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), self.0.ptr.add(off), data.len()) };
    }

    /// The address of byte `off` in this process's mapping, for a structure laid out in
    /// the segment (a process's trace) that this process reads or writes in place.
    pub fn addr(&self, off: u32) -> *mut u8 {
        assert!((off as usize) <= self.0.len);
        // SAFETY: in bounds of the mapping.
        unsafe { self.0.ptr.add(off as usize) }
    }
}
