//! The command-line runner: list the lessons, show a listing, run a lesson natively on OS
//! threads and print its annotated console, its end and its insights.
//!
//! ```text
//! parlab list [--lang ru|en]
//! parlab show <id> [key=value ...] [--lang ru|en]
//! parlab run <id> [key=value ...] [--speed X] [--seed N] [--policy P] [--schedule S] [--lang ru|en] [--json] [--chrome FILE]
//! ```
//!
//! `--policy` picks who runs next: `free` (real parallel threads, the default), `gil`
//! (CPython's GIL, `gil:MS` for a switch interval in milliseconds), `random` or `pct:D`
//! (one thread at a time, chosen from the seed; virtual time). `--schedule S` replays a
//! controlled run's schedule, which such a run prints at its end with its seed.
//!
//! ```text
//! ```
//!
//! Exit codes: 0 the run ended (whatever its end state), 1 the run hit an internal error
//! (a panic), 2 bad usage or a refused parameter.

use parlab::analysis::{Model, TraceReader, TraceView};
use parlab::lessons::{self, Insight, Lang, Lesson, Params};
use parlab::runtime::{native, Choice, Policy, RunConfig, Schedule, DEFAULT_SWITCH_INTERVAL_NS};
use parlab::trace::{EndState, DEFAULT_CAPACITY};
use std::io::Write;
use std::process::ExitCode;

/// `println!` that ignores a closed stdout (`parlab run ... | head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

const USAGE: &str = "usage:
  parlab list [--lang ru|en]
  parlab show <id> [key=value ...] [--lang ru|en]
  parlab run <id> [key=value ...] [--speed X] [--seed N] [--policy free|gil[:MS]|random|pct:D] [--schedule S]
             [--lang ru|en] [--json] [--chrome FILE]";

/// Watchdog period of the streaming loop (the same as the native backend's).
const TICK_NS: u64 = 20_000_000;

struct Args {
    command: String,
    id: Option<String>,
    pairs: Vec<(String, String)>,
    speed: Option<f64>,
    seed: Option<u64>,
    policy: Policy,
    schedule: Option<Schedule>,
    lang: Lang,
    json: bool,
    chrome: Option<String>,
}

fn default_lang() -> Lang {
    let env = std::env::var("LC_ALL").or_else(|_| std::env::var("LANG")).unwrap_or_default();
    if env.to_ascii_lowercase().starts_with("ru") {
        Lang::Ru
    } else {
        Lang::En
    }
}

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut it = argv.iter();
    let command = it.next().ok_or_else(|| USAGE.to_owned())?.clone();
    let mut a = Args {
        command,
        id: None,
        pairs: Vec::new(),
        speed: None,
        seed: None,
        policy: Policy::Free,
        schedule: None,
        lang: default_lang(),
        json: false,
        chrome: None,
    };
    while let Some(arg) = it.next() {
        let mut value_of = |flag: &str| it.next().cloned().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--speed" => {
                let v = value_of("--speed")?;
                match v.replace(',', ".").parse::<f64>() {
                    Ok(s) if s.is_finite() && s > 0.0 => a.speed = Some(s),
                    _ => return Err(format!("--speed: a positive number, not '{v}'")),
                }
            }
            "--seed" => {
                let v = value_of("--seed")?;
                let parsed = match v.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => v.parse::<u64>(),
                };
                a.seed = Some(parsed.map_err(|_| format!("--seed: a whole number (or 0x...), not '{v}'"))?);
            }
            "--policy" => a.policy = parse_policy(&value_of("--policy")?)?,
            "--schedule" => {
                let s = value_of("--schedule")?;
                a.schedule = Some(s.parse().map_err(|e| format!("--schedule: {e}"))?);
                a.policy = Policy::Controlled(Choice::Replay);
            }
            "--lang" => {
                a.lang = match value_of("--lang")?.as_str() {
                    "ru" => Lang::Ru,
                    "en" => Lang::En,
                    other => return Err(format!("--lang: ru or en, not '{other}'")),
                }
            }
            "--json" => a.json = true,
            "--chrome" => a.chrome = Some(value_of("--chrome")?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            s if a.id.is_none() && !s.contains('=') => a.id = Some(s.to_owned()),
            s => match s.split_once('=') {
                Some((k, v)) => a.pairs.push((k.trim().to_owned(), v.to_owned())),
                None => return Err(format!("expected key=value, got '{s}'\n{USAGE}")),
            },
        }
    }
    Ok(a)
}

/// `free`, `gil`, `gil:MS`, `random`, `pct:D`.
fn parse_policy(s: &str) -> Result<Policy, String> {
    let bad = || format!("--policy: free, gil, gil:MS, random or pct:D, not '{s}'");
    let (name, arg) = s.split_once(':').map_or((s, None), |(n, a)| (n, Some(a)));
    Ok(match (name, arg) {
        ("free", None) => Policy::Free,
        ("gil", None) => Policy::Gil { switch_interval_ns: DEFAULT_SWITCH_INTERVAL_NS },
        ("gil", Some(ms)) => match ms.replace(',', ".").parse::<f64>() {
            Ok(ms) if ms > 0.0 && ms <= 1000.0 => Policy::Gil { switch_interval_ns: (ms * 1e6) as u64 },
            _ => return Err(bad()),
        },
        ("random", None) => Policy::Controlled(Choice::Random),
        ("pct", Some(d)) => match d.parse::<u32>() {
            Ok(depth @ 1..=32) => Policy::Controlled(Choice::Pct { depth }),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    })
}

fn lesson_of(a: &Args) -> Result<&'static Lesson, String> {
    let id = a.id.as_deref().ok_or_else(|| format!("which lesson? (parlab list)\n{USAGE}"))?;
    lessons::find(id).ok_or_else(|| {
        let ids: Vec<_> = lessons::all().iter().map(|l| l.id).collect();
        format!("no lesson '{id}'; lessons: {}", ids.join(", "))
    })
}

fn params_of(lesson: &Lesson, a: &Args) -> Result<Params, String> {
    lesson
        .parse_params(a.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|errs| errs.iter().map(|(k, m)| format!("{k}: {}", m.get(a.lang))).collect::<Vec<_>>().join("\n"))
}

fn main() -> ExitCode {
    // A start of this program as a child process of a run runs that child, and exits.
    parlab::runtime::process::native::child_main();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = parse_args(&argv).and_then(|a| match a.command.as_str() {
        "list" => {
            list(a.lang);
            Ok(ExitCode::SUCCESS)
        }
        "show" => {
            let lesson = lesson_of(&a)?;
            let params = params_of(lesson, &a)?;
            let _ = write!(std::io::stdout(), "{}", lesson.listing_with(&params));
            Ok(ExitCode::SUCCESS)
        }
        "run" => {
            let lesson = lesson_of(&a)?;
            let params = params_of(lesson, &a)?;
            Ok(run(lesson, &params, &a))
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    });
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

fn list(lang: Lang) {
    for l in lessons::all() {
        outln!("{:<20} {:<28} {}", l.id, l.section.title().get(lang), l.title.get(lang));
    }
}

fn end_word(state: Option<EndState>, lang: Lang) -> &'static str {
    let (ru, en) = match state {
        Some(EndState::Finished) => ("завершилась", "finished"),
        Some(EndState::Stopped) => ("остановлена", "stopped"),
        Some(EndState::Deadlocked) => ("взаимная блокировка (deadlock)", "deadlocked"),
        Some(EndState::Failed) => ("упала", "failed"),
        None => ("не завершилась", "did not end"),
    };
    if lang == Lang::Ru {
        ru
    } else {
        en
    }
}

fn run(lesson: &'static Lesson, params: &Params, a: &Args) -> ExitCode {
    let speed = a.speed.unwrap_or(lesson.default_speed);
    let program = lesson.run;
    let p = params.clone();
    let cfg = RunConfig {
        speed,
        trace_capacity: DEFAULT_CAPACITY,
        seed: a.seed,
        policy: a.policy,
        schedule: a.schedule.clone(),
        ..RunConfig::default()
    };
    let handle = native::start(lesson.config(params, cfg), move || program(&p));

    // Stream the console while the run goes on, ticking the watchdog as native::wait does.
    // The console, the deadlock report and the panics are the read model's, as the page's.
    let mut view = TraceView::default();
    let mut model = Model::for_processes(!lesson.targets.is_empty());
    // Every process's trace, merged on the run's clock as they grow.
    let mut reader = TraceReader::new();
    let mut shown = 0;
    let stdout = std::io::stdout();
    if !a.json {
        let mut out = stdout.lock();
        let seed = handle.seed();
        let _ = writeln!(out, "{} — {} (speed {speed}, seed {seed:#x})", lesson.id, lesson.title.get(a.lang));
    }
    loop {
        let done = handle.wait_done(Some(TICK_NS));
        if !done {
            handle.watchdog_tick();
        } else {
            // No process of the run outlives it; then the last of every trace is read.
            native::wait(&handle);
        }
        let now = handle.clock_ns();
        handle.with_traces(|traces| reader.read(&mut view, traces, Some(now)));
        if done {
            reader.flush(&mut view);
        }
        model.update(&view);
        if !a.json {
            let mut out = stdout.lock();
            for l in &model.lines[shown..] {
                let who = model.who(&view, l.actor);
                let mark = if l.stderr { '!' } else { '|' };
                for text in l.text.split('\n') {
                    let _ = writeln!(out, "[{:>8.3}s] {who} {mark} {text}", l.t);
                }
            }
            shown = model.lines.len();
            let _ = out.flush();
        }
        if done {
            break;
        }
    }

    let insights = (lesson.insights)(&view, params, &Default::default());
    let end = view.end();
    let panicked = !model.panics.is_empty();
    if let Some(path) = &a.chrome {
        if let Err(e) = std::fs::write(path, view.chrome_json()) {
            eprintln!("--chrome {path}: {e}");
        }
    }
    if a.json {
        print_json(lesson, params, speed, &view, &model, &insights, handle.schedule().as_ref());
    } else {
        print_end(&view, &model, end, a.lang);
        if let Some((schedule, diverged)) = handle.schedule() {
            let seed = handle.seed();
            match a.lang {
                Lang::Ru => outln!("  расписание этого запуска: --seed {seed:#x} --schedule {schedule}"),
                Lang::En => outln!("  this run's schedule: --seed {seed:#x} --schedule {schedule}"),
            }
            if diverged {
                match a.lang {
                    Lang::Ru => outln!("  повтор разошёлся с расписанием: это расписание другого запуска"),
                    Lang::En => outln!("  the replay left its schedule: it is another run's schedule"),
                }
            }
        }
        print_insights(&insights, a.lang);
    }
    if panicked {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_end(view: &TraceView, model: &Model, end: Option<(EndState, String)>, lang: Lang) {
    let (state, reason) = match end {
        Some((s, r)) => (Some(s), r),
        None => (None, String::new()),
    };
    let label = if lang == Lang::Ru { "Конец" } else { "End" };
    let dur = match lang {
        Lang::Ru => format!("{:.3} с", view.duration()).replace('.', ","),
        Lang::En => format!("{:.3} s", view.duration()),
    };
    if reason.is_empty() || reason == "deadlock" {
        outln!("\n{label}: {} ({dur})", end_word(state, lang));
    } else {
        outln!("\n{label}: {} ({dur}): {reason}", end_word(state, lang));
    }
    for edge in &model.edges {
        outln!("  {}", edge.describe(view).get(lang));
    }
    if view.dropped > 0 {
        match lang {
            Lang::Ru => outln!("  журнал переполнился: {} событий не записано", view.dropped),
            Lang::En => outln!("  the trace overflowed: {} events were not recorded", view.dropped),
        }
    }
}

fn print_insights(insights: &[Insight], lang: Lang) {
    if insights.is_empty() {
        return;
    }
    outln!("\n{}:", if lang == Lang::Ru { "Что заметить" } else { "What to notice" });
    for i in insights {
        outln!("  {} {}", if i.observed { '✓' } else { '✗' }, i.title.get(lang));
        outln!("      {}", i.detail.get(lang));
    }
}

fn print_json(
    lesson: &Lesson,
    params: &Params,
    speed: f64,
    view: &TraceView,
    model: &Model,
    insights: &[Insight],
    schedule: Option<&(Schedule, bool)>,
) {
    let end = view.end();
    let lines: Vec<_> = model
        .lines
        .iter()
        .map(|l| serde_json::json!({ "t": l.t, "actor": view.actor_json(l.actor), "text": l.text, "stderr": l.stderr }))
        .collect();
    let edges: Vec<_> = model
        .edges
        .iter()
        .map(|e| {
            let text = e.describe(view);
            serde_json::json!({
                "actor": view.actor_json(e.waiter),
                "waits_on": view.obj_name(e.key()),
                "kind": view.obj_kind(e.key()).map(|k| k.name()),
                "held_by": e.holder.map(|h| view.actor_json(h)),
                "text": { "ru": text.ru, "en": text.en },
            })
        })
        .collect();
    let doc = serde_json::json!({
        "lesson": lesson.id,
        "params": params.0.iter().map(|(k, v)| (k.clone(), v.to_text())).collect::<std::collections::BTreeMap<_, _>>(),
        "speed": speed,
        "seed": view.seed,
        "schedule": schedule.map(|(s, _)| s.to_string()),
        "schedule_diverged": schedule.map(|(_, d)| d),
        "end": end.as_ref().map(|(s, _)| s),
        "end_reason": end.as_ref().map(|(_, r)| r),
        "duration": view.duration(),
        "dropped": view.dropped,
        "wait_edges": edges,
        "lines": lines,
        "insights": insights,
    });
    outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
