//! `multiprocessing.Pipe` and its two `Connection` ends, over ring buffers of the run's
//! shared arena.
//!
//! A direction of a pipe is a [`Ring`]: 64 KiB of arena bytes (an OS pipe's buffer), a
//! head (bytes written) and a tail (bytes read), writers' and readers' mutexes, and two
//! event counts (data for readers, room for writers). A message is a frame: its length,
//! its run-wide number (the trace's hand-off), its bytes; frames never merge, and one
//! larger than the ring passes in chunks while the reader drains it. `send` blocks while
//! the ring is full, as a write to a full OS pipe does.
//!
//! End of file: each end counts, per process, the handles open on it (a handle that
//! crosses into a child in its arguments is one more, like an inherited descriptor). A
//! reader gets `EOFError` once no live process holds a write end: a process that exited
//! or was killed without closing its handles holds none, which readers find out by
//! looking at the process table when they wake (at least every 20 ms while they wait).

use super::synchronize::{deadline, my_pid, wait_for, Ev, Mx};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::runtime::process::arena::P_EXITED;
use crate::runtime::process::{self, Arena};
use crate::trace::{msg_arg, Kind, ObjKind, Op, SHARED_OBJ_BASE};
use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Bytes of one direction's buffer, like a Linux pipe's.
pub(crate) const RING_BYTES: u32 = 64 << 10;
const FRAME_HEADER: u32 = 8;
/// How often a waiting reader or writer looks whether the other side's processes live.
const LIVENESS_NS: u64 = 20_000_000;

// Ring header words, in two cache lines: the writers' (the head, their mutex, the event
// count they sleep on for room) and the readers' (the tail, theirs, the event count for
// data), so that a writer and a reader in two processes do not bounce one line between
// their cores on every message. Each line has its own copy of where the data lies.
const HEAD: u32 = 0;
const WLOCK: u32 = 4;
const ROOM_EV: u32 = 8;
const DATA_W: u32 = 16;
const TAIL: u32 = 64;
const RLOCK: u32 = 68;
const DATA_EV: u32 = 72;
const DATA_R: u32 = 80;
pub(crate) const RING_HEADER_BYTES: u32 = 128;

/// One direction: a ring of frames in the arena, at `hdr` (its data elsewhere).
#[derive(Clone, Copy)]
pub(crate) struct Ring {
    pub hdr: u32,
}

/// What a waiting side asks about the other end, before it sleeps.
pub(crate) trait Peer {
    /// Whether the other end is gone for good (no live holder).
    fn gone(&self) -> bool;
}

/// The other end never goes away (a queue: every process may put).
pub(crate) struct Always;
impl Peer for Always {
    fn gone(&self) -> bool {
        false
    }
}

impl Ring {
    /// A new ring: its header at `hdr` (zeroed), its data allocated here.
    pub(crate) fn init(a: &Arena, hdr: u32) -> PyResult<Ring> {
        let data = a.alloc(RING_BYTES, 64).map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
        a.store(hdr + DATA_W, data);
        a.store(hdr + DATA_R, data);
        Ok(Ring { hdr })
    }

    /// Bytes written and not yet read.
    pub(crate) fn avail(self, a: &Arena) -> u32 {
        a.load(self.hdr + HEAD).wrapping_sub(a.load(self.hdr + TAIL))
    }

    fn copy_in(a: &Arena, data: u32, pos: u32, bytes: &[u8]) {
        let i = pos % RING_BYTES;
        let first = (bytes.len() as u32).min(RING_BYTES - i) as usize;
        a.write(data + i, &bytes[..first]);
        if first < bytes.len() {
            a.write(data, &bytes[first..]);
        }
    }

    fn copy_out(a: &Arena, data: u32, pos: u32, out: &mut [u8]) {
        let i = pos % RING_BYTES;
        let first = (out.len() as u32).min(RING_BYTES - i) as usize;
        a.read(data + i, &mut out[..first]);
        if first < out.len() {
            a.read(data, &mut out[first..]);
        }
    }

    /// Writes frames (number, payload) one after the other, holding the writers' mutex
    /// throughout so that frames of several writers never interleave. `before_publish`
    /// runs once, when the first bytes are about to become visible (the sender's trace
    /// event goes there, so that it precedes the receiver's). Blocks while the ring is
    /// full; `BrokenPipeError` once no reader is left (`readers`).
    pub(crate) fn write_frames<'p>(
        self,
        a: &Arena,
        frames: impl IntoIterator<Item = (u32, &'p [u8])>,
        obj: u32,
        op: Op,
        readers: &dyn Peer,
        before_publish: impl FnOnce(),
    ) -> PyResult<()> {
        let mut stream = Vec::new();
        for (no, payload) in frames {
            stream.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            stream.extend_from_slice(&no.to_le_bytes());
            stream.extend_from_slice(payload);
        }
        let wlock = Mx(self.hdr + WLOCK);
        wlock.lock(a, None, obj)?;
        let r = self.write_locked(a, &stream, obj, op, readers, before_publish);
        wlock.unlock(a);
        r
    }

    fn write_locked(
        self,
        a: &Arena,
        frame: &[u8],
        obj: u32,
        op: Op,
        readers: &dyn Peer,
        before_publish: impl FnOnce(),
    ) -> PyResult<()> {
        let data = a.load(self.hdr + DATA_W);
        let mut head = a.load(self.hdr + HEAD);
        let mut sent = 0usize;
        let mut announce = Some(before_publish);
        while sent < frame.len() {
            let room_of = |a: &Arena| RING_BYTES - head.wrapping_sub(a.load(self.hdr + TAIL));
            let mut room = room_of(a);
            if room == 0 {
                let got =
                    wait_for(
                        a,
                        Ev(self.hdr + ROOM_EV),
                        op,
                        obj,
                        true,
                        None,
                        Some(LIVENESS_NS),
                        |slow| match room_of(a) {
                            0 if slow && readers.gone() => Err(broken_pipe()),
                            0 => Ok(None),
                            r => Ok(Some(r)),
                        },
                    )?;
                room = got.unwrap_or(0);
                if room == 0 {
                    continue;
                }
            }
            let n = (room as usize).min(frame.len() - sent);
            Ring::copy_in(a, data, head, &frame[sent..sent + n]);
            if let Some(f) = announce.take() {
                f();
            }
            head = head.wrapping_add(n as u32);
            sent += n;
            a.store(self.hdr + HEAD, head);
            Ev(self.hdr + DATA_EV).notify(a);
        }
        Ok(())
    }

    /// Waits until a frame's header is readable (`Some(true)`), or until `deadline`
    /// (`Some(false)`); `None` at end of file. Does not consume anything.
    pub(crate) fn wait_readable(
        self,
        a: &Arena,
        obj: u32,
        op: Op,
        block: bool,
        deadline: Option<u64>,
        writers: &dyn Peer,
    ) -> PyResult<Option<bool>> {
        let got = wait_for(a, Ev(self.hdr + DATA_EV), op, obj, block, deadline, Some(LIVENESS_NS), |slow| {
            if self.avail(a) > 0 {
                Ok(Some(true))
            } else if slow && writers.gone() && self.avail(a) == 0 {
                Ok(Some(false))
            } else {
                Ok(None)
            }
        })?;
        Ok(match got {
            Some(true) => Some(true),
            Some(false) => None,
            None => Some(false),
        })
    }

    /// Reads one whole frame, blocking until it is all there: (number, bytes). `None` at
    /// end of file. Holds the readers' mutex throughout.
    pub(crate) fn read_frame(
        self,
        a: &Arena,
        obj: u32,
        op: Op,
        writers: &dyn Peer,
    ) -> PyResult<Option<(u32, Vec<u8>)>> {
        let rlock = Mx(self.hdr + RLOCK);
        rlock.lock(a, None, obj)?;
        let r = self.read_locked(a, obj, op, writers);
        rlock.unlock(a);
        r
    }

    /// The readers' mutex.
    pub(crate) fn rlock(self) -> Mx {
        Mx(self.hdr + RLOCK)
    }

    /// Waits for at least `need` readable bytes (fewer once the writers are gone).
    fn wait_bytes(self, a: &Arena, need: u32, obj: u32, op: Op, writers: &dyn Peer) -> PyResult<u32> {
        let got = wait_for(a, Ev(self.hdr + DATA_EV), op, obj, true, None, Some(LIVENESS_NS), |slow| {
            let n = self.avail(a);
            if n >= need {
                Ok(Some(n))
            } else if slow && writers.gone() {
                Ok(Some(self.avail(a)))
            } else {
                Ok(None)
            }
        })?;
        Ok(got.unwrap_or(0))
    }

    /// [`Ring::read_frame`] for a caller that holds [`Ring::rlock`] already.
    pub(crate) fn read_locked(
        self,
        a: &Arena,
        obj: u32,
        op: Op,
        writers: &dyn Peer,
    ) -> PyResult<Option<(u32, Vec<u8>)>> {
        let data = a.load(self.hdr + DATA_R);
        let avail = self.wait_bytes(a, FRAME_HEADER, obj, op, writers)?;
        if avail < FRAME_HEADER {
            return Ok(None);
        }
        let mut tail = a.load(self.hdr + TAIL);
        let mut header = [0u8; 8];
        Ring::copy_out(a, data, tail, &mut header);
        let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        let no = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        tail = tail.wrapping_add(FRAME_HEADER);
        let mut out = vec![0u8; len as usize];
        let mut got = 0u32;
        // What the ring held when last looked at, and how much of that is read since.
        let (mut fill, mut consumed) = (avail, FRAME_HEADER);
        let mut avail = avail - FRAME_HEADER;
        loop {
            let n = avail.min(len - got);
            Ring::copy_out(a, data, tail, &mut out[got as usize..(got + n) as usize]);
            got += n;
            tail = tail.wrapping_add(n);
            a.store(self.hdr + TAIL, tail);
            // A writer sleeps only on a full ring; it is woken once the ring is half empty,
            // not for every message read (a wake on shared memory is a costly system call
            // natively). One that a reader leaves short of that looks again by itself
            // within `LIVENESS_NS`.
            consumed += n;
            if fill > RING_BYTES / 2 && fill - consumed <= RING_BYTES / 2 {
                Ev(self.hdr + ROOM_EV).notify(a);
            }
            if got == len {
                return Ok(Some((no, out)));
            }
            avail = self.wait_bytes(a, 1, obj, op, writers)?;
            if avail == 0 {
                return Ok(None);
            }
            (fill, consumed) = (avail, 0);
        }
    }

    /// Wakes every waiter of this ring (an end was closed: they look again).
    pub(crate) fn wake_all(self, a: &Arena) {
        Ev(self.hdr + DATA_EV).notify_always(a);
        Ev(self.hdr + ROOM_EV).notify_always(a);
    }
}

fn broken_pipe() -> PyErr {
    PyErr::Other { class: "BrokenPipeError".into(), message: "[Errno 32] Broken pipe".into() }
}

fn os_error(msg: &str) -> PyErr {
    PyErr::Other { class: "OSError".into(), message: msg.into() }
}

fn eof() -> PyErr {
    PyErr::Other { class: "EOFError".into(), message: String::new() }
}

// Pipe layout: a flag word (duplex), per end 64 counts of open handles (one per pid), then
// a ring header per direction; direction `d` is written by end `d` and read by the other.
const P_DUPLEX: u32 = 0;
const P_COUNTS: u32 = 64;
const P_RINGS: u32 = P_COUNTS + 2 * 64 * 4;
const PIPE_BYTES: u32 = P_RINGS + 2 * RING_HEADER_BYTES;

fn count_word(pipe: u32, end: u32, pid: u32) -> u32 {
    pipe + P_COUNTS + end * 256 + (pid - 1) * 4
}

fn ring(pipe: u32, dir: u32) -> Ring {
    Ring { hdr: pipe + P_RINGS + dir * RING_HEADER_BYTES }
}

/// Whether some live process holds `end` of the pipe at `pipe` open.
fn end_alive(a: &Arena, pipe: u32, end: u32) -> bool {
    a.pids().any(|pid| a.load(count_word(pipe, end, pid)) != 0 && a.state(pid) != P_EXITED)
}

struct EndOf<'a> {
    a: &'a Arena,
    pipe: u32,
    end: u32,
}

impl Peer for EndOf<'_> {
    fn gone(&self) -> bool {
        !end_alive(self.a, self.pipe, self.end)
    }
}

/// `multiprocessing.Pipe(duplex=True)`: two connected ends. A one-way pipe's first end
/// only reads and its second only writes, as CPython's `(reader, writer)`.
#[allow(non_snake_case)]
pub fn Pipe(duplex: bool) -> PyResult<(Connection, Connection)> {
    pipe_named("conn", duplex)
}

/// [`Pipe`] whose ends the trace shows as `name1` and `name2`.
pub fn pipe_named(name: &str, duplex: bool) -> PyResult<(Connection, Connection)> {
    let arena = process::current_arena()?;
    let pipe = arena.alloc(PIPE_BYTES, 64).map_err(|e| os_error(&e))?;
    arena.store(pipe + P_DUPLEX, duplex as u32);
    if duplex {
        Ring::init(&arena, ring(pipe, 0).hdr)?;
    }
    Ring::init(&arena, ring(pipe, 1).hdr)?;
    let me = my_pid();
    let ends: Vec<Connection> = (0..2u32)
        .map(|end| {
            let id = SHARED_OBJ_BASE + arena.next_id();
            let name = format!("{name}{}", end + 1);
            hooks::shared_object(id, ObjKind::Connection, &name);
            arena.fetch_add(count_word(pipe, end, me), 1);
            let (readable, writable) = match (duplex, end) {
                (true, _) => (true, true),
                (false, 0) => (true, false),
                (false, _) => (false, true),
            };
            Connection(Arc::new(End {
                arena: arena.clone(),
                pipe,
                end,
                id,
                name,
                readable,
                writable,
                pid: me,
                closed: AtomicBool::new(false),
            }))
        })
        .collect();
    let mut ends = ends.into_iter();
    Ok((ends.next().expect("two ends"), ends.next().expect("two ends")))
}

/// One end of a pipe: `multiprocessing.connection.Connection`. Clones are the same handle
/// (one Python object shared by threads); a copy in a child's arguments is another handle
/// of the same end. Dropping the last clone of an open handle closes it, as CPython closes
/// a collected `Connection`.
#[derive(Clone)]
pub struct Connection(Arc<End>);

struct End {
    arena: Arena,
    pipe: u32,
    end: u32,
    id: u32,
    name: String,
    readable: bool,
    writable: bool,
    /// The process that holds this handle (whose count it is).
    pid: u32,
    closed: AtomicBool,
}

impl Drop for End {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            self.release();
        }
    }
}

impl End {
    /// Gives this process's handle back: one open handle fewer, and whoever waits on this
    /// pipe looks again.
    fn release(&self) {
        let a = &self.arena;
        a.fetch_sub(count_word(self.pipe, self.end, self.pid), 1);
        let duplex = a.load(self.pipe + P_DUPLEX) != 0;
        for dir in 0..2 {
            if duplex || dir == 1 {
                ring(self.pipe, dir).wake_all(a);
            }
        }
    }
}

impl Connection {
    /// The shared id of this end in every process's trace.
    pub fn obj(&self) -> u32 {
        self.0.id
    }

    pub fn readable(&self) -> bool {
        self.0.readable
    }

    pub fn writable(&self) -> bool {
        self.0.writable
    }

    /// `closed`.
    pub fn closed(&self) -> bool {
        self.0.closed.load(Ordering::SeqCst)
    }

    fn fail(&self, op: Op, e: PyErr) -> PyErr {
        hooks::trace_fail(op, self.0.id, &e);
        e
    }

    fn check(&self, op: Op, write: bool) -> PyResult<()> {
        if self.closed() {
            return Err(self.fail(op, os_error("handle is closed")));
        }
        if write && !self.0.writable {
            return Err(self.fail(op, os_error("connection is read-only")));
        }
        if !write && !self.0.readable {
            return Err(self.fail(op, os_error("connection is write-only")));
        }
        Ok(())
    }

    /// The ring this end writes, and the one it reads.
    fn out_ring(&self) -> Ring {
        ring(self.0.pipe, self.0.end)
    }

    fn in_ring(&self) -> Ring {
        ring(self.0.pipe, 1 - self.0.end)
    }

    /// `send(obj)`: serialized (postcard, CPython's pickle), one message.
    pub fn send<T: Serialize + ?Sized>(&self, obj: &T) -> PyResult<()> {
        hooks::point(Op::Send, self.0.id);
        self.check(Op::Send, true)?;
        let bytes = process::encode(obj)?;
        self.send_frame(&bytes)
    }

    /// `send_bytes(buf)`: `buf` as one message.
    pub fn send_bytes(&self, buf: &[u8]) -> PyResult<()> {
        hooks::point(Op::Send, self.0.id);
        self.check(Op::Send, true)?;
        self.send_frame(buf)
    }

    fn send_frame(&self, bytes: &[u8]) -> PyResult<()> {
        let (a, id) = (&self.0.arena, self.0.id);
        let no = a.next_id();
        let readers = EndOf { a, pipe: self.0.pipe, end: 1 - self.0.end };
        let r = self.out_ring().write_frames(a, [(no, bytes)], id, Op::Send, &readers, || {
            hooks::trace(Kind::Signal, Op::Send, id, msg_arg(no, bytes.len() as u32))
        });
        r.map_err(|e| if e == PyErr::Interrupted { e } else { self.fail(Op::Send, e) })
    }

    /// `recv()`: the next message, deserialized; blocks until there is one; `EOFError`
    /// once no write end is open in any live process.
    pub fn recv<T: DeserializeOwned>(&self) -> PyResult<T> {
        let bytes = self.recv_bytes()?;
        process::decode(&bytes)
    }

    /// `recv_bytes()`: the next message's bytes.
    pub fn recv_bytes(&self) -> PyResult<Vec<u8>> {
        hooks::point(Op::Recv, self.0.id);
        self.check(Op::Recv, false)?;
        let (a, id) = (&self.0.arena, self.0.id);
        let writers = EndOf { a, pipe: self.0.pipe, end: 1 - self.0.end };
        match self.in_ring().read_frame(a, id, Op::Recv, &writers) {
            Ok(Some((no, bytes))) => {
                hooks::trace(Kind::Ok, Op::Recv, id, msg_arg(no, bytes.len() as u32));
                Ok(bytes)
            }
            Ok(None) => Err(self.fail(Op::Recv, eof())),
            Err(e) => Err(if e == PyErr::Interrupted { e } else { self.fail(Op::Recv, e) }),
        }
    }

    /// `poll(timeout)`: whether there is anything to read (or the end of the file) within
    /// `timeout` lesson seconds; `None` waits as long as it takes. Python's `poll()` is
    /// `poll(Some(0.0))`.
    pub fn poll(&self, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Wait, self.0.id);
        self.check(Op::Wait, false)?;
        let (a, id) = (&self.0.arena, self.0.id);
        let writers = EndOf { a, pipe: self.0.pipe, end: 1 - self.0.end };
        let block = timeout.is_none_or(|t| t > 0.0);
        let ready = self.in_ring().wait_readable(a, id, Op::Wait, block, deadline(timeout), &writers)?;
        let ready = ready != Some(false);
        hooks::trace(if ready { Kind::Ok } else { Kind::Timeout }, Op::Wait, id, ready as u64);
        Ok(ready)
    }

    /// `close()`: this handle only; closing a closed one does nothing.
    pub fn close(&self) {
        if !self.0.closed.swap(true, Ordering::SeqCst) {
            self.0.release();
        }
    }
}

/// A handle on the wire: which end of which pipe, and its transfer word. A handle in
/// flight is one more open handle of whoever holds the transfer word (the sender, or the
/// child it was handed over to when that child started: [`hand_over`]) until a receiver
/// takes it over, so that an end passed to a child stays open while the child starts even
/// if the parent closes its own handle at once (CPython's `p.start(); w.close()`), and
/// closes with a child killed before it ever decoded its arguments.
#[derive(Serialize, Deserialize)]
struct ConnWire {
    pipe: u32,
    end: u32,
    id: u32,
    readable: bool,
    writable: bool,
    /// An arena word: the pid the handle in flight counts for; 0 once taken over.
    transfer: u32,
    name: String,
}

/// A handle in flight, as [`capture_transfers`] lists it.
pub(crate) struct Transfer {
    arena: Arena,
    word: u32,
    pipe: u32,
    end: u32,
}

std::thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Vec<Transfer>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `encode` and lists the handles it put in flight (a child's arguments, which
/// [`hand_over`] gives to the child once it has a pid).
pub(crate) fn capture_transfers<R>(encode: impl FnOnce() -> R) -> (R, Vec<Transfer>) {
    let outer = CAPTURE.with(|c| c.borrow_mut().replace(Vec::new()));
    let r = encode();
    let got = CAPTURE.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer)).unwrap_or_default();
    (r, got)
}

/// The handles in flight in a child's arguments now count for the child itself: if it
/// dies before it takes them over, they die with it.
pub(crate) fn hand_over(transfers: &[Transfer], child: u32) {
    for t in transfers {
        let from = t.arena.load(t.word);
        if from != 0 && from != child && t.arena.cas(t.word, from, child).is_ok() {
            // The child's count first, so that the end never looks unheld meanwhile.
            t.arena.fetch_add(count_word(t.pipe, t.end, child), 1);
            t.arena.fetch_sub(count_word(t.pipe, t.end, from), 1);
        }
    }
}

impl Serialize for Connection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.closed() {
            return Err(S::Error::custom("handle is closed"));
        }
        let (a, from) = (&self.0.arena, self.0.pid);
        let transfer = a.alloc(4, 4).map_err(S::Error::custom)?;
        a.store(transfer, from);
        a.fetch_add(count_word(self.0.pipe, self.0.end, from), 1);
        CAPTURE.with(|c| {
            if let Some(list) = c.borrow_mut().as_mut() {
                list.push(Transfer { arena: a.clone(), word: transfer, pipe: self.0.pipe, end: self.0.end });
            }
        });
        ConnWire {
            pipe: self.0.pipe,
            end: self.0.end,
            id: self.0.id,
            readable: self.0.readable,
            writable: self.0.writable,
            transfer,
            name: self.0.name.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Connection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Connection, D::Error> {
        let w = ConnWire::deserialize(d)?;
        let arena = super::synchronize::attach::<D::Error>(w.id, ObjKind::Connection, &w.name)?;
        if w.end > 1 || w.transfer % 4 != 0 {
            return Err(D::Error::custom("malformed connection handle"));
        }
        // Taken over from whoever the handle in flight counted for: this process's now.
        let pid = my_pid();
        arena.fetch_add(count_word(w.pipe, w.end, pid), 1);
        let mut holder = arena.load(w.transfer);
        while holder != 0 {
            match arena.cas(w.transfer, holder, 0) {
                Ok(_) => break,
                Err(x) => holder = x,
            }
        }
        if (1..=crate::runtime::process::arena::MAX_PROCS).contains(&holder) {
            arena.fetch_sub(count_word(w.pipe, w.end, holder), 1);
        }
        Ok(Connection(Arc::new(End {
            arena,
            pipe: w.pipe,
            end: w.end,
            id: w.id,
            name: w.name,
            readable: w.readable,
            writable: w.writable,
            pid,
            closed: AtomicBool::new(false),
        })))
    }
}
