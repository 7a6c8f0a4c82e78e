//! The event loop: a FIFO ready queue of handles and a heap of timers, on the run's clock
//! (lesson seconds at the run's speed, as `time.sleep` counts them), run by one thread.
//!
//! One iteration is CPython's `BaseEventLoop._run_once`: wait (through the seam's `park`,
//! so that Stop and the watchdog reach a loop with nothing to do) until the first timer is
//! due or another thread wakes the loop, but not at all if the ready queue holds anything;
//! move every timer that is due to the end of the ready queue; then run exactly the
//! handles that are in the ready queue at that moment. What they schedule runs in the next
//! iteration: that is why `sleep(0)` yields for exactly one.

use super::tasks::TaskMeta;
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};
use std::cell::{Cell, RefCell};
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

thread_local! {
    /// The loop running on this thread (`asyncio.get_running_loop()`).
    static RUNNING: RefCell<Option<Rc<LoopInner>>> = const { RefCell::new(None) };
    /// The task whose step runs right now (0: none).
    pub(crate) static CURRENT_TASK: Cell<u32> = const { Cell::new(0) };
    /// Task numbers (`Task-N`) of this thread: (the run they count for, the last given).
    static TASK_NUMBERS: Cell<(usize, u32)> = const { Cell::new((0, 0)) };
}

/// The next task number on this thread, counted from 1 in every run (CPython counts per
/// process; a lesson's tasks live on one thread).
pub(crate) fn next_task_number() -> u32 {
    let run = crate::runtime::with_current(|c| Arc::as_ptr(&c.run) as usize).unwrap_or(0);
    TASK_NUMBERS.with(|n| {
        let (r, k) = n.get();
        let k = if r == run { k + 1 } else { 1 };
        n.set((run, k));
        k
    })
}

/// What another thread may touch: the word the loop parks on and the tasks it woke.
pub(crate) struct Shared {
    word: AtomicU32,
    woken: Mutex<Vec<u32>>,
}

/// One entry of the ready queue.
enum Handle {
    /// One step of a task (`Task.__step`).
    Step(u32),
    /// A callback (`call_soon`, a due timer, a future's done callback).
    Call(Rc<Cell<bool>>, Box<dyn FnOnce()>),
}

struct Timer {
    /// The deadline on the seam's clock (`hooks::now_ns`).
    when: u64,
    /// Scheduling order: timers due at the same instant run in the order they were set.
    seq: u64,
    cancelled: Rc<Cell<bool>>,
    callback: Box<dyn FnOnce()>,
}

impl PartialEq for Timer {
    fn eq(&self, o: &Self) -> bool {
        (self.when, self.seq) == (o.when, o.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timer {
    // Reversed: `BinaryHeap` is a max-heap and the earliest timer must be on top.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.when, o.seq).cmp(&(self.when, self.seq))
    }
}

pub(crate) struct TaskSlot {
    coro: Option<Pin<Box<dyn std::future::Future<Output = ()>>>>,
    pub(crate) meta: Rc<TaskMeta>,
}

pub(crate) struct LoopInner {
    ready: RefCell<VecDeque<Handle>>,
    timers: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
    pub(crate) tasks: RefCell<HashMap<u32, TaskSlot>>,
    /// Tasks in creation order (`all_tasks`), while not done.
    pub(crate) order: RefCell<Vec<u32>>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) obj: u32,
    iteration: Cell<u64>,
    stopping: Cell<bool>,
    running: Cell<bool>,
    closed: Cell<bool>,
}

/// A waker that schedules one step of its task: at once on the loop's thread, through the
/// shared list and the loop's word from any other.
struct TaskWaker {
    task: u32,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let here = RUNNING.with(|r| r.borrow().as_ref().filter(|l| Arc::ptr_eq(&l.shared, &self.shared)).cloned());
        match here {
            Some(lp) => lp.schedule_step(self.task),
            None => self.wake_from_elsewhere(),
        }
    }
}

impl TaskWaker {
    #[cold]
    fn wake_from_elsewhere(&self) {
        self.shared.woken.lock().unwrap_or_else(|p| p.into_inner()).push(self.task);
        self.shared.word.fetch_add(1, Ordering::Release);
        hooks::wake_one(&self.shared.word);
    }
}

/// `asyncio.TimerHandle` (and `Handle`): what `call_soon`/`call_later`/`call_at` return.
#[derive(Clone)]
pub struct TimerHandle {
    cancelled: Rc<Cell<bool>>,
    when: f64,
}

impl TimerHandle {
    /// `cancel()`: the callback will not run (if it has not yet).
    pub fn cancel(&self) {
        self.cancelled.set(true);
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// `when()`: the loop time it was scheduled for.
    pub fn when(&self) -> f64 {
        self.when
    }
}

/// An asyncio event loop (`asyncio.new_event_loop()`); cloning gives another handle.
#[derive(Clone)]
pub struct EventLoop(pub(crate) Rc<LoopInner>);

/// `asyncio.new_event_loop()`.
pub fn new_event_loop() -> EventLoop {
    EventLoop::new()
}

/// `asyncio.get_running_loop()`.
pub fn get_running_loop() -> PyResult<EventLoop> {
    running().map(EventLoop).ok_or_else(|| PyErr::runtime("no running event loop"))
}

pub(crate) fn running() -> Option<Rc<LoopInner>> {
    RUNNING.with(|r| r.borrow().clone())
}

/// The task whose step runs now, if any.
pub(crate) fn current_meta() -> Option<Rc<TaskMeta>> {
    let id = CURRENT_TASK.with(|c| c.get());
    if id == 0 {
        return None;
    }
    running().and_then(|lp| lp.tasks.borrow().get(&id).map(|s| s.meta.clone()))
}

/// `asyncio.run(main())`: a new loop runs `main` as `Task-1` until it is done, then
/// cancels the tasks still pending and lets them finish, and closes.
pub fn run<T: Clone + 'static>(main: impl std::future::Future<Output = PyResult<T>> + 'static) -> PyResult<T> {
    if running().is_some() {
        return Err(PyErr::runtime("asyncio.run() cannot be called from a running event loop"));
    }
    let lp = EventLoop::new();
    let result = lp.run_until_complete(main);
    let cleanup = lp.cancel_all_tasks();
    lp.close();
    let value = result?;
    cleanup?;
    Ok(value)
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl EventLoop {
    pub fn new() -> EventLoop {
        EventLoop(Rc::new(LoopInner {
            ready: RefCell::new(VecDeque::new()),
            timers: RefCell::new(BinaryHeap::new()),
            seq: Cell::new(0),
            tasks: RefCell::new(HashMap::new()),
            order: RefCell::new(Vec::new()),
            shared: Arc::new(Shared { word: AtomicU32::new(0), woken: Mutex::new(Vec::new()) }),
            obj: hooks::new_object(ObjKind::EventLoop, "event loop"),
            iteration: Cell::new(0),
            stopping: Cell::new(false),
            running: Cell::new(false),
            closed: Cell::new(false),
        }))
    }

    /// `loop.time()`: lesson seconds on the run's clock.
    pub fn time(&self) -> f64 {
        hooks::monotonic()
    }

    /// `loop.call_soon(callback)`: at the end of the ready queue.
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.0.call_soon(Box::new(callback))
    }

    /// `loop.call_later(delay, callback)`: `delay` lesson seconds from now.
    pub fn call_later(&self, delay: f64, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.0.call_later(delay, Box::new(callback))
    }

    /// `loop.call_at(when, callback)`: at loop time `when`.
    pub fn call_at(&self, when: f64, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.0.call_later(when - self.time(), Box::new(callback))
    }

    /// `loop.create_future()`.
    pub fn create_future<T: Clone + 'static>(&self) -> super::Future<T> {
        super::Future::on(&self.0, true)
    }

    /// `loop.create_task(coro)`.
    pub fn create_task<T: Clone + 'static>(
        &self,
        coro: impl std::future::Future<Output = PyResult<T>> + 'static,
    ) -> super::Task<T> {
        super::tasks::spawn(&self.0, coro, None)
    }

    /// `loop.stop()`: the loop stops after the iteration that runs now.
    pub fn stop(&self) {
        self.0.stopping.set(true);
    }

    pub fn is_running(&self) -> bool {
        self.0.running.get()
    }

    pub fn is_closed(&self) -> bool {
        self.0.closed.get()
    }

    /// `loop.close()`: the loop's pending callbacks are dropped.
    pub fn close(&self) {
        if self.0.running.get() {
            return;
        }
        self.0.closed.set(true);
        self.0.ready.borrow_mut().clear();
        self.0.timers.borrow_mut().clear();
        // Pending tasks' coroutines go with the loop (CPython: "Task was destroyed but it
        // is pending!"); taken out first, since dropping one touches its futures.
        let slots: Vec<TaskSlot> = self.0.tasks.borrow_mut().drain().map(|(_, s)| s).collect();
        drop(slots);
    }

    /// `loop.run_until_complete(coro)`: runs the loop until `coro`, wrapped in a task,
    /// is done, and returns its result (or raises its exception).
    pub fn run_until_complete<T: Clone + 'static>(
        &self,
        coro: impl std::future::Future<Output = PyResult<T>> + 'static,
    ) -> PyResult<T> {
        if self.0.closed.get() {
            return Err(PyErr::runtime("Event loop is closed"));
        }
        if running().is_some() {
            return Err(PyErr::runtime("Cannot run the event loop while another loop is running"));
        }
        let task = super::tasks::spawn(&self.0, coro, None);
        self.run_until_done(&task.fut)?;
        task.fut.result()
    }

    /// Runs the loop until `fut` is done.
    pub(crate) fn run_until_done<T: Clone + 'static>(&self, fut: &super::Future<T>) -> PyResult<()> {
        let lp = self.0.clone();
        fut.add_done_callback(move |_| lp.stopping.set(true));
        self.run_forever()?;
        if !fut.done() {
            return Err(PyErr::runtime("Event loop stopped before Future completed."));
        }
        Ok(())
    }

    /// `loop.run_forever()`: until `stop()`.
    pub fn run_forever(&self) -> PyResult<()> {
        if self.0.running.get() {
            return Err(PyErr::runtime("This event loop is already running"));
        }
        RUNNING.with(|r| *r.borrow_mut() = Some(self.0.clone()));
        self.0.running.set(true);
        let result = loop {
            if let Err(e) = self.0.run_once() {
                break Err(e);
            }
            if self.0.stopping.get() {
                break Ok(());
            }
        };
        self.0.stopping.set(false);
        self.0.running.set(false);
        RUNNING.with(|r| *r.borrow_mut() = None);
        result
    }

    /// asyncio.run's `_cancel_all_tasks`: cancels every task not done and runs the loop
    /// until they have all finished.
    fn cancel_all_tasks(&self) -> PyResult<()> {
        let pending: Vec<super::TaskRef> = self.0.pending_tasks();
        if pending.is_empty() {
            return Ok(());
        }
        // As `gather(*to_cancel, return_exceptions=True)`: done when the last is.
        let all = super::Future::<()>::on(&self.0, false);
        let left = Rc::new(Cell::new(pending.len()));
        for t in &pending {
            t.cancel(None);
            let (all, left) = (all.clone(), left.clone());
            t.on_done(Box::new(move || {
                left.set(left.get() - 1);
                if left.get() == 0 {
                    let _ = all.set_result(());
                }
            }));
        }
        self.run_until_done(&all)
    }
}

impl LoopInner {
    fn push_ready(&self, h: Handle) {
        self.ready.borrow_mut().push_back(h);
    }

    pub(crate) fn call_soon(&self, callback: Box<dyn FnOnce()>) -> TimerHandle {
        let cancelled = Rc::new(Cell::new(false));
        self.push_ready(Handle::Call(cancelled.clone(), callback));
        TimerHandle { cancelled, when: hooks::monotonic() }
    }

    pub(crate) fn call_later(&self, delay: f64, callback: Box<dyn FnOnce()>) -> TimerHandle {
        let delay = if delay.is_nan() { 0.0 } else { delay.max(0.0) };
        let cancelled = Rc::new(Cell::new(false));
        let seq = self.seq.get();
        self.seq.set(seq + 1);
        let when = hooks::deadline_after(delay);
        self.timers.borrow_mut().push(Timer { when, seq, cancelled: cancelled.clone(), callback });
        TimerHandle { cancelled, when: hooks::monotonic() + delay }
    }

    /// Puts one step of task `id` at the end of the ready queue, unless one is there
    /// already; records who woke it.
    pub(crate) fn schedule_step(&self, id: u32) {
        let meta = match self.tasks.borrow().get(&id) {
            Some(slot) if !slot.meta.scheduled.get() => slot.meta.clone(),
            _ => return,
        };
        meta.scheduled.set(true);
        self.push_ready(Handle::Step(id));
        let by = CURRENT_TASK.with(|c| c.get());
        hooks::trace_task(by, Kind::Signal, Op::Wake as u16, meta.obj, u64::from(id));
    }

    pub(crate) fn add_task(&self, coro: Pin<Box<dyn std::future::Future<Output = ()>>>, meta: Rc<TaskMeta>) {
        let id = meta.id;
        self.tasks.borrow_mut().insert(id, TaskSlot { coro: Some(coro), meta });
        self.order.borrow_mut().push(id);
        self.schedule_step(id);
    }

    pub(crate) fn waker_for(self: &Rc<Self>, task: u32) -> Waker {
        Waker::from(Arc::new(TaskWaker { task, shared: self.shared.clone() }))
    }

    pub(crate) fn pending_tasks(&self) -> Vec<super::TaskRef> {
        let tasks = self.tasks.borrow();
        self.order
            .borrow()
            .iter()
            .filter_map(|id| tasks.get(id))
            .filter(|s| !s.meta.done.get())
            .map(|s| super::TaskRef(s.meta.clone()))
            .collect()
    }

    /// Tasks that other threads woke join the ready queue.
    fn absorb_wakes(self: &Rc<Self>) {
        let woken: Vec<u32> = std::mem::take(&mut *self.shared.woken.lock().unwrap_or_else(|p| p.into_inner()));
        for id in woken {
            self.schedule_step(id);
        }
    }

    /// One iteration (`_run_once`).
    fn run_once(self: &Rc<Self>) -> PyResult<()> {
        // Stop reaches a loop whose tasks never wait (a ready queue that never empties).
        hooks::checkpoint()?;
        // Cancelled timers at the top are dropped rather than waited for.
        {
            let mut timers = self.timers.borrow_mut();
            while timers.peek().is_some_and(|t| t.cancelled.get()) {
                timers.pop();
            }
        }
        let seen = self.shared.word.load(Ordering::Acquire);
        self.absorb_wakes();
        if self.ready.borrow().is_empty() && !self.stopping.get() {
            self.select(seen)?;
        }
        // Every timer due by now joins the ready queue, in deadline order.
        let now = hooks::now_ns();
        loop {
            let due = {
                let mut timers = self.timers.borrow_mut();
                match timers.peek() {
                    Some(t) if t.when <= now => timers.pop(),
                    _ => None,
                }
            };
            let Some(t) = due else { break };
            if !t.cancelled.get() {
                self.push_ready(Handle::Call(t.cancelled, t.callback));
            }
        }
        let iteration = self.iteration.get() + 1;
        self.iteration.set(iteration);
        let n = self.ready.borrow().len();
        let queued = (n as u64) | (self.timers.borrow().len() as u64) << 32;
        hooks::trace_task(0, Kind::LoopIter, 0, self.obj, queued);
        // Exactly the handles ready now: what they schedule waits for the next iteration.
        for _ in 0..n {
            let handle = self.ready.borrow_mut().pop_front();
            match handle {
                Some(Handle::Step(id)) => self.step(id, iteration),
                Some(Handle::Call(cancelled, callback)) => {
                    if !cancelled.get() {
                        callback();
                    }
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Waits for the first timer, or for a wake from another thread, through the seam.
    #[cold]
    fn select(self: &Rc<Self>, seen: u32) -> PyResult<()> {
        let deadline = self.timers.borrow().peek().map(|t| t.when);
        if deadline.is_some_and(|d| d <= hooks::now_ns()) {
            return Ok(());
        }
        hooks::trace_task(0, Kind::Block, Op::Select as u16, self.obj, 0);
        let parked = hooks::park(&self.shared.word, seen, deadline, self.obj);
        self.absorb_wakes();
        parked?;
        hooks::trace_task(0, Kind::Ok, Op::Select as u16, self.obj, 0);
        Ok(())
    }

    /// One step of task `id` (`Task.__step`): its coroutine runs to its next `await` that
    /// waits, or to its end.
    fn step(self: &Rc<Self>, id: u32, iteration: u64) {
        let (coro, meta) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(&id) else { return };
            (slot.coro.take(), slot.meta.clone())
        };
        meta.scheduled.set(false);
        let Some(mut coro) = coro else { return };
        meta.fut_waiter.borrow_mut().take();
        hooks::trace_task(0, Kind::TaskStep, 0, meta.obj, iteration);
        if meta.blocked.replace(false) {
            hooks::trace_task(id, Kind::Ok, Op::Await as u16, meta.obj, 0);
        }
        // A task cancelled before its first step never runs its coroutine: the
        // CancelledError is thrown in before its first line.
        if meta.must_cancel.get() && !meta.started.get() {
            meta.must_cancel.set(false);
            drop(coro);
            (meta.finish_cancelled)(meta.cancel_msg.borrow_mut().take());
            self.forget(id);
            return;
        }
        meta.started.set(true);
        let previous = CURRENT_TASK.with(|c| c.replace(id));
        let waker = meta.waker.clone();
        let polled = coro.as_mut().poll(&mut Context::from_waker(&waker));
        CURRENT_TASK.with(|c| c.set(previous));
        match polled {
            Poll::Ready(()) => self.forget(id),
            Poll::Pending => {
                if let Some(slot) = self.tasks.borrow_mut().get_mut(&id) {
                    slot.coro = Some(coro);
                }
                // Cancelled while it ran: the future it now waits for is cancelled instead.
                if meta.must_cancel.get() {
                    let waiter = meta.fut_waiter.borrow().clone();
                    if let Some(cancel) = waiter {
                        if cancel(meta.cancel_msg.borrow().clone()) {
                            meta.must_cancel.set(false);
                        }
                    }
                }
            }
        }
    }

    fn forget(&self, id: u32) {
        let slot = self.tasks.borrow_mut().remove(&id);
        self.order.borrow_mut().retain(|t| *t != id);
        drop(slot);
    }

    pub(crate) fn weak(self: &Rc<Self>) -> Weak<LoopInner> {
        Rc::downgrade(self)
    }
}

/// The end of a task, as its lane shows it.
pub(crate) fn trace_task_end(meta: &TaskMeta, how: ThreadEndHow) {
    hooks::trace_task(meta.id, Kind::TaskEnd, how as u16, meta.obj, 0);
}
