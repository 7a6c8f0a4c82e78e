//! Memory that several processes map: the only place where processes meet.
//!
//! A process's own memory is its own (an OS process natively, a wasm instance with a
//! memory of its own in the browser); what `multiprocessing` shares (pipes, queues,
//! `Value`, `Array`, its locks) lives in a [`Segment`] every process of a run maps. This
//! is the crate's second platform switch, beside [`crate::futex`], and as small:
//!
//! - natively, a `memfd` (Linux) or an unlinked POSIX shared-memory object (other Unix)
//!   mapped `MAP_SHARED` by every process of the run (inherited through `exec` by the
//!   processes it starts), waited on with the futex syscall without `FUTEX_PRIVATE_FLAG`,
//!   since the word is shared between address spaces (elsewhere, by polling);
//! - in the browser, a `SharedArrayBuffer` the page creates once and hands to every worker
//!   of every process when it boots; wasm code cannot address a buffer outside its own
//!   memory, so each access is a call to `Atomics` or a typed-array copy.
//!
//! Offsets are byte offsets into the segment; words are 4-byte aligned `u32`s. Like
//! [`crate::futex::wait`], [`Segment::wait`] may return spuriously.

#[cfg(all(not(target_arch = "wasm32"), unix))]
#[path = "unix.rs"]
mod imp;

#[cfg(target_arch = "wasm32")]
#[path = "wasm.rs"]
mod imp;

pub use imp::Segment;

/// How a process finds a segment it did not create.
#[cfg(all(not(target_arch = "wasm32"), unix))]
pub use imp::Handle;
