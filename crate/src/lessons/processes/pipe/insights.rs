//! What a run showed: waits in recv(), EOF after the writer closed, the closed end's error.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let all = lines(v);
    let main = |prefix: &str| all.iter().find(|l| l.actor.pid == 1 && l.text.starts_with(prefix)).cloned();
    let mut out = Vec::new();

    // 1. recv() blocks until data: main's blocked spans on a Recv, and how long.
    let mut blocked = 0;
    let mut longest = 0.0f64;
    let mut since: Option<f64> = None;
    for e in v.events.iter().filter(|e| e.actor.pid == 1 && e.op == Op::Recv) {
        match e.kind {
            Kind::Block => since = Some(v.t(e)),
            Kind::Ok | Kind::Fail => {
                if let Some(t0) = since.take() {
                    blocked += 1;
                    longest = longest.max(v.t(e) - t0);
                }
            }
            _ => {}
        }
    }
    let delay = p.float("delay_s");
    out.push(Insight {
        id: "recv_blocks_until_data",
        title: Text { ru: "recv() ждёт, пока придут данные", en: "recv() waits until data arrives" },
        observed: blocked > 0,
        detail: if blocked > 0 {
            msg!(
                ru: "main ждал в recv() {blocked} раз, дольше всего {longest}: пока в канале пусто, recv() блокируется (задержка отправки {delay}).",
                en: "main waited in recv() {blocked} times, at most {longest}: while the pipe is empty, recv() blocks (the send delay is {delay}).";
                blocked = blocked, longest = Secs(longest), delay = Secs(delay),
            )
        } else {
            Msg::new(
                "main ни разу не ждал: данные уже лежали в канале к каждому recv(). Задайте задержку больше нуля.",
                "main never waited: the data was already in the pipe at every recv(). Set a delay above zero.",
            )
        },
    });

    // 2. Closing the writer gives the reader EOFError.
    let eof = main("main: poll() = ").filter(|_| all.iter().any(|l| l.text.contains("EOFError")));
    out.push(Insight {
        id: "closed_writer_gives_eof",
        title: Text {
            ru: "Закрытый пишущий конец даёт читателю EOFError",
            en: "A closed writer gives the reader EOFError",
        },
        observed: eof.is_some(),
        detail: match (eof.is_some(), p.flag("close_early")) {
            (true, _) => Msg::new(
                "Потомок закрыл свой конец, а main свою копию закрыл сразу после start(): пишущих концов не осталось, и recv() поднял EOFError вместо вечного ожидания.",
                "The child closed its end, and main had closed its copy right after start(): no write end was left, so recv() raised EOFError instead of waiting forever.",
            ),
            (false, true) => Msg::new("Прогон остановлен до EOF.", "The run was stopped before EOF."),
            (false, false) => Msg::new(
                "Потомок отправил всё и не закрывал конец раньше: EOFError не понадобился. Включите «закрыть раньше».",
                "The child sent everything and did not close early: no EOFError was needed. Turn on 'close early'.",
            ),
        },
    });

    // 3. Sending on a closed end, or on the wrong end of a one-way pipe, is an error.
    let errors: Vec<String> = all.iter().filter(|l| l.text.contains(": OSError: ")).map(|l| l.text.clone()).collect();
    out.push(Insight {
        id: "send_on_closed_end_fails",
        title: Text {
            ru: "Отправка в закрытый или чужой конец — ошибка",
            en: "Sending on a closed or wrong end is an error",
        },
        observed: !errors.is_empty(),
        detail: if errors.is_empty() {
            Msg::new(
                "В этом прогоне никто не отправлял в закрытый или принимающий конец. Включите «закрыть раньше» или выключите duplex.",
                "Nobody sent on a closed or receiving end in this run. Turn on 'close early' or turn duplex off.",
            )
        } else {
            let list = errors.join("; ");
            msg!(ru: "OSError, как в CPython: {list}.", en: "OSError, as in CPython: {list}."; list = list)
        },
    });
    out
}
