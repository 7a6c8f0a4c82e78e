//! What a run showed: every proxy operation a round trip to the manager's process, what
//! one cost, and how that compares with a `Value` in shared memory.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Kind, Op};

/// The per-operation microseconds the workers named `label-N` printed.
fn printed_each(v: &TraceView, label: &str) -> Vec<f64> {
    lines(v)
        .iter()
        .filter(|l| l.text.starts_with(label))
        .filter_map(|l| l.text.split(", ").nth(1)?.strip_suffix(" us each")?.parse().ok())
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let (processes, operations) = (p.int("processes"), p.int("operations"));
    let kind = p.choice("type");
    let is_worker = |pid: u32| v.process_name(pid).starts_with("manager-user-");
    let manager = v.processes.iter().find(|(_, n)| n.starts_with("SyncManager-")).map(|(pid, _)| *pid);
    let mut out = Vec::new();

    // 1. Every operation of the workers is a round trip: a call span in the worker, a
    //    request that arrives in the manager's process and a reply that comes back.
    let calls: Vec<u64> = v.ops(Kind::Ok, Op::Call).filter(|e| is_worker(e.actor.pid)).map(|e| e.arg).collect();
    let served = v.ops(Kind::Ok, Op::Serve).filter(|e| Some(e.actor.pid) == manager).count();
    let to_manager =
        v.events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Recv && Some(e.actor.pid) == manager).count();
    let expected = (processes * operations * 4) as usize;
    out.push(Insight {
        id: "every_operation_a_round_trip",
        title: Text {
            ru: "Каждая операция с прокси — поездка в процесс менеджера и обратно",
            en: "Every proxy operation is a round trip to the manager's process",
        },
        // A long run may outgrow the trace: then fewer events than calls were kept.
        observed: (calls.len() == expected || v.dropped > 0) && !calls.is_empty() && served >= calls.len(),
        detail: msg!(
            ru: "Рабочие процессы сделали {n} вызовов через прокси (ожидалось {e}: на каждую операцию acquire, чтение, запись, release). Менеджер принял {r} сообщений и ответил на {s} запросов: каждый вызов — запрос туда и ответ обратно (стрелки на шкале времени).",
            en: "The workers made {n} proxy calls (expected {e}: acquire, a read, a write and release per operation). The manager received {r} messages and answered {s} requests: each call is a request there and a reply back (the arrows on the timeline).";
            n = calls.len(), e = expected, r = to_manager, s = served,
        ),
    });

    // 2. What one round trip cost, in real time.
    let us: Vec<f64> = calls.iter().map(|&ns| ns as f64 / 1e3).collect();
    let (lo, hi) = (us.iter().copied().fold(f64::INFINITY, f64::min), us.iter().copied().fold(0.0, f64::max));
    out.push(Insight {
        id: "round_trip_cost",
        title: Text { ru: "Сколько стоит одна поездка", en: "What one round trip costs" },
        observed: !us.is_empty(),
        detail: if us.is_empty() {
            Msg::new("Прогон остановлен до первого вызова.", "The run was stopped before the first call.")
        } else {
            msg!(
                ru: "Один вызов через прокси занял в среднем {m} мкс (от {lo} до {hi}): сериализовать запрос, переслать его, разбудить поток менеджера, выполнить метод и прислать ответ.",
                en: "One proxy call took {m} us on average (from {lo} to {hi}): serialize the request, send it, wake the manager's thread, run the method and send the reply back.";
                m = format!("{:.1}", mean(&us)), lo = format!("{lo:.1}"), hi = format!("{hi:.1}"),
            )
        },
    });

    // 3. The same counting in shared memory, in the same run.
    let (via_manager, via_shm) = (printed_each(v, "manager-user-"), printed_each(v, "shm-user-"));
    let (m, s) = (mean(&via_manager), mean(&via_shm));
    let both = !via_manager.is_empty() && !via_shm.is_empty();
    out.push(Insight {
        id: "slower_than_shared_memory",
        title: Text { ru: "Менеджер медленнее общей памяти", en: "A manager is slower than shared memory" },
        observed: both && m > s,
        detail: if both {
            msg!(
                ru: "Операция с {k} в менеджере: {m} мкс, с Value в общей памяти: {s} мкс, в {x} раз быстрее. Общая память — чтение и запись прямо в память; менеджер — четыре пересылки на операцию. Зато менеджер хранит любые объекты и доступен по сети.",
                en: "An operation on the manager's {k}: {m} us; on a Value in shared memory: {s} us, {x} times faster. Shared memory is a read and a write in place; the manager is four messages each way per operation. In return a manager holds any object and can be reached over a network.";
                k = kind.to_owned(), m = format!("{m:.1}"), s = format!("{s:.2}"), x = format!("{:.0}", m / s.max(1e-3)),
            )
        } else {
            Msg::new("Прогон остановлен до обоих замеров.", "The run was stopped before both measurements.")
        },
    });

    // 4. The manager's lock made the counter exact; an unexposed method is refused.
    let all = lines(v);
    let total = format!("main: {kind} in the manager: {} of {}", processes * operations, processes * operations);
    let exact = all.iter().any(|l| l.text == total);
    let refused = all.iter().find(|l| l.text.starts_with("main: AttributeError: ")).map(|l| l.text[6..].to_owned());
    out.push(Insight {
        id: "exact_and_only_exposed",
        title: Text {
            ru: "Под замком менеджера счёт точный; чужой метод прокси не пропускает",
            en: "Under the manager's lock the count is exact; the proxy refuses other methods",
        },
        observed: exact && refused.is_some(),
        detail: match refused {
            Some(r) if exact => msg!(
                ru: "Итог {e} из {e}: чтение и запись шли под Lock() менеджера. Вызов increment() — {r}: прокси знает только методы, которые открывает.",
                en: "The total is {e} of {e}: each read and write ran under the manager's Lock(). Calling increment() gave {r}: a proxy knows only the methods it exposes.";
                e = processes * operations, r = r,
            ),
            _ => Msg::new("Прогон остановлен до итога.", "The run was stopped before the total."),
        },
    });
    out
}
