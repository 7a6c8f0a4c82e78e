//! A run as Chrome trace-event JSON, which Perfetto's UI and chrome://tracing open.

use super::{Model, TraceView};
use crate::trace::{Actor, Event, Kind, Op};
use serde::Serialize;
use std::collections::HashMap;

impl TraceView {
    /// The run as Chrome trace-event JSON (opens in Perfetto's UI and chrome://tracing):
    /// one track per thread under its process (real pids and tids, each named once), a
    /// slice for each blocked or sleeping stretch (a wait that never ended, as in a
    /// deadlock, lasts to the end of the run, and so does a thread that never ended), an
    /// instant for each print and signal, and a flow arrow for each of the model's
    /// hand-offs (release -> acquire, set -> wake, put -> get, end -> join ...), across
    /// processes too (a message send -> recv or put -> get, a child's start), with the bytes
    /// that crossed; each child's exit code is an instant at its end and a label of its
    /// process.
    pub fn chrome_json(&self) -> String {
        #[derive(Serialize)]
        struct Ev<'a> {
            name: String,
            cat: &'a str,
            ph: &'a str,
            ts: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            dur: Option<f64>,
            pid: u32,
            tid: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            s: Option<&'a str>,
            /// A flow's id, shared by its start and its end.
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<usize>,
            /// A flow's end binds to the slice enclosing it (the wait it ends).
            #[serde(skip_serializing_if = "Option::is_none")]
            bp: Option<&'a str>,
            args: serde_json::Value,
        }
        let ev = |name: String, cat, ph, ts, dur, actor: Actor, s, args| Ev {
            name,
            cat,
            ph,
            ts,
            dur,
            pid: actor.pid,
            tid: actor.tid,
            s,
            id: None,
            bp: None,
            args,
        };
        let us = |e: &Event| self.t(e) * 1e6; // lesson microseconds
        let end = self.events.last().map_or(0.0, us);
        let mut out: Vec<Ev> = Vec::new();
        let mut pids: Vec<u32> = self.processes.keys().copied().collect();
        pids.extend(self.events.iter().map(|e| e.actor.pid));
        pids.sort();
        pids.dedup();
        let model = Model::of(self);
        for pid in pids {
            let name = serde_json::json!({ "name": self.process_name(pid) });
            out.push(ev("process_name".into(), "__metadata", "M", 0.0, None, Actor::thread(pid, 0), None, name));
            if let Some((t, code)) = model.process(pid).and_then(|p| p.exit) {
                let labels = serde_json::json!({ "labels": format!("exitcode {code}") });
                out.push(ev(
                    "process_labels".into(),
                    "__metadata",
                    "M",
                    0.0,
                    None,
                    Actor::thread(pid, 0),
                    None,
                    labels,
                ));
                let args = serde_json::json!({ "exitcode": code });
                out.push(ev(
                    format!("exitcode {code}"),
                    "process",
                    "i",
                    t * 1e6,
                    None,
                    Actor::thread(pid, 0),
                    Some("p"),
                    args,
                ));
            }
        }
        let mut threads: Vec<Actor> = self.threads.keys().copied().collect();
        threads.sort();
        for actor in threads {
            let name = serde_json::json!({ "name": self.thread_name(actor) });
            out.push(ev("thread_name".into(), "__metadata", "M", 0.0, None, actor, None, name));
        }
        let mut open: HashMap<Actor, (f64, String)> = HashMap::new();
        let mut start: HashMap<Actor, f64> = HashMap::new();
        for (i, e) in self.events.iter().enumerate() {
            let ts = us(e);
            let what = if e.obj != 0 {
                format!("{} {}", e.op.name(), self.obj_name(e.obj_key()))
            } else {
                e.op.name().to_owned()
            };
            let no_args = serde_json::json!({});
            match e.kind {
                Kind::ThreadStart => {
                    start.insert(e.actor, ts);
                }
                Kind::ThreadEnd => {
                    if let Some(s) = start.remove(&e.actor) {
                        let name = self.thread_name(e.actor).to_owned();
                        out.push(ev(name, "thread", "X", s, Some(ts - s), e.actor, None, no_args));
                    }
                }
                Kind::Block => {
                    let name = if e.op == Op::Sleep { "sleep".into() } else { format!("blocked: {what}") };
                    open.insert(e.actor, (ts, name));
                }
                Kind::Ok | Kind::Timeout | Kind::Fail if open.contains_key(&e.actor) => {
                    let (s, name) = open.remove(&e.actor).unwrap();
                    let args = serde_json::json!({ "outcome": e.kind.name() });
                    out.push(ev(name, "wait", "X", s, Some(ts - s), e.actor, None, args));
                }
                Kind::Print => {
                    let line = self.strings.get(&i).cloned().unwrap_or_default();
                    out.push(ev(line, "print", "i", ts, None, e.actor, Some("t"), no_args));
                }
                Kind::Signal | Kind::Fail | Kind::WaitEdge => {
                    let args = match e.msg() {
                        Some((no, bytes)) => serde_json::json!({ "message": no, "bytes": bytes }),
                        None => serde_json::json!({ "value": e.arg }),
                    };
                    out.push(ev(what, "op", "i", ts, None, e.actor, Some("t"), args));
                }
                // A child's threads and waits end when it is gone (a terminated child's
                // never recorded their ends).
                Kind::ProcEnd => {
                    let child = |a: &Actor| a.pid == e.obj;
                    let mut waits: Vec<_> = open.extract_if(|a, _| child(a)).collect();
                    waits.sort_by_key(|(a, _)| *a);
                    for (actor, (s, name)) in waits {
                        let args = serde_json::json!({ "outcome": "process ended" });
                        out.push(ev(name, "wait", "X", s, Some(ts - s), actor, None, args));
                    }
                    let mut threads: Vec<_> = start.extract_if(|a, _| child(a)).collect();
                    threads.sort_by_key(|(a, _)| *a);
                    for (actor, s) in threads {
                        let args = serde_json::json!({ "outcome": "process ended" });
                        out.push(ev(
                            self.thread_name(actor).to_owned(),
                            "thread",
                            "X",
                            s,
                            Some(ts - s),
                            actor,
                            None,
                            args,
                        ));
                    }
                }
                Kind::ProcStart => {
                    let name = format!("start {}", self.process_name(e.obj));
                    let args = serde_json::json!({ "pid": e.obj, "bytes": e.arg, "daemon": e.code == 1 });
                    out.push(ev(name, "process", "i", ts, None, e.actor, Some("t"), args));
                }
                _ => {}
            }
        }
        // Waits and threads still open when the trace ends (a deadlock, a Stop) are spans
        // to its end.
        let mut unended: Vec<_> = open.into_iter().collect();
        unended.sort_by_key(|(a, _)| *a);
        for (actor, (s, name)) in unended {
            let args = serde_json::json!({ "outcome": "never ended" });
            out.push(ev(name, "wait", "X", s, Some(end - s), actor, None, args));
        }
        let mut running: Vec<_> = start.into_iter().collect();
        running.sort_by_key(|(a, _)| *a);
        for (actor, s) in running {
            let name = self.thread_name(actor).to_owned();
            let args = serde_json::json!({ "outcome": "never ended" });
            out.push(ev(name, "thread", "X", s, Some(end - s), actor, None, args));
        }
        // Hand-offs, as the timeline draws them: from the releasing thread to the one that
        // went on.
        for (k, a) in model.arrows.iter().enumerate() {
            let name = match a.op {
                Op::None => "end → join".to_owned(),
                Op::Start if a.obj == 0 => format!("start {}", self.process_name(a.to.pid)),
                op => format!("{} {}", op.name(), self.obj_name(a.key())),
            };
            let args = match a.bytes {
                Some(bytes) => serde_json::json!({ "bytes": bytes }),
                None => serde_json::json!({}),
            };
            let from = ev(name.clone(), "handoff", "s", a.t0 * 1e6, None, a.from, None, args.clone());
            out.push(Ev { id: Some(k + 1), ..from });
            let to = ev(name, "handoff", "f", a.t1 * 1e6, None, a.to, None, args);
            out.push(Ev { id: Some(k + 1), bp: Some("e"), ..to });
        }
        serde_json::json!({ "traceEvents": out, "displayTimeUnit": "ms" }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::TraceView;
    use crate::trace::{Kind, ObjKind, Op, Trace};

    /// `MainThread` holds `lock`; `worker` blocks on it and goes on at its release;
    /// `stuck` starts and never ends.
    fn trace() -> TraceView {
        let tr = Trace::new(64, 0);
        let mut t = 0;
        let mut ev = |tid, kind, code: u16, obj, arg| {
            t += 1_000;
            tr.emit_at(t, tid, kind, code, obj, arg);
        };
        ev(0, Kind::RunStart, 0, 0, 1.0f64.to_bits());
        ev(0, Kind::Process, 0, 1, tr.intern("MainProcess").0);
        ev(1, Kind::ThreadStart, 0, 0, tr.intern("MainThread").0);
        ev(1, Kind::ObjNew, ObjKind::Lock as u16, 1, tr.intern("lock").0);
        ev(1, Kind::Ok, Op::Acquire as u16, 1, 1);
        ev(2, Kind::ThreadStart, 0, 0, tr.intern("worker").0);
        ev(3, Kind::ThreadStart, 0, 0, tr.intern("stuck").0);
        ev(2, Kind::Block, Op::Acquire as u16, 1, 0);
        ev(1, Kind::Signal, Op::Release as u16, 1, 0);
        ev(2, Kind::Ok, Op::Acquire as u16, 1, 1);
        ev(2, Kind::ThreadEnd, 0, 0, 0);
        ev(1, Kind::ThreadEnd, 0, 0, 0);
        TraceView::from_trace(&tr)
    }

    fn events(view: &TraceView) -> Vec<serde_json::Value> {
        let json: serde_json::Value = serde_json::from_str(&view.chrome_json()).expect("valid JSON");
        json["traceEvents"].as_array().unwrap().clone()
    }

    #[test]
    fn one_name_per_thread_and_process() {
        let evs = events(&trace());
        let names: Vec<(&str, u64, &str)> = evs
            .iter()
            .filter(|e| e["ph"] == "M")
            .map(|e| (e["name"].as_str().unwrap(), e["tid"].as_u64().unwrap(), e["args"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("process_name", 0, "MainProcess"),
                ("thread_name", 1, "MainThread"),
                ("thread_name", 2, "worker"),
                ("thread_name", 3, "stuck")
            ]
        );
    }

    #[test]
    fn a_handoff_is_a_flow_from_the_release_to_the_acquire() {
        let evs = events(&trace());
        let flows: Vec<&serde_json::Value> = evs.iter().filter(|e| e["cat"] == "handoff").collect();
        assert_eq!(flows.len(), 2, "{flows:?}");
        let (s, f) = (flows[0], flows[1]);
        assert_eq!(
            (s["ph"].as_str(), s["tid"].as_u64(), s["name"].as_str()),
            (Some("s"), Some(1), Some("release lock"))
        );
        assert_eq!((f["ph"].as_str(), f["tid"].as_u64(), f["bp"].as_str()), (Some("f"), Some(2), Some("e")));
        assert_eq!(s["id"], f["id"]);
        assert!(s["ts"].as_f64() <= f["ts"].as_f64());
        // The flow starts inside the releasing thread's slice, so Perfetto can bind it.
        let main = evs.iter().find(|e| e["ph"] == "X" && e["cat"] == "thread" && e["tid"] == 1).unwrap();
        let (t0, dur) = (main["ts"].as_f64().unwrap(), main["dur"].as_f64().unwrap());
        assert!((t0..=t0 + dur).contains(&s["ts"].as_f64().unwrap()));
    }

    #[test]
    fn a_thread_that_never_ended_lasts_to_the_end() {
        let evs = events(&trace());
        let stuck = evs.iter().find(|e| e["ph"] == "X" && e["cat"] == "thread" && e["tid"] == 3).expect("a slice");
        assert_eq!(stuck["args"]["outcome"], "never ended");
        // The trace's last event (MainThread's end) is its twelfth, at 12 µs.
        assert_eq!(stuck["ts"].as_f64().unwrap() + stuck["dur"].as_f64().unwrap(), 12.0);
    }

    #[test]
    fn processes_carry_their_exit_codes_and_messages_their_bytes() {
        let traces = crate::analysis::model::tests::three_processes();
        let view = TraceView::from_traces(&traces.iter().collect::<Vec<_>>());
        let evs = events(&view);
        let names: Vec<(u64, &str)> = evs
            .iter()
            .filter(|e| e["name"] == "process_name")
            .map(|e| (e["pid"].as_u64().unwrap(), e["args"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names, vec![(1, "MainProcess"), (2, "Process-1"), (3, "Process-2")]);
        let exit = evs.iter().find(|e| e["cat"] == "process" && e["ph"] == "i" && e["pid"] == 3).expect("an exit");
        assert_eq!((exit["args"]["exitcode"].as_i64(), exit["ts"].as_f64()), (Some(-15), Some(90.0)));
        // The put in child 2 flows to the get in the parent, with its bytes.
        let flows: Vec<&serde_json::Value> =
            evs.iter().filter(|e| e["cat"] == "handoff" && e["args"]["bytes"] == 40).collect();
        let pids: Vec<(&str, u64)> =
            flows.iter().map(|e| (e["ph"].as_str().unwrap(), e["pid"].as_u64().unwrap())).collect();
        assert_eq!(pids, vec![("s", 2), ("f", 1)]);
        assert_eq!(flows[0]["name"], "put q");
        let start =
            evs.iter().find(|e| e["cat"] == "handoff" && e["ph"] == "f" && e["pid"] == 3).expect("a start flow");
        assert_eq!((start["name"].as_str(), start["args"]["bytes"].as_u64()), (Some("start Process-2"), Some(80)));
        // The terminated child's thread never recorded its end: its slice ends with it.
        let t3 = evs.iter().find(|e| e["cat"] == "thread" && e["pid"] == 3).expect("child 3's thread");
        assert_eq!(t3["args"]["outcome"], "process ended");
        assert_eq!(t3["ts"].as_f64().unwrap() + t3["dur"].as_f64().unwrap(), 90.0);
    }
}
