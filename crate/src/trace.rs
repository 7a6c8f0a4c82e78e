//! The trace: every thread start and end, every primitive operation and every print of a
//! run, as fixed-size events in one bounded buffer.
//!
//! Writers reserve a slot with one atomic add, fill it, and publish it with a release store
//! of its sequence number: no lock anywhere on the recording path. The page reads the same
//! buffer through a cursor, straight from shared memory, once per animation frame: no
//! message per event. When the buffer is full, further events are counted as dropped.
//! Strings (thread names, printed lines) live in an append-only arena beside it.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use serde::Serialize;

/// Declares a `u16`-coded enum with, for every variant, its code and its name, and the
/// list of them all: each enum of the trace and its list live in this one place, so that a
/// new variant cannot be missing from its decoder.
macro_rules! coded_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal => $text:literal,)+ }) => {
        $(#[$m])*
        #[repr(u16)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum $name { $($(#[$vm])* $v = $code,)+ }
        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// The variant with this code, if any.
            pub fn from_u16(v: u16) -> Option<$name> {
                match v {
                    $($code => Some($name::$v),)+
                    _ => None,
                }
            }
            /// Its name as a learner reads it (Python's, where Python has one).
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$v => $text,)+
                }
            }
        }
    };
}

coded_enum! {
    /// What happened. Together with [`Op`] it names an event: `Block` + `Acquire` is "blocked
    /// acquiring", `Ok` + `Get` is "got an item". Only the operation kinds ([`Kind::has_op`])
    /// carry an [`Op`] in the 16-bit field; the others carry a code of their own there.
    pub enum Kind {
        /// `arg`: the speed factor (f64 bits).
        RunStart = 1 => "run start",
        /// 16-bit field: an [`EndState`] code; `arg`: a string with the reason.
        RunEnd = 2 => "run end",
        /// `obj`: the parent thread; `arg`: the name; 16-bit field: 1 when daemon.
        ThreadStart = 3 => "thread start",
        /// 16-bit field: a [`ThreadEndHow`] code.
        ThreadEnd = 4 => "thread end",
        /// `arg`: the panic message. The thread died; the run fails.
        ThreadPanic = 5 => "panic",
        /// `arg`: the line; 16-bit field: 0 stdout, 1 stderr.
        Print = 6 => "print",
        /// `obj`: the new object; 16-bit field: its [`ObjKind`]; `arg`: its name.
        ObjNew = 7 => "new object",
        /// An operation that may block was called.
        Attempt = 8 => "attempt",
        /// The thread went to sleep on `obj` (or, with `Op::Sleep`, in `time.sleep`).
        Block = 9 => "block",
        /// The operation succeeded; `arg`: the object's value after it (count, size, index).
        Ok = 10 => "ok",
        /// The operation gave up after its timeout.
        Timeout = 11 => "timeout",
        /// The operation raised; `arg`: the message.
        Fail = 12 => "fail",
        /// A non-blocking operation that may wake others (release, set, notify, put);
        /// `arg`: the object's value after it.
        Signal = 13 => "signal",
        /// Deadlock report: the actor waits on `obj`, held by thread `arg` (0: nobody holds
        /// it); for a shared object (`obj >= SHARED_OBJ_BASE`), `arg` is `pid << 32 | tid`.
        WaitEdge = 14 => "waits on",
        /// The process this trace belongs to: `obj`: its pid; `arg`: its name; 16-bit
        /// field: its parent's pid (0: none).
        Process = 15 => "process",
        /// The seed every random choice of the run is drawn from (`arg`).
        Seed = 16 => "seed",
        /// A process started a child (recorded in the parent's trace by the thread that
        /// called `start`): `obj`: the child's pid; `arg`: the bytes of its target and
        /// arguments that crossed into it; 16-bit field: 1 when daemon.
        ProcStart = 17 => "process start",
        /// A child ended (recorded in its parent's trace by the runtime, tid 0, once the
        /// child is gone, however it went): `obj`: its pid; `arg`: its exit code (an i64,
        /// CPython's: 0, 1 after an exception, `sys.exit`'s code, -15 terminated, -9 killed).
        ProcEnd = 18 => "process end",
        /// A number a lesson measured that its printed output cannot carry (its stdout must
        /// match CPython's), such as the sum on rayon's pool. A pair of events by the same
        /// thread, one right after the other: first 16-bit field [`MEASURE_NAME`] with the
        /// name (`arg`: a string), then [`MEASURE_VALUE`] with the value (`arg`: f64 bits);
        /// `obj`: 0 in both. A thread records nothing between the two, so its previous event
        /// names a value.
        Measure = 19 => "measure",
    }
}

/// The 16-bit field of a [`Kind::Measure`] event that carries the name.
pub const MEASURE_NAME: u16 = 0;
/// The 16-bit field of a [`Kind::Measure`] event that carries the value.
pub const MEASURE_VALUE: u16 = 1;

impl Kind {
    /// Whether the 16-bit field of this kind's events is an [`Op`].
    pub fn has_op(self) -> bool {
        use Kind::*;
        matches!(self, Attempt | Block | Ok | Timeout | Fail | Signal | WaitEdge)
    }
}

coded_enum! {
    /// The operation an event belongs to, by Python's name for it.
    pub enum Op {
        None = 0 => "",
        Acquire = 1 => "acquire",
        Release = 2 => "release",
        Wait = 3 => "wait",
        Notify = 4 => "notify",
        NotifyAll = 5 => "notify_all",
        Set = 6 => "set",
        Clear = 7 => "clear",
        Put = 8 => "put",
        Get = 9 => "get",
        TaskDone = 10 => "task_done",
        Join = 11 => "join",
        Sleep = 12 => "sleep",
        Abort = 13 => "abort",
        Reset = 14 => "reset",
        Cancel = 15 => "cancel",
        Start = 16 => "start",
        Fire = 17 => "fire",
        Submit = 18 => "submit",
        Result = 19 => "result",
        Read = 20 => "read",
        Write = 21 => "write",
        /// `Connection.send` / `send_bytes`.
        Send = 22 => "send",
        /// `Connection.recv` / `recv_bytes`.
        Recv = 23 => "recv",
        /// `Process.terminate` / `kill`.
        Terminate = 24 => "terminate",
    }
}

coded_enum! {
    /// The kind of a traced object, as Python names its class.
    pub enum ObjKind {
        Lock = 0 => "Lock",
        RLock = 1 => "RLock",
        Condition = 2 => "Condition",
        Semaphore = 3 => "Semaphore",
        BoundedSemaphore = 4 => "BoundedSemaphore",
        Event = 5 => "Event",
        Barrier = 6 => "Barrier",
        Timer = 7 => "Timer",
        Local = 8 => "local",
        Queue = 9 => "Queue",
        Thread = 10 => "Thread",
        Future = 11 => "Future",
        Executor = 12 => "ThreadPoolExecutor",
        Value = 13 => "value",
        /// The global interpreter lock of a run under the GIL policy.
        Gil = 14 => "GIL",
        /// One end of a `multiprocessing.Pipe`.
        Connection = 15 => "Connection",
        /// `multiprocessing.Queue` (and `JoinableQueue`).
        MpQueue = 16 => "multiprocessing.Queue",
        /// `multiprocessing.Value`.
        SharedValue = 17 => "Value",
        /// `multiprocessing.Array`.
        SharedArray = 18 => "Array",
        /// A `multiprocessing.Process` object (its id is the child's pid's object).
        Process = 19 => "Process",
    }
}

coded_enum! {
    /// How a run ended.
    pub enum EndState {
        Finished = 1 => "finished",
        Stopped = 2 => "stopped",
        Deadlocked = 3 => "deadlocked",
        Failed = 4 => "failed",
    }
}

coded_enum! {
    /// How a thread ended.
    pub enum ThreadEndHow {
        /// Its target returned.
        Returned = 0 => "returned",
        /// Its target raised; the traceback was printed.
        Raised = 1 => "raised",
        /// A daemon thread, cut off when the program ended.
        CutOff = 2 => "cut off",
        /// The run was stopped (Stop, deadlock, failure elsewhere).
        Stopped = 3 => "stopped",
    }
}

/// Who did something: a thread of a process, and (for asyncio) a task on that thread.
/// Ordered by process, then thread, then task, which is the order of the timeline's lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Actor {
    /// The process (1: `MainProcess`).
    pub pid: u32,
    /// The thread within it (1: its `MainThread`; 0: the runtime itself).
    pub tid: u32,
    /// The asyncio task on that thread (0: the thread itself).
    pub task: u32,
}

impl Actor {
    /// The pid of a run's first process, `MainProcess`.
    pub const MAIN_PID: u32 = 1;
    /// The id of every process's `MainThread`.
    pub const MAIN_TID: u32 = 1;

    /// Thread `tid` of process `pid`.
    pub const fn thread(pid: u32, tid: u32) -> Actor {
        Actor { pid, tid, task: 0 }
    }

    /// `MainThread` of `MainProcess`.
    pub const fn main_thread() -> Actor {
        Actor::thread(Actor::MAIN_PID, Actor::MAIN_TID)
    }

    /// The thread this actor runs on (itself, for a thread).
    pub const fn as_thread(self) -> Actor {
        Actor { task: 0, ..self }
    }

    /// Whether this is the runtime of its process rather than one of its threads.
    pub const fn is_runtime(self) -> bool {
        self.tid == 0
    }

    /// Whether this is a process's `MainThread`.
    pub const fn is_main_thread(self) -> bool {
        self.tid == Actor::MAIN_TID && self.task == 0
    }
}

/// Objects shared between the processes of a run (pipes, queues, `Value`, `Array`, the
/// process-shared locks) have ids from here up, handed out by the run's arena: the same id
/// in every process's trace. Ids below are each process's own.
pub const SHARED_OBJ_BASE: u32 = 1 << 24;

/// The `arg` of an event for a message crossing processes (a send or a receive, a put or
/// a get of a shared queue): its run-wide number and its size in bytes.
pub fn msg_arg(no: u32, bytes: u32) -> u64 {
    (no as u64) << 32 | bytes as u64
}

/// The message number and size in a [`msg_arg`].
pub fn msg_of(arg: u64) -> (u32, u32) {
    ((arg >> 32) as u32, arg as u32)
}

/// A string stored in the trace's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrRef(pub u64);

/// One recorded event, decoded by its kind: only operation kinds ([`Kind::has_op`]) have
/// an [`Op`] (a stderr print's code 1 is no `Acquire`); the other kinds' codes are read
/// through the accessors below, each for its own kind.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Real nanoseconds since the run started (lesson time is this times the speed).
    pub t_ns: u64,
    /// Who did it.
    pub actor: Actor,
    pub kind: Kind,
    /// The operation, for operation kinds; `Op::None` for every other kind.
    pub op: Op,
    /// The raw 16-bit field, for kinds with codes of their own.
    pub code: u16,
    /// The object acted on (0: none).
    pub obj: u32,
    pub arg: u64,
}

impl Event {
    pub fn str_arg(&self) -> StrRef {
        StrRef(self.arg)
    }

    /// A `Print` to standard error.
    pub fn is_stderr(&self) -> bool {
        self.kind == Kind::Print && self.code == 1
    }

    /// An `ObjNew`'s kind of object.
    pub fn obj_kind(&self) -> Option<ObjKind> {
        (self.kind == Kind::ObjNew).then(|| ObjKind::from_u16(self.code)).flatten()
    }

    /// A `RunEnd`'s end state.
    pub fn end_state(&self) -> Option<EndState> {
        (self.kind == Kind::RunEnd).then(|| EndState::from_u16(self.code)).flatten()
    }

    /// A `ThreadEnd`'s way of ending.
    pub fn thread_end(&self) -> Option<ThreadEndHow> {
        (self.kind == Kind::ThreadEnd).then(|| ThreadEndHow::from_u16(self.code)).flatten()
    }

    /// Whether a `ThreadStart` started a daemon thread.
    pub fn is_daemon_start(&self) -> bool {
        self.kind == Kind::ThreadStart && self.code == 1
    }
}

#[repr(C)]
struct Raw {
    t_ns: u64,
    arg: u64,
    /// The thread (the process is the trace's).
    tid: u32,
    /// The asyncio task on it (0: none); fills what was padding, so a slot stays 32 bytes.
    task: u32,
    obj: u32,
    kind: u16,
    code: u16,
}

// A slot is half a cache line: the task id must not grow it.
const _: () = assert!(core::mem::size_of::<Raw>() == 32);

struct Slot {
    /// 0 while the slot is being written; 1 once it is published.
    ready: AtomicU32,
    raw: UnsafeCell<Raw>,
}

/// A bounded, lock-free, append-only event log with its string arena.
pub struct Trace {
    slots: Box<[Slot]>,
    reserved: AtomicUsize,
    dropped: AtomicU64,
    bytes: Box<[UnsafeCell<u8>]>,
    bytes_used: AtomicUsize,
    start_ns: AtomicU64,
    /// The process whose events these are: every process records into a trace of its own,
    /// in its own memory.
    pid: AtomicU32,
    /// A controlled run's virtual time, which its events are stamped with; [`REAL_TIME`]
    /// while they read the real clock.
    virtual_ns: AtomicU64,
}

/// [`Trace`]'s `virtual_ns` while events are stamped by the real clock.
const REAL_TIME: u64 = u64::MAX;

// SAFETY: each slot and each arena byte range is written by exactly one thread (the one
// whose atomic add reserved it) before being published with a release store; readers only
// read published slots, after an acquire load, and never write.
unsafe impl Sync for Trace {}
unsafe impl Send for Trace {}

/// Events a browser run keeps; past this they are counted as dropped. 32 bytes each.
pub const DEFAULT_CAPACITY: usize = 1 << 20;
const STRING_BYTES_PER_EVENT: usize = 8;

impl Trace {
    /// A trace holding at most `capacity` events, timed from `start_ns` on the shared clock.
    pub fn new(capacity: usize, start_ns: u64) -> Trace {
        // Zeroed allocations: all-zero bytes are a valid empty slot and a valid byte, and
        // zeroed memory is free natively (fresh pages) and cheap in wasm, where filling a
        // million slots one by one took a visible moment on every Run.
        // SAFETY: `Slot` is an AtomicU32 (0 = not published) and an UnsafeCell of plain
        // integers; `UnsafeCell<u8>` is a byte. Zero is a valid value of each.
        let slots: Box<[Slot]> = unsafe { Box::new_zeroed_slice(capacity).assume_init() };
        // SAFETY: as above, a zero byte is a valid `UnsafeCell<u8>`.
        let bytes: Box<[UnsafeCell<u8>]> =
            unsafe { Box::new_zeroed_slice(capacity * STRING_BYTES_PER_EVENT + 4096).assume_init() };
        // The trace's clock (in the browser, `init_pool` starts it).
        #[cfg(all(not(target_arch = "wasm32"), not(loom)))]
        crate::clock::ticker::start();
        // Zeroed memory that was never used arrives as untouched pages, natively and in
        // wasm alike (a grown wasm memory is mapped lazily too), which the OS fills in on
        // first write: inside the run, as page faults (a traced lock pair took 142 ns
        // instead of 76 natively, and varied 16-32 ns in the browser). Touch one word per
        // page now; on pages already in use this costs a few thousand stores.
        for slot in slots.iter().step_by(4096 / core::mem::size_of::<Slot>()) {
            slot.ready.store(0, Ordering::Relaxed);
        }
        for b in bytes.iter().step_by(4096) {
            // SAFETY: nobody else can see the buffer yet.
            unsafe { *b.get() = 0 };
        }
        Trace {
            slots,
            reserved: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            bytes,
            bytes_used: AtomicUsize::new(0),
            start_ns: AtomicU64::new(start_ns),
            pid: AtomicU32::new(Actor::MAIN_PID),
            virtual_ns: AtomicU64::new(REAL_TIME),
        }
    }

    /// Moves the clock origin: a run's lesson time starts when its threads can start, not
    /// when its buffers were allocated or its workers were still booting. Events recorded
    /// before keep their (small) times.
    pub fn set_start_ns(&self, start_ns: u64) {
        self.start_ns.store(start_ns, Ordering::Relaxed);
    }

    /// Names the process whose events this trace holds (set before any event is read).
    pub fn set_pid(&self, pid: u32) {
        self.pid.store(pid, Ordering::Relaxed);
    }

    pub fn pid(&self) -> u32 {
        self.pid.load(Ordering::Relaxed)
    }

    pub fn start_ns(&self) -> u64 {
        self.start_ns.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Records an event stamped now.
    #[inline]
    pub fn emit(&self, tid: u32, kind: Kind, op: Op, obj: u32, arg: u64) {
        self.emit_code(tid, kind, op as u16, obj, arg)
    }

    /// Records an event whose 16-bit field is a kind-specific code rather than an [`Op`].
    #[inline]
    pub fn emit_code(&self, tid: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        let t_ns = match self.virtual_ns.load(Ordering::Relaxed) {
            REAL_TIME => crate::clock::trace_now_ns().saturating_sub(self.start_ns.load(Ordering::Relaxed)),
            virtual_ns => virtual_ns,
        };
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, tid, task: 0, obj, kind: kind as u16, code }) };
    }

    /// From now on events are stamped `ns` after the run's start, whatever the clock says:
    /// a controlled run's virtual time, which only its scheduler moves.
    pub fn set_virtual_ns(&self, ns: u64) {
        self.virtual_ns.store(ns.min(REAL_TIME - 1), Ordering::Relaxed);
    }

    /// Records an event stamped `t_ns` after the run's start rather than now, for traces
    /// written by hand (the model's tests) or replayed. `code` is the 16-bit field, as in
    /// [`Trace::emit_code`] (an [`Op`] as `u16`).
    pub fn emit_at(&self, t_ns: u64, tid: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, tid, task: 0, obj, kind: kind as u16, code }) };
    }

    /// Fills `slot` and makes it visible to readers.
    ///
    /// # Safety
    /// `slot` came from [`Trace::reserve`] to this caller, and is published once.
    #[inline]
    unsafe fn publish(slot: &Slot, raw: Raw) {
        // SAFETY: nobody else writes the slot (see above), and readers do not touch it
        // until `ready` is published below.
        unsafe { *slot.raw.get() = raw };
        slot.ready.store(1, Ordering::Release);
    }

    /// A slot for this caller alone, or `None` once the trace is full. The counter stops
    /// moving once it passes the capacity (give or take one add per racing thread):
    /// a 32-bit counter that kept counting would wrap after 2^32 events, some 30 s of a
    /// full trace in a tight loop, and hand out published slots again.
    #[inline]
    fn reserve(&self) -> Option<&Slot> {
        if self.reserved.load(Ordering::Relaxed) >= self.slots.len() {
            return None;
        }
        self.slots.get(self.reserved.fetch_add(1, Ordering::Relaxed))
    }

    #[cold]
    fn drop_one(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores a string; returns a reference to put in an event's `arg`.
    pub fn intern(&self, s: &str) -> StrRef {
        let s = if s.len() > 0xFF_FFFF { &s[..s.floor_char_boundary(0xFF_FFFF)] } else { s };
        // As with slots, a full arena stops its counter before it could wrap.
        if self.bytes_used.load(Ordering::Relaxed) >= self.bytes.len() {
            self.drop_one();
            return StrRef(0);
        }
        let start = self.bytes_used.fetch_add(s.len(), Ordering::Relaxed);
        if start + s.len() > self.bytes.len() {
            self.drop_one();
            return StrRef(0);
        }
        for (k, b) in s.bytes().enumerate() {
            // SAFETY: bytes start..start+len were reserved for this call alone by the
            // fetch_add above; they are published by the release store of the event that
            // refers to them.
            unsafe { *self.bytes[start + k].get() = b };
        }
        StrRef(((start as u64) << 24) | s.len() as u64)
    }

    /// The text of a string stored by [`Trace::intern`]. Only valid for a reference read
    /// from a published event.
    pub fn text(&self, r: StrRef) -> String {
        let start = (r.0 >> 24) as usize;
        let len = (r.0 & 0xFF_FFFF) as usize;
        if start + len > self.bytes.len() {
            return String::new();
        }
        // SAFETY: the range was fully written before the event that holds `r` was
        // published (release), and the caller read that event with an acquire load.
        let bytes: Vec<u8> = (start..start + len).map(|k| unsafe { *self.bytes[k].get() }).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Appends every event published since `cursor` to `out`, in reservation order, and
    /// returns the new cursor. Stops at the first slot still being written, so a reader
    /// never skips an event.
    pub fn read(&self, cursor: usize, out: &mut Vec<Event>) -> usize {
        let end = self.reserved.load(Ordering::Acquire).min(self.slots.len());
        let pid = self.pid.load(Ordering::Relaxed);
        let mut i = cursor;
        while i < end {
            let slot = &self.slots[i];
            if slot.ready.load(Ordering::Acquire) == 0 {
                break;
            }
            // SAFETY: published slots are never written again.
            let raw = unsafe { &*slot.raw.get() };
            if let Some(kind) = Kind::from_u16(raw.kind) {
                let op = if kind.has_op() { Op::from_u16(raw.code).unwrap_or(Op::None) } else { Op::None };
                out.push(Event {
                    t_ns: raw.t_ns,
                    actor: Actor { pid, tid: raw.tid, task: raw.task },
                    kind,
                    op,
                    code: raw.code,
                    obj: raw.obj,
                    arg: raw.arg,
                });
            }
            i += 1;
        }
        i
    }

    /// Events recorded or reserved so far (published or not), capped at the capacity.
    pub fn len(&self) -> usize {
        self.reserved.load(Ordering::Relaxed).min(self.slots.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events that did not fit (plus strings that did not fit in the arena).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Every published event.
    pub fn snapshot(&self) -> Vec<Event> {
        let mut v = Vec::new();
        self.read(0, &mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_decode_by_their_kind() {
        let t = Trace::new(16, 0);
        t.set_pid(3);
        let line = t.intern("oops");
        t.emit_code(2, Kind::Print, 1, 0, line.0); // stderr: code 1, which is also Acquire's
        t.emit(2, Kind::Block, Op::Acquire, 7, 0);
        t.emit_code(2, Kind::ThreadEnd, ThreadEndHow::Raised as u16, 0, 0);
        let ev = t.snapshot();
        assert_eq!((ev[0].op, ev[0].is_stderr()), (Op::None, true), "a stderr print is no acquire");
        assert_eq!(ev[1].op, Op::Acquire);
        assert_eq!(ev[2].thread_end(), Some(ThreadEndHow::Raised));
        assert_eq!(ev[1].thread_end(), None, "only a ThreadEnd has a way of ending");
        assert!(ev.iter().all(|e| e.actor == Actor::thread(3, 2)), "the process is the trace's");
    }

    #[test]
    fn every_code_decodes_back_to_its_variant() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_u16(*k as u16), Some(*k));
        }
        for o in Op::ALL {
            assert_eq!(Op::from_u16(*o as u16), Some(*o));
        }
        for o in ObjKind::ALL {
            assert_eq!(ObjKind::from_u16(*o as u16), Some(*o));
        }
        assert_eq!(Kind::from_u16(0), None);
        assert_eq!(Kind::from_u16(Kind::ALL.len() as u16 + 1), None);
    }
}
