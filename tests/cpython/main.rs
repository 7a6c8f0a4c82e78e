//! The CPython agreement tier: every lesson's filled Python listing runs under real CPython
//! (`python3`, 3.11 or newer) and its Rust program runs natively at speed 1, both at once;
//! the two runs must agree on the printed lines (masked where numbers vary), on how the
//! program ended (finished, an uncaught exception of a given type in the main thread, or a
//! hang, which Parlab reports as a deadlock) and on the exceptions raised in threads.
//!
//! What to run and how to compare is in `cases/<lesson-id>.toml`, one file per lesson (see
//! `cases/README.md`). Every case of every lesson runs concurrently, the lessons mostly sleep
//! (those marked `cpu_bound` run after the rest); at most a few interpreters start at once,
//! and each side's program starts when CPython's listing does.
//!
//! By hand, one lesson with any parameters (the rules of its case file apply):
//!   PARLAB_CPYTHON_CASE='race-condition threads=7 lock=on' cargo test -p parlab --test cpython
//! Several: separate them with `;`. `PARLAB_CPYTHON_REPEAT=5` runs every case 5 times, to
//! catch a listing whose CPython run is not deterministic. `PARLAB_PYTHON` names the
//! interpreter (default `python3`).
#![cfg(not(target_arch = "wasm32"))]

use parlab::lessons::exec::run_native;
use parlab::lessons::{all, Lesson, Params};
use parlab::trace::EndState;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest a case may take on either side unless its file says otherwise.
const DEFAULT_TIMEOUT_S: f64 = 60.0;
/// How much longer than Parlab's run (plus a quarter) CPython's run of the same program may
/// take, from the listing's start, before it counts as a hang.
const GRACE_S: f64 = 3.0;
/// How far apart two numbers of an `approx` rule may be, unless the case file says.
const DEFAULT_TOLERANCE: f64 = 0.5;

/// Runs `python3 <listing>` as a terminal would (stdout line-buffered, so a killed hang
/// still shows what it printed and concurrent prints never split a line; not write-through,
/// as `PYTHONUNBUFFERED` would make it, since then a print is two writes, its text and its
/// newline, and forked processes' lines interleave mid-line), in the real
/// `__main__` module, after telling the harness on stderr that the listing starts (so that
/// the interpreter's start-up on a busy machine never counts against the program).
const BOOT: &str = "import sys; sys.stdout.reconfigure(line_buffering=True, write_through=False); \
                    sys.argv = sys.argv[1:]; __file__ = sys.argv[0]; \
                    sys.stderr.write('\\0parlab: listing starts\\n'); sys.stderr.flush(); del sys; \
                    exec(compile(open(__file__, 'rb').read(), __file__, 'exec'))";
/// The line BOOT writes to stderr.
const STARTED: &str = "\0parlab: listing starts";

// ---------------------------------------------------------------------------------------
// Case files
// ---------------------------------------------------------------------------------------

/// `cases/<lesson-id>.toml`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// How every run of the lesson compares.
    compare: Rules,
    /// Refinements for runs whose parameters match.
    #[serde(default)]
    when: Vec<When>,
    /// The parameter sets to run, beside the defaults (always run).
    #[serde(default)]
    case: Vec<Case>,
    /// The lesson keeps a core busy: its cases run after the others, so that they do not
    /// disturb the sleeping lessons' timing.
    #[serde(default)]
    cpu_bound: bool,
    /// CPython's run may take far longer than Parlab's (pure-Python arithmetic against the
    /// Rust program's): only `timeout` bounds it, not Parlab's run length.
    #[serde(default)]
    cpython_slower: bool,
    /// Longest a case may take, seconds.
    timeout: Option<f64>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
struct Rules {
    /// Regexes whose matches (or, with groups, whose groups) are masked on both sides;
    /// a `when` adds to these.
    #[serde(default)]
    mask: Vec<String>,
    order: Option<Order>,
    /// For `order = "per_key"`: a regex whose first group is a line's key (a thread's name),
    /// matched on the masked line; lines that do not match are compared as a multiset only.
    key: Option<String>,
    /// Regexes of lines whose positions (indices among all stdout lines) must be the same
    /// on both sides, e.g. the main thread's last line.
    anchors: Option<Vec<String>>,
    /// Regexes whose groups are numbers compared within `tolerance` (times that sleeps
    /// make late by a little, more on a busy machine); a `when` adds to these.
    #[serde(default)]
    approx: Vec<String>,
    /// How far apart two approximate numbers may be (default 0.5).
    tolerance: Option<f64>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Order {
    /// The same lines in the same order.
    Exact,
    /// The same lines, in any order.
    Multiset,
    /// The same lines; lines with the same key in the same order.
    PerKey,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct When {
    params: toml::Table,
    #[serde(flatten)]
    rules: Rules,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Case {
    params: toml::Table,
    /// Why this set is here.
    #[allow(dead_code)]
    why: Option<String>,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cpython/cases")
}

fn load(lesson: &Lesson) -> Result<CaseFile, String> {
    let path = cases_dir().join(format!("{}.toml", lesson.id));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!("lesson {} has no case file {} ({e}): write one (see cases/README.md)", lesson.id, path.display())
    })?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A TOML value as a learner would type it.
fn as_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Boolean(b) => if *b { "True" } else { "False" }.to_owned(),
        other => other.to_string(),
    }
}

fn parse(lesson: &Lesson, pairs: &[(String, String)]) -> Result<Params, String> {
    lesson.parse_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|errs| {
        let why: Vec<String> = errs.iter().map(|(k, m)| format!("{k}: {}", m.en)).collect();
        format!("{} refuses {}: {}", lesson.id, show_pairs(pairs), why.join("; "))
    })
}

fn table_pairs(t: &toml::Table) -> Vec<(String, String)> {
    t.iter().map(|(k, v)| (k.clone(), as_text(v))).collect()
}

fn show_pairs(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// Compiled rules for one run.
struct Compare {
    masks: Vec<Regex>,
    approx: Vec<Regex>,
    tolerance: f64,
    order: Order,
    key: Option<Regex>,
    anchors: Vec<Regex>,
}

fn regex(s: &str, lesson: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| format!("{lesson}: bad regex {s:?}: {e}"))
}

/// The lesson's rules with every matching `when` applied, in file order.
fn rules_for(lesson: &Lesson, file: &CaseFile, params: &Params) -> Result<Compare, String> {
    let mut r = file.compare.clone();
    for w in &file.when {
        let wanted = parse_partial(lesson, &w.params)?;
        if wanted.iter().all(|(k, v)| params.0.get(k) == Some(v)) {
            r.mask.extend(w.rules.mask.iter().cloned());
            r.approx.extend(w.rules.approx.iter().cloned());
            r.tolerance = w.rules.tolerance.or(r.tolerance);
            r.order = w.rules.order.or(r.order);
            r.key = w.rules.key.clone().or(r.key);
            r.anchors = w.rules.anchors.clone().or(r.anchors);
        }
    }
    let order = r.order.ok_or_else(|| format!("{}: [compare] needs an order", lesson.id))?;
    let key = r.key.as_deref().map(|k| regex(k, lesson.id)).transpose()?;
    if order == Order::PerKey && key.is_none() {
        return Err(format!("{}: order per_key needs a key regex", lesson.id));
    }
    Ok(Compare {
        masks: r.mask.iter().map(|m| regex(m, lesson.id)).collect::<Result<_, _>>()?,
        approx: r.approx.iter().map(|m| regex(m, lesson.id)).collect::<Result<_, _>>()?,
        tolerance: r.tolerance.unwrap_or(DEFAULT_TOLERANCE),
        order,
        key,
        anchors: r.anchors.unwrap_or_default().iter().map(|a| regex(a, lesson.id)).collect::<Result<_, _>>()?,
    })
}

/// A `when`'s parameters, each parsed by its own spec (so `lock = "on"` matches `True`).
fn parse_partial(lesson: &Lesson, t: &toml::Table) -> Result<Vec<(String, parlab::lessons::Value)>, String> {
    t.iter()
        .map(|(k, v)| {
            let spec = lesson.param(k).ok_or_else(|| format!("{}: a `when` names unknown parameter {k}", lesson.id))?;
            spec.parse(&as_text(v))
                .map(|val| (k.clone(), val))
                .map_err(|m| format!("{}: when {k}: {}", lesson.id, m.en))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// One run on each side
// ---------------------------------------------------------------------------------------

/// How a program ended.
#[derive(Clone, Debug, PartialEq)]
enum Ending {
    Finished,
    /// An uncaught exception in the main thread, by type.
    Exception(String),
    /// It never ended: Parlab's watchdog saw a deadlock, or CPython was killed after the bound.
    Hang,
    /// Anything else (a stopped run, an odd exit code): never agrees.
    Other(String),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Finished => write!(f, "finished"),
            Ending::Exception(t) => write!(f, "uncaught {t} in the main thread"),
            Ending::Hang => write!(f, "hang (deadlock)"),
            Ending::Other(s) => write!(f, "{s}"),
        }
    }
}

/// What one side did.
struct Outcome {
    stdout: Vec<String>,
    /// The final `Type: message` line of each exception raised in a thread.
    thread_exceptions: Vec<String>,
    ending: Ending,
    /// Real seconds.
    secs: f64,
    /// stderr, for a failure message.
    stderr: String,
}

/// Splits stderr into the main thread's uncaught exception type (if a traceback outside
/// any "Exception in thread" block ends it) and the final line of each thread's exception.
fn tracebacks(stderr: &[&str]) -> (Option<String>, Vec<String>) {
    #[derive(PartialEq)]
    enum Block {
        None,
        Thread,
        Main,
    }
    let mut block = Block::None;
    let mut last: Option<String> = None;
    let mut main = None;
    let mut threads = Vec::new();
    let mut chained = false;
    let mut close = |block: &Block, last: &mut Option<String>| {
        if let Some(l) = last.take() {
            match block {
                Block::Thread => threads.push(l),
                Block::Main => main = Some(l),
                Block::None => {}
            }
        }
    };
    for line in stderr {
        if line.starts_with("Exception in thread ") {
            close(&block, &mut last);
            block = Block::Thread;
            chained = false;
        } else if line.starts_with("Traceback (most recent call last):") {
            // A traceback right after "Exception in thread" or a chaining sentence belongs
            // to the block; any other starts the main thread's.
            if !chained && !(block == Block::Thread && last.is_none()) {
                close(&block, &mut last);
                block = Block::Main;
            }
            chained = false;
        } else if line.starts_with("During handling of the above exception")
            || line.starts_with("The above exception was the direct cause")
        {
            last = None;
            chained = true;
        } else if !line.is_empty() && !line.starts_with(' ') && !line.starts_with('\t') && block != Block::None {
            last = Some(line.to_string());
        }
    }
    close(&block, &mut last);
    let main_type = main.map(|l| l.split(':').next().unwrap_or("").trim().to_owned());
    (main_type, threads)
}

fn run_parlab(lesson: &'static Lesson, params: &Params) -> Outcome {
    let t0 = Instant::now();
    // A lesson's child processes are the runner, built from this crate (a test binary
    // cannot be a child).
    parlab::runtime::process::native::set_child_exe(env!("CARGO_BIN_EXE_parlab"));
    let (_run, view) = run_native(lesson, params, 1.0);
    // The run's own length (at speed 1, lesson seconds are real ones), not its set-up.
    let secs = view.duration().min(t0.elapsed().as_secs_f64());
    let lines = view.lines();
    let split = |stderr: bool| -> Vec<String> {
        lines.iter().filter(|l| l.stderr == stderr).flat_map(|l| l.text.split('\n').map(str::to_owned)).collect()
    };
    let stdout = split(false);
    let err_lines = split(true);
    let (_, thread_exceptions) = tracebacks(&err_lines.iter().map(String::as_str).collect::<Vec<_>>());
    let ending = match view.end() {
        Some((EndState::Finished, _)) => Ending::Finished,
        Some((EndState::Deadlocked, _)) => Ending::Hang,
        Some((EndState::Failed, reason)) => Ending::Exception(reason.split(':').next().unwrap_or("").trim().to_owned()),
        Some((EndState::Stopped, r)) => Ending::Other(format!("stopped ({r})")),
        None => Ending::Other("no end recorded".to_owned()),
    };
    Outcome { stdout, thread_exceptions, ending, secs, stderr: err_lines.join("\n") }
}

/// The interpreter: `PARLAB_PYTHON`, else the first of `python3` and Debian's
/// `/usr/bin/python3` that is 3.11 or newer (scripts/setup.sh installs Debian's when the
/// `python3` on PATH is older), resolved once to the executable itself (a pyenv shim costs
/// a shell and a second start for every case); with its version.
fn interpreter() -> &'static (String, (u32, u32)) {
    static PY: std::sync::OnceLock<(String, (u32, u32))> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        let probe = |py: &str| -> Option<(String, (u32, u32))> {
            let out = Command::new(py)
                .args(["-c", "import sys; print(sys.executable); print('%d %d' % sys.version_info[:2])"])
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut lines = text.lines();
            let exe = lines.next().filter(|e| !e.is_empty()).unwrap_or(py).to_owned();
            let mut v = lines.next()?.split(' ').map(|n| n.parse().unwrap_or(0));
            Some((exe, (v.next()?, v.next()?)))
        };
        let candidates = match std::env::var("PARLAB_PYTHON") {
            Ok(py) => vec![py],
            Err(_) => vec!["python3".to_owned(), "/usr/bin/python3".to_owned()],
        };
        let found: Vec<_> = candidates.iter().filter_map(|c| probe(c)).collect();
        found.iter().find(|(_, v)| *v >= (3, 11)).or(found.first()).cloned().unwrap_or_else(|| {
            panic!(
                "cannot run {}: the CPython tier needs python3 >= 3.11 (scripts/setup.sh --test installs it)",
                candidates.join(" or ")
            )
        })
    })
}

fn python() -> &'static str {
    &interpreter().0
}

/// Fails clearly when there is no CPython 3.11 or newer.
fn check_python() {
    let (py, (major, minor)) = interpreter();
    assert!(
        (*major, *minor) >= (3, 11),
        "{py} is Python {major}.{minor}; the CPython tier needs 3.11 or newer (scripts/setup.sh --test installs it)"
    );
}

/// At most this many interpreters start at once: fifty starting together would starve
/// every run already going for a second or more.
const STARTING_AT_ONCE: usize = 4;

/// A counting gate for interpreter start-ups.
struct Gate {
    free: std::sync::Mutex<usize>,
    cv: std::sync::Condvar,
}

static STARTUPS: Gate = Gate { free: std::sync::Mutex::new(STARTING_AT_ONCE), cv: std::sync::Condvar::new() };

impl Gate {
    fn enter(&'static self) -> GatePass {
        let mut free = self.free.lock().unwrap();
        while *free == 0 {
            free = self.cv.wait(free).unwrap();
        }
        *free -= 1;
        GatePass(Some(self))
    }
}

/// Frees its place in the gate once, when the interpreter has started or is gone.
struct GatePass(Option<&'static Gate>);

impl GatePass {
    fn leave(&mut self) {
        if let Some(g) = self.0.take() {
            *g.free.lock().unwrap() += 1;
            g.cv.notify_one();
        }
    }
}

impl Drop for GatePass {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Runs the listing under CPython, and calls `start_parlab` when the listing starts (so
/// that both programs start together, after the interpreter's start-up), or when CPython
/// has ended without starting it. `start_parlab` returns a channel that delivers Parlab's
/// run length once it has ended: from then on CPython has that long from its own start,
/// plus a quarter and `GRACE_S`, to end too, or it counts as a hang; `cap` bounds it in
/// any case. The child is always killed and reaped before this returns.
fn run_cpython(listing: &str, tag: &str, cap: Duration, start_parlab: impl FnOnce() -> mpsc::Receiver<f64>) -> Outcome {
    let path = std::env::temp_dir().join(format!("parlab-cpython-{}-{tag}.py", std::process::id()));
    std::fs::write(&path, listing).expect("write the listing to a temp file");
    let mut pass = STARTUPS.enter();
    let t0 = Instant::now();
    let mut cmd = Command::new(python());
    // A group of its own: a listing's child processes go down with it when a hang is
    // killed (an orphan blocked forever would hold the pipes open, and this tier with them).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .args(["-I", "-X", "utf8", "-c", BOOT])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} ({e})", python()));
    // Readers drain both pipes, so a chatty program never blocks on a full one; the stderr
    // reader reports when the listing starts.
    let mut stdout_pipe = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let (started_tx, started_rx) = mpsc::channel();
    let stderr_pipe = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr_pipe).lines() {
            let Ok(line) = line else { break };
            if line == STARTED {
                let _ = started_tx.send(Instant::now());
            } else {
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    });
    let mut start_parlab = Some(start_parlab);
    let mut parlab_done: Option<mpsc::Receiver<f64>> = None;
    let cap_at = t0 + cap;
    let mut started: Option<Instant> = None;
    let mut parlab_secs: Option<f64> = None;
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll python") {
            break status;
        }
        if started.is_none() {
            started = started_rx.try_recv().ok();
            if started.is_some() {
                pass.leave();
                parlab_done = start_parlab.take().map(|f| f());
            }
        }
        parlab_secs = parlab_secs.or_else(|| parlab_done.as_ref().and_then(|r| r.try_recv().ok()));
        let deadline = match (started, parlab_secs) {
            (Some(at), Some(secs)) => cap_at.min(at + Duration::from_secs_f64(secs * 1.25 + GRACE_S)),
            _ => cap_at,
        };
        if Instant::now() >= deadline {
            #[cfg(unix)]
            // SAFETY: kill(2) with a negative pid signals the process group the child leads
            // (created above); it touches no memory of ours.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.kill();
            killed = true;
            break child.wait().expect("reap python");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    pass.leave();
    if let Some(f) = start_parlab {
        // CPython ended before the listing started (it could not run it): Parlab still runs.
        let _ = f();
    }
    let secs = started.map_or(0.0, |at| at.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&path);
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    let err_lines: Vec<&str> = stderr.lines().collect();
    let (main_exc, thread_exceptions) = tracebacks(&err_lines);
    let ending = if killed {
        Ending::Hang
    } else {
        match (status.code(), main_exc) {
            (Some(0), _) => Ending::Finished,
            (Some(1), Some(t)) => Ending::Exception(t),
            (code, _) => Ending::Other(format!("exit status {code:?}")),
        }
    };
    Outcome { stdout: stdout.lines().map(str::to_owned).collect(), thread_exceptions, ending, secs, stderr }
}

// ---------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------

/// Masks every match of every mask: with groups, each group that took part; without, the
/// whole match.
fn mask(line: &str, masks: &[Regex]) -> String {
    let mut s = line.to_owned();
    for re in masks {
        let mut spans = Vec::new();
        for c in re.captures_iter(&s) {
            if c.len() > 1 {
                spans.extend(c.iter().skip(1).flatten().map(|m| m.range()));
            } else {
                spans.push(c.get(0).unwrap().range());
            }
        }
        for r in spans.into_iter().rev() {
            s.replace_range(r, "#");
        }
    }
    s
}

fn numbered(lines: &[String]) -> String {
    if lines.is_empty() {
        return "      (nothing)\n".to_owned();
    }
    lines.iter().enumerate().map(|(i, l)| format!("  {:>3}  {l}\n", i + 1)).collect()
}

/// A masked line as compared: its text with each approximate number as `~`, and the numbers.
#[derive(Clone, Debug)]
struct Cmp {
    shown: String,
    text: String,
    nums: Vec<f64>,
}

fn cmp_line(shown: String, approx: &[Regex]) -> Cmp {
    let mut text = shown.clone();
    let mut nums = Vec::new();
    for re in approx {
        let mut spans = Vec::new();
        for c in re.captures_iter(&text) {
            for m in c.iter().skip(1).flatten() {
                if let Ok(n) = m.as_str().parse::<f64>() {
                    spans.push((m.range(), n));
                }
            }
        }
        nums.extend(spans.iter().map(|(_, n)| *n));
        for (r, _) in spans.into_iter().rev() {
            text.replace_range(r, "~");
        }
    }
    Cmp { shown, text, nums }
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol + 1e-9)
}

fn same(a: &Cmp, b: &Cmp, tol: f64) -> bool {
    a.text == b.text && close(&a.nums, &b.nums, tol)
}

/// Lines by text, each text's numbers sorted: the multiset view.
fn by_text(lines: &[Cmp]) -> BTreeMap<&str, Vec<&[f64]>> {
    let mut m: BTreeMap<&str, Vec<&[f64]>> = BTreeMap::new();
    for l in lines {
        m.entry(l.text.as_str()).or_default().push(&l.nums);
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    }
    m
}

/// What one side has that the other has not, as a multiset (numbers within `tol`).
fn surplus(a: &[Cmp], b: &[Cmp], tol: f64) -> Vec<String> {
    let (ma, mb) = (by_text(a), by_text(b));
    let mut out = Vec::new();
    for (text, nums) in &ma {
        let other = mb.get(text).cloned().unwrap_or_default();
        // Sorted pairing is the best one for single numbers; with several per line it is
        // good enough for what lessons print.
        let mut j = 0;
        for n in nums {
            if j < other.len() && close(n, other[j], tol) {
                j += 1;
            } else if let Some(l) = a.iter().find(|l| l.text == *text && l.nums == *n) {
                out.push(l.shown.clone());
            }
        }
    }
    out
}

/// What differs between the two stdouts under the rules, or None.
fn stdout_difference(py: &[String], pl: &[String], c: &Compare) -> Option<String> {
    let tol = c.tolerance;
    let py: Vec<Cmp> = py.iter().map(|l| cmp_line(l.clone(), &c.approx)).collect();
    let pl: Vec<Cmp> = pl.iter().map(|l| cmp_line(l.clone(), &c.approx)).collect();
    let mut why = String::new();
    let only_py = surplus(&py, &pl, tol);
    let only_pl = surplus(&pl, &py, tol);
    if !only_py.is_empty() || !only_pl.is_empty() {
        let _ = writeln!(why, "the lines differ (as a multiset; numbers marked approximate within {tol}):");
        let _ = write!(why, "    only in CPython:\n{}", numbered(&only_py));
        let _ = write!(why, "    only in Parlab:\n{}", numbered(&only_pl));
    } else {
        match c.order {
            Order::Multiset => {}
            Order::Exact => {
                if let Some(i) = py.iter().zip(&pl).position(|(a, b)| !same(a, b, tol)) {
                    let _ = writeln!(
                        why,
                        "the order differs (exact order): first at line {}:\n    CPython: {}\n    Parlab:  {}",
                        i + 1,
                        py[i].shown,
                        pl[i].shown
                    );
                }
            }
            Order::PerKey => {
                let key = c.key.as_ref().unwrap();
                // Lines without a key are in nobody's order: the multiset check covers them.
                let group = |lines: &[Cmp]| {
                    let mut m: BTreeMap<String, Vec<Cmp>> = BTreeMap::new();
                    for l in lines {
                        if let Some(k) = key.captures(&l.shown).and_then(|c| c.get(1)) {
                            m.entry(k.as_str().to_owned()).or_default().push(l.clone());
                        }
                    }
                    m
                };
                let (gpy, gpl) = (group(&py), group(&pl));
                for (k, lines) in &gpy {
                    let other = gpl.get(k).map_or(&[][..], |v| v.as_slice());
                    if let Some(i) = (0..lines.len().max(other.len()))
                        .find(|&i| !matches!((lines.get(i), other.get(i)), (Some(a), Some(b)) if same(a, b, tol)))
                    {
                        let show = |l: Option<&Cmp>| l.map_or("(none)".to_owned(), |l| l.shown.clone());
                        let _ = writeln!(
                            why,
                            "the order of the lines keyed {k:?} differs (per-key order), first at its line {}:\n    CPython: {}\n    Parlab:  {}",
                            i + 1,
                            show(lines.get(i)),
                            show(other.get(i))
                        );
                    }
                }
            }
        }
    }
    for a in &c.anchors {
        let at = |lines: &[Cmp]| -> Vec<usize> {
            lines.iter().enumerate().filter(|(_, l)| a.is_match(&l.shown)).map(|(i, _)| i + 1).collect()
        };
        let (apy, apl) = (at(&py), at(&pl));
        if apy != apl {
            let _ = writeln!(
                why,
                "lines matching anchor {:?} stand at {apy:?} in CPython but at {apl:?} in Parlab",
                a.as_str()
            );
        }
    }
    (!why.is_empty()).then_some(why)
}

/// One case to run.
struct Job {
    lesson: &'static Lesson,
    pairs: Vec<(String, String)>,
    params: Params,
    compare: Compare,
    cap: Duration,
    /// The case file's `cpython_slower`.
    cpython_slower: bool,
    tag: String,
}

impl Job {
    fn label(&self) -> String {
        let p = show_pairs(&self.pairs);
        if p.is_empty() {
            format!("{} (defaults)", self.lesson.id)
        } else {
            format!("{} {p}", self.lesson.id)
        }
    }
}

/// Runs both sides at once; Err with a readable account of every disagreement.
fn run_job(job: &Job) -> Result<(f64, f64, Ending), String> {
    let (done_tx, done_rx) = mpsc::channel();
    let lesson = job.lesson;
    let params = job.params.clone();
    let bounded_by_parlab = !job.cpython_slower;
    // Detached: a Parlab run that never ends (a failure of the core: its watchdog ends
    // deadlocks) must not hang the tier, so it is waited for with a bound below.
    let start_parlab = move || {
        let (secs_tx, secs_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let o = run_parlab(lesson, &params);
            if bounded_by_parlab {
                let _ = secs_tx.send(o.secs);
            }
            let _ = done_tx.send(o);
        });
        secs_rx
    };
    let t0 = Instant::now();
    let py = run_cpython(&job.lesson.listing_with(&job.params), &job.tag, job.cap, start_parlab);
    let left = (job.cap + Duration::from_secs_f64(GRACE_S)).saturating_sub(t0.elapsed());
    let pl = done_rx.recv_timeout(left).map_err(|e| {
        format!("\n=== {}: Parlab's run did not end within {:.0} s ({e})\n", job.label(), job.cap.as_secs_f64())
    })?;
    let m = |lines: &[String]| -> Vec<String> { lines.iter().map(|l| mask(l, &job.compare.masks)).collect() };
    let (py_out, pl_out) = (m(&py.stdout), m(&pl.stdout));
    let sorted = |v: &[String]| {
        let mut v = m(v);
        v.sort();
        v
    };
    let (py_exc, pl_exc) = (sorted(&py.thread_exceptions), sorted(&pl.thread_exceptions));
    let mut why = String::new();
    if py.ending != pl.ending {
        let _ = writeln!(
            why,
            "the endings differ: CPython {} ({:.2} s), Parlab {} ({:.2} s)",
            py.ending, py.secs, pl.ending, pl.secs
        );
    }
    if let Some(d) = stdout_difference(&py_out, &pl_out, &job.compare) {
        why.push_str(&d);
    }
    if py_exc != pl_exc {
        let _ = write!(
            why,
            "the exceptions raised in threads differ:\n    CPython:\n{}    Parlab:\n{}",
            numbered(&py_exc),
            numbered(&pl_exc)
        );
    }
    if why.is_empty() {
        return Ok((py.secs, pl.secs, py.ending));
    }
    let order = match job.compare.order {
        Order::Exact => "exact",
        Order::Multiset => "multiset",
        Order::PerKey => "per_key",
    };
    let reproduce = format!("PARLAB_CPYTHON_CASE='{} {}'", job.lesson.id, show_pairs(&job.pairs));
    Err(format!(
        "\n=== {} disagrees (order: {order})\n{why}--- CPython stdout, masked ({}, {:.2} s):\n{}--- Parlab stdout, masked ({}, {:.2} s):\n{}\
         --- CPython stderr:\n{}\n--- Parlab stderr:\n{}\n--- reproduce: {reproduce} cargo test -p parlab --test cpython\n",
        job.label(),
        py.ending,
        py.secs,
        numbered(&py_out),
        pl.ending,
        pl.secs,
        numbered(&pl_out),
        py.stderr.trim_end(),
        pl.stderr.trim_end(),
    ))
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// The jobs: every case of every lesson, or the ones `PARLAB_CPYTHON_CASE` names.
/// Returned in two waves: the sleeping lessons, then the CPU-bound ones.
fn jobs() -> Result<[Vec<Job>; 2], String> {
    let repeat: usize = std::env::var("PARLAB_CPYTHON_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut wanted: Vec<(&'static Lesson, Vec<(String, String)>)> = Vec::new();
    match std::env::var("PARLAB_CPYTHON_CASE") {
        Ok(spec) if !spec.trim().is_empty() => {
            for one in spec.split(';').filter(|s| !s.trim().is_empty()) {
                let mut words = one.split_whitespace();
                let id = words.next().unwrap();
                let lesson =
                    parlab::lessons::find(id).ok_or_else(|| format!("PARLAB_CPYTHON_CASE: no lesson {id:?}"))?;
                let pairs = words
                    .map(|w| {
                        w.split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .ok_or_else(|| format!("PARLAB_CPYTHON_CASE: {w:?} is not key=value"))
                    })
                    .collect::<Result<_, _>>()?;
                wanted.push((lesson, pairs));
            }
        }
        _ => {
            for lesson in all() {
                wanted.push((lesson, Vec::new()));
                for c in load(lesson)?.case {
                    wanted.push((lesson, table_pairs(&c.params)));
                }
            }
        }
    }
    let mut waves = [Vec::new(), Vec::new()];
    for (n, (lesson, pairs)) in wanted.into_iter().enumerate() {
        let file = load(lesson)?;
        let params = parse(lesson, &pairs)?;
        for r in 0..repeat {
            let compare = rules_for(lesson, &file, &params)?;
            let cap = Duration::from_secs_f64(file.timeout.unwrap_or(DEFAULT_TIMEOUT_S));
            let tag = format!("{}-{n}-{r}", lesson.id);
            waves[file.cpu_bound as usize].push(Job {
                lesson,
                pairs: pairs.clone(),
                params: params.clone(),
                compare,
                cap,
                cpython_slower: file.cpython_slower,
                tag,
            });
        }
    }
    Ok(waves)
}

#[test]
fn listings_agree_with_cpython() {
    check_python();
    let waves = jobs().unwrap_or_else(|e| panic!("{e}"));
    let t0 = Instant::now();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for wave in waves {
        std::thread::scope(|s| {
            let handles: Vec<_> = wave.iter().map(|job| (job, s.spawn(move || run_job(job)))).collect();
            for (job, h) in handles {
                match h.join() {
                    Ok(Ok((py, pl, ending))) => {
                        report.push(format!("ok  {:<50} {ending}, CPython {py:.2} s, Parlab {pl:.2} s", job.label()))
                    }
                    Ok(Err(e)) => failures.push(e),
                    Err(_) => failures.push(format!("\n=== {}: the harness panicked", job.label())),
                }
            }
        });
    }
    eprintln!("{}\n{} cases in {:.1} s", report.join("\n"), report.len() + failures.len(), t0.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:{}",
        failures.len(),
        report.len() + failures.len(),
        failures.concat()
    );
}

/// Every lesson has a case file, and every case file is for a lesson, parses, names valid
/// parameters and compiles its regexes.
#[test]
fn every_lesson_has_a_valid_case_file() {
    let mut errors = Vec::new();
    for lesson in all() {
        let file = match load(lesson) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut sets = vec![Vec::new()];
        sets.extend(file.case.iter().map(|c| table_pairs(&c.params)));
        if sets.len() < 3 {
            errors.push(format!("{}: run the defaults and at least two parameter sets of your choosing", lesson.id));
        }
        for pairs in sets {
            match parse(lesson, &pairs) {
                Ok(params) => {
                    if let Err(e) = rules_for(lesson, &file, &params) {
                        errors.push(e);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    }
    for entry in std::fs::read_dir(cases_dir()).expect("tests/cpython/cases") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(id) = name.strip_suffix(".toml") {
            if parlab::lessons::find(id).is_none() {
                errors.push(format!("cases/{name} is for no lesson in lessons::all()"));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn stderr_parsing_tells_main_from_threads() {
    let stderr = "Exception in thread other:\nTraceback (most recent call last):\n  File \"x.py\", line 3, in f\n    lock.release()\nRuntimeError: cannot release un-acquired lock\nTraceback (most recent call last):\n  File \"x.py\", line 9, in <module>\nValueError: Semaphore released too many times\n";
    let lines: Vec<&str> = stderr.lines().collect();
    let (main, threads) = tracebacks(&lines);
    assert_eq!(main.as_deref(), Some("ValueError"));
    assert_eq!(threads, vec!["RuntimeError: cannot release un-acquired lock".to_owned()]);
    let chained = "Exception in thread t:\nTraceback (most recent call last):\n  x\nKeyError: 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  y\nRuntimeError: boom\n";
    let (main, threads) = tracebacks(&chained.lines().collect::<Vec<_>>());
    assert_eq!(main, None);
    assert_eq!(threads, vec!["RuntimeError: boom".to_owned()]);
}

#[test]
fn masks_replace_groups_or_whole_matches() {
    let masks = [Regex::new(r"at \d+\.(\d)").unwrap(), Regex::new(r"started \d+").unwrap()];
    assert_eq!(mask("thr-1: connected at 6.0, started 1234", &masks), "thr-1: connected at 6.#, #");
}

#[test]
fn approximate_numbers_pair_within_the_tolerance() {
    let c = Compare {
        masks: vec![],
        approx: vec![Regex::new(r"at (\d+\.\d+)").unwrap()],
        tolerance: 0.3,
        order: Order::Multiset,
        key: None,
        anchors: vec![],
    };
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(stdout_difference(&v(&["a at 6.1", "a at 0.0"]), &v(&["a at 0.1", "a at 5.9"]), &c).is_none());
    let d = stdout_difference(&v(&["a at 6.5", "a at 0.0"]), &v(&["a at 0.1", "a at 5.9"]), &c).unwrap();
    assert!(d.contains("a at 6.5") && d.contains("a at 5.9"), "{d}");
}

/// A Parlab side that "ended" at once after `secs`, for the CPython side's own tests.
fn parlab_ended_after(secs: f64) -> impl FnOnce() -> mpsc::Receiver<f64> {
    move || {
        let (tx, rx) = mpsc::channel();
        tx.send(secs).unwrap();
        rx
    }
}

#[test]
fn a_hanging_listing_is_killed_after_the_bound_and_counts_as_a_hang() {
    check_python();
    let t0 = Instant::now();
    let listing = "import threading\nprint('before the wait')\nthreading.Event().wait()\nprint('never')\n";
    let o = run_cpython(listing, "selftest-hang", Duration::from_secs(60), parlab_ended_after(0.1));
    assert_eq!(o.ending, Ending::Hang);
    assert_eq!(o.stdout, ["before the wait"], "a killed run keeps what it printed");
    assert!(t0.elapsed() < Duration::from_secs(20), "killed {:?} after the start", t0.elapsed());
}

#[test]
fn cpython_tells_the_main_threads_exception_from_a_threads() {
    check_python();
    let listing = "import threading\n\ndef f():\n    raise ValueError('in a thread')\n\n\
                   t = threading.Thread(target=f, name='t')\nt.start()\nt.join()\nprint('joined')\nraise KeyError('main')\n";
    let o = run_cpython(listing, "selftest-exc", Duration::from_secs(60), parlab_ended_after(0.1));
    assert_eq!(o.ending, Ending::Exception("KeyError".to_owned()));
    assert_eq!(o.thread_exceptions, ["ValueError: in a thread"]);
    assert_eq!(o.stdout, ["joined"]);
}

#[test]
fn an_order_difference_names_the_first_lines_that_differ() {
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let rules = |order, key: Option<&str>| Compare {
        masks: vec![],
        approx: vec![],
        tolerance: 0.3,
        order,
        key: key.map(|k| Regex::new(k).unwrap()),
        anchors: vec![],
    };
    let (py, pl) = (v(&["a: 1", "b: 1", "a: 2"]), v(&["b: 1", "a: 2", "a: 1"]));
    let d = stdout_difference(&py, &pl, &rules(Order::Exact, None)).unwrap();
    assert!(d.contains("first at line 1:\n    CPython: a: 1\n    Parlab:  b: 1"), "{d}");
    let d = stdout_difference(&py, &pl, &rules(Order::PerKey, Some("^(a|b):"))).unwrap();
    assert!(d.contains("keyed \"a\"") && !d.contains("keyed \"b\""), "{d}");
    assert!(stdout_difference(&py, &pl, &rules(Order::Multiset, None)).is_none());
}
