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

# What the packages declare: a Secret Service provider and CJK fonts (Recommends), and
# where they put the binary, the menu entry and the icons.
fail() { echo "package check: $*"; exit 1; }
rpm -qip "$rpm" | grep -E '^(Name|Version|Release|Summary|License) ' || fail "rpm -qip"
rpm_files=$(rpm -qlp "$rpm")
rpm_recommends=$(rpm -qp --recommends "$rpm")
echo "rpm recommends: $rpm_recommends"
echo "rpm requires: $(rpm -qp --requires "$rpm" | grep -v '^rpmlib' | tr '\n' ' ')"
grep -q gnome-keyring <<<"$rpm_recommends" || fail "the .rpm does not recommend a Secret Service"
grep -q noto-sans-cjk <<<"$rpm_recommends" || fail "the .rpm does not recommend CJK fonts"
deb_recommends=$(dpkg-deb --field "$deb" Recommends)
echo "deb depends: $(dpkg-deb --field "$deb" Depends)"
echo "deb recommends: $deb_recommends"
grep -q gnome-keyring <<<"$deb_recommends" || fail "the .deb does not recommend a Secret Service"
grep -q fonts-noto-cjk <<<"$deb_recommends" || fail "the .deb does not recommend CJK fonts"
deb_files=$(dpkg-deb --contents "$deb" | awk '{print "/" $NF}' | sed 's|^/\./|/|')
for f in /usr/bin/xinbao-desk /usr/share/applications/xinbao-desk.desktop /usr/bin/xinbao \
         /usr/share/man/man1/xinbao.1.gz /usr/share/bash-completion/completions/xinbao \
         /usr/share/icons/hicolor/128x128/apps/xinbao-desk.png /usr/share/icons/hicolor/32x32/apps/xinbao-desk.png; do
  grep -qx "$f" <<<"$rpm_files" || fail "the .rpm lacks $f"
  grep -qx "$f" <<<"$deb_files" || fail "the .deb lacks $f"
done

dpkg -i "$deb"
trap 'dpkg -r xinbao-desk >/dev/null || true' EXIT
test -x /usr/bin/xinbao-desk
# The command line beside it, with its manual and completions.
/usr/bin/xinbao --version
zcat /usr/share/man/man1/xinbao.1.gz | grep -q '^.TH xinbao' || fail "the man page"
grep -q '_xinbao' /usr/share/bash-completion/completions/xinbao || fail "bash completion"
test -f /usr/share/applications/xinbao-desk.desktop
# The menus say 信保订单登记 (in Chinese and by default), the binary keeps its Latin name.
desktop=/usr/share/applications/xinbao-desk.desktop
cat "$desktop"
grep -qx 'Name=信保订单登记' "$desktop" || fail "menu name"
grep -qx 'Name\[zh_CN\]=信保订单登记' "$desktop" || fail "menu name in Chinese"
grep -q '^Comment=' "$desktop" || fail "menu comment"
grep -qx 'Exec=xinbao-desk' "$desktop" || fail "the desktop file starts $(grep ^Exec "$desktop")"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi

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
