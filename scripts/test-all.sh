#!/usr/bin/env bash
# Runs every test: the crates' tests on real SQLite files, the CLI binary, and the real app
# in a real window (Xvfb) driven through tauri-driver + WebKitWebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
bash scripts/tools.sh --test
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

cargo fmt --all -- --check
cargo fmt --manifest-path tests/e2e/Cargo.toml -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --manifest-path tests/e2e/Cargo.toml --all-targets --locked -- -D warnings
cargo build --workspace --locked
# The login tests keep the session token in a real OS keyring: a D-Bus session with an
# unlocked gnome-keyring, as on a desktop (its file apart from any other keyring's).
export XINBAO_PRIVATE_KEYRING=1
bash scripts/with-keyring.sh cargo test --workspace --locked
# The encryption of an older profile killed from outside at sixty more moments spread over a
# conversion (each run also kills it at every crash point): one bad moment in twenty shows.
XINBAO_KILL_ROUNDS=3 bash scripts/with-keyring.sh \
  cargo test --workspace --locked --test encryption -- a_conversion_killed

# The contract and the reference platform agree: schemathesis generates requests for every
# operation of api/openapi.yaml against the real server (0 failures, or this fails).
# (The CLI that sets it up keeps its profile's key in the OS keyring, as the app does.)
bash scripts/with-keyring.sh bash scripts/schemathesis.sh

# Real-window tests: their own D-Bus session (single-instance, accessibility, the keyring
# that keeps the login) and display; each test starts the reference platform it logs in to.
export XINBAO_SCREENSHOT_DIR="$CARGO_TARGET_DIR/screenshots"
bash scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test --manifest-path tests/e2e/Cargo.toml --locked -- --test-threads=1
echo "Screenshots of the real window: $XINBAO_SCREENSHOT_DIR"
