//! The trace: every thread start and end, every primitive operation and every print of a
//! run, as fixed-size events in one bounded buffer.
//!
//! Writers reserve a slot with one atomic add, fill it, and publish it with a release store
//! of its sequence number: no lock anywhere on the recording path. The page reads the same
//! buffer through a cursor, straight from shared memory, once per animation frame: no
//! message per event. When the buffer is full, further events are counted as dropped.
//! Strings (thread names, printed lines) live in an append-only arena beside it.

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
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
        /// asyncio: a task was created (recorded as the new task, `Actor::task` its id, so
        /// that it has a lane of its own): `obj`: its object ([`ObjKind::Task`]); `arg`: its
        /// name.
        TaskNew = 28 => "task",
        /// asyncio: a task is done (recorded as the task): 16-bit field: a
        /// [`ThreadEndHow`] code (`Returned`; `Raised` for an exception, `CancelledError`
        /// too); `obj`: its object.
        TaskEnd = 29 => "task end",
        /// asyncio: the loop (the thread, task 0) runs one step of the task whose object is
        /// `obj`; `arg`: the loop's iteration.
        TaskStep = 30 => "step",
        /// asyncio: one iteration of the loop begins (recorded by the thread, task 0):
        /// `obj`: the loop's object; `arg`: the ready queue's length, `<< 32` the timers'.
        LoopIter = 31 => "loop iteration",
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

    /// Whether this kind's `arg` is a string of the trace's arena ([`Trace::intern`]).
    /// Whether an event of this kind with this 16-bit field holds a string in `arg`.
    pub fn has_str(self, code: u16) -> bool {
        use Kind::*;
        matches!(self, RunEnd | ThreadStart | ThreadPanic | Print | ObjNew | Fail | Process | TaskNew)
            || (self == Measure && code == MEASURE_NAME)
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
        /// A proxy's method call: one round trip to its manager (in the caller's lane;
        /// the `Ok`'s `arg`: the real nanoseconds it took).
        Call = 40 => "call",
        /// A manager answering one request (in the manager's serving thread).
        Serve = 41 => "serve",
        /// asyncio: a task waits at an `await` (`Block`), and goes on after it (`Ok`);
        /// both on the task's own object, which the one that wakes it signals (`Signal`).
        Await = 50 => "await",
        /// asyncio: the loop waits for its next timer or a wake from another thread.
        Select = 51 => "select",
        /// asyncio: `Future.set_result`.
        SetResult = 52 => "set_result",
        /// asyncio: `Future.set_exception`.
        SetException = 53 => "set_exception",
        /// asyncio: a task is woken (the `Signal` on the woken task's object).
        Wake = 54 => "wake",
        /// A `Pool` worker runs one call of a task (`Signal` as it starts, `Ok` as it ends;
        /// `obj`: the pool; `arg`: the job << 32 | the item's index in its job).
        Task = 30 => "task",
        /// A `Pool` job's `callback` or `error_callback` runs (`Signal`, in the parent's
        /// result-handler thread; `obj`: the job's `AsyncResult`; `arg`: 1 for an error's).
        Callback = 31 => "callback",
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
        /// A manager: its listener, which requests and connections go through.
        Manager = 25 => "manager",
        /// An object a manager holds, as its proxies reach it (named by its typeid).
        Proxy = 26 => "proxy",
        /// `asyncio.Task` (its lane is the actor `Actor::task`).
        Task = 30 => "Task",
        /// `asyncio.Future`.
        AsyncFuture = 31 => "asyncio.Future",
        /// An asyncio event loop.
        EventLoop = 32 => "EventLoop",
        /// A `multiprocessing.Pool` (a shared object: its workers record their tasks on it).
        Pool = 20 => "Pool",
        /// `multiprocessing.SimpleQueue`: a pipe and its locks, no feeder thread.
        SimpleQueue = 21 => "SimpleQueue",
        /// A `Pool` job's `AsyncResult` (`ApplyResult`, `MapResult`, `IMapIterator`).
        AsyncResult = 22 => "AsyncResult",
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

    /// The object acted on, as the run names it over every process's trace.
    pub fn obj_key(&self) -> ObjKey {
        ObjKey::new(self.actor.pid, self.obj)
    }

    /// A cross-process message's number and bytes ([`msg_arg`]): the `Signal`/`Ok` of a
    /// send or put, the `Ok` of a recv or get, on a shared object, when it is numbered.
    pub fn msg(&self) -> Option<(u32, u32)> {
        let carries = match self.kind {
            Kind::Signal => matches!(self.op, Op::Send | Op::Put),
            Kind::Ok => matches!(self.op, Op::Send | Op::Put | Op::Recv | Op::Get),
            _ => false,
        };
        let (no, bytes) = msg_of(self.arg);
        (carries && self.obj >= SHARED_OBJ_BASE && no != 0).then_some((no, bytes))
    }

    /// A `TaskEnd`'s way of ending (as a thread's).
    pub fn thread_end_code(&self) -> Option<ThreadEndHow> {
        (self.kind == Kind::TaskEnd).then(|| ThreadEndHow::from_u16(self.code)).flatten()
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

#[repr(C)]
struct Slot {
    /// 0 while the slot is being written; 1 once it is published.
    ready: AtomicU32,
    raw: UnsafeCell<Raw>,
}

/// What a reader of a trace's region needs, at fixed offsets at its start: another process
/// (natively) or the page copying from another instance's memory (in the browser) reads it
/// with nothing else to go by. The fields that every event's writer reads come first, the
/// counters they move after them.
#[repr(C, align(8))]
struct Header {
    /// [`MAGIC`] once the region is laid out (stored last, with release).
    magic: AtomicU64,
    /// Slots in the region.
    capacity: AtomicU64,
    /// Bytes of the string arena after the slots.
    bytes_len: AtomicU64,
    start_ns: AtomicU64,
    /// The process whose events these are: every process records into a trace of its own,
    /// in its own memory.
    pid: AtomicU64,
    /// A controlled run's virtual time, which its events are stamped with; [`REAL_TIME`]
    /// while they read the real clock.
    virtual_ns: AtomicU64,
    /// Slots handed out, counting the attempts past the capacity (readers cap it there).
    reserved: AtomicU64,
    dropped: AtomicU64,
    /// Arena bytes handed out.
    bytes_used: AtomicU64,
}

/// "parlabT" and the layout's version (1): a region holding anything else is no trace.
const MAGIC: u64 = u64::from_le_bytes(*b"parlabT\x01");
/// The header's room: two cache lines, with space to grow.
const HEADER_LEN: usize = 128;
const SLOT_LEN: usize = core::mem::size_of::<Slot>();
const _: () = assert!(core::mem::size_of::<Header>() <= HEADER_LEN);
const _: () = assert!(SLOT_LEN % 8 == 0 && core::mem::align_of::<Slot>() == 8);

/// Who keeps a trace's region alive: the trace itself, or whoever mapped it.
enum Keep {
    Owned(std::alloc::Layout),
    /// Never read: it is held to be dropped with the trace, which unmaps the region.
    Mapped(#[allow(dead_code)] Box<dyn core::any::Any + Send + Sync>),
}

/// A bounded, lock-free, append-only event log with its string arena, laid out in one
/// region: [header | slots | string bytes]. A trace owns its region ([`Trace::new`]) or
/// lives in memory several processes map ([`Trace::create_in`], [`Trace::attach`]).
pub struct Trace {
    header: NonNull<Header>,
    slots: NonNull<Slot>,
    /// The header's capacity, copied: read on every event.
    capacity: usize,
    bytes: NonNull<UnsafeCell<u8>>,
    bytes_len: usize,
    /// The whole region's length.
    len: usize,
    keep: Keep,
}

/// [`Header::virtual_ns`] while events are stamped by the real clock.
const REAL_TIME: u64 = u64::MAX;

// SAFETY: the region stays valid while the trace lives (owned, or kept by `keep`, which is
// Send + Sync). Each slot and each arena byte range is written by exactly one thread (the
// one whose atomic add reserved it) before being published with a release store; readers
// only read published slots, after an acquire load, and never write; the header is atomics.
unsafe impl Sync for Trace {}
// SAFETY: as above; nothing in a trace is tied to the thread that made it.
unsafe impl Send for Trace {}

/// Events a browser run keeps; past this they are counted as dropped. 40 bytes each (32 of
/// event, its flag and padding), plus 8 bytes of strings per event.
pub const DEFAULT_CAPACITY: usize = 1 << 20;
const STRING_BYTES_PER_EVENT: usize = 8;

/// Object ids at or above this come from the run's shared arena: objects that several
/// processes use (pipes, queues, `Value`, `Array`, `multiprocessing` locks), the same id in
/// every process's trace. Ids below it belong to one process: (pid, id) names them.
pub const SHARED_OBJ_BASE: u32 = 1 << 24;

/// The `arg` of a message crossing processes (the sender's `Signal`/`Ok` of `Op::Send` /
/// `Op::Put`, the receiver's `Ok` of `Op::Recv` / `Op::Get`, on a shared object): its
/// run-wide number (from 1; 0: not numbered) and its serialized size.
pub fn msg_arg(no: u32, bytes: u32) -> u64 {
    (no as u64) << 32 | bytes as u64
}

/// The message number and bytes of an `arg` made by [`msg_arg`].
pub fn msg_of(arg: u64) -> (u32, u32) {
    ((arg >> 32) as u32, arg as u32)
}

/// An object's identity over a run's traces: a shared object ([`SHARED_OBJ_BASE`] and up)
/// is itself in every process (`pid` 0), any other is its process's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct ObjKey {
    /// The process the object belongs to; 0 for a shared object.
    pub pid: u32,
    pub obj: u32,
}

impl ObjKey {
    /// Object `obj` as process `pid`'s events name it.
    pub const fn new(pid: u32, obj: u32) -> ObjKey {
        ObjKey { pid: if obj >= SHARED_OBJ_BASE { 0 } else { pid }, obj }
    }

    pub const fn is_shared(self) -> bool {
        self.obj >= SHARED_OBJ_BASE
    }
}

/// A bare id is `MainProcess`'s object (or a shared one): what a single-process lesson's
/// code holds.
impl From<u32> for ObjKey {
    fn from(obj: u32) -> ObjKey {
        ObjKey::new(Actor::MAIN_PID, obj)
    }
}

/// The bytes of a trace's region that hold `capacity` events and their strings.
pub fn region_len(capacity: usize) -> usize {
    HEADER_LEN + capacity * SLOT_LEN + bytes_len(capacity)
}

fn bytes_len(capacity: usize) -> usize {
    (capacity * STRING_BYTES_PER_EVENT + 4096).next_multiple_of(8)
}

impl Trace {
    /// A trace holding at most `capacity` events, timed from `start_ns` on the shared clock.
    pub fn new(capacity: usize, start_ns: u64) -> Trace {
        let t = Trace::owned(capacity);
        // The trace's clock (in the browser, `init_pool` starts it).
        #[cfg(all(not(target_arch = "wasm32"), not(loom)))]
        crate::clock::ticker::start();
        // Zeroed memory that was never used arrives as untouched pages, natively and in
        // wasm alike (a grown wasm memory is mapped lazily too), which the OS fills in on
        // first write: inside the run, as page faults (a traced lock pair took 142 ns
        // instead of 76 natively, and varied 16-32 ns in the browser). Touch one word per
        // page now; on pages already in use this costs a few thousand stores.
        for i in (0..t.capacity).step_by(4096 / SLOT_LEN) {
            t.slot(i).ready.store(0, Ordering::Relaxed);
        }
        for k in (0..t.bytes_len).step_by(4096) {
            // SAFETY: nobody else can see the region yet.
            unsafe { *t.byte(k).get() = 0 };
        }
        t.set_start_ns(start_ns);
        t
    }

    /// An owned, zeroed region with an empty trace laid out in it (pages left untouched).
    fn owned(capacity: usize) -> Trace {
        let len = region_len(capacity);
        // 8-aligned, no more: the allocator hands out fresh zero pages (calloc) only for
        // alignments it gives anyway; a larger one has it write zeros over the whole
        // region, tens of megabytes touched on every Run.
        let layout = std::alloc::Layout::from_size_align(len, 8).expect("a trace's region fits in memory");
        // Zeroed: all-zero bytes are a valid empty slot, a valid byte and a valid header
        // to lay out over, and zeroed memory is free natively (fresh pages) and cheap in
        // wasm, where filling a million slots one by one took a visible moment on every Run.
        // SAFETY: the layout's size is not zero (the header alone is 128 bytes).
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        // SAFETY: `ptr` is a fresh, zeroed, 8-aligned allocation of `len` bytes, which
        // `Keep::Owned` frees when the trace drops, and nobody else has it.
        unsafe { Trace::create_in_keep(ptr, len, capacity, Keep::Owned(layout)) }
    }

    /// Lays a fresh trace of `capacity` events out in `len` bytes at `ptr` (natively, a
    /// child's trace in the run's shared segment, which the root then reads with
    /// [`Trace::attach`]). `keep` is dropped with the trace: it keeps the mapping alive.
    ///
    /// # Safety
    /// `ptr` is 8-aligned, valid for reads and writes of `len` bytes while `keep` lives,
    /// the bytes are zero, `len >= region_len(capacity)`, and nothing but traces made by
    /// this call and by [`Trace::attach`] on the same bytes ever touches them.
    pub unsafe fn create_in(
        ptr: *mut u8,
        len: usize,
        capacity: usize,
        keep: Box<dyn core::any::Any + Send + Sync>,
    ) -> Trace {
        // SAFETY: the caller's contract is this function's.
        unsafe { Trace::create_in_keep(ptr, len, capacity, Keep::Mapped(keep)) }
    }

    /// # Safety
    /// As [`Trace::create_in`], `keep` keeping the region alive.
    unsafe fn create_in_keep(ptr: *mut u8, len: usize, capacity: usize, keep: Keep) -> Trace {
        assert!(len >= region_len(capacity) && ptr as usize % 8 == 0, "a trace's region is too small or misaligned");
        let bytes_len = bytes_len(capacity);
        // SAFETY: by the caller's contract the region is valid, aligned and ours; zeroed
        // bytes are a valid `Header` of atomics.
        let t = unsafe { Trace::at(ptr, len, capacity, bytes_len, keep) };
        let h = t.header();
        h.capacity.store(capacity as u64, Ordering::Relaxed);
        h.bytes_len.store(bytes_len as u64, Ordering::Relaxed);
        h.pid.store(Actor::MAIN_PID as u64, Ordering::Relaxed);
        h.virtual_ns.store(REAL_TIME, Ordering::Relaxed);
        // Last: whoever sees the magic (acquire) sees the lengths above.
        h.magic.store(MAGIC, Ordering::Release);
        t
    }

    /// The trace another process lays out and writes in the `len` bytes at `ptr`, if they
    /// hold one (its magic, and lengths that fit in `len`). `keep` keeps the mapping alive.
    ///
    /// # Safety
    /// `ptr` is 8-aligned and valid for reads and writes of `len` bytes while `keep`
    /// lives, and nothing but traces made by [`Trace::create_in`] and by this function on
    /// the same bytes ever writes them.
    pub unsafe fn attach(ptr: *mut u8, len: usize, keep: Box<dyn core::any::Any + Send + Sync>) -> Option<Trace> {
        if len < HEADER_LEN || ptr as usize % 8 != 0 {
            return None;
        }
        // SAFETY: the header's bytes are valid and only ever written as these atomics.
        let h = unsafe { &*(ptr as *const Header) };
        if h.magic.load(Ordering::Acquire) != MAGIC {
            return None;
        }
        let capacity = usize::try_from(h.capacity.load(Ordering::Relaxed)).ok()?;
        let bytes_len = usize::try_from(h.bytes_len.load(Ordering::Relaxed)).ok()?;
        let need = capacity.checked_mul(SLOT_LEN)?.checked_add(HEADER_LEN)?.checked_add(bytes_len)?;
        if need > len {
            return None;
        }
        // SAFETY: the lengths fit in the region the caller vouches for.
        Some(unsafe { Trace::at(ptr, len, capacity, bytes_len, Keep::Mapped(keep)) })
    }

    /// # Safety
    /// `ptr` is 8-aligned and valid for `len >= HEADER_LEN + capacity * SLOT_LEN +
    /// bytes_len` bytes while `keep` keeps it.
    unsafe fn at(ptr: *mut u8, len: usize, capacity: usize, bytes_len: usize, keep: Keep) -> Trace {
        let base = NonNull::new(ptr).expect("a trace's region is not null");
        // SAFETY: both offsets are inside the region (see above).
        let (slots, bytes) = unsafe { (base.add(HEADER_LEN), base.add(HEADER_LEN + capacity * SLOT_LEN)) };
        Trace { header: base.cast(), slots: slots.cast(), capacity, bytes: bytes.cast(), bytes_len, len, keep }
    }

    fn header(&self) -> &Header {
        // SAFETY: the region outlives `self`, and its first bytes are the header.
        unsafe { self.header.as_ref() }
    }

    /// Slot `i < capacity`.
    #[inline]
    fn slot(&self, i: usize) -> &Slot {
        debug_assert!(i < self.capacity);
        // SAFETY: slots 0..capacity are inside the region, which outlives `self`.
        unsafe { self.slots.add(i).as_ref() }
    }

    /// Arena byte `k < bytes_len`.
    #[inline]
    fn byte(&self, k: usize) -> &UnsafeCell<u8> {
        debug_assert!(k < self.bytes_len);
        // SAFETY: bytes 0..bytes_len are inside the region, which outlives `self`.
        unsafe { self.bytes.add(k).as_ref() }
    }

    /// Where the region is in this memory, and its length: what a reader in another
    /// memory copies from ([`TraceMirror`]).
    pub fn region(&self) -> (usize, usize) {
        (self.header.as_ptr() as usize, self.len)
    }

    /// Moves the clock origin: a run's lesson time starts when its threads can start, not
    /// when its buffers were allocated or its workers were still booting. Events recorded
    /// before keep their (small) times.
    pub fn set_start_ns(&self, start_ns: u64) {
        self.header().start_ns.store(start_ns, Ordering::Relaxed);
    }

    /// Names the process whose events this trace holds (set before any event is read).
    pub fn set_pid(&self, pid: u32) {
        self.header().pid.store(pid as u64, Ordering::Relaxed);
    }

    pub fn pid(&self) -> u32 {
        self.header().pid.load(Ordering::Relaxed) as u32
    }

    pub fn start_ns(&self) -> u64 {
        self.header().start_ns.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
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
        let h = self.header();
        let t_ns = match h.virtual_ns.load(Ordering::Relaxed) {
            REAL_TIME => crate::clock::trace_now_ns().saturating_sub(h.start_ns.load(Ordering::Relaxed)),
            virtual_ns => virtual_ns,
        };
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, tid, task: 0, obj, kind: kind as u16, code }) };
    }

    /// [`Trace::emit_code`] as asyncio task `task` of thread `tid` (0: the thread itself).
    #[inline]
    pub fn emit_task(&self, tid: u32, task: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        let h = self.header();
        let t_ns = match h.virtual_ns.load(Ordering::Relaxed) {
            REAL_TIME => crate::clock::trace_now_ns().saturating_sub(h.start_ns.load(Ordering::Relaxed)),
            virtual_ns => virtual_ns,
        };
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, tid, task, obj, kind: kind as u16, code }) };
    }

    /// [`Trace::emit_code`] stamped by the real clock rather than the ticker's reading, for
    /// the few events whose order against other processes' must hold even when this
    /// process's ticker lags on a loaded machine (prints: the console, and the CPython
    /// tier, read them across processes). It raises the ticker's reading to now, so that
    /// this thread's later events are not stamped before it.
    #[cfg(not(loom))]
    pub fn emit_code_exact(&self, tid: u32, task: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let h = self.header();
        if h.virtual_ns.load(Ordering::Relaxed) != REAL_TIME {
            return self.emit_task(tid, task, kind, code, obj, arg);
        }
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        let now = crate::clock::now_ns();
        crate::clock::ticker::raise_to(now);
        let t_ns = now.saturating_sub(h.start_ns.load(Ordering::Relaxed));
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, tid, task, obj, kind: kind as u16, code }) };
    }

    /// From now on events are stamped `ns` after the run's start, whatever the clock says:
    /// a controlled run's virtual time, which only its scheduler moves.
    pub fn set_virtual_ns(&self, ns: u64) {
        self.header().virtual_ns.store(ns.min(REAL_TIME - 1), Ordering::Relaxed);
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

    /// A slot for this caller alone, or `None` once the trace is full. The counter is 64
    /// bits on every target, so it may run past the capacity: it would take centuries of
    /// events to wrap and hand out published slots again (a 32-bit one wrapped after some
    /// 30 s of a full trace in a tight loop), and readers cap it at the capacity.
    #[inline]
    fn reserve(&self) -> Option<&Slot> {
        let i = self.header().reserved.fetch_add(1, Ordering::Relaxed);
        (i < self.capacity as u64).then(|| self.slot(i as usize))
    }

    #[cold]
    fn drop_one(&self) {
        self.header().dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores a string; returns a reference to put in an event's `arg`.
    pub fn intern(&self, s: &str) -> StrRef {
        let s = if s.len() > 0xFF_FFFF { &s[..s.floor_char_boundary(0xFF_FFFF)] } else { s };
        // As with slots, the 64-bit counter may run past the arena's end but never wraps.
        let start = self.header().bytes_used.fetch_add(s.len() as u64, Ordering::Relaxed);
        if start.saturating_add(s.len() as u64) > self.bytes_len as u64 {
            self.drop_one();
            return StrRef(0);
        }
        let start = start as usize;
        for (k, b) in s.bytes().enumerate() {
            // SAFETY: bytes start..start+len were reserved for this call alone by the
            // fetch_add above; they are published by the release store of the event that
            // refers to them.
            unsafe { *self.byte(start + k).get() = b };
        }
        StrRef(((start as u64) << 24) | s.len() as u64)
    }

    /// The text of a string stored by [`Trace::intern`]. Only valid for a reference read
    /// from a published event.
    pub fn text(&self, r: StrRef) -> String {
        let (start, len) = r.range();
        if start + len > self.bytes_len {
            return String::new();
        }
        // SAFETY: the range was fully written before the event that holds `r` was
        // published (release), and the caller read that event with an acquire load.
        let bytes: Vec<u8> = (start..start + len).map(|k| unsafe { *self.byte(k).get() }).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Appends every event published since `cursor` to `out`, in reservation order, and
    /// returns the new cursor. Stops at the first slot still being written, so a reader
    /// never skips an event.
    pub fn read(&self, cursor: usize, out: &mut Vec<Event>) -> usize {
        let end = self.len();
        let pid = self.pid();
        let mut i = cursor;
        while i < end {
            let slot = self.slot(i);
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
        (self.header().reserved.load(Ordering::Acquire) as usize).min(self.capacity)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events that did not fit (plus strings that did not fit in the arena).
    pub fn dropped(&self) -> u64 {
        self.header().dropped.load(Ordering::Relaxed)
    }

    /// Every published event.
    pub fn snapshot(&self) -> Vec<Event> {
        let mut v = Vec::new();
        self.read(0, &mut v);
        v
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        if let Keep::Owned(layout) = self.keep {
            // SAFETY: `Trace::owned` allocated the region with this layout, and this
            // trace is its only owner.
            unsafe { std::alloc::dealloc(self.header.as_ptr().cast(), layout) };
        }
    }
}

impl StrRef {
    /// Where the string is in the arena: start and length.
    fn range(self) -> (usize, usize) {
        ((self.0 >> 24) as usize, (self.0 & 0xFF_FFFF) as usize)
    }
}

/// A copy of a trace that lives in a memory this one cannot address (in the browser: a
/// child process's wasm instance, whose memory the page can only copy from), kept up to
/// date by [`TraceMirror::sync`] and read like any trace through [`TraceMirror::trace`].
/// One mirror per trace: a new trace laid out where the old one was (a new run in the same
/// instance) needs a new mirror.
pub struct TraceMirror {
    local: Trace,
    /// Slots copied so far: every one of them published, in the source as here.
    copied: usize,
    scratch: Vec<u8>,
    again: Vec<u8>,
}

/// Events one [`TraceMirror::sync`] copies at most (2.5 MB of slots, copied twice).
pub const MIRROR_SLOTS_PER_SYNC: usize = 1 << 16;

impl Default for TraceMirror {
    fn default() -> Self {
        TraceMirror::new()
    }
}

impl TraceMirror {
    /// A mirror of nothing yet: its trace is empty until a sync finds a trace.
    pub fn new() -> TraceMirror {
        TraceMirror { local: Trace::owned(0), copied: 0, scratch: Vec::new(), again: Vec::new() }
    }

    /// The copy, as far as the last sync got.
    pub fn trace(&self) -> &Trace {
        &self.local
    }

    /// Copies what the source added since the last sync: its header, then the slots
    /// published since, then the strings they refer to. `copy(offset, buf)` fills `buf`
    /// with the source region's current bytes from `offset` on (it may race the source's
    /// writers: a slot caught mid-write is copied again next time). At most
    /// [`MIRROR_SLOTS_PER_SYNC`] events per call, so that a frame's copy stays small: a
    /// mirror behind catches up over several. Returns whether the copy gained anything
    /// (the first sync of a trace, new events, a new drop count); `false` too while the
    /// source holds no trace yet.
    pub fn sync(&mut self, copy: &mut dyn FnMut(usize, &mut [u8])) -> bool {
        let field = |buf: &[u8], off: usize| u64::from_ne_bytes(buf[off..off + 8].try_into().expect("8 bytes"));
        let mut head = [0u8; HEADER_LEN];
        copy(0, &mut head);
        if field(&head, core::mem::offset_of!(Header, magic)) != MAGIC {
            return false;
        }
        let capacity = field(&head, core::mem::offset_of!(Header, capacity)) as usize;
        let bytes_len = field(&head, core::mem::offset_of!(Header, bytes_len)) as usize;
        let mut gained = false;
        if capacity != self.local.capacity || bytes_len != self.local.bytes_len {
            // A first sync, or another trace at the source: start over (pages untouched:
            // a mirror fills only what its source wrote).
            if capacity.checked_mul(SLOT_LEN).is_none_or(|s| s > isize::MAX as usize / 2)
                || bytes_len != self::bytes_len(capacity)
            {
                return false;
            }
            self.local = Trace::owned(capacity);
            self.copied = 0;
            gained = true;
        }
        let h = self.local.header();
        h.start_ns.store(field(&head, core::mem::offset_of!(Header, start_ns)), Ordering::Relaxed);
        h.pid.store(field(&head, core::mem::offset_of!(Header, pid)), Ordering::Relaxed);
        h.virtual_ns.store(field(&head, core::mem::offset_of!(Header, virtual_ns)), Ordering::Relaxed);
        let dropped = field(&head, core::mem::offset_of!(Header, dropped));
        gained |= h.dropped.swap(dropped, Ordering::Relaxed) != dropped;
        let reserved = (field(&head, core::mem::offset_of!(Header, reserved)) as usize).min(capacity);
        if reserved <= self.copied {
            return gained;
        }

        // The slots in two copies: the first says which are published, and after an
        // acquire fence the second holds what their writers wrote before publishing them
        // (a single copy could read a slot's body before its flag, in any byte order).
        let (from, n) = (self.copied, (reserved - self.copied).min(MIRROR_SLOTS_PER_SYNC));
        let at = HEADER_LEN + from * SLOT_LEN;
        self.scratch.resize(n * SLOT_LEN, 0);
        copy(at, &mut self.scratch);
        let ready_at = core::mem::offset_of!(Slot, ready);
        let published = (0..n)
            .take_while(|k| {
                let off = k * SLOT_LEN + ready_at;
                u32::from_ne_bytes(self.scratch[off..off + 4].try_into().expect("4 bytes")) != 0
            })
            .count();
        if published == 0 {
            return gained;
        }
        fence(Ordering::Acquire);
        self.again.resize(published * SLOT_LEN, 0);
        copy(at, &mut self.again);
        let raw_at = core::mem::offset_of!(Slot, raw);
        let raws: Vec<Raw> = (0..published)
            .map(|k| {
                let off = k * SLOT_LEN + raw_at;
                // SAFETY: the range is inside `again`, and any bytes are a valid `Raw`
                // (integers only); `read_unaligned` needs no alignment.
                unsafe { self.again.as_ptr().add(off).cast::<Raw>().read_unaligned() }
            })
            .collect();

        // Their strings, written before the slots were published: one copy of the span
        // they lie in. Bytes in it that no copied slot refers to may still be in the
        // making; whichever slot refers to them will copy them again.
        let spans = raws
            .iter()
            .filter(|r| Kind::from_u16(r.kind).is_some_and(|k| k.has_str(r.code)))
            .map(|r| StrRef(r.arg).range());
        let (lo, hi) = spans.fold((usize::MAX, 0), |(lo, hi), (s, l)| (lo.min(s), hi.max(s + l)));
        if lo < hi && hi <= bytes_len {
            self.scratch.resize(hi - lo, 0);
            copy(HEADER_LEN + capacity * SLOT_LEN + lo, &mut self.scratch);
            for (k, b) in self.scratch.iter().enumerate() {
                // SAFETY: the mirror's trace is only read through `&self` and only
                // written here, under `&mut self`.
                unsafe { *self.local.byte(lo + k).get() = *b };
            }
        }
        let used = field(&head, core::mem::offset_of!(Header, bytes_used));
        self.local.header().bytes_used.store(used.min(bytes_len as u64), Ordering::Relaxed);
        for (k, raw) in raws.into_iter().enumerate() {
            // SAFETY: slot `from + k` of the mirror is written only here, once: `copied`
            // moves past it below.
            unsafe { Trace::publish(self.local.slot(from + k), raw) };
        }
        self.copied = from + published;
        self.local.header().reserved.store(self.copied as u64, Ordering::Release);
        true
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

    /// A zeroed, 8-aligned region of `len` bytes, as a shared segment arrives.
    fn zeroed_region(len: usize) -> Box<[u64]> {
        vec![0u64; len.div_ceil(8)].into_boxed_slice()
    }

    #[test]
    fn a_trace_laid_out_in_a_region_is_read_by_another_attached_to_it() {
        let len = region_len(64);
        let mut mem = zeroed_region(len);
        let ptr = mem.as_mut_ptr().cast::<u8>();
        // SAFETY: `mem` is zeroed, 8-aligned, `len` bytes long, and outlives both traces
        // (dropped at the end of the test, after them).
        let writer = unsafe { Trace::create_in(ptr, len, 64, Box::new(())) };
        writer.set_pid(2);
        writer.emit_at(5, 1, Kind::Print, 0, 0, writer.intern("hi from 2").0);
        // SAFETY: as above.
        let reader = unsafe { Trace::attach(ptr, len, Box::new(())) }.expect("a laid-out trace attaches");
        writer.emit_at(6, 1, Kind::ThreadEnd, 0, 0, 0);
        let ev = reader.snapshot();
        assert_eq!(ev.len(), 2, "the reader sees events written after it attached too");
        assert_eq!((ev[0].actor.pid, reader.text(ev[0].str_arg())), (2, "hi from 2".to_owned()));
        assert_eq!(reader.region(), (ptr as usize, len));
        assert_eq!(reader.capacity(), 64);
        // SAFETY: as above; these calls only read the region.
        unsafe {
            assert!(Trace::attach(ptr, len - 8, Box::new(())).is_none(), "lengths past the region");
            let blank = zeroed_region(len);
            assert!(Trace::attach(blank.as_ptr() as *mut u8, len, Box::new(())).is_none(), "no magic");
        }
        drop((writer, reader));
    }

    #[test]
    fn a_slot_whose_body_was_copied_before_it_was_published_is_copied_again() {
        let len = region_len(8);
        let mut mem = zeroed_region(len);
        let ptr = mem.as_mut_ptr().cast::<u8>();
        // SAFETY: `mem` is zeroed, 8-aligned, `len` bytes long, and outlives the trace.
        let writer = unsafe { Trace::create_in(ptr, len, 8, Box::new(())) };
        writer.emit_at(1, 1, Kind::Print, 0, 0, writer.intern("first").0);
        let second = writer.reserve().expect("a free slot");
        let text = writer.intern("second");
        // The copy reads backwards and the writer publishes slot 1 just as the copy reaches
        // its flag: its body was read before it was written, its flag after.
        let flag = HEADER_LEN + SLOT_LEN;
        let mut pending = Some(second);
        let mut copy = |off: usize, buf: &mut [u8]| {
            for k in (0..buf.len()).rev() {
                if off + k == flag + 3 {
                    if let Some(slot) = pending.take() {
                        let raw =
                            Raw { t_ns: 2, arg: text.0, tid: 1, task: 0, obj: 0, kind: Kind::Print as u16, code: 0 };
                        // SAFETY: `reserve` gave this slot to this test alone.
                        unsafe { Trace::publish(slot, raw) };
                    }
                }
                // SAFETY: inside `mem`; nothing writes it concurrently (one thread).
                buf[k] = unsafe { *ptr.add(off + k) };
            }
        };
        let mut mirror = TraceMirror::new();
        assert!(mirror.sync(&mut copy));
        let texts: Vec<String> = mirror.trace().snapshot().iter().map(|e| mirror.trace().text(e.str_arg())).collect();
        assert_eq!(texts, vec!["first", "second"], "the slot's body is the one published with its flag");
        drop(writer);
    }

    #[test]
    fn a_mirror_far_behind_catches_up_over_several_syncs() {
        let n = MIRROR_SLOTS_PER_SYNC * 2 + 5;
        let live = Trace::new(n, 0);
        for i in 0..n as u64 {
            live.emit(1, Kind::Signal, Op::Put, 1, i);
        }
        let (base, len) = live.region();
        let mut copy = |off: usize, buf: &mut [u8]| {
            assert!(off + buf.len() <= len);
            // SAFETY: inside the live trace's region; nothing writes it any more.
            buf.copy_from_slice(unsafe { core::slice::from_raw_parts((base + off) as *const u8, buf.len()) });
        };
        let mut mirror = TraceMirror::new();
        let mut sizes = Vec::new();
        while mirror.sync(&mut copy) {
            sizes.push(mirror.trace().len());
        }
        assert_eq!(sizes, vec![MIRROR_SLOTS_PER_SYNC, 2 * MIRROR_SLOTS_PER_SYNC, n]);
        assert_eq!(mirror.trace().snapshot(), live.snapshot());
    }

    /// Copies from a live region as the page copies from another instance's memory, while
    /// its writers go on: byte by byte (relaxed atomic loads, so the race is the one the
    /// mirror is built for, not undefined behaviour of the test), and in a random order, as
    /// a memcpy may read, which leaves a slot copied once with its body read long before or
    /// after its flag.
    fn copier(base: usize) -> impl FnMut(usize, &mut [u8]) {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut order: Vec<usize> = Vec::new();
        move |off, buf| {
            order.clear();
            order.extend(0..buf.len());
            for k in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(k, (seed % (k as u64 + 1)) as usize);
            }
            for &k in &order {
                // SAFETY: the callers stay inside the live trace's region, which outlives
                // the mirror's syncs; a byte is always a valid `AtomicU8`.
                buf[k] =
                    unsafe { (*((base + off + k) as *const core::sync::atomic::AtomicU8)).load(Ordering::Relaxed) };
            }
        }
    }

    #[test]
    fn a_mirror_of_a_live_trace_never_reads_a_torn_event_or_string() {
        use std::sync::atomic::AtomicBool;
        const WRITERS: u32 = 4;
        const CAPACITY: usize = 1 << 20;
        // Syncs that gained events while the writers were writing, before they are stopped.
        const LIVE_SYNCS: u32 = 20;
        let live = std::sync::Arc::new(Trace::new(CAPACITY, 0));
        live.set_pid(3);
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        // Events the mirror has handed out: the writers keep within a window of it, so
        // that they cannot fill the trace between two syncs.
        let mirrored = std::sync::Arc::new(core::sync::atomic::AtomicUsize::new(0));
        let (base, _) = live.region();
        let mut mirror = TraceMirror::new();
        assert!(!mirror.sync(&mut |_, buf: &mut [u8]| buf.fill(0)), "zeroed memory holds no trace yet");
        assert!(mirror.trace().is_empty());
        let mut copy = copier(base);
        assert!(mirror.sync(&mut copy), "the first sync finds the trace");
        // Each writer writes until it is told to stop (or the trace is full), never more
        // than a window ahead of the mirror, so that the mirror's syncs land among writes.
        let writers: Vec<_> = (1..=WRITERS)
            .map(|tid| {
                let (live, stop, mirrored) = (live.clone(), stop.clone(), mirrored.clone());
                std::thread::spawn(move || {
                    let mut i = 0u32;
                    while !stop.load(Ordering::Relaxed) && live.len() < CAPACITY - 64 {
                        if i % 3 == 0 {
                            let s = live.intern(&format!("t{tid}-{i}"));
                            live.emit_code(tid, Kind::Print, 0, i, s.0);
                        } else {
                            live.emit(tid, Kind::Signal, Op::Put, i, u64::from(i) * 7 + u64::from(tid));
                        }
                        i += 1;
                        while live.len() > mirrored.load(Ordering::Relaxed) + 4096 && !stop.load(Ordering::Relaxed) {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        // Read the mirror as the page does, with a cursor, while the writers write: every
        // event it hands out is whole, its string too.
        let (mut cursor, mut seen, mut live_syncs) = (0, Vec::new(), 0);
        let check = |mirror: &TraceMirror, e: &Event| match e.kind {
            Kind::Print => assert_eq!(mirror.trace().text(e.str_arg()), format!("t{}-{}", e.actor.tid, e.obj)),
            Kind::Signal => assert_eq!(e.arg, u64::from(e.obj) * 7 + u64::from(e.actor.tid), "{e:?}"),
            _ => panic!("an event nobody wrote: {e:?}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut writers = Some(writers);
        loop {
            assert!(std::time::Instant::now() < deadline, "the mirror got {} of {} events", seen.len(), live.len());
            let running = writers.as_ref().is_some_and(|w| w.iter().any(|w| !w.is_finished()));
            if mirror.sync(&mut copy) && running {
                live_syncs += 1;
            }
            let mut fresh = Vec::new();
            cursor = mirror.trace().read(cursor, &mut fresh);
            for e in &fresh {
                check(&mirror, e);
            }
            seen.extend(fresh);
            mirrored.store(seen.len(), Ordering::Relaxed);
            if live_syncs >= LIVE_SYNCS || !running {
                if let Some(ws) = writers.take() {
                    stop.store(true, Ordering::Relaxed);
                    ws.into_iter().for_each(|w| w.join().unwrap());
                }
            }
            if writers.is_none() && seen.len() == live.len() {
                break;
            }
        }
        assert!(!mirror.sync(&mut copy), "nothing new after the last event");
        assert_eq!(seen, live.snapshot(), "the mirror holds the source's events, in its order");
        assert!(seen.iter().all(|e| e.actor.pid == 3), "and its pid");
        assert!(live_syncs >= LIVE_SYNCS, "only {live_syncs} syncs gained events while the writers wrote");
    }
}
