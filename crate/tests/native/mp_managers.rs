//! `multiprocessing.Manager()` and `BaseManager` natively: the manager is a real OS
//! process; every proxy operation is a round trip to it, traced as a `call`.

use crate::mp_process::run_with;
use parlab::multiprocessing::{BaseManager, Manager, Val};
use parlab::trace::{EndState, Kind, Op};

#[test]
fn a_manager_holds_every_type_and_each_call_is_a_round_trip() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let m = Manager()?;
        let d = m.dict()?;
        d.setitem("count", 1)?;
        let v = d.getitem("count")?.as_int().unwrap();
        d.setitem("count", v + 41)?;
        let mut lines = vec![format!("dict {} len {}", d.getitem("count")?, d.len()?)];
        lines.push(match d.getitem("missing") {
            Err(e) => format!("{}: {}", e.class(), e.message()),
            Ok(v) => format!("no error: {v}"),
        });
        let l = m.list(vec![Val::Int(1), Val::Int(2)])?;
        l.call("append", vec![Val::Int(3)])?;
        lines.push(format!("list {} {}", l.getitem(-1)?, l.len()?));
        let ns = m.Namespace()?;
        ns.setattr("count", 7)?;
        lines.push(format!("ns {}", ns.getattr("count")?));
        lines.push(format!("{}", ns.getattr("nothing").unwrap_err().message()));
        let val = m.Value("i", 5)?;
        val.set_value(6)?;
        lines.push(format!("value {}", val.value()?));
        let lock = m.Lock()?;
        lines.push(format!("acquire {} {}", lock.acquire()?, lock.release().is_ok()));
        lines.push(format!("release again: {}", lock.release().unwrap_err().message()));
        let q = m.Queue(0)?;
        q.call("put", vec![Val::str("x")])?;
        lines.push(format!("queue {}", q.call("get", vec![])?));
        lines.push(format!("{}", d.call("increment", vec![]).unwrap_err().message()));
        let refused = d.callmethod("increment", vec![]).unwrap_err();
        lines.push(format!("{} {}", refused.class(), refused.message().lines().nth(4).unwrap_or("")));
        m.shutdown()?;
        lines.push(format!("manager {} exitcode {:?}", m.process().name(), m.process().exitcode()));
        *out.lock().unwrap() = lines;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished), "{got:?}");
    assert_eq!(
        got[..12],
        [
            "dict 42 len 1",
            "KeyError: 'missing'",
            "list 3 3",
            "ns 7",
            "'Namespace' object has no attribute 'nothing'",
            "value 6",
            "acquire true true",
            "release again: release unlocked lock",
            "queue 'x'",
            "'DictProxy' object has no attribute 'increment'",
            "multiprocessing.managers.RemoteError AttributeError: method 'increment' of <class 'dict'> object is not in exposed=('__contains__', '__delitem__', '__getitem__', '__iter__', '__len__', '__setitem__', 'clear', 'copy', 'get', 'items', 'keys', 'pop', 'popitem', 'setdefault', 'update', 'values')",
            "manager SyncManager-1 exitcode Some(0)",
        ]
    );
    // Every call the main thread made is a traced round trip with its real duration.
    let events = run.trace.snapshot();
    let calls = events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Call).count();
    assert!(calls >= 20, "{calls} calls");
    assert!(events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Call).all(|e| e.arg > 0));
}

#[test]
fn a_wrong_authkey_is_refused() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let mut server = BaseManager::new("127.0.0.1:50000", b"secret");
        server.start()?;
        let mut wrong = BaseManager::new("127.0.0.1:50000", b"guess");
        let e = wrong.connect().unwrap_err();
        let mut right = BaseManager::new("127.0.0.1:50000", b"secret");
        right.connect()?;
        let mut nowhere = BaseManager::new("127.0.0.1:50001", b"secret");
        let refused = nowhere.connect().unwrap_err();
        server.shutdown()?;
        *out.lock().unwrap() = vec![
            format!("{}: {}", e.class(), e.message()),
            "connected".into(),
            format!("{}: {}", refused.class(), refused.message()),
        ];
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished), "{got:?}");
    assert_eq!(
        got,
        [
            "multiprocessing.context.AuthenticationError: digest sent was rejected",
            "connected",
            "ConnectionRefusedError: [Errno 111] Connection refused"
        ]
    );
}
