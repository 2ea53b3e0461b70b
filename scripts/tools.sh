#!/usr/bin/env bash
# Rust-side tools the tests and packaging use, installed from crates.io / npm when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
  # A fresh machine: the stable Rust toolchain through rustup (Debian's rustc is too old).
  command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl ca-certificates; }
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt --component clippy
fi
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The tests run clippy with -D warnings: a toolchain without it gets it.
if [ "${1:-}" = "--test" ] && ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add clippy
fi
if [ "${1:-}" = "--test" ] && ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  cargo install --locked tauri-driver@2.1.0
fi
if [ "${1:-}" = "--package" ] && ! command -v npm >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm
fi
if [ "${1:-}" = "--package" ] && [ ! -x node_modules/.bin/tauri ]; then
  npm install --no-audit --no-fund
fi
