//! The command-line runner, as a user calls it.

use std::process::Command;

fn parlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parlab")).args(args).env("LANG", "C").output().expect("parlab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_names_every_lesson_in_the_chosen_language() {
    let (code, out, _) = parlab(&["list"]);
    assert_eq!(code, 0);
    for l in parlab::lessons::all() {
        assert!(
            out.lines().any(|line| line.starts_with(l.id) && line.contains(l.title.en)),
            "{} missing in\n{out}",
            l.id
        );
    }
    let (_, ru, _) = parlab(&["list", "--lang", "ru"]);
    assert!(ru.contains("Потоки (threading)"), "{ru}");
}

#[test]
fn run_prints_the_annotated_console_the_end_and_the_insights() {
    let (code, out, err) = parlab(&["run", "join", "threads=2", "iterations=1", "--speed", "100"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.starts_with('[') && l.contains("s] thr-0 | [thr-0] - job 0")), "{out}");
    assert!(out.contains("MainThread | finish"), "{out}");
    assert!(out.contains("End: finished"), "{out}");
    assert!(out.contains("✓ With join(), 'finish' is the last line"), "{out}");
    assert!(out.contains("✗ Without join(), 'finish' comes before the workers' output"), "{out}");
}

#[test]
fn run_marks_stderr_and_reports_a_deadlock_with_its_wait_edges() {
    let (_, out, _) = parlab(&["run", "lock-vs-rlock", "kind=RLock", "scenario=release_other"]);
    assert!(out.contains("other ! RuntimeError: cannot release un-acquired lock"), "{out}");
    let (code, out, _) = parlab(&["run", "lock-vs-rlock", "--lang", "ru"]);
    assert_eq!(code, 0);
    assert!(out.contains("Конец: взаимная блокировка (deadlock)"), "{out}");
    assert!(out.contains("worker ждёт Lock 'lock', который держит worker"), "{out}");
}

#[test]
fn json_has_the_lines_the_end_and_the_insights() {
    let (code, out, _) = parlab(&["run", "thread-local", "--json", "--speed", "100"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["lesson"], "thread-local");
    assert_eq!(v["end"], "Failed");
    assert_eq!(v["insights"][0]["id"], "each_thread_reads_its_own");
    assert_eq!(v["insights"][0]["observed"], true);
    assert!(v["lines"].as_array().unwrap().iter().any(|l| l["stderr"] == true));
}

#[test]
fn show_fills_the_listing() {
    let (code, out, _) = parlab(&["show", "race-condition", "threads=7", "lock=on"]);
    assert_eq!(code, 0);
    assert!(out.contains("for _ in range(7)]") && out.contains("if True:"), "{out}");
}

#[test]
fn bad_input_gets_the_pages_message_and_exit_code_2() {
    let (code, _, err) = parlab(&["run", "join", "threads=0"]);
    assert_eq!(code, 2);
    assert_eq!(err.trim(), "threads: Enter a whole number from 1 to 64");
    let (code, _, err) = parlab(&["run", "join", "threads=0", "--lang", "ru"]);
    assert_eq!((code, err.trim()), (2, "threads: Нужно целое число от 1 до 64"));
    let (code, _, err) = parlab(&["run", "race-condition", "deposits=10000"]);
    assert_eq!(code, 2);
    assert!(err.contains("deposits: threads × deposits must be at most 100,000"), "{err}");
    for args in [
        &["run", "no-such-lesson"][..],
        &["run", "join", "nope=1"],
        &["run", "join", "--speed", "0"],
        &["run", "join", "--policy", "pct:0"],
        &["run", "join", "--schedule", "1*x"],
        &["frobnicate"],
        &[],
    ] {
        assert_eq!(parlab(args).0, 2, "{args:?}");
    }
}

/// The console and the schedule a controlled run prints, without the schedule's line.
fn controlled_run(args: &[&str]) -> (Vec<String>, String) {
    let (code, out, err) = parlab(args);
    assert_eq!(code, 0, "{err}");
    let schedule = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("this run's schedule: "))
        .unwrap_or_else(|| panic!("a controlled run prints its schedule:\n{out}"))
        .to_owned();
    (out.lines().filter(|l| l.starts_with('[')).map(str::to_owned).collect(), schedule)
}

#[test]
fn a_controlled_run_prints_a_schedule_that_replays_it() {
    let race = ["run", "race-condition", "threads=4", "gap_ms=0"];
    let (console, schedule) = controlled_run(&[&race[..], &["--policy", "random", "--seed", "1"]].concat());
    let (same, _) = controlled_run(&[&race[..], &["--policy", "random", "--seed", "1"]].concat());
    assert_eq!(console, same, "the same seed, the same run");
    // `--seed 0x1 --schedule 1*2.3...`: the printed flags replay it.
    let flags: Vec<&str> = schedule.split_whitespace().collect();
    let (replayed, again) = controlled_run(&[&race[..], &flags[..]].concat());
    assert_eq!(replayed, console, "{schedule} replays the run");
    assert_eq!(again, schedule);
}
