//! Segments in the browser: one `SharedArrayBuffer` per page (the machine's shared
//! memory), created by the page and handed to every worker of every process at boot.
//! Each worker keeps its own views of it (JavaScript objects belong to one thread), so a
//! [`Segment`] is only a length and every access finds this thread's views.

use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

/// The page's shared segment, as seen from the current thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    len: u32,
}

struct Views {
    words: js_sys::Int32Array,
    bytes: js_sys::Uint8Array,
    buffer: JsValue,
}

thread_local! {
    static VIEWS: RefCell<Option<Views>> = const { RefCell::new(None) };
}

impl Segment {
    /// A new segment of `len` bytes, for the page to hand to its workers.
    pub fn create_buffer(len: u32) -> Result<JsValue, String> {
        let ctor = js_sys::Reflect::get(&js_sys::global(), &"SharedArrayBuffer".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
            .ok_or("SharedArrayBuffer is unavailable")?;
        js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&len.into())).map_err(|e| format!("{e:?}"))
    }

    /// Makes `buffer` this thread's segment (each worker, once, at boot).
    pub fn adopt(buffer: &JsValue) -> Segment {
        let words = js_sys::Int32Array::new(buffer);
        let bytes = js_sys::Uint8Array::new(buffer);
        let len = bytes.length();
        VIEWS.with(|v| *v.borrow_mut() = Some(Views { words, bytes, buffer: buffer.clone() }));
        Segment { len }
    }

    /// The segment this thread adopted, if any.
    pub fn here() -> Option<Segment> {
        VIEWS.with(|v| v.borrow().as_ref().map(|v| Segment { len: v.bytes.length() }))
    }

    /// The buffer this thread adopted, to hand on to a worker it boots (the page only).
    pub fn buffer() -> Option<JsValue> {
        VIEWS.with(|v| v.borrow().as_ref().map(|v| v.buffer.clone()))
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    fn with<R>(&self, f: impl FnOnce(&Views) -> R) -> R {
        VIEWS.with(|v| f(v.borrow().as_ref().expect("this worker was given the shared segment at boot")))
    }

    fn index(off: u32) -> u32 {
        debug_assert!(off % 4 == 0);
        off / 4
    }

    // Atomics on an Int32Array in bounds only fail on a bad index, which `index` and the
    // callers' layouts rule out; a failure reads as 0 rather than taking the worker down.

    #[inline]
    pub fn load(&self, off: u32) -> u32 {
        self.with(|v| js_sys::Atomics::load(&v.words, Self::index(off)).unwrap_or(0) as u32)
    }

    #[inline]
    pub fn store(&self, off: u32, val: u32) {
        self.with(|v| drop(js_sys::Atomics::store(&v.words, Self::index(off), val as i32)))
    }

    #[inline]
    pub fn fetch_add(&self, off: u32, val: u32) -> u32 {
        self.with(|v| js_sys::Atomics::add(&v.words, Self::index(off), val as i32).unwrap_or(0) as u32)
    }

    #[inline]
    pub fn fetch_sub(&self, off: u32, val: u32) -> u32 {
        self.with(|v| js_sys::Atomics::sub(&v.words, Self::index(off), val as i32).unwrap_or(0) as u32)
    }

    #[inline]
    pub fn cas(&self, off: u32, old: u32, new: u32) -> Result<u32, u32> {
        let seen = self.with(|v| {
            js_sys::Atomics::compare_exchange(&v.words, Self::index(off), old as i32, new as i32).unwrap_or(0) as u32
        });
        if seen == old {
            Ok(seen)
        } else {
            Err(seen)
        }
    }

    /// Blocks while the word at `off` is `expected`, for at most `timeout_ns`; false only
    /// when the timeout expired. Workers only: `Atomics.wait` throws on the page.
    pub fn wait(&self, off: u32, expected: u32, timeout_ns: Option<u64>) -> bool {
        let ms = timeout_ns.map_or(f64::INFINITY, |ns| ns as f64 / 1e6);
        self.with(|v| match js_sys::Atomics::wait_with_timeout(&v.words, Self::index(off), expected as i32, ms) {
            Ok(s) => s != "timed-out",
            Err(_) => true,
        })
    }

    /// Wakes up to `n` threads waiting on the word at `off` (any process's, the page too).
    pub fn wake(&self, off: u32, n: u32) {
        self.with(|v| drop(js_sys::Atomics::notify_with_count(&v.words, Self::index(off), n)))
    }

    /// Copies `out.len()` bytes at `off` out of the segment.
    pub fn read(&self, off: u32, out: &mut [u8]) {
        self.with(|v| v.bytes.subarray(off, off + out.len() as u32).copy_to(out))
    }

    /// Zeroes `len` bytes at `off`.
    pub fn zero(&self, off: u32, len: u32) {
        self.with(|v| drop(v.bytes.fill(0, off, off + len)))
    }

    /// Copies `data` into the segment at `off`.
    pub fn write(&self, off: u32, data: &[u8]) {
        self.with(|v| v.bytes.subarray(off, off + data.len() as u32).copy_from(data))
    }
}
