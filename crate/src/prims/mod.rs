//! Python's synchronization primitives, one file each, all built on [`crate::futex`].

pub mod lock;

pub use lock::Lock;
