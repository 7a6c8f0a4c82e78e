//! What a run showed: the server answered each client on a thread of its own, the calls
//! went through the service's lock one at a time, and a wrong key was refused.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::BTreeSet;

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let clients = p.int("clients") as usize;
    let calls = p.int("calls") as usize;
    let server = v.processes.iter().find(|(_, n)| n.starts_with("BaseManager-")).map(|(pid, _)| *pid);
    let is_client = |pid: u32| v.process_name(pid).starts_with("client-");
    let mut out = Vec::new();

    // 1. A thread of the server's own for each connection.
    let threads: BTreeSet<u32> =
        v.ops(Kind::Ok, Op::Serve).filter(|e| Some(e.actor.pid) == server).map(|e| e.actor.tid).collect();
    let client_calls = v.ops(Kind::Ok, Op::Call).filter(|e| is_client(e.actor.pid)).count();
    let refused = lines(v).iter().filter(|l| l.text.contains(": refused: AuthenticationError: ")).count();
    let connected = clients - refused.min(clients);
    out.push(Insight {
        id: "a_thread_per_connection",
        title: Text {
            ru: "Сервер отвечает каждому соединению в своём потоке",
            en: "The server answers each connection on a thread of its own",
        },
        observed: connected > 0 && threads.len() >= connected,
        detail: msg!(
            ru: "Подключились {c} клиентов из {n}; на сервере запросы обслуживали {t} потоков (и ещё один — запрос main на остановку). Клиенты сделали {k} вызовов, каждый — запрос и ответ по своему соединению.",
            en: "{c} clients of {n} connected; on the server {t} threads served requests (one more served main's shutdown). The clients made {k} calls, each a request and a reply on its own connection.";
            c = connected, n = clients, t = threads.len().saturating_sub(1), k = client_calls,
        ),
    });

    // 2. The service's lock: never two calls inside at once; how many waited for it.
    let lock = v
        .objects
        .iter()
        .find(|(k, (kind, name))| Some(k.pid) == server && *kind == ObjKind::Lock && name == "square.lock")
        .map(|(k, _)| *k);
    let (inside_max, waited) = match lock {
        Some(k) => {
            let waited =
                v.events.iter().filter(|e| e.obj_key() == k && e.kind == Kind::Block && e.op == Op::Acquire).count();
            (v.max_inside(k), waited)
        }
        None => (0, 0),
    };
    out.push(Insight {
        id: "calls_one_by_one",
        title: Text { ru: "Вызовы проходят через сервер по одному", en: "Calls go through the server one by one" },
        observed: lock.is_some() && inside_max == 1,
        detail: if lock.is_some() {
            msg!(
                ru: "Внутри замка сервиса одновременно было не больше {m} вызова; {w} вызовов ждали своей очереди у замка. Сервер обслуживает клиентов параллельно, но замок выстраивает их работу в очередь: чем больше клиентов и задержка, тем дольше каждый вызов.",
                en: "At most {m} call was inside the service's lock at once; {w} calls waited their turn at the lock. The server serves clients in parallel, but the lock queues their work: the more clients and the longer the delay, the longer each call.";
                m = inside_max, w = waited,
            )
        } else {
            Msg::new(
                "Ни один вызов не дошёл до сервиса: клиенты не подключились.",
                "No call reached the service: no client connected.",
            )
        },
    });

    // 3. A wrong key: refused before any call, with CPython's AuthenticationError.
    let wrong = p.choice("authkey") == "wrong";
    out.push(Insight {
        id: "wrong_key_refused",
        title: Text { ru: "Неверный ключ — отказ", en: "A wrong key is refused" },
        observed: refused > 0 && client_calls == 0,
        detail: match (wrong, refused) {
            (true, r) if r > 0 => msg!(
                ru: "Все {r} клиентов с неверным ключом получили AuthenticationError: digest sent was rejected, ни одного вызова. Сервер прислал случайный вызов-«challenge», клиент ответил его HMAC со своим ключом — и ответ не сошёлся; сам ключ не передавался.",
                en: "All {r} clients with the wrong key got AuthenticationError: digest sent was rejected, and made no call. The server sent a random challenge, the client answered with its HMAC under its key, and the answer did not match; the key itself never crossed.";
                r = r,
            ),
            (true, _) => Msg::new("Прогон остановлен до отказа.", "The run was stopped before the refusal."),
            (false, _) => msg!(
                ru: "Ключ верный: все {c} клиентов прошли проверку (HMAC случайного вызова, в обе стороны). Выберите неверный ключ, чтобы увидеть отказ. Вызовов на клиента: {k}.",
                en: "The key is right: all {c} clients passed the check (an HMAC of a random challenge, both ways). Choose the wrong key to see a refusal. Calls per client: {k}.";
                c = connected, k = calls,
            ),
        },
    });
    out
}
