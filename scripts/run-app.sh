#!/usr/bin/env bash
# Builds and starts Xinbao Desk on this machine (installing what it needs first), with the
# reference platform (xinbao-platform --demo) on loopback so login and sync work at once.
# App data lives in the OS app-data directory (XINBAO_DATA_DIR to keep it elsewhere); the
# platform's data in target/demo-platform (XINBAO_PLATFORM_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/tools.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -p xinbao-desk -p xinbao-cli -p xinbao-platform
# The profile's key and the session live in the Secret Service (a desktop's keyring). Without
# one (a bare X session, ssh -X, xvfb-run) a keyring of this user's is started for the run;
# gnome-keyring keeps it under ~/.local/share/keyrings, so the next run finds the same key.
has_secret_service() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 1
  local names
  for names in ListNames ListActivatableNames; do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      "org.freedesktop.DBus.$names" 2>/dev/null | grep -q '"org.freedesktop.secrets"' && return 0
  done
  return 1
}
if [ "${XINBAO_IN_KEYRING_SESSION:-}" != 1 ] && ! has_secret_service; then
  echo "No Secret Service in this session: starting gnome-keyring for this run." >&2
  exec bash scripts/with-keyring.sh bash "$0" "$@"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: start this from a desktop session (or under xvfb-run to try it headless)." >&2
  exit 1
fi

platform_dir="${XINBAO_PLATFORM_DIR:-$CARGO_TARGET_DIR/demo-platform}"
port="${XINBAO_PLATFORM_PORT:-8443}"
mkdir -p "$platform_dir"
"$CARGO_TARGET_DIR/debug/xinbao-platform" --data-dir "$platform_dir" --listen "127.0.0.1:$port" --demo \
  >"$platform_dir/server.out" 2>"$platform_dir/server.log" &
platform_pid=$!
trap 'kill $platform_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "^listening on" "$platform_dir/server.out" 2>/dev/null && break
  if ! kill -0 "$platform_pid" 2>/dev/null; then
    echo "The reference platform did not start:" >&2
    cat "$platform_dir/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
cat "$platform_dir/server.out"

# The app trusts the platform's own CA (certificate checks stay on).
export XINBAO_PLATFORM_URL="https://127.0.0.1:$port"
export XINBAO_PLATFORM_CA="$platform_dir/tls/ca.pem"
"$CARGO_TARGET_DIR/debug/xinbao-desk" "$@"
