#!/usr/bin/env bash
# Builds and starts Xinbao Desk on this machine (installing what it needs first).
# Data lives in the OS app-data directory; set XINBAO_DATA_DIR to keep it elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/tools.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -p xinbao-desk -p xinbao-cli
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: start this from a desktop session (or under xvfb-run to try it headless)." >&2
  exit 1
fi
exec "$CARGO_TARGET_DIR/debug/xinbao-desk" "$@"
