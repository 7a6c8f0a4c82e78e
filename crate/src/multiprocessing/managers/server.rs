//! The manager's process: CPython's `managers.Server`. Its main thread accepts
//! connections from the listener; each connection is answered on a thread of its own
//! (`handle_request`, then `serve_client`), which authenticates the client and then
//! answers its requests one at a time until the client goes away.

use super::{auth, Listener, Referent, Reply, Request, Val};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::multiprocessing::{Connection, Target};
use crate::prims::{Lock, Queue};
use crate::runtime::process::{self, find_target, Arena};
use crate::threading::Thread;
use crate::trace::{Kind, ObjKind, Op, SHARED_OBJ_BASE};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) static SERVE: Target = crate::target!(serve);

/// What the server process is started with.
#[derive(Serialize, Deserialize)]
pub(super) struct Args {
    pub listener: Listener,
    pub authkey: Vec<u8>,
    /// Registered callables: typeid, the target's name, whether calls take turns.
    pub registry: Vec<(String, String, bool)>,
}

/// An object the server holds.
enum Held {
    Dict(Mutex<Vec<(Val, Val)>>),
    List(Mutex<Vec<Val>>),
    Namespace(Mutex<Vec<(String, Val)>>),
    Value(Mutex<Val>),
    Lock(Lock),
    Queue(Queue<Val>),
}

struct Server {
    listener: Listener,
    authkey: Vec<u8>,
    registry: Vec<(String, &'static Target, Option<Lock>)>,
    objects: Mutex<HashMap<u32, (Referent, Arc<Held>)>>,
    /// Threads started so far, for their names.
    threads: AtomicU32,
}

fn serve(args: Args) -> PyResult<()> {
    let a = process::current_arena()?;
    let mut registry = Vec::new();
    for (typeid, target, one_at_a_time) in args.registry {
        let t = find_target(&target).ok_or_else(|| PyErr::runtime(&format!("no target named {target}")))?;
        registry.push((typeid.clone(), t, one_at_a_time.then(|| Lock::named(&format!("{typeid}.lock")))));
    }
    hooks::shared_object(args.listener.id, ObjKind::Manager, &args.listener.name);
    let server = Arc::new(Server {
        listener: args.listener,
        authkey: args.authkey,
        registry,
        objects: Mutex::new(HashMap::new()),
        threads: AtomicU32::new(0),
    });
    loop {
        let frame = server.listener.accept(&a)?;
        if frame.is_empty() {
            // Shutdown: the serving threads are daemons; they end with the process.
            return Ok(());
        }
        let conn: Connection = process::decode(&frame)?;
        let n = server.threads.fetch_add(1, Ordering::Relaxed) + 1;
        let s = server.clone();
        Thread::named(&format!("Thread-{n} (handle_request)"), "handle_request", move || s.handle(conn))
            .with_daemon(true)
            .start()?;
    }
}

/// The text of CPython's `format_exc()` for an exception raised in `serve_client`.
fn traceback(class: &str, message: &str) -> String {
    format!("Traceback (most recent call last):\n  File \"managers.py\", in serve_client\n{class}: {message}\n")
}

fn error(e: &PyErr) -> Reply {
    Reply::Error { class: e.class().to_owned(), message: e.message().to_owned() }
}

fn key_error(key: &Val) -> PyErr {
    PyErr::Other { class: "KeyError".into(), message: key.to_string() }
}

fn index_error(message: &str) -> PyErr {
    PyErr::Other { class: "IndexError".into(), message: message.into() }
}

fn type_error(message: String) -> PyErr {
    PyErr::Other { class: "TypeError".into(), message }
}

/// The argument at `i`, or CPython's `TypeError` for a missing one.
fn arg<'v>(args: &'v [Val], i: usize, method: &str) -> PyResult<&'v Val> {
    args.get(i)
        .ok_or_else(|| type_error(format!("{method} expected at least {} argument(s), got {}", i + 1, args.len())))
}

/// A list index as Python resolves it (negative from the end).
fn index(args: &[Val], len: usize, method: &str, out_of_range: &str) -> PyResult<usize> {
    let i = arg(args, 0, method)?
        .as_int()
        .ok_or_else(|| type_error("list indices must be integers or slices, not str".into()))?;
    let j = if i < 0 { i + len as i64 } else { i };
    if j < 0 || j >= len as i64 {
        return Err(index_error(out_of_range));
    }
    Ok(j as usize)
}

impl Server {
    /// One connection, on its own thread: authenticate, then serve until it closes.
    fn handle(&self, conn: Connection) -> PyResult<()> {
        let r =
            auth::deliver_challenge(&conn, &self.authkey).and_then(|_| auth::answer_challenge(&conn, &self.authkey));
        if let Err(e) = r {
            conn.close();
            // A refused client is not the server's failure: CPython's thread logs it and ends.
            return match e {
                PyErr::Interrupted => Err(e),
                _ => Ok(()),
            };
        }
        loop {
            let bytes = match conn.recv_bytes() {
                Ok(b) => b,
                // The client closed its end (its thread or process ended): CPython's
                // "got EOF -- exiting thread serving".
                Err(e) if e.class() == "EOFError" => return Ok(()),
                Err(e) => return Err(e),
            };
            let req: Request = process::decode(&bytes)?;
            let obj = match &req {
                Request::Call { id, .. } => *id,
                _ => self.listener.id,
            };
            hooks::trace(Kind::Attempt, Op::Serve, obj, 0);
            let shutdown = matches!(req, Request::Shutdown);
            let reply = match self.answer(req) {
                Ok(r) => r,
                Err(PyErr::Interrupted) => return Err(PyErr::Interrupted),
                Err(e) => error(&e),
            };
            conn.send(&reply)?;
            hooks::trace(Kind::Ok, Op::Serve, obj, 0);
            if shutdown {
                // The accepting thread stops at an empty frame.
                let a: Arena = process::current_arena()?;
                self.listener.post(&a, &[])?;
                return Ok(());
            }
        }
    }

    fn answer(&self, req: Request) -> PyResult<Reply> {
        match req {
            Request::Shutdown => Ok(Reply::Return(Val::None)),
            Request::Create { kind, args } => self.create(kind, args),
            Request::Callable { typeid, args } => {
                let Some((_, target, lock)) = self.registry.iter().find(|(t, _, _)| *t == typeid) else {
                    let m = format!("'{typeid}' unrecognized");
                    return Ok(Reply::Traceback(traceback("AssertionError", &m)));
                };
                let run = || (target.entry)(&args);
                let out = match lock {
                    Some(l) => l.with(run),
                    None => run(),
                }?;
                Ok(Reply::Bytes(out))
            }
            Request::Call { id, method, args } => {
                let Some((kind, held)) = self.objects.lock().unwrap().get(&id).cloned() else {
                    return Ok(Reply::Traceback(traceback("KeyError", &format!("{id:#x}"))));
                };
                if !kind.exposed().contains(&method.as_str()) {
                    let exposed = kind.exposed().iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
                    let m = format!("method '{method}' of {} object is not in exposed=({exposed})", kind.class());
                    return Ok(Reply::Traceback(traceback("AttributeError", &m)));
                }
                Ok(Reply::Return(call(&held, &method, &args)?))
            }
        }
    }

    fn create(&self, kind: Referent, args: Vec<Val>) -> PyResult<Reply> {
        let held = match kind {
            Referent::Dict => Held::Dict(Mutex::new(Vec::new())),
            Referent::List => Held::List(Mutex::new(args)),
            Referent::Namespace => Held::Namespace(Mutex::new(Vec::new())),
            Referent::Value => Held::Value(Mutex::new(args.get(1).cloned().unwrap_or_default())),
            Referent::Lock => Held::Lock(Lock::named("Lock")),
            Referent::Queue => Held::Queue(Queue::named("Queue", args.first().and_then(Val::as_int).unwrap_or(0))),
        };
        let a = process::current_arena()?;
        let id = SHARED_OBJ_BASE + a.next_id();
        hooks::shared_object(id, ObjKind::Proxy, kind.typeid());
        self.objects.lock().unwrap().insert(id, (kind, Arc::new(held)));
        Ok(Reply::Created(id))
    }
}

/// Runs `method` on the held object, as the referent's own method would.
fn call(held: &Held, method: &str, args: &[Val]) -> PyResult<Val> {
    let unsupported = || PyErr::Other {
        class: "NotImplementedError".into(),
        message: format!("Parlab's manager does not implement {method}"),
    };
    match held {
        Held::Dict(d) => {
            let mut d = d.lock().unwrap();
            let find = |d: &Vec<(Val, Val)>, k: &Val| d.iter().position(|(x, _)| x == k);
            match method {
                "__getitem__" => {
                    let k = arg(args, 0, method)?;
                    find(&d, k).map(|i| d[i].1.clone()).ok_or_else(|| key_error(k))
                }
                "get" => {
                    let k = arg(args, 0, method)?;
                    Ok(find(&d, k).map(|i| d[i].1.clone()).unwrap_or_else(|| args.get(1).cloned().unwrap_or_default()))
                }
                "__setitem__" => {
                    let (k, v) = (arg(args, 0, method)?.clone(), arg(args, 1, method)?.clone());
                    match find(&d, &k) {
                        Some(i) => d[i].1 = v,
                        None => d.push((k, v)),
                    }
                    Ok(Val::None)
                }
                "setdefault" => {
                    let k = arg(args, 0, method)?;
                    Ok(match find(&d, k) {
                        Some(i) => d[i].1.clone(),
                        None => {
                            let v = args.get(1).cloned().unwrap_or_default();
                            d.push((k.clone(), v.clone()));
                            v
                        }
                    })
                }
                "__delitem__" | "pop" => {
                    let k = arg(args, 0, method)?;
                    match find(&d, k) {
                        Some(i) => Ok(d.remove(i).1).map(|v| if method == "pop" { v } else { Val::None }),
                        None if method == "pop" && args.len() > 1 => Ok(args[1].clone()),
                        None => Err(key_error(k)),
                    }
                }
                "popitem" => d
                    .pop()
                    .map(|(k, v)| Val::Tuple(vec![k, v]))
                    .ok_or_else(|| key_error(&Val::str("popitem(): dictionary is empty"))),
                "__contains__" => Ok(Val::Bool(find(&d, arg(args, 0, method)?).is_some())),
                "__len__" => Ok(Val::Int(d.len() as i64)),
                "clear" => {
                    d.clear();
                    Ok(Val::None)
                }
                "copy" => Ok(Val::Dict(d.clone())),
                "keys" => Ok(Val::List(d.iter().map(|(k, _)| k.clone()).collect())),
                "values" => Ok(Val::List(d.iter().map(|(_, v)| v.clone()).collect())),
                "items" => Ok(Val::List(d.iter().map(|(k, v)| Val::Tuple(vec![k.clone(), v.clone()])).collect())),
                "update" => {
                    if let Some(Val::Dict(pairs)) = args.first() {
                        for (k, v) in pairs {
                            match find(&d, k) {
                                Some(i) => d[i].1 = v.clone(),
                                None => d.push((k.clone(), v.clone())),
                            }
                        }
                    }
                    Ok(Val::None)
                }
                _ => Err(unsupported()),
            }
        }
        Held::List(l) => {
            let mut l = l.lock().unwrap();
            match method {
                "__getitem__" => Ok(l[index(args, l.len(), method, "list index out of range")?].clone()),
                "__setitem__" => {
                    let i = index(args, l.len(), method, "list assignment index out of range")?;
                    l[i] = arg(args, 1, method)?.clone();
                    Ok(Val::None)
                }
                "__delitem__" => {
                    let i = index(args, l.len(), method, "list assignment index out of range")?;
                    l.remove(i);
                    Ok(Val::None)
                }
                "__len__" => Ok(Val::Int(l.len() as i64)),
                "__contains__" => Ok(Val::Bool(l.contains(arg(args, 0, method)?))),
                "append" => {
                    l.push(arg(args, 0, method)?.clone());
                    Ok(Val::None)
                }
                "extend" => {
                    if let Some(Val::List(v)) = args.first() {
                        l.extend(v.iter().cloned());
                    }
                    Ok(Val::None)
                }
                "insert" => {
                    let i = arg(args, 0, method)?.as_int().unwrap_or(0);
                    let n = l.len() as i64;
                    let at = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
                    l.insert(at, arg(args, 1, method)?.clone());
                    Ok(Val::None)
                }
                "pop" => {
                    if l.is_empty() {
                        return Err(index_error("pop from empty list"));
                    }
                    let i = if args.is_empty() {
                        l.len() - 1
                    } else {
                        index(args, l.len(), method, "pop index out of range")?
                    };
                    Ok(l.remove(i))
                }
                "count" => {
                    let x = arg(args, 0, method)?;
                    Ok(Val::Int(l.iter().filter(|v| *v == x).count() as i64))
                }
                "index" => {
                    let x = arg(args, 0, method)?;
                    l.iter()
                        .position(|v| v == x)
                        .map(|i| Val::Int(i as i64))
                        .ok_or_else(|| PyErr::ValueError(format!("{x} is not in list")))
                }
                "remove" => {
                    let x = arg(args, 0, method)?;
                    let i = l
                        .iter()
                        .position(|v| v == x)
                        .ok_or_else(|| PyErr::ValueError("list.remove(x): x not in list".into()))?;
                    l.remove(i);
                    Ok(Val::None)
                }
                "reverse" => {
                    l.reverse();
                    Ok(Val::None)
                }
                _ => Err(unsupported()),
            }
        }
        Held::Namespace(ns) => {
            let mut ns = ns.lock().unwrap();
            let name = arg(args, 0, method)?.as_str().unwrap_or_default().to_owned();
            let missing = || PyErr::AttributeError(format!("'Namespace' object has no attribute '{name}'"));
            let at = ns.iter().position(|(k, _)| *k == name);
            match method {
                "__getattribute__" => at.map(|i| ns[i].1.clone()).ok_or_else(missing),
                "__setattr__" => {
                    let v = arg(args, 1, method)?.clone();
                    match at {
                        Some(i) => ns[i].1 = v,
                        None => ns.push((name, v)),
                    }
                    Ok(Val::None)
                }
                "__delattr__" => {
                    let i = at.ok_or_else(missing)?;
                    ns.remove(i);
                    Ok(Val::None)
                }
                _ => Err(unsupported()),
            }
        }
        Held::Value(v) => {
            let mut v = v.lock().unwrap();
            match method {
                "get" => Ok(v.clone()),
                "set" => {
                    *v = arg(args, 0, method)?.clone();
                    Ok(Val::None)
                }
                _ => Err(unsupported()),
            }
        }
        Held::Lock(lock) => match method {
            // Blocks this connection's thread, as CPython's `threading.Lock` does there.
            "acquire" => {
                let block = args.first().is_none_or(Val::truthy);
                let timeout = match args.get(1) {
                    Some(Val::Float(t)) => Some(*t),
                    Some(Val::Int(t)) => Some(*t as f64),
                    _ => None,
                };
                Ok(Val::Bool(lock.acquire_with(block, timeout)?))
            }
            "release" => lock.release().map(|_| Val::None),
            _ => Err(unsupported()),
        },
        Held::Queue(q) => {
            let block = args.get(1).is_none_or(Val::truthy);
            match method {
                "put" => q.put(arg(args, 0, method)?.clone(), block, None).map(|_| Val::None),
                "put_nowait" => q.put_nowait(arg(args, 0, method)?.clone()).map(|_| Val::None),
                "get" => q.get(args.first().is_none_or(Val::truthy), None),
                "get_nowait" => q.get_nowait(),
                "qsize" => Ok(Val::Int(q.qsize() as i64)),
                "empty" => Ok(Val::Bool(q.empty())),
                "full" => Ok(Val::Bool(q.full())),
                "task_done" => q.task_done().map(|_| Val::None),
                "join" => q.join().map(|_| Val::None),
                _ => Err(unsupported()),
            }
        }
    }
}
