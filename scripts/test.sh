#!/usr/bin/env bash
# Runs every test tier after installing whatever is missing; exits non-zero on any failure.
#   0. format: rustfmt --check
#   1. native: unit, doc and integration tests of the core, lesson litmus tests (one binary)
#   2. CPython agreement: every lesson's listing under python3 against its Rust program
#   3. native primitives over the parking-lot futex, the backend of macOS and other targets
#   4. macOS type-check: the core, its tests and the CLI for aarch64-apple-darwin
#   5. loom models of the futex-based primitives
#   6. wasm-bindgen-test in headless Chromium, on real workers
#   7. end to end: the Trunk-built site in headless Chromium (Playwright)
#   8. a smoke of the bench (every row runs at tiny sizes)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1
source scripts/env.sh

passed=0
failed=0
failures=()
tier() {
  local name=$1
  shift
  printf '\n\033[1;34m==> %s\033[0m\n' "$name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    printf '\033[32m--> %s passed (%ss)\033[0m\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '\033[31m--> %s FAILED (%ss)\033[0m\n' "$name" $((SECONDS - t0))
  fi
}

# cargo fmt follows `mod` lines; the lessons' folders are declared by a macro (see
# lessons/mod.rs), so they are checked by path too.
format_check() { cargo fmt --all -- --check && rustfmt --check --edition 2021 crate/src/lessons/*/*/mod.rs; }
tier "format (rustfmt --check)" format_check
tier "native tests" env -u CARGO_UNSTABLE_BUILD_STD cargo test -p parlab -p parlab-www --profile test-opt --no-fail-fast
tier "CPython agreement" env -u CARGO_UNSTABLE_BUILD_STD cargo test -p parlab --profile test-opt --test cpython
# Linux runs the futex syscall; this runs the futex layer's contract and the primitives',
# the runtime's and the schedulers' tests once over the parking lot that macOS uses. A debug build: incremental,
# so quick after a change, and these tests need no optimizer.
tier "native primitives over the parking-lot futex" env -u CARGO_UNSTABLE_BUILD_STD cargo test -p parlab --features futex-parking --lib --test native -- futex:: prim_ runtime:: futures:: trace:: sched_
# cargo check needs only the target's std (scripts/setup.sh --test adds it), no macOS linker.
tier "macOS type-check" env -u CARGO_UNSTABLE_BUILD_STD cargo check -p parlab --tests --bins --target aarch64-apple-darwin
if [[ -f crate/tests/loom.rs ]]; then
  tier "loom models" env -u CARGO_UNSTABLE_BUILD_STD RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test -p parlab --release --no-default-features --test loom
fi
# The runner's bound is for the whole binary (its tests take turns): about 40 tests, two
# minutes on a quiet 2-core machine, more under load; the bound only catches a hang.
tier "wasm-bindgen-test (headless Chromium, workers)" env WASM_BINDGEN_TEST_TIMEOUT=600 cargo test -p parlab --no-default-features --target wasm32-unknown-unknown --test web
# The end-to-end tier tests its own release build, so a dev server's dist/ is left alone.
export PARLAB_DIST="$PWD/target/e2e-dist"
if trunk build --release --dist "$PARLAB_DIST"; then
  tier "end to end (Playwright, headless Chromium)" node --test --test-concurrency=1 tests/e2e/
  # Not the bench (that is scripts/bench.sh): a smoke that every row of it still runs.
  tier "bench smoke" scripts/bench.sh --smoke --dist "$PARLAB_DIST"
else
  failed=$((failed + 1))
  failures+=("trunk build --release")
fi

echo
echo "tiers: $passed passed, $failed failed${failures:+ (${failures[*]})}"
(( failed == 0 ))
