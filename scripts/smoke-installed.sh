#!/usr/bin/env bash
# Installs the built .deb with dpkg, starts the installed binary under Xvfb, waits for its
# window and the first painted screen, takes a screenshot, then removes the package.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
deb=$(ls "$target"/release/bundle/deb/*.deb | head -n 1)
rpm=$(ls "$target"/release/bundle/rpm/*.rpm | head -n 1)
echo "deb: $deb ($(du -h "$deb" | cut -f1))"
echo "rpm: $rpm ($(du -h "$rpm" | cut -f1))"
rpm -qp --queryformat '%{NAME} %{VERSION}-%{RELEASE} %{SUMMARY}\n' "$rpm"
dpkg-deb --field "$deb" Package Version Description | head -n 4

dpkg -i "$deb"
trap 'dpkg -r xinbao-desk >/dev/null || true' EXIT
test -x /usr/bin/xinbao-desk
test -f /usr/share/applications/xinbao-desk.desktop

data=$(mktemp -d)
log=$(mktemp)
shot="$target/screenshots/installed-app.png"
mkdir -p "$(dirname "$shot")"
# A desktop session's D-Bus and Secret Service: the profile's key lives in the keyring.
XINBAO_DATA_DIR="$data" SHOT="$shot" LOG="$log" bash scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  t0=$(date +%s%N)
  /usr/bin/xinbao-desk >"$LOG" 2>&1 &
  pid=$!
  # Cold start, wall clock from exec to the first painted screen (the page reports it once
  # two animation frames have passed after the order list was rendered).
  for _ in $(seq 1 1500); do
    grep -q "first screen painted" "$LOG" && break
    sleep 0.02
  done
  t1=$(date +%s%N)
  echo "cold start to a painted order list: $(( (t1 - t0) / 1000000 )) ms (wall clock from exec, polled every 20 ms)"
  for _ in $(seq 1 120); do
    xwininfo -root -tree | grep -q "Xinbao Desk" && break
    sleep 0.25
  done
  status=1
  if xwininfo -root -tree | grep -q "Xinbao Desk" && grep -q "first screen painted" "$LOG"; then
    status=0
    import -window root "$SHOT" 2>/dev/null || true
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  exit $status
' || { echo "the installed app did not show its window"; cat "$log"; exit 1; }
grep "first screen painted" "$log"
test -f "$data/profiles/default/xinbao.sqlite3"
echo "installed app started, painted its first screen and created its database"
