//! `multiprocessing.Value` and `Array`: ctypes values in the run's shared arena, with the
//! `RLock` CPython gives them (`lock=True`) or without (`lock=False`, the raw object).
//!
//! A read and a write are plain loads and stores of the value's words, never an atomic
//! read-modify-write: `v.set_value(v.value() + 1)` in several processes without the lock
//! loses updates, as it does in CPython. (An 8-byte value is two 4-byte words, the most
//! the browser's shared memory offers per access; under the lock it is always whole.)

use super::synchronize::{attach, new_shared, RLock};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::runtime::process::Arena;
use crate::trace::{Kind, ObjKind, Op};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// A Rust type that a ctypes typecode stands for.
pub trait CType: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The typecodes it stands for, with their ctypes class names (Linux, 64-bit).
    const CODES: &'static [(char, &'static str)];
    /// 8 bytes (two words), or 4.
    const WIDE: bool;
    fn to_bits(self) -> u64;
    fn from_bits(bits: u64) -> Self;
}

macro_rules! ctype {
    ($t:ty, $wide:expr, [$(($c:expr, $n:expr)),+], $to:expr, $from:expr) => {
        impl CType for $t {
            const CODES: &'static [(char, &'static str)] = &[$(($c, $n)),+];
            const WIDE: bool = $wide;
            fn to_bits(self) -> u64 {
                $to(self)
            }
            fn from_bits(bits: u64) -> Self {
                $from(bits)
            }
        }
    };
}

ctype!(i32, false, [('i', "c_int")], |v: i32| v as u32 as u64, |b: u64| b as u32 as i32);
ctype!(u32, false, [('I', "c_uint")], |v: u32| v as u64, |b: u64| b as u32);
ctype!(i64, true, [('l', "c_long"), ('q', "c_long")], |v: i64| v as u64, |b: u64| b as i64);
ctype!(u64, true, [('L', "c_ulong"), ('Q', "c_ulong")], |v: u64| v, |b: u64| b);
ctype!(f32, false, [('f', "c_float")], |v: f32| v.to_bits() as u64, |b: u64| f32::from_bits(b as u32));
ctype!(f64, true, [('d', "c_double")], |v: f64| v.to_bits(), f64::from_bits);

/// Every typecode CPython's `sharedctypes` knows.
const PY_TYPECODES: &str = "bBuhHiIlLqQfdc";

/// The ctypes class name of `typecode` for `T`, or CPython's `TypeError`.
fn ctype_name<T: CType>(typecode: &str) -> PyResult<&'static str> {
    let mut chars = typecode.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if let Some((_, name)) = T::CODES.iter().find(|(code, _)| *code == c) {
            return Ok(name);
        }
        if PY_TYPECODES.contains(c) {
            return Err(PyErr::Other {
                class: "TypeError".into(),
                message: format!("typecode '{c}' does not hold a Rust {}", std::any::type_name::<T>()),
            });
        }
    }
    Err(PyErr::Other { class: "TypeError".into(), message: "this type has no size".into() })
}

fn width<T: CType>() -> u32 {
    if T::WIDE {
        8
    } else {
        4
    }
}

fn load<T: CType>(a: &Arena, at: u32) -> T {
    let lo = a.load(at) as u64;
    let hi = if T::WIDE { a.load(at + 4) as u64 } else { 0 };
    T::from_bits(lo | hi << 32)
}

fn store<T: CType>(a: &Arena, at: u32, v: T) {
    let bits = v.to_bits();
    a.store(at, bits as u32);
    if T::WIDE {
        a.store(at + 4, (bits >> 32) as u32);
    }
}

fn no_lock(class: &str) -> PyErr {
    PyErr::AttributeError(format!("'{class}' object has no attribute 'get_lock'"))
}

fn new_lock(lock: bool, name: &str) -> PyResult<Option<RLock>> {
    if lock {
        RLock::named(&format!("{name}.lock")).map(Some)
    } else {
        Ok(None)
    }
}

/// `multiprocessing.Value(typecode, value, lock=True)`: one ctypes value of shared memory.
/// `Value::new("i", 0, true)` is Python's `Value('i', 0)`; with `lock` false it is the raw
/// object, which has no `get_lock`.
#[derive(Clone)]
pub struct Value<T: CType> {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
    code: char,
    lock: Option<RLock>,
    _t: PhantomData<T>,
}

impl<T: CType> Value<T> {
    pub fn new(typecode: &str, value: T, lock: bool) -> PyResult<Value<T>> {
        Value::named("Value", typecode, value, lock)
    }

    /// A value shown as `name` in the trace.
    pub fn named(name: &str, typecode: &str, value: T, lock: bool) -> PyResult<Value<T>> {
        ctype_name::<T>(typecode)?;
        let (arena, off, id) = new_shared(width::<T>(), ObjKind::SharedValue, name)?;
        store(&arena, off, value);
        let lock = new_lock(lock, name)?;
        let code = typecode.chars().next().expect("checked");
        Ok(Value { arena, off, id, name: name.to_owned(), code, lock, _t: PhantomData })
    }

    fn class(&self) -> &'static str {
        ctype_name::<T>(&self.code.to_string()).unwrap_or("c_int")
    }

    pub fn obj(&self) -> u32 {
        self.id
    }

    /// `.value`.
    pub fn value(&self) -> T {
        hooks::point(Op::Read, self.id);
        let v: T = load(&self.arena, self.off);
        hooks::trace(Kind::Ok, Op::Read, self.id, v.to_bits());
        v
    }

    /// `.value = v`.
    pub fn set_value(&self, v: T) {
        hooks::point(Op::Write, self.id);
        hooks::trace(Kind::Signal, Op::Write, self.id, v.to_bits());
        store(&self.arena, self.off, v);
    }

    /// `get_lock()`: its `RLock`; `AttributeError` for a raw value (`lock=False`).
    pub fn get_lock(&self) -> PyResult<RLock> {
        self.lock.clone().ok_or_else(|| no_lock(self.class()))
    }
}

/// Python's repr: `<Synchronized wrapper for c_int(5)>`, or `c_int(5)` for a raw value.
impl<T: CType> fmt::Display for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: T = load(&self.arena, self.off);
        match self.lock {
            Some(_) => write!(f, "<Synchronized wrapper for {}({v:?})>", self.class()),
            None => write!(f, "{}({v:?})", self.class()),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CWire {
    off: u32,
    id: u32,
    name: String,
    code: char,
    len: u32,
    lock: Option<RLock>,
}

impl<T: CType> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (off, id, name, code, lock) = (self.off, self.id, self.name.clone(), self.code, self.lock.clone());
        CWire { off, id, name, code, len: 1, lock }.serialize(s)
    }
}

impl<'de, T: CType> Deserialize<'de> for Value<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value<T>, D::Error> {
        let w = CWire::deserialize(d)?;
        ctype_name::<T>(&w.code.to_string()).map_err(serde::de::Error::custom)?;
        let arena = attach::<D::Error>(w.id, ObjKind::SharedValue, &w.name)?;
        Ok(Value { arena, off: w.off, id: w.id, name: w.name, code: w.code, lock: w.lock, _t: PhantomData })
    }
}

/// `multiprocessing.Array(typecode, size_or_initializer, lock=True)`: a ctypes array of
/// shared memory. Indexes as Python's: negative ones count from the end; out of range is
/// `IndexError: invalid index`.
#[derive(Clone)]
pub struct Array<T: CType> {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
    code: char,
    len: u32,
    lock: Option<RLock>,
    _t: PhantomData<T>,
}

impl<T: CType + Default> Array<T> {
    /// `Array(typecode, size)`: `size` zeros.
    pub fn new(typecode: &str, size: usize, lock: bool) -> PyResult<Array<T>> {
        Array::make("Array", typecode, &vec![T::default(); size], lock)
    }
}

impl<T: CType> Array<T> {
    /// `Array(typecode, values)`.
    pub fn from_values(typecode: &str, values: &[T], lock: bool) -> PyResult<Array<T>> {
        Array::make("Array", typecode, values, lock)
    }

    /// An array shown as `name` in the trace.
    pub fn named(name: &str, typecode: &str, values: &[T], lock: bool) -> PyResult<Array<T>> {
        Array::make(name, typecode, values, lock)
    }

    fn make(name: &str, typecode: &str, values: &[T], lock: bool) -> PyResult<Array<T>> {
        ctype_name::<T>(typecode)?;
        let len = u32::try_from(values.len())
            .map_err(|_| PyErr::Other { class: "MemoryError".into(), message: String::new() })?;
        let bytes = len
            .checked_mul(width::<T>())
            .ok_or_else(|| PyErr::Other { class: "MemoryError".into(), message: String::new() })?;
        let (arena, off, id) = new_shared(bytes.max(4), ObjKind::SharedArray, name)?;
        for (i, v) in values.iter().enumerate() {
            store(&arena, off + i as u32 * width::<T>(), *v);
        }
        let lock = new_lock(lock, name)?;
        let code = typecode.chars().next().expect("checked");
        Ok(Array { arena, off, id, name: name.to_owned(), code, len, lock, _t: PhantomData })
    }

    pub fn obj(&self) -> u32 {
        self.id
    }

    /// `len(a)`.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn class(&self) -> String {
        format!("{}_Array_{}", ctype_name::<T>(&self.code.to_string()).unwrap_or("c_int"), self.len)
    }

    fn index(&self, op: Op, i: i64) -> PyResult<u32> {
        let n = self.len as i64;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            let e = PyErr::Other { class: "IndexError".into(), message: "invalid index".into() };
            hooks::trace_fail(op, self.id, &e);
            return Err(e);
        }
        Ok(self.off + j as u32 * width::<T>())
    }

    /// `a[i]`.
    pub fn get(&self, i: i64) -> PyResult<T> {
        hooks::point(Op::Read, self.id);
        let at = self.index(Op::Read, i)?;
        let v: T = load(&self.arena, at);
        hooks::trace(Kind::Ok, Op::Read, self.id, v.to_bits());
        Ok(v)
    }

    /// `a[i] = v`.
    pub fn set(&self, i: i64, v: T) -> PyResult<()> {
        hooks::point(Op::Write, self.id);
        let at = self.index(Op::Write, i)?;
        hooks::trace(Kind::Signal, Op::Write, self.id, v.to_bits());
        store(&self.arena, at, v);
        Ok(())
    }

    /// `a[start:stop]`, clamped as Python's slices are.
    pub fn slice(&self, start: i64, stop: i64) -> Vec<T> {
        let n = self.len as i64;
        let clamp = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
        let (s, e) = (clamp(start), clamp(stop));
        hooks::point(Op::Read, self.id);
        hooks::trace(Kind::Ok, Op::Read, self.id, (e - s).max(0) as u64);
        (s..e).map(|i| load(&self.arena, self.off + i as u32 * width::<T>())).collect()
    }

    /// `a[:]`.
    pub fn to_vec(&self) -> Vec<T> {
        self.slice(0, self.len as i64)
    }

    /// `get_lock()`: its `RLock`; `AttributeError` for a raw array (`lock=False`).
    pub fn get_lock(&self) -> PyResult<RLock> {
        self.lock.clone().ok_or_else(|| no_lock(&self.class()))
    }
}

impl<T: CType> Serialize for Array<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (off, id, name, code, len, lock) =
            (self.off, self.id, self.name.clone(), self.code, self.len, self.lock.clone());
        CWire { off, id, name, code, len, lock }.serialize(s)
    }
}

impl<'de, T: CType> Deserialize<'de> for Array<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Array<T>, D::Error> {
        let w = CWire::deserialize(d)?;
        ctype_name::<T>(&w.code.to_string()).map_err(serde::de::Error::custom)?;
        let arena = attach::<D::Error>(w.id, ObjKind::SharedArray, &w.name)?;
        Ok(Array { arena, off: w.off, id: w.id, name: w.name, code: w.code, len: w.len, lock: w.lock, _t: PhantomData })
    }
}
