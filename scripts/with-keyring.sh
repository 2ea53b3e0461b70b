#!/usr/bin/env bash
# Runs a command with a real OS keyring: its own D-Bus session and an unlocked
# gnome-keyring (Secret Service), as a desktop session has. Tests of the login path store
# the session token there.
#
# XINBAO_PRIVATE_KEYRING=1 (the tests): the keyring's file lives in a folder of this run
# alone, removed after it. Two gnome-keyring daemons on one file (a test run beside the app
# started by run-app.sh, two test runs) reload each other's writes and drop entries the
# other has just made: a profile's key saved a moment ago reads back as missing.
set -euo pipefail
if [ "${XINBAO_IN_KEYRING_SESSION:-}" = 1 ]; then
  exec "$@"
fi
keyring_home=""
if [ "${XINBAO_PRIVATE_KEYRING:-}" = 1 ]; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' EXIT
fi
KEYRING_HOME="$keyring_home" dbus-run-session -- bash -c '
  # A non-empty password: with an empty one no login keyring is created.
  if [ -n "$KEYRING_HOME" ]; then
    printf "xinbao-test-keyring" | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  else
    printf "xinbao-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  fi
  export XINBAO_IN_KEYRING_SESSION=1
  exec "$@"' _ "$@"
