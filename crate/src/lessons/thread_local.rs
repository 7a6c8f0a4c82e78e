//! thread-local: `threading.local()` holds a separate value of each attribute for each
//! thread; a thread that never set it gets `AttributeError`.

use super::exec::{failures, lines, ru_plural, s_en, s_ru, tid_named};
use super::{no_cross_checks, Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Local;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};
use crate::trace::{Kind, ObjKind, Op};
use std::sync::Arc;

const ATTRIBUTE_ERROR: &str = "AttributeError: '_thread._local' object has no attribute 'value'";

static PARAMS: [ParamSpec; 3] = [
    ParamSpec {
        key: "threads",
        label: Text { ru: "потоков", en: "threads" },
        kind: ParamKind::Int { min: 1, max: 16, default: 2 },
    },
    ParamSpec {
        key: "values",
        label: Text { ru: "значений у каждого потока", en: "values per thread" },
        kind: ParamKind::Int { min: 1, max: 20, default: 3 },
    },
    ParamSpec {
        key: "main_reads",
        label: Text { ru: "главный поток читает data.value", en: "the main thread reads data.value" },
        kind: ParamKind::Bool { default: true },
    },
];

const LISTING: &str = r#"import threading
import time

data = threading.local()


def show():
    print(f'{threading.current_thread().name}: data.value = {data.value}')


def worker(n):
    for i in range({{values}}):
        data.value = n * 100 + i
        time.sleep(0.5)         # meanwhile the other threads set data.value too
        show()


threads = [threading.Thread(target=worker, args=(n,), name=f't{n}')
           for n in range(1, {{threads}} + 1)]
for t in threads:
    t.start()
for t in threads:
    t.join()

if {{main_reads}}:
    show()                      # MainThread never set data.value
"#;

const EXPLANATION: Text = Text {
    ru: "Глобальная переменная видна всем потокам сразу: что записал один, то прочитает и другой. \
threading.local() — объект, который выглядит как одна глобальная переменная, но у каждого потока \
в нём свои атрибуты. Поток t1 пишет data.value = 100, поток t2 — data.value = 200, и каждый потом \
читает именно своё, хотя имя одно и объект один.\n\n\
Здесь каждый поток записывает значение, засыпает (в это время остальные записывают свои значения в \
тот же data) и печатает, что прочитал. Если бы data был обычным объектом, потоки затирали бы значения \
друг друга; с local каждый видит только то, что записал сам. Так в реальных программах хранят \
«текущее» для потока: соединение с базой данных, пользователя запроса, настройки.\n\n\
Обратная сторона: поток, который сам ничего не записал, ничего и не увидит. Главный поток не \
присваивал data.value, поэтому его чтение заканчивается ошибкой AttributeError — значения рабочих \
потоков ему не принадлежат. Выключите чтение в главном потоке, чтобы программа закончилась без ошибки.",
    en: "A global variable is shared by every thread: what one writes, another reads. \
threading.local() is an object that looks like one global variable, but each thread has its own \
attributes in it. Thread t1 sets data.value = 100, thread t2 sets data.value = 200, and each later reads \
its own, even though the name and the object are the same.\n\n\
Here each thread writes a value, sleeps (while the others write theirs into the same data) and prints \
what it reads back. Were data an ordinary object, the threads would overwrite each other's values; with \
local, each sees only what it wrote itself. Real programs keep a thread's \"current\" things this way: a \
database connection, the user of a request, settings.\n\n\
The flip side: a thread that wrote nothing sees nothing. The main thread never set data.value, so its \
read ends in AttributeError: the workers' values are not its own. Turn the main thread's read off for a \
run that ends without an error.",
};

pub static LESSON: Lesson = Lesson {
    id: "thread-local",
    section: Section::Threads,
    title: Text {
        ru: "threading.local(): у каждого потока своё", en: "threading.local(): each thread its own"
    },
    params: &PARAMS,
    listing: LISTING,
    explanation: EXPLANATION,
    default_speed: 1.0,
    threads: |p| p.int("threads") as usize + 1,
    run,
    validate: no_cross_checks,
    insights,
};

fn show(data: &Local<i64>) -> PyResult<()> {
    let value = data.get("value")?;
    py_print!("{}: data.value = {value}", threading::current_thread().name())
}

fn run(p: &Params) -> PyResult<()> {
    let values = p.int("values");
    let data: Arc<Local<i64>> = Arc::new(Local::named("data"));
    let threads: Vec<Thread> = (1..=p.int("threads"))
        .map(|n| {
            let data = data.clone();
            Thread::named(&format!("t{n}"), "worker", move || {
                for i in 0..values {
                    data.set("value", n * 100 + i);
                    runtime::sleep(0.5)?;
                    show(&data)?;
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
    if p.flag("main_reads") {
        show(&data)?;
    }
    Ok(())
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let n = p.int("threads");
    let per = p.int("values");
    let data = v.find_obj(ObjKind::Local, "data");
    let all = lines(v);
    let mut out = Vec::new();

    // Each worker's printed values against the values it wrote (n * 100 + i, in order), and
    // how many writes by other threads fell between a thread's write and its read.
    let mut reads = 0u64;
    let mut own = 0u64;
    let mut foreign_writes = 0u64;
    let mut samples_ru = Vec::new();
    let mut samples_en = Vec::new();
    for k in 1..=n {
        let Some(tid) = tid_named(v, &format!("t{k}")) else { continue };
        let seen: Vec<i64> = all
            .iter()
            .filter(|l| l.actor == tid && !l.stderr)
            .filter_map(|l| l.text.rsplit_once("= ").and_then(|(_, x)| x.trim().parse().ok()))
            .collect();
        reads += seen.len() as u64;
        own += seen.iter().enumerate().filter(|(i, x)| **x == k * 100 + *i as i64).count() as u64;
        if k <= 3 {
            let list = seen.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
            samples_ru.push(format!("t{k}: {list}"));
            samples_en.push(format!("t{k}: {list}"));
        }
        // Between each of this thread's writes and its next read.
        let mut since_write: Option<u64> = None;
        for e in v.events.iter().filter(|e| Some(e.obj) == data && data.is_some()) {
            match (e.kind, e.op) {
                (Kind::Signal, Op::Write) if e.actor == tid => since_write = Some(0),
                (Kind::Signal, Op::Write) => {
                    if let Some(c) = since_write.as_mut() {
                        *c += 1;
                    }
                }
                (Kind::Ok, Op::Read) if e.actor == tid => foreign_writes += since_write.take().unwrap_or(0),
                _ => {}
            }
        }
    }
    let expected = (n * per) as u64;
    let more = if n > 3 { "; …" } else { "" };
    out.push(Insight {
        id: "isolation",
        title: Text { ru: "Каждый поток читает своё значение", en: "Each thread reads its own value" },
        observed: reads == expected && own == reads && reads > 0,
        detail: Msg::new(
            format!(
                "Прочитано {reads} из {expected}, своих значений {own} ({}{more}). Пока потоки спали между записью и чтением, другие потоки записали data.value в сумме {foreign_writes} {} — и ничего чужого не затёрли.",
                samples_ru.join("; "),
                ru_plural(foreign_writes, "раз", "раза", "раз")
            ),
            format!(
                "{reads} of {expected} reads, {own} of them the thread's own values ({}{more}). While the threads slept between a write and a read, other threads set data.value {foreign_writes} times in all, and overwrote nothing of theirs.",
                samples_en.join("; ")
            ),
        ),
    });

    let main_reads = p.flag("main_reads");
    let failed = failures(v).into_iter().find(|(who, msg)| who.is_main_thread() && msg == ATTRIBUTE_ERROR);
    let printed = all.iter().any(|l| l.actor.is_main_thread() && l.stderr && l.text.ends_with(ATTRIBUTE_ERROR));
    let at = v.events.iter().find(|e| e.actor.is_main_thread() && e.kind == Kind::Fail).map_or(0.0, |e| v.t(e));
    let writes = v
        .events
        .iter()
        .filter(|e| Some(e.obj) == data && data.is_some() && e.kind == Kind::Signal && e.op == Op::Write)
        .count();
    out.push(Insight {
        id: "main_attribute_error",
        title: Text { ru: "Из главного потока — AttributeError", en: "From the main thread: AttributeError" },
        observed: main_reads && failed.is_some() && printed,
        detail: if failed.is_some() {
            Msg::new(
                format!(
                    "В {} MainThread прочитал data.value, хотя рабочие потоки записали его {writes} {}, и получил {ATTRIBUTE_ERROR}.",
                    s_ru(at),
                    ru_plural(writes as u64, "раз", "раза", "раз")
                ),
                format!("At {} MainThread read data.value, which the workers had set {writes} times, and got {ATTRIBUTE_ERROR}.", s_en(at)),
            )
        } else if main_reads {
            Msg::new("Главный поток не дошёл до чтения.", "The main thread never got to its read.")
        } else {
            Msg::new(
                "В этом запуске главный поток data.value не читал (main_reads = False): программа закончилась без ошибки.",
                "In this run the main thread did not read data.value (main_reads = False): the program ended without an error.",
            )
        },
    });
    out
}
