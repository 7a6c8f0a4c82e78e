//! `multiprocessing.managers`: a server process that holds objects, and proxies that call
//! them from any process of the run.
//!
//! A manager is a real child process (`SyncManager-1`) running [`server`]'s target. Clients
//! find it through its [`Listener`]: a ring of the run's arena standing for a listening
//! socket (its backlog), which a `BaseManager` also publishes under its `address` for other
//! processes to find. A client connects by creating a duplex [`Pipe`](super::Pipe) and
//! handing one end to the server through the listener; the two then authenticate each
//! other with an HMAC challenge (`auth`), and the server answers that connection on a
//! thread of its own, as CPython's `Server` does.
//!
//! Every proxy operation is one round trip on its connection: a request (object, method,
//! arguments) sent, a reply received. The trace shows it as a `call` span on the proxy's
//! object in the caller's lane (its `Ok` carries the real nanoseconds it took) and, through
//! the connection's send and recv, as arrows to and from the manager's lane.

mod auth;
mod server;
mod value;

pub use value::Val;

use super::connection::{pipe_named, Always, Ring, RING_HEADER_BYTES};
use super::synchronize::attach;
use super::{Connection, Process, Target};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::runtime::process::{self, Arena};
use crate::trace::{msg_arg, Kind, ObjKind, Op, SHARED_OBJ_BASE};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The server's target, found by name in the manager's process, and [`ECHO`].
pub(crate) static TARGETS: &[&Target] = &[&server::SERVE, &ECHO];

/// A callable to register for the tests and the bench: returns its argument.
pub static ECHO: Target = crate::target!(echo);

fn echo(x: i64) -> PyResult<i64> {
    Ok(x)
}

/// What a client asks the server.
#[derive(Serialize, Deserialize, Debug)]
enum Request {
    /// `manager.dict()`, `manager.list(...)`, ...: a new object held by the server.
    Create { kind: Referent, args: Vec<Val> },
    /// `proxy._callmethod(method, args)`.
    Call { id: u32, method: String, args: Vec<Val> },
    /// A registered callable by its typeid, with its arguments serialized.
    Callable { typeid: String, args: Vec<u8> },
    /// `manager.shutdown()`.
    Shutdown,
}

/// What the server answers.
#[derive(Serialize, Deserialize, Debug)]
enum Reply {
    /// CPython's `('#RETURN', value)`.
    Return(Val),
    /// A registered callable's value, serialized.
    Bytes(Vec<u8>),
    /// A new object's id.
    Created(u32),
    /// CPython's `('#ERROR', exc)`: the method raised; the client raises the same.
    Error { class: String, message: String },
    /// CPython's `('#TRACEBACK', text)`: the server refused; the client raises `RemoteError`.
    Traceback(String),
}

/// What a proxy stands for, by CPython's proxy type.
#[derive(Clone, Copy, Serialize, Deserialize, Debug, PartialEq, Eq)]
pub enum Referent {
    Dict,
    List,
    Namespace,
    Value,
    Lock,
    Queue,
}

impl Referent {
    /// The proxy's class, as `type(proxy).__name__` says.
    pub fn proxy_name(self) -> &'static str {
        match self {
            Referent::Dict => "DictProxy",
            Referent::List => "ListProxy",
            Referent::Namespace => "NamespaceProxy",
            Referent::Value => "ValueProxy",
            Referent::Lock => "AcquirerProxy",
            Referent::Queue => "AutoProxy[Queue]",
        }
    }

    /// The referent's class, as the server names it in a refusal.
    fn class(self) -> &'static str {
        match self {
            Referent::Dict => "<class 'dict'>",
            Referent::List => "<class 'list'>",
            Referent::Namespace => "<class 'multiprocessing.managers.Namespace'>",
            Referent::Value => "<class 'multiprocessing.managers.Value'>",
            Referent::Lock => "<class '_thread.lock'>",
            Referent::Queue => "<class 'queue.Queue'>",
        }
    }

    /// The typeid the manager registers it under, which the trace names the object by.
    pub fn typeid(self) -> &'static str {
        match self {
            Referent::Dict => "dict",
            Referent::List => "list",
            Referent::Namespace => "Namespace",
            Referent::Value => "Value",
            Referent::Lock => "Lock",
            Referent::Queue => "Queue",
        }
    }

    /// The methods the proxy forwards: CPython's `_exposed_` (an `AutoProxy`'s: the
    /// referent's public methods).
    pub fn exposed(self) -> &'static [&'static str] {
        match self {
            Referent::Dict => &[
                "__contains__",
                "__delitem__",
                "__getitem__",
                "__iter__",
                "__len__",
                "__setitem__",
                "clear",
                "copy",
                "get",
                "items",
                "keys",
                "pop",
                "popitem",
                "setdefault",
                "update",
                "values",
            ],
            Referent::List => &[
                "__add__",
                "__contains__",
                "__delitem__",
                "__getitem__",
                "__len__",
                "__mul__",
                "__reversed__",
                "__rmul__",
                "__setitem__",
                "append",
                "count",
                "extend",
                "index",
                "insert",
                "pop",
                "remove",
                "reverse",
                "sort",
                "__imul__",
            ],
            Referent::Namespace => &["__getattribute__", "__setattr__", "__delattr__"],
            Referent::Value => &["get", "set"],
            Referent::Lock => &["acquire", "release"],
            Referent::Queue => {
                &["empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done"]
            }
        }
    }
}

fn os_error(message: String) -> PyErr {
    PyErr::Other { class: "OSError".into(), message }
}

/// An exception the server's object raised, raised again here as the same class.
fn raised(class: String, message: String) -> PyErr {
    match class.as_str() {
        "RuntimeError" => PyErr::RuntimeError(message),
        "ValueError" => PyErr::ValueError(message),
        "AttributeError" => PyErr::AttributeError(message),
        "TimeoutError" => PyErr::TimeoutError(message),
        "_queue.Empty" => PyErr::Empty,
        "queue.Full" => PyErr::Full,
        _ => PyErr::Other { class, message },
    }
}

/// `multiprocessing.managers.RemoteError`: its `str` frames the server's traceback.
fn remote_error(traceback: &str) -> PyErr {
    let rule = "-".repeat(75);
    PyErr::Other {
        class: "multiprocessing.managers.RemoteError".into(),
        message: format!("\n{rule}\n{traceback}{rule}"),
    }
}

/// Where a server listens: a ring of frames in the arena, each a connection's end handed
/// over (an empty frame asks the server to stop accepting).
#[derive(Clone, Serialize, Deserialize, Debug)]
pub(crate) struct Listener {
    hdr: u32,
    id: u32,
    name: String,
}

impl Listener {
    fn new(name: &str) -> PyResult<Listener> {
        let a = process::current_arena()?;
        let hdr = a.alloc(RING_HEADER_BYTES, 64).map_err(os_error)?;
        Ring::init(&a, hdr)?;
        let id = SHARED_OBJ_BASE + a.next_id();
        hooks::shared_object(id, ObjKind::Manager, name);
        Ok(Listener { hdr, id, name: name.to_owned() })
    }

    fn ring(&self) -> Ring {
        Ring { hdr: self.hdr }
    }

    /// Puts a frame in the backlog (a connection's end, or the stop request).
    fn post(&self, a: &Arena, bytes: &[u8]) -> PyResult<()> {
        let no = a.next_id();
        let id = self.id;
        self.ring().write_frames(a, [(no, bytes)], id, Op::Send, &Always, || {
            hooks::trace(Kind::Signal, Op::Send, id, msg_arg(no, bytes.len() as u32))
        })
    }

    /// The next frame of the backlog, waiting for one.
    fn accept(&self, a: &Arena) -> PyResult<Vec<u8>> {
        let (no, bytes) =
            self.ring().read_frame(a, self.id, Op::Recv, &Always)?.ok_or_else(|| PyErr::runtime("listener closed"))?;
        hooks::trace(Kind::Ok, Op::Recv, self.id, msg_arg(no, bytes.len() as u32));
        Ok(bytes)
    }

    /// `Client(address, authkey)`: a new connection to the server, authenticated both ways.
    fn connect(&self, authkey: &[u8]) -> PyResult<Connection> {
        let a = process::current_arena()?;
        let (mine, theirs) = pipe_named(&format!("{}:conn", self.name), true)?;
        // Serialized, the server's end counts for this process until the server takes it
        // over; our own handle of it closes at once.
        let bytes = process::encode(&theirs)?;
        theirs.close();
        self.post(&a, &bytes)?;
        auth::answer_challenge(&mine, authkey)?;
        auth::deliver_challenge(&mine, authkey)?;
        Ok(mine)
    }
}

// The address book of the run's arena: which listener an `address` stands for, as the OS
// maps a (host, port) to a listening socket.
const BOOK_ENTRIES: u32 = 32;
const ENTRY: u32 = 64;
const NAME_MAX: usize = 48;
const E_READY: u32 = 0;
const E_HDR: u32 = 4;
const E_ID: u32 = 8;
const E_LEN: u32 = 12;
const E_NAME: u32 = 16;

fn address_book(a: &Arena) -> PyResult<u32> {
    use crate::runtime::process::arena::H_ADDRESSES;
    loop {
        match a.load(H_ADDRESSES) {
            0 => {
                let book = a.alloc(BOOK_ENTRIES * ENTRY, 64).map_err(os_error)?;
                // Another process may have made one meanwhile: its book is the one (this
                // one stays unused, as the bump heap frees nothing).
                let _ = a.cas(H_ADDRESSES, 0, book);
            }
            book => return Ok(book),
        }
    }
}

fn entry_name(a: &Arena, e: u32) -> String {
    let len = (a.load(e + E_LEN) as usize).min(NAME_MAX);
    let mut buf = vec![0u8; len];
    a.read(e + E_NAME, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Publishes `listener` under `address`: `OSError` if it is taken, as `bind` says.
fn bind(address: &str, listener: &Listener) -> PyResult<()> {
    if address.is_empty() || address.len() > NAME_MAX {
        return Err(os_error(format!("an address is 1 to {NAME_MAX} bytes")));
    }
    let a = process::current_arena()?;
    let book = address_book(&a)?;
    if lookup(&a, book, address).is_some() {
        return Err(os_error("[Errno 98] Address already in use".into()));
    }
    for i in 0..BOOK_ENTRIES {
        let e = book + i * ENTRY;
        if a.cas(e + E_READY, 0, 1).is_ok() {
            a.store(e + E_HDR, listener.hdr);
            a.store(e + E_ID, listener.id);
            a.store(e + E_LEN, address.len() as u32);
            a.write(e + E_NAME, address.as_bytes());
            a.store(e + E_READY, 2);
            return Ok(());
        }
    }
    Err(os_error(format!("a run may listen at {BOOK_ENTRIES} addresses at most")))
}

fn lookup(a: &Arena, book: u32, address: &str) -> Option<Listener> {
    (0..BOOK_ENTRIES).map(|i| book + i * ENTRY).find_map(|e| {
        (a.load(e + E_READY) == 2 && entry_name(a, e) == address).then(|| Listener {
            hdr: a.load(e + E_HDR),
            id: a.load(e + E_ID),
            name: address.to_owned(),
        })
    })
}

/// The listener published at `address`, or `ConnectionRefusedError` as a closed port gives.
fn find(address: &str) -> PyResult<Listener> {
    let a = process::current_arena()?;
    let book = address_book(&a)?;
    let l = lookup(&a, book, address).ok_or_else(|| PyErr::Other {
        class: "ConnectionRefusedError".into(),
        message: "[Errno 111] Connection refused".into(),
    })?;
    hooks::shared_object(l.id, ObjKind::Manager, address);
    Ok(l)
}

/// A process's way to one server: the listener, the key, and a connection per thread
/// (CPython's proxies keep one per thread in `_tls`), made on first use.
struct Client {
    listener: Listener,
    authkey: Vec<u8>,
    conns: Mutex<Vec<(u32, Connection)>>,
}

impl Client {
    fn new(listener: Listener, authkey: Vec<u8>) -> Arc<Client> {
        Arc::new(Client { listener, authkey, conns: Mutex::new(Vec::new()) })
    }

    /// The client of this process for the manager at `listener`: proxies that arrive in a
    /// process share its connections, one per thread, as CPython's share `_tls`.
    fn shared(listener: Listener, authkey: Vec<u8>) -> Arc<Client> {
        static CLIENTS: Mutex<Vec<(usize, u32, Weak<Client>)>> = Mutex::new(Vec::new());
        let run = crate::runtime::current().map_or(0, |c| Arc::as_ptr(&c.run) as usize);
        let mut all = CLIENTS.lock().unwrap();
        all.retain(|(_, _, w)| w.strong_count() > 0);
        let same = |(r, id, _): &&(usize, u32, Weak<Client>)| *r == run && *id == listener.id;
        if let Some(c) = all.iter().find(same).and_then(|(_, _, w)| w.upgrade()) {
            return c;
        }
        let c = Client::new(listener, authkey);
        all.push((run, c.listener.id, Arc::downgrade(&c)));
        c
    }

    /// This thread's connection.
    fn conn(&self) -> PyResult<Connection> {
        let tid = hooks::tid();
        if let Some((_, c)) = self.conns.lock().unwrap().iter().find(|(t, _)| *t == tid) {
            return Ok(c.clone());
        }
        self.connect_cold(tid)
    }

    #[cold]
    fn connect_cold(&self, tid: u32) -> PyResult<Connection> {
        let c = self.listener.connect(&self.authkey)?;
        self.conns.lock().unwrap().push((tid, c.clone()));
        Ok(c)
    }

    /// One round trip: the request out, the reply back, traced as a `call` on `obj`.
    fn round_trip(&self, obj: u32, req: &Request) -> PyResult<Reply> {
        let conn = self.conn()?;
        hooks::point(Op::Call, obj);
        hooks::trace(Kind::Attempt, Op::Call, obj, 0);
        let t0 = crate::clock::now_ns();
        conn.send(req)?;
        let reply: Reply = conn.recv()?;
        hooks::trace(Kind::Ok, Op::Call, obj, crate::clock::now_ns().saturating_sub(t0));
        Ok(reply)
    }

    fn value(&self, obj: u32, req: &Request) -> PyResult<Val> {
        match self.round_trip(obj, req)? {
            Reply::Return(v) => Ok(v),
            other => Err(self.unexpected(obj, other)),
        }
    }

    #[cold]
    fn unexpected(&self, obj: u32, reply: Reply) -> PyErr {
        let e = match reply {
            Reply::Error { class, message } => raised(class, message),
            Reply::Traceback(t) => remote_error(&t),
            other => PyErr::runtime(&format!("unexpected reply from the manager: {other:?}")),
        };
        hooks::trace_fail(Op::Call, obj, &e);
        e
    }
}

/// A proxy: a handle on an object the manager holds. Every operation is a round trip to
/// the manager's process. Clones share this process's connections; a copy in a child's
/// arguments connects anew from there, as a CPython proxy does after unpickling.
#[derive(Clone)]
pub struct Proxy {
    client: Arc<Client>,
    id: u32,
    kind: Referent,
}

#[derive(Serialize, Deserialize)]
struct ProxyWire {
    listener: Listener,
    authkey: Vec<u8>,
    id: u32,
    kind: Referent,
}

impl Serialize for Proxy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ProxyWire {
            listener: self.client.listener.clone(),
            authkey: self.client.authkey.clone(),
            id: self.id,
            kind: self.kind,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Proxy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Proxy, D::Error> {
        let w = ProxyWire::deserialize(d)?;
        attach::<D::Error>(w.id, ObjKind::Proxy, w.kind.typeid())?;
        attach::<D::Error>(w.listener.id, ObjKind::Manager, &w.listener.name)?;
        Ok(Proxy { client: Client::shared(w.listener, w.authkey), id: w.id, kind: w.kind })
    }
}

impl Proxy {
    /// The object's id in every process's trace (the manager's id for it).
    pub fn obj(&self) -> u32 {
        self.id
    }

    pub fn kind(&self) -> Referent {
        self.kind
    }

    /// `proxy._callmethod(method, args)`: sent as is; the server refuses a method the
    /// proxy does not expose (`RemoteError`, with the server's traceback).
    pub fn callmethod(&self, method: &str, args: Vec<Val>) -> PyResult<Val> {
        let req = Request::Call { id: self.id, method: method.to_owned(), args };
        self.client.value(self.id, &req)
    }

    /// `proxy.method(*args)`: Python looks the method up on the proxy first, which has
    /// only the exposed ones (`AttributeError` before anything is sent); a
    /// `NamespaceProxy` forwards any other name to the referent's attributes.
    pub fn call(&self, method: &str, args: Vec<Val>) -> PyResult<Val> {
        if self.kind.exposed().contains(&method) {
            return self.callmethod(method, args);
        }
        if self.kind == Referent::Namespace {
            return self.getattr(method);
        }
        Err(PyErr::AttributeError(format!("'{}' object has no attribute '{method}'", self.kind.proxy_name())))
    }

    /// `proxy[key]`.
    pub fn getitem(&self, key: impl Into<Val>) -> PyResult<Val> {
        self.call("__getitem__", vec![key.into()])
    }

    /// `proxy[key] = value`.
    pub fn setitem(&self, key: impl Into<Val>, value: impl Into<Val>) -> PyResult<()> {
        self.call("__setitem__", vec![key.into(), value.into()]).map(drop)
    }

    /// `len(proxy)`.
    pub fn len(&self) -> PyResult<usize> {
        Ok(self.call("__len__", vec![])?.as_int().unwrap_or(0) as usize)
    }

    /// `ns.name` of a `NamespaceProxy`.
    pub fn getattr(&self, name: &str) -> PyResult<Val> {
        if self.kind != Referent::Namespace {
            return self.call(name, vec![]);
        }
        self.callmethod("__getattribute__", vec![Val::str(name)])
    }

    /// `ns.name = value` of a `NamespaceProxy`.
    pub fn setattr(&self, name: &str, value: impl Into<Val>) -> PyResult<()> {
        if self.kind != Referent::Namespace {
            return Err(PyErr::AttributeError(format!(
                "'{}' object has no attribute '{name}'",
                self.kind.proxy_name()
            )));
        }
        self.callmethod("__setattr__", vec![Val::str(name), value.into()]).map(drop)
    }

    /// `v.value` of a `ValueProxy` (its `get()`).
    pub fn value(&self) -> PyResult<Val> {
        self.call("get", vec![])
    }

    /// `v.value = x` of a `ValueProxy` (its `set(x)`).
    pub fn set_value(&self, value: impl Into<Val>) -> PyResult<()> {
        self.call("set", vec![value.into()]).map(drop)
    }

    /// `lock.acquire()` of an `AcquirerProxy`: the manager's thread for this connection
    /// waits for the lock, and this call with it.
    pub fn acquire(&self) -> PyResult<bool> {
        Ok(self.call("acquire", vec![])?.truthy())
    }

    pub fn release(&self) -> PyResult<()> {
        self.call("release", vec![]).map(drop)
    }

    /// `with lock:` through the proxy: two round trips around `f`.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        self.release()?;
        r
    }
}

/// Python's repr of a proxy: `<DictProxy object, typeid 'dict' at 0x...>`; the address
/// is the object's id.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} object, typeid '{}' at {:#x}>", self.kind.proxy_name(), self.kind.typeid(), self.id)
    }
}

/// The started manager, in the process that started it: the server process and how to
/// reach it. Leaving it (the last handle dropped) shuts the server down, as CPython's
/// finalizer does.
struct Started {
    process: Process,
    client: Arc<Client>,
    down: AtomicBool,
}

impl Started {
    fn start(
        name: &str,
        address: Option<&str>,
        authkey: Vec<u8>,
        registry: Vec<(String, String, bool)>,
    ) -> PyResult<Started> {
        // Port 0: the "OS" picks a free one, as `bind(('127.0.0.1', 0))` does.
        let address = match address {
            Some(a) if a.ends_with(":0") => {
                let arena = process::current_arena()?;
                Some(format!("{}:{}", &a[..a.len() - 2], 40000 + arena.next_id() % 20000))
            }
            other => other.map(str::to_owned),
        };
        let address = address.as_deref();
        let listener = Listener::new(address.unwrap_or(name))?;
        if let Some(address) = address {
            bind(address, &listener)?;
        }
        let args = server::Args { listener: listener.clone(), authkey: authkey.clone(), registry };
        let process = Process::named(name, &server::SERVE, &args)?;
        process.start()?;
        Ok(Started { process, client: Client::new(listener, authkey), down: AtomicBool::new(false) })
    }

    /// `shutdown()`: asks the server to stop, waits for its process (1 s, then
    /// terminates it, as CPython's `_finalize_manager`).
    fn shutdown(&self) -> PyResult<()> {
        if self.down.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let obj = self.client.listener.id;
        match self.client.round_trip(obj, &Request::Shutdown)? {
            Reply::Return(_) => {}
            other => return Err(self.client.unexpected(obj, other)),
        }
        self.client.conns.lock().unwrap().clear();
        self.process.join(Some(1.0))?;
        if self.process.is_alive()? {
            self.process.terminate()?;
            self.process.join(None)?;
        }
        Ok(())
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if !self.down.load(Ordering::SeqCst) && crate::runtime::current().is_some() {
            let _ = self.shutdown();
        }
    }
}

/// A fresh authentication key: CPython's `current_process().authkey`, which children
/// inherit (a proxy carries it into the process it is passed to).
fn new_authkey() -> Vec<u8> {
    (0..4).flat_map(|_| (hooks::random_u64() ^ crate::clock::now_ns()).to_le_bytes()).collect()
}

/// `multiprocessing.Manager()`: a started `SyncManager`.
#[allow(non_snake_case)]
pub fn Manager() -> PyResult<SyncManager> {
    let ctx = crate::runtime::current().ok_or_else(|| PyErr::runtime("multiprocessing works inside a run"))?;
    let n = ctx.run.procs.next_child_number();
    let started = Started::start(&format!("SyncManager-{n}"), None, new_authkey(), Vec::new())?;
    Ok(SyncManager(Arc::new(started)))
}

/// `multiprocessing.managers.SyncManager`, started: makes objects in its process and
/// hands out proxies to them.
#[derive(Clone)]
pub struct SyncManager(Arc<Started>);

impl SyncManager {
    fn create(&self, kind: Referent, args: Vec<Val>) -> PyResult<Proxy> {
        let client = &self.0.client;
        let obj = client.listener.id;
        match client.round_trip(obj, &Request::Create { kind, args })? {
            Reply::Created(id) => {
                hooks::shared_object(id, ObjKind::Proxy, kind.typeid());
                Ok(Proxy { client: client.clone(), id, kind })
            }
            other => Err(client.unexpected(obj, other)),
        }
    }

    /// `manager.dict()`.
    pub fn dict(&self) -> PyResult<Proxy> {
        self.create(Referent::Dict, vec![])
    }

    /// `manager.list(items)`.
    pub fn list(&self, items: Vec<Val>) -> PyResult<Proxy> {
        self.create(Referent::List, items)
    }

    /// `manager.Namespace()`.
    #[allow(non_snake_case)]
    pub fn Namespace(&self) -> PyResult<Proxy> {
        self.create(Referent::Namespace, vec![])
    }

    /// `manager.Value(typecode, value)`.
    #[allow(non_snake_case)]
    pub fn Value(&self, typecode: &str, value: impl Into<Val>) -> PyResult<Proxy> {
        self.create(Referent::Value, vec![Val::str(typecode), value.into()])
    }

    /// `manager.Lock()`.
    #[allow(non_snake_case)]
    pub fn Lock(&self) -> PyResult<Proxy> {
        self.create(Referent::Lock, vec![])
    }

    /// `manager.Queue(maxsize)`.
    #[allow(non_snake_case)]
    pub fn Queue(&self, maxsize: i64) -> PyResult<Proxy> {
        self.create(Referent::Queue, vec![Val::Int(maxsize)])
    }

    /// The manager's process (`manager._process`).
    pub fn process(&self) -> &Process {
        &self.0.process
    }

    /// The manager's id in the trace (its listener's).
    pub fn obj(&self) -> u32 {
        self.0.client.listener.id
    }

    /// `manager.shutdown()` (leaving `with Manager() as m:`).
    pub fn shutdown(&self) -> PyResult<()> {
        self.0.shutdown()
    }
}

/// `multiprocessing.managers.BaseManager(address, authkey)`: callables registered by
/// typeid, served by a process started here ([`BaseManager::start`]) or reached from
/// another process ([`BaseManager::connect`]).
pub struct BaseManager {
    address: String,
    authkey: Vec<u8>,
    registry: Vec<(String, &'static Target, bool)>,
    state: Option<Reach>,
}

enum Reach {
    Started(Started),
    Connected(Arc<Client>),
}

impl BaseManager {
    /// `BaseManager(address=address, authkey=authkey)`.
    pub fn new(address: &str, authkey: &[u8]) -> BaseManager {
        BaseManager { address: address.to_owned(), authkey: authkey.to_vec(), registry: Vec::new(), state: None }
    }

    /// `register(typeid, callable)`: `m.typeid(*args)` runs `callable` in the server. With
    /// `one_at_a_time`, the server runs it holding a lock of that object's (a `Lock` the
    /// registered object keeps), so concurrent calls queue.
    pub fn register(&mut self, typeid: &str, callable: &'static Target, one_at_a_time: bool) {
        self.registry.retain(|(t, _, _)| t != typeid);
        self.registry.push((typeid.to_owned(), callable, one_at_a_time));
    }

    /// `start()`: the server process, listening at the address.
    pub fn start(&mut self) -> PyResult<()> {
        if self.state.is_some() {
            return Err(PyErr::Other {
                class: "multiprocessing.managers.ProcessError".into(),
                message: "Already started server".into(),
            });
        }
        let ctx = crate::runtime::current().ok_or_else(|| PyErr::runtime("multiprocessing works inside a run"))?;
        let n = ctx.run.procs.next_child_number();
        let registry = self.registry.iter().map(|(t, c, one)| (t.clone(), c.name.to_owned(), *one)).collect();
        let s = Started::start(&format!("BaseManager-{n}"), Some(&self.address), self.authkey.clone(), registry)?;
        self.state = Some(Reach::Started(s));
        Ok(())
    }

    /// `connect()`: to a server already listening at the address; a wrong key is refused
    /// with `AuthenticationError`.
    pub fn connect(&mut self) -> PyResult<()> {
        let client = Client::new(find(&self.address)?, self.authkey.clone());
        client.conn()?;
        self.state = Some(Reach::Connected(client));
        Ok(())
    }

    fn client(&self) -> PyResult<&Arc<Client>> {
        match &self.state {
            Some(Reach::Started(s)) => Ok(&s.client),
            Some(Reach::Connected(c)) => Ok(c),
            None => Err(PyErr::Other {
                class: "multiprocessing.managers.ProcessError".into(),
                message: "Manager has not been started".into(),
            }),
        }
    }

    /// `m.typeid(*args)`: one round trip; the server runs the registered callable.
    pub fn call<A: Serialize, R: DeserializeOwned>(&self, typeid: &str, args: &A) -> PyResult<R> {
        let client = self.client()?;
        let obj = client.listener.id;
        let req = Request::Callable { typeid: typeid.to_owned(), args: process::encode(args)? };
        match client.round_trip(obj, &req)? {
            Reply::Bytes(b) => process::decode(&b),
            other => Err(client.unexpected(obj, other)),
        }
    }

    /// `m.address`: where the server listens (a port 0 resolved to the one it got).
    pub fn address(&self) -> &str {
        match &self.state {
            Some(Reach::Started(s)) => &s.client.listener.name,
            _ => &self.address,
        }
    }

    /// The server's process, when started here.
    pub fn process(&self) -> Option<&Process> {
        match &self.state {
            Some(Reach::Started(s)) => Some(&s.process),
            _ => None,
        }
    }

    /// The manager's id in the trace (its listener's).
    pub fn obj(&self) -> Option<u32> {
        self.client().ok().map(|c| c.listener.id)
    }

    /// `shutdown()`: only a manager started here can be shut down.
    pub fn shutdown(&self) -> PyResult<()> {
        match &self.state {
            Some(Reach::Started(s)) => s.shutdown(),
            _ => Err(PyErr::AttributeError("'BaseManager' object has no attribute 'shutdown'".into())),
        }
    }
}
