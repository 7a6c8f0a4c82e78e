//! race-condition: many threads deposit into one bank account; reading the balance and
//! writing it back are two steps with a gap between, so updates are lost, unless a Lock
//! makes the whole read-modify-write one step.

use super::exec::{dropped_note, s_en, s_ru};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Lock;
use crate::py_print;
use crate::runtime;
use crate::threading::Thread;
use crate::trace::{Actor, Kind, ObjKind, Op};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Deposits a run may make in all: each leaves about eight events in the trace, and the
/// trace keeps about a million.
const MAX_DEPOSITS: i64 = 100_000;

static PARAMS: [ParamSpec; 4] = [
    ParamSpec {
        key: "threads",
        label: Text { ru: "потоков-клиентов", en: "client threads" },
        kind: ParamKind::Int { min: 2, max: 128, default: 100 },
    },
    ParamSpec {
        key: "deposits",
        label: Text { ru: "пополнений у каждого", en: "deposits each" },
        kind: ParamKind::Int { min: 1, max: 10_000, default: 1 },
    },
    ParamSpec {
        key: "gap_ms",
        label: Text { ru: "пауза между чтением и записью, мс", en: "read-to-write gap, ms" },
        kind: ParamKind::Int { min: 0, max: 1000, default: 10 },
    },
    ParamSpec {
        key: "lock",
        label: Text { ru: "с блокировкой (Lock)", en: "with a Lock" },
        kind: ParamKind::Bool { default: false },
    },
];

const LISTING: &str = r#"import threading
import time


class BankAccount:
    def __init__(self):
        self.balance = 0
        self.lock = threading.Lock()

    def deposit(self, amount):
        if {{lock}}:
            with self.lock:            # one thread at a time from read to write
                self._add(amount)
        else:
            self._add(amount)

    def _add(self, amount):
        current = self.balance              # 1. read
        time.sleep({{gap_ms}} / 1000)       # 2. the gap: others may read the same value
        self.balance = current + amount     # 3. write back


def client(account, times):
    for _ in range(times):
        account.deposit(1)


account = BankAccount()
start = time.monotonic()
threads = [threading.Thread(target=client, args=(account, {{deposits}}))
           for _ in range({{threads}})]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start

expected = {{threads}} * {{deposits}}
print(f'expected: {expected}')
print(f'balance:  {account.balance}')
print(f'lost:     {expected - account.balance}')
print(f'time:     {elapsed:.2f} s')
"#;

const EXPLANATION: Text = Text {
    ru: "«Положить рубль на счёт» выглядит как одно действие, но это три шага: прочитать баланс, \
прибавить к нему, записать результат. Если между чтением и записью поток отвлёкся (здесь это пауза — \
как обращение к базе данных или сети), другие потоки успевают прочитать тот же старый баланс. Потом \
каждый записывает «старый + 1», и записи затирают друг друга: сто потоков положили по рублю, а на счёте \
прибавился один. Это и есть гонка (race condition): результат зависит от того, в каком порядке потоки \
случайно выполнят свои шаги.\n\n\
Блокировка threading.Lock превращает три шага в неделимый участок: with self.lock: пускает внутрь \
только один поток, остальные ждут у входа. Теперь каждый читает баланс, уже обновлённый предыдущим, \
и не теряется ни одно пополнение.\n\n\
У этой точности есть цена: под блокировкой потоки идут строго по одному, и паузы складываются — \
сто пополнений по 10 мс занимают уже секунду, а не 10 мс. Поэтому под блокировку кладут как можно \
меньше кода — только то, что действительно должно быть неделимым. Запустите без блокировки и с ней \
и сравните баланс, потерянные пополнения и время; поставьте паузу 0 и посмотрите, исчезает ли гонка \
(иногда реже, но не всегда).",
    en: "\"Put a rouble into the account\" looks like one action, but it is three steps: read the \
balance, add to it, write the result back. If a thread is distracted between the read and the write \
(here a pause, like a call to a database or the network), other threads read the same old balance in \
the meantime. Then each writes \"old + 1\", and the writes overwrite one another: a hundred threads \
deposited a rouble each and the balance went up by one. That is a race condition: the result depends \
on the order in which the threads happen to run their steps.\n\n\
A threading.Lock turns the three steps into one indivisible section: with self.lock: lets one thread in \
at a time while the others wait at the door. Now each thread reads the balance already updated by the \
previous one, and no deposit is lost.\n\n\
That exactness has a price: under the lock the threads go strictly one by one and their pauses add up, \
so a hundred deposits of 10 ms each take a second instead of 10 ms. That is why as little code as \
possible goes under a lock: only what really must be indivisible. Run it with and without the lock and \
compare the balance, the lost deposits and the time; set the gap to 0 and see whether the race goes \
away (it gets rarer, but not always).",
};

pub static LESSON: Lesson = Lesson {
    id: "race-condition",
    section: Section::Threads,
    title: Text { ru: "Гонка потоков и Lock", en: "A race condition and a Lock" },
    params: &PARAMS,
    listing: LISTING,
    explanation: EXPLANATION,
    default_speed: 1.0,
    threads: |p| p.int("threads") as usize + 1,
    run,
    validate,
    insights,
};

fn validate(p: &Params) -> Vec<(&'static str, Msg)> {
    let total = p.int("threads") * p.int("deposits");
    if total > MAX_DEPOSITS {
        vec![(
            "deposits",
            Msg::new(
                format!("Потоков × пополнений должно быть не больше 100 000 (сейчас {total}): иначе журнал событий переполнится"),
                format!("threads × deposits must be at most 100,000 (now {total}): beyond that the event trace overflows"),
            ),
        )]
    } else {
        Vec::new()
    }
}

/// `account.balance`: a shared integer whose every read and write is traced. Each single
/// read or write is atomic (as under Python's GIL); the read-modify-write is not.
struct Balance {
    /// The std mutex only keeps the trace in the memory's order; it never spans the gap.
    value: Mutex<i64>,
    obj: u32,
}

impl Balance {
    fn new() -> Balance {
        Balance { value: Mutex::new(0), obj: runtime::new_object(ObjKind::Value, "balance") }
    }
    fn read(&self) -> i64 {
        let v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        runtime::trace(Kind::Ok, Op::Read, self.obj, *v as u64);
        *v
    }
    fn write(&self, new: i64) {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        *v = new;
        runtime::trace(Kind::Signal, Op::Write, self.obj, new as u64);
    }
}

struct BankAccount {
    balance: Balance,
    lock: Lock,
    use_lock: bool,
    gap: f64,
}

impl BankAccount {
    fn deposit(&self, amount: i64) -> PyResult<()> {
        if self.use_lock {
            self.lock.with(|| self.add(amount))
        } else {
            self.add(amount)
        }
    }

    fn add(&self, amount: i64) -> PyResult<()> {
        let current = self.balance.read();
        runtime::sleep(self.gap)?;
        self.balance.write(current + amount);
        Ok(())
    }
}

fn run(p: &Params) -> PyResult<()> {
    let (n, times) = (p.int("threads"), p.int("deposits"));
    let account = Arc::new(BankAccount {
        balance: Balance::new(),
        lock: Lock::named("account.lock"),
        use_lock: p.flag("lock"),
        gap: p.int("gap_ms") as f64 / 1000.0,
    });
    let start = runtime::monotonic();
    let threads: Vec<Thread> = (0..n)
        .map(|_| {
            let account = account.clone();
            Thread::new("client", move || {
                for _ in 0..times {
                    account.deposit(1)?;
                }
                Ok(())
            })
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    for t in &threads {
        t.join(None)?;
    }
    let elapsed = runtime::monotonic() - start;
    let expected = n * times;
    let balance = *account.balance.value.lock().unwrap_or_else(|e| e.into_inner());
    py_print!("expected: {expected}")?;
    py_print!("balance:  {balance}")?;
    py_print!("lost:     {}", expected - balance)?;
    py_print!("time:     {elapsed:.2} s")
}

/// What the trace says about the account.
struct Ledger {
    writes: u64,
    final_balance: i64,
    /// Writes based on a read that another write had already made stale.
    stale_writes: u64,
    /// The most threads that held the same read value at once, waiting to write it back.
    max_same_read: u64,
    /// From the first read to the last write, lesson seconds.
    elapsed: f64,
    /// Total lesson seconds threads spent blocked on the account's lock.
    waited: f64,
    /// The most threads blocked on the lock at once.
    max_waiting: u64,
}

fn ledger(v: &TraceView) -> Ledger {
    let balance = v.find_obj(ObjKind::Value, "balance");
    let lock = v.find_obj(ObjKind::Lock, "account.lock");
    let mut l = Ledger {
        writes: 0,
        final_balance: 0,
        stale_writes: 0,
        max_same_read: 0,
        elapsed: 0.0,
        waited: 0.0,
        max_waiting: 0,
    };
    let mut current: i64 = 0;
    // Thread -> the value it read and has not written back yet.
    let mut pending: HashMap<Actor, i64> = HashMap::new();
    let mut holding: HashMap<i64, u64> = HashMap::new();
    let mut blocked_since: HashMap<Actor, f64> = HashMap::new();
    let (mut first, mut last) = (None, 0.0);
    for e in &v.events {
        if Some(e.obj) == balance && balance.is_some() {
            match (e.kind, e.op) {
                (Kind::Ok, Op::Read) => {
                    let val = e.arg as i64;
                    first.get_or_insert(v.t(e));
                    pending.insert(e.actor, val);
                    let c = holding.entry(val).or_default();
                    *c += 1;
                    l.max_same_read = l.max_same_read.max(*c);
                }
                (Kind::Signal, Op::Write) => {
                    l.writes += 1;
                    if let Some(read) = pending.remove(&e.actor) {
                        if read != current {
                            l.stale_writes += 1;
                        }
                        if let Some(c) = holding.get_mut(&read) {
                            *c = c.saturating_sub(1);
                        }
                    }
                    current = e.arg as i64;
                    last = v.t(e);
                }
                _ => {}
            }
        } else if Some(e.obj) == lock && lock.is_some() && e.op == Op::Acquire {
            match e.kind {
                Kind::Block => {
                    blocked_since.insert(e.actor, v.t(e));
                    l.max_waiting = l.max_waiting.max(blocked_since.len() as u64);
                }
                Kind::Ok | Kind::Timeout => {
                    if let Some(s) = blocked_since.remove(&e.actor) {
                        l.waited += v.t(e) - s;
                    }
                }
                _ => {}
            }
        }
    }
    l.final_balance = current;
    l.elapsed = first.map_or(0.0, |f| last - f);
    l
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let locked = p.flag("lock");
    let gap = p.int("gap_ms") as f64 / 1000.0;
    let l = ledger(v);
    let lost = l.writes as i64 - l.final_balance;
    let serial = l.writes as f64 * gap;
    let mut out = Vec::new();

    out.push(Insight {
        id: "lost_updates",
        title: Text { ru: "Без блокировки пополнения теряются", en: "Without the lock, deposits are lost" },
        observed: !locked && lost > 0,
        detail: if lost > 0 {
            Msg::new(
                format!(
                    "Ожидалось {}, на счёте {}: потеряно {lost}. {} из {} записей опирались на устаревшее чтение; до {} потоков одновременно держали одно и то же прочитанное значение.",
                    l.writes, l.final_balance, l.stale_writes, l.writes, l.max_same_read
                ),
                format!(
                    "Expected {}, the balance is {}: {lost} lost. {} of {} writes were based on a stale read; up to {} threads held the same value read at once.",
                    l.writes, l.final_balance, l.stale_writes, l.writes, l.max_same_read
                ),
            )
        } else if locked {
            Msg::new(
                format!("С блокировкой: ожидалось {}, на счёте {} — ничего не потеряно.", l.writes, l.final_balance),
                format!("With the lock: expected {}, the balance is {}: nothing lost.", l.writes, l.final_balance),
            )
        } else {
            Msg::new(
                format!(
                    "В этот раз повезло: ожидалось {}, на счёте {}. Потоки не пересеклись между чтением и записью; увеличьте паузу или число потоков.",
                    l.writes, l.final_balance
                ),
                format!(
                    "Lucky this time: expected {}, the balance is {}. No two threads overlapped between read and write; raise the gap or the threads.",
                    l.writes, l.final_balance
                ),
            )
        },
    });

    out.push(Insight {
        id: "exact_with_lock",
        title: Text { ru: "С блокировкой не теряется ни одно пополнение", en: "With the lock, not one deposit is lost" },
        observed: locked && l.writes > 0 && lost == 0 && l.stale_writes == 0,
        detail: if locked {
            Msg::new(
                format!(
                    "{} пополнений, баланс {}, потеряно {lost}: каждый поток читал значение, уже записанное предыдущим ({} устаревших чтений).",
                    l.writes, l.final_balance, l.stale_writes
                ),
                format!(
                    "{} deposits, balance {}, {lost} lost: each thread read the value the previous one had written ({} stale reads).",
                    l.writes, l.final_balance, l.stale_writes
                ),
            )
        } else {
            Msg::new(
                format!("Блокировка выключена: потеряно {lost} из {}. Включите её и запустите снова.", l.writes),
                format!("The lock is off: {lost} of {} lost. Turn it on and run again.", l.writes),
            )
        },
    });

    out.push(Insight {
        id: "lock_cost",
        title: Text { ru: "Цена блокировки — время", en: "The lock's price is time" },
        observed: locked && l.waited > 0.0,
        detail: if locked {
            Msg::new(
                format!(
                    "Пополнения шли по одному: {} от первого чтения до последней записи (не меньше {} × {} = {}). Потоки в сумме прождали у блокировки {}, до {} одновременно.",
                    s_ru(l.elapsed),
                    l.writes,
                    s_ru(gap),
                    s_ru(serial),
                    s_ru(l.waited),
                    l.max_waiting
                ),
                format!(
                    "The deposits went one at a time: {} from the first read to the last write (at least {} × {} = {}). Threads waited {} in all at the lock, up to {} at once.",
                    s_en(l.elapsed),
                    l.writes,
                    s_en(gap),
                    s_en(serial),
                    s_en(l.waited),
                    l.max_waiting
                ),
            )
        } else if serial > 0.0 {
            let (ru, en) = if lost > 0 { ("быстро, но неверно", "fast, and wrong") } else { ("быстро, и в этот раз верно", "fast, and right this time") };
            Msg::new(
                format!(
                    "Без блокировки пополнения шли внахлёст: {} на все, тогда как по одному вышло бы не меньше {} — {ru}.",
                    s_ru(l.elapsed),
                    s_ru(serial)
                ),
                format!(
                    "Without the lock the deposits overlapped: {} for all of them, where one at a time would take at least {}: {en}.",
                    s_en(l.elapsed),
                    s_en(serial)
                ),
            )
        } else {
            Msg::new(
                format!("Без блокировки все пополнения заняли {}. Включите блокировку и сравните время.", s_ru(l.elapsed)),
                format!("Without the lock all the deposits took {}. Turn the lock on and compare the time.", s_en(l.elapsed)),
            )
        },
    });
    // Deposits are capped so that a run fits the trace; should one not, the numbers say so.
    if let Some(note) = dropped_note(v) {
        for i in &mut out {
            i.detail.ru.push_str(&note.ru);
            i.detail.en.push_str(&note.en);
        }
    }
    out
}
