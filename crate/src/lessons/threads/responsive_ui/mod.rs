//! Long work on the UI thread freezes the page; the same work in a thread of its own does
//! not. The page measures the freeze (frame gaps, the delay of a click) while it runs.

mod insights;
mod program;

use crate::lessons::params::{choice, seconds};
use crate::lessons::{
    finishes, no_processes, Expect, Lesson, Measurements, PageControl, PageExtension, Params, Section, Text,
};

pub static LESSON: Lesson = Lesson {
    id: "responsive-ui",
    section: Section::Threads,
    title: Text {
        ru: "Отзывчивый интерфейс: долгая работа — не в потоке интерфейса",
        en: "A responsive UI: keep long work off the UI thread",
    },
    params: &[
        seconds("work", Text { ru: "Работа, с", en: "Work, s" }, 1.0, 30.0, 5.0),
        choice(
            "where",
            Text { ru: "Где выполнять", en: "Where to run it" },
            &[
                ("page", Text { ru: "в потоке страницы", en: "on the page's thread" }),
                ("worker", Text { ru: "в отдельном потоке", en: "in a thread of its own" }),
            ],
            "page",
        ),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |_| 3, ends: finishes, processes: no_processes },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: Some(&PAGE),
};

/// Frame gaps below this feel smooth (a frame is 16.7 ms; a few dropped ones pass unseen).
const SMOOTH_MS: f64 = 100.0;

/// A pause this long is a freeze a person sees, not a stutter; a click answered this late
/// waited for a busy page.
const FROZEN_MS: f64 = 250.0;

/// The page froze when its longest pause between frames lasted this share of the work.
const FROZEN_SHARE: f64 = 0.5;

/// What the page adds: an "About" button whose click it times, the same work on its own
/// thread with `where = page` (a busy loop, on purpose: that freeze is the lesson), and
/// where the work ran, for the insights.
static PAGE: PageExtension = PageExtension {
    controls: &[PageControl {
        id: "about",
        label: Text { ru: "О программе", en: "About" },
        text: Text {
            ru: "Parlab — лаборатория параллелизма: уроки Python на настоящих потоках в браузере. Если это окно открылось не сразу, поток страницы был занят.",
            en: "Parlab, a parallelism lab: Python lessons on real threads in the browser. If this took a while to open, the page's thread was busy.",
        },
    }],
    page_work_ms,
    measurements,
};

fn on_page(p: &Params) -> bool {
    p.choice("where") == "page"
}

/// `work` lesson seconds on the page's thread, in real milliseconds at `speed`.
fn page_work_ms(p: &Params, speed: f64) -> Option<f64> {
    on_page(p).then(|| p.float("work") / speed.max(1e-9) * 1000.0)
}

/// `where`: 0 when the page did the work on its own thread, 1 when a worker did.
fn measurements(p: &Params, m: &mut Measurements) {
    m.insert("where".to_owned(), if on_page(p) { 0.0 } else { 1.0 });
}
