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

/// What happened. Together with [`Op`] it names an event: `Block` + `Acquire` is "blocked
/// acquiring", `Ok` + `Get` is "got an item".
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Kind {
    /// `arg`: the speed factor (f64 bits).
    RunStart = 1,
    /// `op`-field: an [`EndState`] code; `arg`: a string with the reason.
    RunEnd,
    /// `obj`: the parent thread; `arg`: the name; `op`-field: 1 when daemon.
    ThreadStart,
    /// `op`-field: a [`ThreadEndHow`] code.
    ThreadEnd,
    /// `arg`: the panic message. The thread died; the run fails.
    ThreadPanic,
    /// `arg`: the line; `op`-field: 0 stdout, 1 stderr.
    Print,
    /// `obj`: the new object; `op`-field: its [`ObjKind`]; `arg`: its name.
    ObjNew,
    /// An operation that may block was called.
    Attempt,
    /// The thread went to sleep on `obj` (or, with `Op::Sleep`, in `time.sleep`).
    Block,
    /// The operation succeeded; `arg`: the object's value after it (count, size, index).
    Ok,
    /// The operation gave up after its timeout.
    Timeout,
    /// The operation raised; `arg`: the message.
    Fail,
    /// A non-blocking operation that may wake others (release, set, notify, put);
    /// `arg`: the object's value after it.
    Signal,
    /// Deadlock report: `actor` waits on `obj`, held by thread `arg` (0: nobody holds it).
    WaitEdge,
}

impl Kind {
    fn from_u16(v: u16) -> Option<Kind> {
        use Kind::*;
        const ALL: [Kind; 14] = [
            RunStart,
            RunEnd,
            ThreadStart,
            ThreadEnd,
            ThreadPanic,
            Print,
            ObjNew,
            Attempt,
            Block,
            Ok,
            Timeout,
            Fail,
            Signal,
            WaitEdge,
        ];
        ALL.get((v as usize).wrapping_sub(1)).copied()
    }
}

/// The operation an event belongs to.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    None = 0,
    Acquire,
    Release,
    Wait,
    Notify,
    NotifyAll,
    Set,
    Clear,
    Put,
    Get,
    TaskDone,
    Join,
    Sleep,
    Abort,
    Reset,
    Cancel,
    Start,
    Fire,
    Submit,
    Result,
    Read,
    Write,
}

impl Op {
    pub fn from_u16(v: u16) -> Op {
        use Op::*;
        const ALL: [Op; 22] = [
            None, Acquire, Release, Wait, Notify, NotifyAll, Set, Clear, Put, Get, TaskDone, Join, Sleep, Abort, Reset,
            Cancel, Start, Fire, Submit, Result, Read, Write,
        ];
        ALL.get(v as usize).copied().unwrap_or(None)
    }
    /// Python's name of the operation.
    pub fn name(self) -> &'static str {
        use Op::*;
        match self {
            None => "",
            Acquire => "acquire",
            Release => "release",
            Wait => "wait",
            Notify => "notify",
            NotifyAll => "notify_all",
            Set => "set",
            Clear => "clear",
            Put => "put",
            Get => "get",
            TaskDone => "task_done",
            Join => "join",
            Sleep => "sleep",
            Abort => "abort",
            Reset => "reset",
            Cancel => "cancel",
            Start => "start",
            Fire => "fire",
            Submit => "submit",
            Result => "result",
            Read => "read",
            Write => "write",
        }
    }
}

/// The kind of a traced object, as Python names its class.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ObjKind {
    Lock = 0,
    RLock,
    Condition,
    Semaphore,
    BoundedSemaphore,
    Event,
    Barrier,
    Timer,
    Local,
    Queue,
    Thread,
    Future,
    Executor,
    Value,
}

impl ObjKind {
    pub fn from_u16(v: u16) -> ObjKind {
        use ObjKind::*;
        const ALL: [ObjKind; 14] = [
            Lock,
            RLock,
            Condition,
            Semaphore,
            BoundedSemaphore,
            Event,
            Barrier,
            Timer,
            Local,
            Queue,
            Thread,
            Future,
            Executor,
            Value,
        ];
        ALL.get(v as usize).copied().unwrap_or(Value)
    }
    pub fn python_name(self) -> &'static str {
        use ObjKind::*;
        match self {
            Lock => "Lock",
            RLock => "RLock",
            Condition => "Condition",
            Semaphore => "Semaphore",
            BoundedSemaphore => "BoundedSemaphore",
            Event => "Event",
            Barrier => "Barrier",
            Timer => "Timer",
            Local => "local",
            Queue => "Queue",
            Thread => "Thread",
            Future => "Future",
            Executor => "ThreadPoolExecutor",
            Value => "value",
        }
    }
}

/// How a run ended.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EndState {
    Finished = 1,
    Stopped,
    Deadlocked,
    Failed,
}

impl EndState {
    pub fn from_u16(v: u16) -> Option<EndState> {
        [EndState::Finished, EndState::Stopped, EndState::Deadlocked, EndState::Failed]
            .get((v as usize).wrapping_sub(1))
            .copied()
    }
}

/// How a thread ended.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ThreadEndHow {
    /// Its target returned.
    Returned = 0,
    /// Its target raised; the traceback was printed.
    Raised,
    /// A daemon thread, cut off when the program ended.
    CutOff,
    /// The run was stopped (Stop, deadlock, failure elsewhere).
    Stopped,
}

impl ThreadEndHow {
    pub fn from_u16(v: u16) -> ThreadEndHow {
        match v {
            1 => ThreadEndHow::Raised,
            2 => ThreadEndHow::CutOff,
            3 => ThreadEndHow::Stopped,
            _ => ThreadEndHow::Returned,
        }
    }
}

/// A string stored in the trace's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrRef(pub u64);

/// One recorded event, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Real nanoseconds since the run started (lesson time is this times the speed).
    pub t_ns: u64,
    /// The thread that did it (1 is the main thread; 0 the runtime itself).
    pub actor: u32,
    pub kind: Kind,
    pub op: Op,
    /// Raw 16-bit field that [`Kind`]s without an [`Op`] use for their own codes.
    pub code: u16,
    /// The object acted on (0: none).
    pub obj: u32,
    pub arg: u64,
}

impl Event {
    pub fn str_arg(&self) -> StrRef {
        StrRef(self.arg)
    }
}

#[repr(C)]
struct Raw {
    t_ns: u64,
    arg: u64,
    actor: u32,
    obj: u32,
    kind: u16,
    code: u16,
}

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
}

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
        }
    }

    /// Moves the clock origin: a run's lesson time starts when its threads can start, not
    /// when its buffers were allocated or its workers were still booting. Events recorded
    /// before keep their (small) times.
    pub fn set_start_ns(&self, start_ns: u64) {
        self.start_ns.store(start_ns, Ordering::Relaxed);
    }

    pub fn start_ns(&self) -> u64 {
        self.start_ns.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Records an event stamped now.
    #[inline]
    pub fn emit(&self, actor: u32, kind: Kind, op: Op, obj: u32, arg: u64) {
        self.emit_code(actor, kind, op as u16, obj, arg)
    }

    /// Records an event whose 16-bit field is a kind-specific code rather than an [`Op`].
    #[inline]
    pub fn emit_code(&self, actor: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        let t_ns = crate::clock::trace_now_ns().saturating_sub(self.start_ns.load(Ordering::Relaxed));
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, actor, obj, kind: kind as u16, code }) };
    }

    /// Records an event stamped `t_ns` after the run's start rather than now, for traces
    /// written by hand (the model's tests) or replayed. `code` is the 16-bit field, as in
    /// [`Trace::emit_code`] (an [`Op`] as `u16`).
    pub fn emit_at(&self, t_ns: u64, actor: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        let Some(slot) = self.reserve() else {
            return self.drop_one();
        };
        // SAFETY: `reserve` just gave this slot to this call alone.
        unsafe { Self::publish(slot, Raw { t_ns, arg, actor, obj, kind: kind as u16, code }) };
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
        let mut i = cursor;
        while i < end {
            let slot = &self.slots[i];
            if slot.ready.load(Ordering::Acquire) == 0 {
                break;
            }
            // SAFETY: published slots are never written again.
            let raw = unsafe { &*slot.raw.get() };
            if let Some(kind) = Kind::from_u16(raw.kind) {
                out.push(Event {
                    t_ns: raw.t_ns,
                    actor: raw.actor,
                    kind,
                    op: Op::from_u16(raw.code),
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
