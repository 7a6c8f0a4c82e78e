//! What a run showed: the three phases' lines, and rayon's measure beside them.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;

/// One `report` line of the listing.
#[derive(Clone, Copy, Default)]
struct Phase {
    exact: bool,
    secs: f64,
    speedup: Option<f64>,
    efficiency: Option<f64>,
}

fn number_after(text: &str, key: &str) -> Option<f64> {
    let rest = &text[text.find(key)? + key.len()..];
    rest.split([',', ' ']).next()?.parse().ok()
}

fn phase(v: &TraceView, what: &str) -> Option<Phase> {
    let prefix = format!("main: {what}: ");
    let l = lines(v).into_iter().find(|l| l.actor.pid == 1 && l.text.starts_with(&prefix))?;
    Some(Phase {
        exact: l.text.contains("exact True"),
        secs: number_after(&l.text, "True, ").or_else(|| number_after(&l.text, "False, "))?,
        speedup: number_after(&l.text, "speed-up "),
        efficiency: number_after(&l.text, "efficiency "),
    })
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let (k, cores) = (p.int("k"), crate::runtime::cpu_count());
    let seq = phase(v, "sequential");
    let procs = phase(v, "processes");
    let threads = phase(v, "threads");
    let n = p.int("n") as u128;
    let expected = n * (n + 1) / 2;
    let mut out = Vec::new();

    let phases: Vec<Phase> = [seq, procs, threads].into_iter().flatten().collect();
    out.push(Insight {
        id: "sum_exact",
        title: Text {
            ru: "Сумма точная при любом разбиении", en: "The sum is exact however it is split"
        },
        observed: phases.len() == 3 && phases.iter().all(|p| p.exact),
        detail: if phases.len() == 3 {
            msg!(
                ru: "Все три суммы равны {expected} = N·(N+1)/2: куски 1..N не пересекаются и ничего не теряют.",
                en: "All three sums are {expected} = N·(N+1)/2: the chunks of 1..N neither overlap nor miss a number.";
                expected = expected.to_string(),
            )
        } else {
            Msg::new("Прогон остановлен до конца всех трёх сумм.", "The run was stopped before all three sums.")
        },
    });

    let rayon = v.measures.get("rayon_s").copied();
    let rayon_text = match (rayon, seq) {
        (Some(r), Some(s)) if r > 0.0 => msg!(
            ru: " Для сравнения, пул rayon (кража работы) сложил те же куски за {r}: в {x:.2} раза быстрее одного ядра — столько даёт эта машина.",
            en: " For reference, rayon's work-stealing pool summed the same chunks in {r}: {x:.2}x one core, what this machine can give.";
            r = Secs(r), x = s.secs / r,
        ),
        _ if v.measures.contains_key("rayon_unavailable") => Msg::new(
            " Пул rayon здесь недоступен, сравнения с ним нет.",
            " rayon's pool is not available here: no reference to compare with.",
        ),
        _ => Msg::new("", ""),
    };
    out.push(Insight {
        id: "speedup_measured",
        title: Text {
            ru: "Процессы ускоряют счёт, потоки под GIL — нет",
            en: "Processes speed the sum up, threads under the GIL do not",
        },
        observed: match (procs.and_then(|p| p.speedup), threads.and_then(|t| t.speedup)) {
            (Some(ps), Some(ts)) => ps > ts,
            _ => false,
        },
        detail: match (procs, threads) {
            (Some(pr), Some(th)) => {
                let (ps, ts) = (pr.speedup.unwrap_or(0.0), th.speedup.unwrap_or(0.0));
                let base = msg!(
                    ru: "{k} процессов: в {ps:.2} раза быстрее одного ({t1}) на {cores} ядрах; {k} потоков: {ts:.2} — под GIL они считают по очереди.",
                    en: "{k} processes: {ps:.2}x one core ({t1}) on {cores} cores; {k} threads: {ts:.2}x, since under the GIL they take turns.";
                    k = k, ps = ps, ts = ts, cores = cores, t1 = Secs(seq.map_or(0.0, |s| s.secs)),
                );
                let small = if ps < 1.0 {
                    Msg::new(
                        " Запуск процессов стоил дороже самой работы: увеличьте N.",
                        " Starting the processes cost more than the work itself: raise N.",
                    )
                } else {
                    Msg::new("", "")
                };
                Msg::join([base, small, rayon_text], "")
            }
            _ => Msg::new("Прогон остановлен до замеров.", "The run was stopped before the measurements."),
        },
    });

    let eff = procs.and_then(|p| p.efficiency);
    out.push(Insight {
        id: "efficiency_is_speedup_over_cores",
        title: Text { ru: "Эффективность = ускорение / ядра", en: "Efficiency = speed-up / cores" },
        observed: eff.is_some(),
        detail: match (eff, procs.and_then(|p| p.speedup)) {
            (Some(e), Some(s)) => {
                let more = if k as usize > cores {
                    msg!(
                        ru: " Процессов больше, чем ядер ({k} на {cores}): лишние добавляют запуск, а не скорость.",
                        en: " More processes than cores ({k} on {cores}): the extra ones add start-up, not speed.";
                        k = k, cores = cores,
                    )
                } else {
                    Msg::new("", "")
                };
                Msg::join(
                    [
                        msg!(
                            ru: "Эффективность {e:.2} = {s:.2} / {cores}: полезной работой была занята такая доля машины.",
                            en: "Efficiency {e:.2} = {s:.2} / {cores} cores: the share of the machine that did useful work.";
                            e = e, s = s, cores = cores,
                        ),
                        more,
                    ],
                    "",
                )
            }
            _ => Msg::new("Прогон остановлен до замеров.", "The run was stopped before the measurements."),
        },
    });
    out
}
