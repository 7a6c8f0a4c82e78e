//! The deadlock report: who waits on what, held by whom, in the one wording that the page,
//! the command line and the embed API show.

use super::TraceView;
use crate::text::Msg;
use crate::trace::{Actor, Event, Kind, ObjKey, ObjKind};

/// A deadlock report line: `waiter` waits on `obj`, held by `holder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitEdge {
    pub waiter: Actor,
    pub obj: u32,
    /// Who holds `obj` (`None`: nobody does).
    pub holder: Option<Actor>,
}

impl WaitEdge {
    /// The edge a `WaitEdge` event records (the watchdog's report of a deadlock).
    pub fn of(e: &Event) -> Option<WaitEdge> {
        (e.kind == Kind::WaitEdge).then(|| WaitEdge {
            waiter: e.actor,
            obj: e.obj,
            // A shared object's holder may be a thread of another process: its pid is in
            // the high half (0: the waiter's own).
            holder: (e.arg as u32 != 0).then(|| {
                let pid = if e.obj_key().is_shared() && e.arg >> 32 != 0 { (e.arg >> 32) as u32 } else { e.actor.pid };
                Actor::thread(pid, e.arg as u32)
            }),
        })
    }

    /// The object waited on, as the run names it.
    pub fn key(&self) -> ObjKey {
        ObjKey::new(self.waiter.pid, self.obj)
    }

    /// "MainThread waits on Lock 'lock' held by MainThread", in both languages: the one
    /// wording that the page, the command line and the embed API show. In a run of several
    /// processes the threads are named with their process (`Process-1/MainThread`): a
    /// shared lock's holder may be another process's.
    pub fn describe(&self, view: &TraceView) -> Msg {
        let who = |a: Actor| match view.processes.len() > 1 {
            true => format!("{}/{}", view.process_name(a.pid), view.thread_name(a)),
            false => view.thread_name(a).to_owned(),
        };
        let w = who(self.waiter);
        match view.objects.get(&self.key()) {
            Some((ObjKind::Thread, name)) => Msg::new(
                format!("{w} ждёт завершения потока '{name}' (join)"),
                format!("{w} waits on Thread '{name}' (join)"),
            ),
            Some((kind, name)) => {
                let k = kind.name();
                match self.holder {
                    None => Msg::new(
                        format!("{w} ждёт {k} '{name}', который никто не держит"),
                        format!("{w} waits on {k} '{name}', which nobody holds"),
                    ),
                    Some(h) => {
                        let h = who(h);
                        Msg::new(
                            format!("{w} ждёт {k} '{name}', который держит {h}"),
                            format!("{w} waits on {k} '{name}' held by {h}"),
                        )
                    }
                }
            }
            None => Msg::new(format!("{w} ждёт"), format!("{w} waits")),
        }
    }
}
