#!/usr/bin/env bash
# Runs a command with a real OS keyring: its own D-Bus session and an unlocked
# gnome-keyring (Secret Service), as a desktop session has. Tests of the login path store
# the session token there.
set -euo pipefail
if [ "${XINBAO_IN_KEYRING_SESSION:-}" = 1 ]; then
  exec "$@"
fi
exec dbus-run-session -- bash -c '
  # A non-empty password: with an empty one no login keyring is created.
  printf "xinbao-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export XINBAO_IN_KEYRING_SESSION=1
  exec "$@"' _ "$@"
