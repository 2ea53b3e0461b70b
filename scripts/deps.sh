#!/usr/bin/env bash
# Installs the system packages Xinbao Desk needs on Debian (bookworm or newer), as root
# (or through sudo). Idempotent: does nothing when everything is there.
#   deps.sh          build and run the app
#   deps.sh --test   also what the real-window tests need (Xvfb, WebKitWebDriver, …)
set -euo pipefail

# dbus and gnome-keyring: the Secret Service that keeps the profile's key and the session.
build=(build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev
       librsvg2-dev libsoup-3.0-dev libayatana-appindicator3-dev libxdo-dev fonts-noto-cjk
       dbus dbus-x11 gnome-keyring)
# webkit2gtk-driver must match libwebkit2gtk-4.1-0's version: installed in the same call.
# openbox and wmctrl: a window manager to maximise the window in (the window-state test).
testing=(xvfb xauth x11-utils xdotool xclip imagemagick webkit2gtk-driver keyutils rpm desktop-file-utils
         python3 python3-pip procps openbox wmctrl)

wanted=("${build[@]}")
[ "${1:-}" = "--test" ] && wanted+=("${testing[@]}")

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" libwebkit2gtk-4.1-0 >/dev/null
