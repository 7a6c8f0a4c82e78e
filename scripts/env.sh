# Sourced by the scripts: the environment every build of Parlab needs.
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
# Rebuild std with atomics for wasm32 (needed for shared memory). Cargo applies it to
# native builds too (rebuilding std for nothing): native commands unset it.
export CARGO_UNSTABLE_BUILD_STD=panic_abort,std
export CHROMEDRIVER=/usr/bin/chromedriver
