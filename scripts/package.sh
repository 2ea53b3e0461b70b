#!/usr/bin/env bash
# Builds the release installers for Linux (.deb and .rpm). The .msi and .dmg are configured
# in tauri.conf.json and build on Windows and macOS with the same command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
bash scripts/tools.sh --package
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# The config every platform reads (the .msi's and .dmg's sections too), against Tauri's schema.
python3 scripts/check-config.py
# The command line goes in the packages too, with its shell completions and man page.
cargo build --release --locked -p xinbao-cli
extra=src-tauri/packaging/out
rm -rf "$extra" && mkdir -p "$extra"
cp "$CARGO_TARGET_DIR/release/xinbao" "$extra/xinbao"
"$extra/xinbao" completions bash > "$extra/xinbao.bash"
"$extra/xinbao" completions zsh > "$extra/_xinbao"
"$extra/xinbao" completions fish > "$extra/xinbao.fish"
"$extra/xinbao" man | gzip -9n > "$extra/xinbao.1.gz"
TAURI_APP_PATH=src-tauri node_modules/.bin/tauri build --bundles deb,rpm --ci
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm
