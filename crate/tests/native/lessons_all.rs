//! Every registered lesson, with its defaults: it runs, and it starts no more threads than
//! it declares (the page prepares that many workers before Run).

use parlab::lessons::{all, exec::run_native};
use parlab::trace::Kind;

#[test]
fn every_lesson_starts_at_most_the_threads_it_declares() {
    let _hold = crate::lesson_kit::shared();
    for lesson in all() {
        let params = lesson.defaults();
        crate::mp_process::children_from_the_runner();
        let (run, view) = run_native(lesson, &params, 200.0);
        assert!(run.is_done(), "{} did not end", lesson.id);
        // MainProcess's threads: a child's run on its own instance's workers.
        let started = view.events.iter().filter(|e| e.kind == Kind::ThreadStart && e.actor.pid == 1).count();
        let declared = (lesson.expect.actors)(&params);
        assert!(started <= declared, "{} started {started} threads but declares {declared}", lesson.id);
    }
}

/// The page computes insights on its own thread, where a panic would take the page down:
/// they must cope with any trace, including one cut short by Stop at any moment.
#[test]
fn insights_survive_runs_stopped_at_any_moment() {
    let _hold = crate::lesson_kit::shared();
    use parlab::analysis::TraceView;
    use parlab::runtime::{native, RunConfig};
    for lesson in all() {
        let params = lesson.defaults();
        for stop_after_us in [0u64, 200, 2_000, 20_000] {
            let program = lesson.run;
            let p = params.clone();
            let run = native::start(RunConfig { speed: 20.0, ..RunConfig::default() }, move || program(&p));
            std::thread::sleep(std::time::Duration::from_micros(stop_after_us));
            run.stop();
            native::wait(&run);
            let view = run.with_traces(TraceView::from_traces);
            let insights = (lesson.insights)(&view, &params, &Default::default());
            assert!(!insights.is_empty(), "{} reports its insights after a stop at {stop_after_us} µs", lesson.id);
            // And on every prefix of the trace, as the page sees it while the run goes.
            let mut partial = TraceView::default();
            let events = run.trace.snapshot();
            for chunk in events.chunks(events.len().div_ceil(4).max(1)) {
                partial.extend(&run.trace, chunk.to_vec());
                (lesson.insights)(&partial, &params, &Default::default());
            }
        }
    }
}

/// Where each comment of a Python source starts: (line, column in chars), a `#` outside
/// any string (single, double or triple quoted, with escapes).
fn comment_starts(src: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut quote: Option<(char, bool)> = None;
    for (n, line) in src.split('\n').enumerate() {
        let cs: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            match quote {
                Some((q, triple)) => {
                    if c == '\\' {
                        i += 1;
                    } else if c == q && (!triple || (cs.get(i + 1) == Some(&q) && cs.get(i + 2) == Some(&q))) {
                        i += if triple { 2 } else { 0 };
                        quote = None;
                    }
                }
                None if c == '#' => {
                    out.push((n, i));
                    break;
                }
                None if c == '\'' || c == '"' => {
                    let triple = cs.get(i + 1) == Some(&c) && cs.get(i + 2) == Some(&c);
                    quote = Some((c, triple));
                    i += if triple { 2 } else { 0 };
                }
                None => {}
            }
            i += 1;
        }
        // A single-quoted string ends with its line.
        if matches!(quote, Some((_, false))) {
            quote = None;
        }
    }
    out
}

/// Every comment a learner reads is in both languages, as the page expects to pick one
/// (`www/src/highlight.rs::comments_in`): a block of full-line comments is its English
/// lines, then its Russian ones; a one-line comment is `# English / Russian`.
#[test]
fn every_listing_comment_is_in_russian_and_english() {
    let cyrillic = |s: &str| s.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'));
    let pair = |comment: &str| comment.split_once(" / ").is_some_and(|(en, ru)| cyrillic(ru) && !cyrillic(en));
    let mut bad = Vec::new();
    for lesson in all() {
        let lines: Vec<&str> = lesson.listing.split('\n').collect();
        let starts = comment_starts(lesson.listing);
        let full = |&(n, c): &(usize, usize)| lines[n].chars().take(c).all(char::is_whitespace);
        let mut i = 0;
        while i < starts.len() {
            let (n, c) = starts[i];
            let text = |(n, c): (usize, usize)| lines[n].chars().skip(c).collect::<String>();
            if !full(&starts[i]) {
                if !pair(&text((n, c))) {
                    bad.push(format!("{}:{}: {}", lesson.id, n + 1, lines[n].trim()));
                }
                i += 1;
                continue;
            }
            // A block: consecutive full-line comments at one indentation.
            let mut end = i + 1;
            while end < starts.len() && full(&starts[end]) && starts[end] == (starts[end - 1].0 + 1, c) {
                end += 1;
            }
            let block: Vec<String> = (i..end).map(|k| text(starts[k])).collect();
            let split = block.iter().position(|l| cyrillic(l)).unwrap_or(block.len());
            let ok = (split > 0 && split < block.len()) || block.iter().all(|l| pair(l));
            if !ok {
                bad.push(format!("{}:{}: {}", lesson.id, n + 1, block.join(" ⏎ ")));
            }
            i = end;
        }
    }
    assert!(bad.is_empty(), "comments not in both languages:\n{}", bad.join("\n"));
}
