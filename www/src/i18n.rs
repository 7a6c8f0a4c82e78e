//! Every word the page shows, in Russian and English, and the language in force.
//!
//! The language follows the browser's at first (Russian where the course's learners are:
//! Russian itself, the languages of the countries around it, and any language set for one
//! of those countries; English otherwise); a `?lang=` in the URL or the learner's switch
//! overrides it, and the switch is kept in localStorage.

use parlab::lessons::{Lang, Text};
use std::cell::Cell;

const STORAGE_KEY: &str = "parlab.lang";

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::Ru) };
}

/// The language in force.
pub fn lang() -> Lang {
    LANG.with(|l| l.get())
}

pub fn set_lang(lang: Lang, remember: bool) {
    LANG.with(|l| l.set(lang));
    if let Some(doc) = gloo::utils::window().document().and_then(|d| d.document_element()) {
        let _ = doc.set_attribute("lang", code(lang));
    }
    if remember {
        if let Ok(Some(storage)) = gloo::utils::window().local_storage() {
            let _ = storage.set_item(STORAGE_KEY, code(lang));
        }
    }
}

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "ru",
        Lang::En => "en",
    }
}

pub fn parse(s: &str) -> Option<Lang> {
    let s = s.trim().to_ascii_lowercase();
    if s.starts_with("ru") {
        Some(Lang::Ru)
    } else if s.starts_with("en") {
        Some(Lang::En)
    } else {
        None
    }
}

/// The language at start: the URL's `lang`, then the stored choice, then the browser's.
pub fn initial(url_lang: Option<&str>) -> Lang {
    if let Some(l) = url_lang.and_then(parse) {
        return l;
    }
    let window = gloo::utils::window();
    if let Some(l) = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|s| parse(&s))
    {
        return l;
    }
    browser_lang(&window.navigator().language().unwrap_or_default())
}

/// Languages whose speakers mostly read Russian too (the course is Russian): Ukrainian,
/// Belarusian, Kazakh, Kyrgyz, Tajik, Uzbek, Turkmen, Azerbaijani, Armenian, Georgian,
/// Tatar, Bashkir, Chuvash, Yakut, Chechen, Ossetian.
const READS_RUSSIAN: &[&str] =
    &["ru", "uk", "be", "kk", "ky", "tg", "uz", "tk", "az", "hy", "ka", "tt", "ba", "cv", "sah", "ce", "os"];
/// Countries where the course's learners are, whatever language the browser is set to.
const RUSSIAN_REGIONS: &[&str] = &["ru", "by", "kz", "kg", "tj", "uz", "tm", "az", "am", "ge", "ua", "md"];

/// The page's language for a browser whose preferred language is the BCP 47 tag `tag`
/// (`navigator.language`, e.g. `uk-UA`, `en-KZ`, `de`).
pub fn browser_lang(tag: &str) -> Lang {
    let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    // The region is the first two-letter subtag after the language (a script may come
    // between: `uz-Cyrl-UZ`).
    let region = parts.find(|p| p.len() == 2).unwrap_or("");
    if READS_RUSSIAN.contains(&language) || RUSSIAN_REGIONS.contains(&region) {
        Lang::Ru
    } else {
        Lang::En
    }
}

/// The text in the language in force.
pub fn tr(t: Text) -> &'static str {
    t.get(lang())
}

macro_rules! texts {
    ($($name:ident = $ru:literal / $en:literal;)*) => {
        $(pub const $name: Text = Text { ru: $ru, en: $en };)*
    };
}

texts! {
    TAGLINE = "Лаборатория параллелизма: уроки Python на настоящих потоках" / "A parallelism lab: Python lessons on real threads";
    CORES_TITLE = "Логических ядер у этого компьютера (navigator.hardwareConcurrency)" / "Logical cores of this computer (navigator.hardwareConcurrency)";
    LANGUAGE = "Язык" / "Language";
    SKIP = "Перейти к уроку" / "Skip to content";
    LESSONS = "Уроки" / "Lessons";
    CATALOG_INTRO = "Каждый урок — настоящая программа: потоки урока работают в Web Workers с общей памятью. Меняйте параметры прямо в коде, запускайте и смотрите, что происходит." / "Every lesson is a real program: its threads run in Web Workers sharing one memory. Change the parameters right in the code, run it and watch what happens.";
    NO_LESSONS = "Уроки ещё пишутся и скоро появятся." / "The lessons are being written and will appear soon.";
    UNKNOWN_LESSON = "Урока «{id}» нет." / "There is no lesson '{id}'.";
    UNKNOWN_LESSON_HINT = "Выберите урок из списка ниже." / "Pick a lesson from the list below.";
    BACK = "Все уроки" / "All lessons";
    PREPARING = "Готовим потоки…" / "Preparing threads…";
    POOL_FAILED = "Не удалось запустить потоки: " / "Could not start the threads: ";
    RUN = "Запустить" / "Run";
    STOP = "Остановить" / "Stop";
    STOPPING = "Останавливаем…" / "Stopping…";
    SPEED = "Скорость" / "Speed";
    SPEED_HINT = "секунд урока за секунду" / "lesson seconds per second";
    SPEED_HELP = "Сколько секунд урока проходит за одну настоящую секунду: 1 — как в Python, 10 — в десять раз быстрее." / "How many lesson seconds pass in one real second: 1 is as in Python, 10 is ten times faster.";
    SLOWER = "Медленнее" / "Slower";
    FASTER = "Быстрее" / "Faster";
    SPEED_ERROR = "Нужно число от 0,01 до 1000" / "Enter a number from 0.01 to 1000";
    FIX_TO_RUN = "Исправьте значения, чтобы запустить:" / "Fix these values to run:";
    LINK_IGNORED = "В ссылке есть лишний параметр, он пропущен: " / "The link has a parameter this lesson does not know; it was ignored: ";
    PARAMS_IN_CODE = "Параметры урока — поля прямо в коде. Измените их и нажмите «Запустить»." / "The lesson's parameters are the fields inside the code. Change them and press Run.";
    LISTING = "Программа на Python" / "The Python program";
    COPY_LINK = "Ссылка на этот запуск" / "Link to this set-up";
    COPIED = "Ссылка скопирована" / "Link copied";
    STATUS_IDLE = "Ещё не запускали." / "Not run yet.";
    STATUS_RUNNING = "Выполняется" / "Running";
    SEED = "зерно" / "seed";
    SEED_HELP = "Зерно случайных выборов этого запуска" / "The seed of this run's random choices";
    STATUS_FINISHED = "Завершено" / "Finished";
    STATUS_STOPPED = "Остановлено" / "Stopped";
    STATUS_DEADLOCKED = "Взаимная блокировка (deadlock)" / "Deadlock";
    STATUS_FAILED = "Ошибка" / "Failed";
    DEADLOCK_EXPLAIN = "Все живые потоки ждут друг друга, и никто не может продолжить. Кто кого ждёт:" / "Every live thread waits for another and none can go on. Who waits for whom:";
    LESSON_TIME = "время урока" / "lesson time";
    DROPPED = "Трасса заполнена: событий не записано — " / "The trace is full; events not recorded: ";
    CONSOLE = "Консоль" / "Console";
    CONSOLE_EMPTY = "Здесь появится вывод программы: время урока, поток и строка. Щелчок по строке отметит её момент на временной шкале." / "The program's output appears here: lesson time, thread and line. Click a line to mark its moment on the timeline.";
    CONSOLE_HIDDEN = "Ранние строки не показаны: " / "Earlier lines not shown: ";
    CONSOLE_HIDDEN_HINT = "скачайте вывод целиком." / "download the whole console.";
    TIMELINE = "Временная шкала" / "Timeline";
    TIMELINE_EMPTY = "После запуска здесь будет по дорожке на каждый поток." / "After a run there is one lane per thread here.";
    TIMELINE_HELP = "Колесо или +/− — масштаб, перетаскивание или ←/→ — сдвиг, колесо над именами, Shift+колесо или ↑/↓ — другие дорожки, 0 — всё целиком. Наведите указатель, чтобы увидеть подробности." / "Wheel or +/− zooms, drag or ←/→ pans, the wheel over the names, Shift+wheel or ↑/↓ scroll the lanes, 0 fits all. Point at anything for details.";
    TIMELINE_LABEL = "Временная шкала: состояние каждого потока во времени" / "Timeline: each thread's state over time";
    OBJECTS_LABEL = "Объекты синхронизации: состояние во времени" / "Synchronization objects: state over time";
    ZOOM_IN = "Приблизить" / "Zoom in";
    ZOOM_OUT = "Отдалить" / "Zoom out";
    FIT = "Показать всё" / "Fit all";
    LEG_RUNNING = "работает" / "running";
    LEG_SLEEPING = "спит (sleep)" / "sleeping";
    LEG_BLOCKED = "ждёт объект" / "blocked on an object";
    LEG_FINISHED = "завершён" / "finished";
    LEG_HANDOFF = "передача (release → acquire, set → wait…)" / "hand-off (release → acquire, set → wait…)";
    LEG_NOW = "сейчас" / "now";
    ST_RUNNING = "работает" / "running";
    ST_SLEEPING = "спит" / "sleeping";
    ST_BLOCKED = "ждёт" / "blocked";
    ST_FINISHED = "завершён" / "finished";
    ST_NOT_STARTED = "ещё не начался" / "not started yet";
    END_RETURNED = "функция потока вернулась" / "its target returned";
    END_RAISED = "поток упал с исключением" / "it raised an exception";
    END_CUTOFF = "демон-поток оборван при выходе программы" / "a daemon thread, cut off at exit";
    END_STOPPED = "остановлен вместе с запуском" / "stopped with the run";
    OBJECTS = "Объекты синхронизации" / "Synchronization objects";
    OBJECTS_EMPTY = "Замки, семафоры, события, барьеры и очереди урока появятся здесь после запуска." / "The lesson's locks, semaphores, events, barriers and queues appear here after a run.";
    FREE = "свободен" / "free";
    WAITING = "ждут" / "waiting";
    FLAG_SET = "установлен" / "set";
    FLAG_CLEAR = "сброшен" / "clear";
    VALUE = "значение" / "value";
    FUT_PENDING = "ждёт очереди" / "pending";
    FUT_RUNNING = "выполняется" / "running";
    FUT_DONE = "готово" / "done";
    CANCELLED = "отменено" / "cancelled";
    SUBMITTED = "задач отправлено:" / "submitted:";
    TIMER_WAITING = "отсчитывает" / "counting down";
    TIMER_FIRED = "сработал" / "fired";
    INSIGHTS = "Что заметить" / "What to notice";
    INSIGHTS_EMPTY = "Запустите урок: выводы считаются по трассе именно этого запуска." / "Run the lesson: the findings are computed from this very run's trace.";
    INSIGHTS_WAIT = "Выводы появятся, когда запуск закончится." / "The findings appear when the run ends.";
    PARTIAL_STOPPED = "Запуск остановлен: выводы относятся только к тому, что успело произойти." / "The run was stopped: the findings cover only what happened before that.";
    PARTIAL_FAILED = "Запуск завершился ошибкой: выводы относятся только к тому, что успело произойти." / "The run failed: the findings cover only what happened before that.";
    OBSERVED = "замечено" / "observed";
    NOT_OBSERVED = "в этом запуске не видно" / "not seen in this run";
    EXPLANATION = "Объяснение" / "Explanation";
    EXPORT = "Сохранить запуск" / "Save the run";
    EXPORT_TRACE = "Трасса (Chrome JSON, для Perfetto)" / "Trace (Chrome JSON, for Perfetto)";
    EXPORT_CONSOLE = "Вывод (.txt)" / "Console (.txt)";
    OPEN_FULL = "Открыть в Parlab" / "Open in Parlab";
    ERROR_RUNNING = "Урок уже выполняется; сначала остановите его." / "The lesson is already running; stop it first.";
    ERROR_NOT_READY = "Потоки ещё готовятся; попробуйте через мгновение." / "The threads are still being prepared; try again in a moment.";
    ERROR_NO_LESSON = "На странице нет урока." / "There is no lesson on the page.";
    ERROR_NOT_ISOLATED = "Страница открыта без cross-origin isolation: настоящие потоки здесь невозможны." / "The page is not cross-origin isolated: real threads are impossible here.";
}

/// Seconds for people: adaptive unit, Russian decimal comma.
pub fn secs(t: f64) -> String {
    let a = t.abs();
    let (v, ru_u, en_u, digits) = if a == 0.0 {
        (0.0, "с", "s", 0)
    } else if a < 1e-3 {
        (t * 1e6, "мкс", "µs", 0)
    } else if a < 1.0 {
        (
            t * 1e3,
            "мс",
            "ms",
            if a < 0.01 {
                2
            } else if a < 0.1 {
                1
            } else {
                0
            },
        )
    } else if a < 100.0 {
        (t, "с", "s", 2)
    } else {
        (t, "с", "s", 1)
    };
    let n = format!("{v:.digits$}");
    match lang() {
        Lang::Ru => format!("{} {ru_u}", n.replace('.', ",")),
        Lang::En => format!("{n} {en_u}"),
    }
}

/// A plain number in the language's style (decimal comma in Russian).
pub fn num(v: f64) -> String {
    let s = if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") };
    match lang() {
        Lang::Ru => s.replace('.', ","),
        Lang::En => s,
    }
}

/// An integer with thin grouping, as people read counts.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    let sep = match lang() {
        Lang::Ru => '\u{202f}',
        Lang::En => ',',
    };
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A count with its noun in the right form: Russian (1 ядро, 2 ядра, 5 ядер) or English.
pub fn counted(n: u64, ru: [&str; 3], en: [&str; 2]) -> String {
    match lang() {
        Lang::Ru => {
            let (m10, m100) = (n % 10, n % 100);
            let form = if m10 == 1 && m100 != 11 {
                ru[0]
            } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                ru[1]
            } else {
                ru[2]
            };
            format!("{} {form}", count(n))
        }
        Lang::En => format!("{} {}", count(n), if n == 1 { en[0] } else { en[1] }),
    }
}

pub const CORES_RU: [&str; 3] = ["ядро", "ядра", "ядер"];
pub const CORES_EN: [&str; 2] = ["core", "cores"];
pub const THREADS_RU: [&str; 3] = ["поток", "потока", "потоков"];
pub const THREADS_EN: [&str; 2] = ["thread", "threads"];
pub const EVENTS_RU: [&str; 3] = ["событие", "события", "событий"];
pub const EVENTS_EN: [&str; 2] = ["event", "events"];

#[cfg(test)]
mod browser_lang_tests {
    use super::*;

    #[test]
    fn russian_for_the_courses_learners_english_elsewhere() {
        for tag in ["ru", "ru-RU", "uk", "uk-UA", "be-BY", "kk", "uz-Cyrl-UZ", "en-KZ", "de-UA", "en_RU"] {
            assert_eq!(browser_lang(tag), Lang::Ru, "{tag}");
        }
        for tag in ["en", "en-US", "de-DE", "fr", "", "zh-Hans-CN", "ukr"] {
            assert_eq!(browser_lang(tag), Lang::En, "{tag}");
        }
    }
}
