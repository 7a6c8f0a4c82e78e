//! A run's shared arena: the part of a [`Segment`] that the processes of one run share,
//! and its layout. Everything `multiprocessing` shares lives here: the process table (who
//! runs, who started whom, exit codes, what each child was asked to run), the run's stop
//! word and clock origin, and a heap that pipes, queues, `Value`, `Array` and the
//! process-shared locks allocate their words and buffers from. Offsets are relative to the
//! arena; the heap is a bump allocator, freed as a whole with the run.

use crate::shm::Segment;

/// One arena's bytes (header, process table and heap).
pub const ARENA_BYTES: u32 = 8 << 20;
/// Processes a run may have, `MainProcess` included.
pub const MAX_PROCS: u32 = 64;

// Header words.
const H_MAGIC: u32 = 0;
/// The next logical pid to hand out (1 is `MainProcess`).
const H_NEXT_PID: u32 = 4;
/// Non-zero once the run is ending: every process of it unwinds ([`STOP_STOPPED`], or
/// [`STOP_DEADLOCKED`]).
pub(crate) const H_STOP: u32 = 8;
const STOP_STOPPED: u32 = 1;
const STOP_DEADLOCKED: u32 = 2;
/// The heap's bump pointer.
const H_TOP: u32 = 16;
/// Run-wide numbers: shared objects' ids and messages' numbers.
const H_NEXT_ID: u32 = 20;
/// The run's clock origin (two words, low first), which every process's trace shares.
const H_START: u32 = 24;
/// The run's speed (f64 bits, two words).
const H_SPEED: u32 = 32;
/// The run's seed (two words).
const H_SEED: u32 = 40;
/// Bumped whenever a process ends (the page and joiners wait on the entry's own word).
pub(crate) const H_ENDED_SIGNAL: u32 = 48;
/// The GIL's switch interval in ns (two words) when the run's processes each have a GIL,
/// as CPython's do; 0 for free threads.
const H_GIL: u32 = 56;
/// Where the address book of the run's managers lies (0 until the first `bind`).
pub(crate) const H_ADDRESSES: u32 = 64;

const MAGIC: u32 = 0x5041_524c; // "PARL"
const TABLE: u32 = 256;
/// Bytes per process-table entry.
pub(crate) const ENTRY_BYTES: u32 = 256;
const HEAP: u32 = TABLE + MAX_PROCS * ENTRY_BYTES;

// Process-table entry words (offsets within an entry).
/// 0 (a free entry), [`P_REQUESTED`], [`P_RUNNING`], [`P_EXITED`]; joiners wait on it.
pub(crate) const E_STATE: u32 = 0;
/// The exit code (an i32), once [`P_EXITED`].
pub(crate) const E_EXIT: u32 = 4;
pub(crate) const E_PARENT: u32 = 8;
/// The OS pid natively; the logical pid in the browser.
pub(crate) const E_OS_PID: u32 = 12;
/// [`F_DAEMON`], [`F_LOGGING`].
pub(crate) const E_FLAGS: u32 = 16;
pub(crate) const F_DAEMON: u32 = 1;
/// `log_to_stderr` was called in its parent: the child logs its life too.
pub(crate) const F_LOGGING: u32 = 2;
/// A signal asked for by `terminate` (15) or `kill` (9), for whoever ends processes.
pub(crate) const E_SIGNAL: u32 = 20;
/// Where the spawn request (target, arguments) lies in the heap, and its length.
pub(crate) const E_PAYLOAD: u32 = 24;
pub(crate) const E_PAYLOAD_LEN: u32 = 28;
/// Where the process's trace lies: natively in the segment (beyond the arena); in the
/// browser an address in the child's own memory, which the page reads.
pub(crate) const E_TRACE: u32 = 32;
pub(crate) const E_TRACE_LEN: u32 = 36;
/// The process's name: its length, then up to [`NAME_BYTES`] bytes.
const E_NAME_LEN: u32 = 40;
const E_NAME: u32 = 44;
const NAME_BYTES: u32 = 128;
/// For the watchdog across processes, as the process's own watchdog last saw it: 1 when
/// every live thread of it is blocked without a timeout, and its events so far.
pub(crate) const E_STUCK: u32 = 172;
pub(crate) const E_PROGRESS: u32 = 176;

/// Asked for, not yet running (the browser's page has not handed it an instance yet).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) const P_REQUESTED: u32 = 1;
pub(crate) const P_RUNNING: u32 = 2;
pub(crate) const P_EXITED: u32 = 3;

/// A run's arena: where in which segment.
#[derive(Clone)]
pub struct Arena {
    seg: Segment,
    base: u32,
}

impl Arena {
    /// Lays out a fresh arena at `base` of `seg` (zeroed memory).
    pub(crate) fn init(seg: Segment, base: u32, start_ns: u64, speed: f64, seed: u64, gil_ns: u64) -> Arena {
        let a = Arena { seg, base };
        a.store(H_NEXT_PID, 2);
        a.store(H_TOP, HEAP);
        a.store(H_NEXT_ID, 1);
        a.store64(H_START, start_ns);
        a.store64(H_SPEED, speed.to_bits());
        a.store64(H_SEED, seed);
        a.store64(H_GIL, gil_ns);
        // MainProcess's own entry, so that a child's parent and every pid resolve alike.
        let e = a.entry(1);
        a.store(e + E_STATE, P_RUNNING);
        a.store(e + E_OS_PID, own_os_pid());
        a.set_name(1, "MainProcess");
        a.store(H_MAGIC, MAGIC);
        a
    }

    /// The arena at `base` of `seg` that another process laid out.
    pub(crate) fn attach(seg: Segment, base: u32) -> Result<Arena, String> {
        let a = Arena { seg, base };
        if a.load(H_MAGIC) != MAGIC {
            return Err("the run's shared memory holds no arena".into());
        }
        Ok(a)
    }

    pub(crate) fn segment(&self) -> &Segment {
        &self.seg
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn base(&self) -> u32 {
        self.base
    }

    #[inline]
    fn at(&self, off: u32) -> u32 {
        debug_assert!(off < ARENA_BYTES);
        self.base + off
    }

    #[inline]
    pub fn load(&self, off: u32) -> u32 {
        self.seg.load(self.at(off))
    }

    #[inline]
    pub fn store(&self, off: u32, v: u32) {
        self.seg.store(self.at(off), v)
    }

    #[inline]
    pub fn fetch_add(&self, off: u32, v: u32) -> u32 {
        self.seg.fetch_add(self.at(off), v)
    }

    #[inline]
    pub fn fetch_sub(&self, off: u32, v: u32) -> u32 {
        self.seg.fetch_sub(self.at(off), v)
    }

    #[inline]
    pub fn cas(&self, off: u32, old: u32, new: u32) -> Result<u32, u32> {
        self.seg.cas(self.at(off), old, new)
    }

    /// A raw wait on a word of the arena (lesson threads wait through
    /// [`crate::hooks::park_shared`], which also keeps Stop and the watchdog informed).
    pub fn wait(&self, off: u32, expected: u32, timeout_ns: Option<u64>) -> bool {
        self.seg.wait(self.at(off), expected, timeout_ns)
    }

    pub fn wake(&self, off: u32, n: u32) {
        self.seg.wake(self.at(off), n)
    }

    pub fn read(&self, off: u32, out: &mut [u8]) {
        self.seg.read(self.at(off), out)
    }

    pub fn write(&self, off: u32, data: &[u8]) {
        self.seg.write(self.at(off), data)
    }

    pub(crate) fn load64(&self, off: u32) -> u64 {
        self.load(off) as u64 | (self.load(off + 4) as u64) << 32
    }

    pub(crate) fn store64(&self, off: u32, v: u64) {
        self.store(off, v as u32);
        self.store(off + 4, (v >> 32) as u32);
    }

    /// `bytes` of heap, aligned to `align` (a power of two, at most 64), zeroed: the
    /// arena is zeroed memory and nothing is ever freed within a run.
    pub fn alloc(&self, bytes: u32, align: u32) -> Result<u32, String> {
        let align = align.clamp(4, 64);
        loop {
            let top = self.load(H_TOP);
            let start = top.next_multiple_of(align);
            let end = start
                .checked_add(bytes)
                .filter(|e| *e <= ARENA_BYTES)
                .ok_or_else(|| format!("the run's shared memory ({} MB) is full", ARENA_BYTES >> 20))?;
            if self.cas(H_TOP, top, end).is_ok() {
                return Ok(start);
            }
        }
    }

    /// A run-wide number: shared objects' ids, messages' numbers.
    pub fn next_id(&self) -> u32 {
        self.fetch_add(H_NEXT_ID, 1)
    }

    /// The run's clock origin, speed and seed.
    pub(crate) fn start_ns(&self) -> u64 {
        self.load64(H_START)
    }

    pub(crate) fn speed(&self) -> f64 {
        f64::from_bits(self.load64(H_SPEED))
    }

    pub(crate) fn seed(&self) -> u64 {
        self.load64(H_SEED)
    }

    /// The policy of every child's run: each process has a GIL of its own if the run's
    /// first one has one (a controlled run schedules one process, the others run free).
    pub(crate) fn policy(&self) -> crate::runtime::Policy {
        match self.load64(H_GIL) {
            0 => crate::runtime::Policy::Free,
            switch_interval_ns => crate::runtime::Policy::Gil { switch_interval_ns },
        }
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.load(H_STOP) != 0
    }

    pub(crate) fn request_stop(&self) {
        if self.cas(H_STOP, 0, STOP_STOPPED).is_ok() {
            self.wake(H_STOP, u32::MAX);
        }
    }

    /// Every process of the run is blocked for good: each records who it waits on, then
    /// all of them unwind.
    pub(crate) fn declare_deadlock(&self) {
        if self.cas(H_STOP, 0, STOP_DEADLOCKED).is_ok() {
            self.wake(H_STOP, u32::MAX);
        }
    }

    pub(crate) fn deadlocked(&self) -> bool {
        self.load(H_STOP) == STOP_DEADLOCKED
    }

    /// Process-table entry of `pid` (1-based), as an arena offset.
    pub(crate) fn entry(&self, pid: u32) -> u32 {
        debug_assert!((1..=MAX_PROCS).contains(&pid));
        TABLE + (pid - 1) * ENTRY_BYTES
    }

    /// Reserves the next pid, or `None` when the run has all the processes it may have.
    pub(crate) fn new_pid(&self) -> Option<u32> {
        let pid = self.fetch_add(H_NEXT_PID, 1);
        (pid <= MAX_PROCS).then_some(pid)
    }

    /// Every pid handed out so far.
    pub(crate) fn pids(&self) -> impl Iterator<Item = u32> {
        1..self.load(H_NEXT_PID).min(MAX_PROCS + 1)
    }

    pub(crate) fn set_name(&self, pid: u32, name: &str) {
        let e = self.entry(pid);
        let mut n = name.len().min(NAME_BYTES as usize);
        while !name.is_char_boundary(n) {
            n -= 1;
        }
        self.write(e + E_NAME, &name.as_bytes()[..n]);
        self.store(e + E_NAME_LEN, n as u32);
    }

    pub(crate) fn name(&self, pid: u32) -> String {
        let e = self.entry(pid);
        let n = self.load(e + E_NAME_LEN).min(NAME_BYTES) as usize;
        let mut b = vec![0; n];
        self.read(e + E_NAME, &mut b);
        String::from_utf8_lossy(&b).into_owned()
    }

    pub(crate) fn state(&self, pid: u32) -> u32 {
        self.load(self.entry(pid) + E_STATE)
    }

    /// The exit code, once the process has ended.
    pub(crate) fn exit_code(&self, pid: u32) -> Option<i32> {
        (self.state(pid) == P_EXITED).then(|| self.load(self.entry(pid) + E_EXIT) as i32)
    }

    /// Records that `pid` ended with `code`, and wakes whoever waits for it.
    pub(crate) fn set_exited(&self, pid: u32, code: i32) {
        let e = self.entry(pid);
        self.store(e + E_EXIT, code as u32);
        self.store(e + E_STATE, P_EXITED);
        self.wake(e + E_STATE, u32::MAX);
        self.fetch_add(H_ENDED_SIGNAL, 1);
        self.wake(H_ENDED_SIGNAL, u32::MAX);
    }

    pub(crate) fn parent(&self, pid: u32) -> u32 {
        self.load(self.entry(pid) + E_PARENT)
    }

    pub(crate) fn os_pid(&self, pid: u32) -> u32 {
        self.load(self.entry(pid) + E_OS_PID)
    }

    pub(crate) fn daemon(&self, pid: u32) -> bool {
        self.load(self.entry(pid) + E_FLAGS) & F_DAEMON != 0
    }

    pub(crate) fn logging(&self, pid: u32) -> bool {
        self.load(self.entry(pid) + E_FLAGS) & F_LOGGING != 0
    }

    /// The spawn request of `pid`: what it runs.
    pub(crate) fn payload(&self, pid: u32) -> Vec<u8> {
        let e = self.entry(pid);
        let (off, len) = (self.load(e + E_PAYLOAD), self.load(e + E_PAYLOAD_LEN));
        let mut b = vec![0; len as usize];
        self.read(off, &mut b);
        b
    }

    /// Fills `pid`'s entry for a child of `parent` that is to run `payload`.
    pub(crate) fn describe(&self, pid: u32, parent: u32, name: &str, flags: u32, payload: &[u8]) -> Result<(), String> {
        let e = self.entry(pid);
        let off = self.alloc(payload.len() as u32, 8)?;
        self.write(off, payload);
        self.store(e + E_PAYLOAD, off);
        self.store(e + E_PAYLOAD_LEN, payload.len() as u32);
        self.store(e + E_PARENT, parent);
        self.store(e + E_FLAGS, flags);
        self.set_name(pid, name);
        Ok(())
    }
}

/// This process's pid as Python code sees it: the OS's natively; in the browser there is
/// no OS pid, and a process is known by the run's own (1 for `MainProcess`).
pub(crate) fn own_os_pid() -> u32 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::process::id()
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}
