#!/usr/bin/env bash
# Installs what Parlab needs, each piece only when it is missing, saying what and why.
#   scripts/setup.sh           what building and serving need
#   scripts/setup.sh --test    that, plus what the test tiers need (Chromium, chromedriver,
#                              python3, the aarch64-apple-darwin std for the macOS type-check)
# Idempotent: a second run checks versions and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=0
[[ "${1:-}" == "--test" ]] && for_tests=1

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
ok() { printf '    \033[32mok\033[0m %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
wasm_bindgen_version=$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)
wasm_opt_version=$(sed -n 's/^wasm_opt = "version_\(.*\)"/\1/p' Trunk.toml)
trunk_version=0.22.1

command -v rustup >/dev/null || { echo "Rust (rustup) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js with npm is required" >&2; exit 1; }

# 1. The pinned nightly: wasm threads need std rebuilt with atomics (build-std), which
#    needs nightly and rust-src.
if rustup toolchain list | grep -q "^$toolchain" \
  && rustup component list --toolchain "$toolchain" --installed 2>/dev/null | grep -q '^rust-src' \
  && rustup component list --toolchain "$toolchain" --installed 2>/dev/null | grep -q '^rustfmt' \
  && rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown'; then
  ok "Rust $toolchain with rust-src and wasm32"
else
  step "Installing Rust $toolchain with rust-src, rustfmt and the wasm32 target (std is rebuilt with atomics for threads)"
  rustup toolchain install "$toolchain" --profile minimal -c rust-src -c rustfmt -t wasm32-unknown-unknown
fi

# 2. wasm-bindgen's CLI at exactly the crate's version (a mismatch breaks the glue), and
#    its test runner for the browser test tier.
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $wasm_bindgen_version" ]] && command -v wasm-bindgen-test-runner >/dev/null; then
  ok "wasm-bindgen $wasm_bindgen_version"
else
  step "Installing wasm-bindgen-cli $wasm_bindgen_version (must match the crate exactly; about 3 minutes)"
  cargo +"$toolchain" install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# 3. Trunk builds and serves the page. Once, slowly: it has many dependencies.
if trunk --version 2>/dev/null | grep -q "$trunk_version"; then
  ok "trunk $trunk_version"
else
  step "Installing trunk $trunk_version (builds and serves the page; about 11 minutes on 2 cores, once)"
  cargo +"$toolchain" install trunk --version "$trunk_version" --locked --force
fi

# 4. Node tools: wasm-opt from binaryen $wasm_opt_version (Debian's binaryen breaks the module,
#    and Trunk cannot download its own here), playwright-core and axe-core for the end-to-end tier.
if [[ "$(wasm-opt --version 2>/dev/null)" == *"version $wasm_opt_version"* ]] && [[ -d node_modules/playwright-core ]] && [[ -d node_modules/axe-core ]]; then
  ok "wasm-opt $wasm_opt_version, playwright-core, axe-core"
else
  step "Installing wasm-opt (binaryen $wasm_opt_version), playwright-core and axe-core from npm"
  npm ci --no-audit --no-fund
fi

# 5. Tests only: std for aarch64-apple-darwin, which the macOS type-check tier checks
#    against (cargo check needs no macOS linker or SDK).
if (( for_tests )); then
  if rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -q '^aarch64-apple-darwin'; then
    ok "Rust target aarch64-apple-darwin"
  else
    step "Adding the aarch64-apple-darwin target to Rust $toolchain (the macOS type-check tier)"
    rustup target add --toolchain "$toolchain" aarch64-apple-darwin
  fi
fi

# 6. Tests only: Debian's Chromium and its chromedriver (Playwright's own browser download
#    does not work here), and CPython 3.11 or newer for the CPython agreement tier.
if (( for_tests )); then
  if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    ok "$(python3 --version)"
  else
    step "Installing python3 from Debian (the CPython tier runs every lesson's listing; it needs 3.11 or newer)"
    sudo=""
    (( EUID != 0 )) && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q python3
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "python3 from Debian is $(python3 --version 2>&1); the CPython tier needs 3.11 or newer" >&2; exit 1; }
  fi
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    ok "chromium and chromedriver"
  else
    step "Installing Chromium and chromedriver from Debian (for the browser test tiers)"
    sudo=""
    (( EUID != 0 )) && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium chromium-driver
  fi
fi
