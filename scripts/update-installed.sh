#!/usr/bin/env bash
# The installed app updates itself: version N (the .deb scripts/package.sh built, installed
# with dpkg) finds N+1 on the reference platform's update feed, checks its signature against
# the administrator's public key, installs it and restarts. The signing key is generated
# here for this run and never kept. Runs as root (the .deb install), like smoke-installed.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
target="$CARGO_TARGET_DIR"
work=$(mktemp -d)
cleanup() {
  [ -n "${platform_pid:-}" ] && kill "$platform_pid" 2>/dev/null || true
  dpkg -r xinbao-desk >/dev/null 2>&1 || true
  # N+1 was for this run only.
  rm -rf "$work" "$target"/release/bundle/deb/xinbao-desk_"${version_next:-none}"_amd64*
}
trap cleanup EXIT

version_n=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
deb_n="$target/release/bundle/deb/xinbao-desk_${version_n}_amd64.deb"
version_next=$(echo "$version_n" | awk -F. '{print $1"."$2"."$3+1}')
cp "$deb_n" "$work/n.deb"

# N+1, signed with a key made for this run (no password).
node_modules/.bin/tauri signer generate --ci -p "" -w "$work/key" >/dev/null
export TAURI_SIGNING_PRIVATE_KEY="$(cat "$work/key")"
export TAURI_SIGNING_PRIVATE_KEY_PASSWORD=""
TAURI_APP_PATH=src-tauri node_modules/.bin/tauri build --bundles deb --ci \
  --config "{\"version\":\"$version_next\",\"bundle\":{\"createUpdaterArtifacts\":true},\"plugins\":{\"updater\":{\"pubkey\":\"$(cat "$work/key.pub")\"}}}" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }
unset TAURI_SIGNING_PRIVATE_KEY TAURI_SIGNING_PRIVATE_KEY_PASSWORD
deb_next="$target/release/bundle/deb/xinbao-desk_${version_next}_amd64.deb"
test -f "$deb_next" && test -f "$deb_next.sig"
echo "built $version_next, signed: $(du -h "$deb_next" | cut -f1)"

# A reference platform with N+1 on its update feed (`$1`: the package it serves).
serve() {
  [ -n "${platform_pid:-}" ] && kill "$platform_pid" 2>/dev/null || true
  rm -rf "$work/platform"
  "$platform" --data-dir "$work/platform" --listen 127.0.0.1:0 >"$work/platform.log" 2>&1 &
  platform_pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$work/platform.log" && break; sleep 0.1; done
  url=$(grep -o 'https://[0-9.:]*' "$work/platform.log" | head -n 1)
  "$platform" --data-dir "$work/platform" admin publish-release --target linux --arch x86_64 \
    --version "$version_next" --package "$1" --signature "$deb_next.sig" --notes "update test"
  # The administrator's settings: this server, this key, install at start without asking.
  cat >"$work/updates.json" <<JSON
{ "endpoint": "$url/api/v1/updates/{{target}}/{{arch}}/{{current_version}}",
  "pubkey": "$(cat "$work/key.pub")",
  "ca_file": "$work/platform/tls/ca.pem",
  "automatic": true }
JSON
}

# Runs the installed app until the installed version is `$1`, an update failed, or a minute
# has passed.
run_until() {
  XINBAO_UPDATES_CONFIG="$work/updates.json" XINBAO_DATA_DIR="$work/data" PATH="$work/bin:$PATH" \
    LOG="$work/app.log" WANT="$1" bash scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    /usr/bin/xinbao-desk >>"$LOG" 2>&1 &
    for _ in $(seq 1 300); do
      [ "$(dpkg-query -W -f "\${Version}" xinbao-desk)" = "$WANT" ] && break
      grep -q "\[update\." "$LOG" && break
      sleep 0.2
    done
    sleep 3
    pkill -f /usr/bin/xinbao-desk || true
  ' >/dev/null 2>&1 || true
}
platform="$target/debug/xinbao-platform"

# Version N installed; pkexec (the desktop's privilege prompt) is this root run itself.
dpkg -i "$work/n.deb" >/dev/null
test "$(dpkg-query -W -f '${Version}' xinbao-desk)" = "$version_n"
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec "$@"\n' >"$work/bin/pkexec"
chmod +x "$work/bin/pkexec"

# A package altered after signing is refused: N stays installed.
cp "$deb_next" "$work/altered.deb"
printf 'x' | dd of="$work/altered.deb" bs=1 seek=2000 conv=notrunc status=none
serve "$work/altered.deb"
run_until "$version_next"
if [ "$(dpkg-query -W -f '${Version}' xinbao-desk)" != "$version_n" ]; then
  echo "an altered package was installed"; exit 1
fi
grep -q "updates: .*signature\|update.failed" "$work/app.log" || { echo "no refusal logged"; tail -20 "$work/app.log"; exit 1; }
echo "an altered package was refused: $(grep -o 'updates: .*' "$work/app.log" | head -n 1)"

# The genuine one is installed, and the new version starts in place of the old.
serve "$deb_next"
run_until "$version_next"
installed=$(dpkg-query -W -f '${Version}' xinbao-desk)
log="$work/app.log"
grep -E "updates|installing" "$log" || true
if [ "$installed" != "$version_next" ]; then
  echo "the installed $version_n did not update itself to $version_next (installed: $installed)"
  tail -40 "$log"
  exit 1
fi
echo "version $version_n updated itself to $version_next from the reference platform's feed"
