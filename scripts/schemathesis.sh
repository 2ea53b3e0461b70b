#!/usr/bin/env bash
# Schemathesis over the reference platform: every operation of api/openapi.yaml generated
# against the real server (TLS on loopback, demo data), logged in as the demo company.
# Login, logout and password change are left out (they would end the session under test;
# their own tests are in crates/platform/tests). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$CARGO_TARGET_DIR/debug"
# Through python3 itself: a freshly installed console script may not be on PATH yet.
# (Debian's own python3 marks itself externally managed: pip then needs to be told.)
python3 -m schemathesis.cli --version >/dev/null 2>&1 || python3 -m pip install -q schemathesis \
  || python3 -m pip install -q --break-system-packages schemathesis
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The per-address rate raised: this tests the contract, not the limit (its own test is in
# crates/platform/tests/hardening.rs).
"$bin/xinbao-platform" --data-dir "$work/platform" --listen "127.0.0.1:$port" --demo \
  --rate-per-address 100000 > "$work/platform.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
url="https://127.0.0.1:$port"
ca="$work/platform/tls/ca.pem"
# One small HTTPS client for the set-up (python3 is needed for schemathesis anyway).
https() {
  python3 - "$ca" "$@" <<'PY'
import json, ssl, sys, time, urllib.request
ca, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
ctx = ssl.create_default_context(cafile=ca)
for attempt in range(50):
    try:
        req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
        print(urllib.request.urlopen(req, context=ctx, timeout=10).read().decode())
        break
    except (OSError, urllib.error.URLError):
        time.sleep(0.2)
else:
    sys.exit("the platform did not answer at " + url)
PY
}
for _ in $(seq 50); do [ -f "$ca" ] && break; sleep 0.2; done
https "$url/api/v1/meta" >/dev/null
"$bin/xinbao" --data-dir "$work/cli" platform --url "$url" --ca "$ca" >/dev/null
captcha=$("$bin/xinbao" --data-dir "$work/cli" captcha "$work/captcha.png")
answer=$("$bin/xinbao-platform" --data-dir "$work/platform" admin sink-code --kind captcha --to "$captcha")
token=$(https "$url/api/v1/auth/login" \
  "{\"method\":\"account\",\"identifier\":\"91330782MA2D3M0A1E\",\"password\":\"Xinbao#2026\",\"captcha_id\":\"$captcha\",\"captcha_answer\":\"$answer\"}" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
cd "$work"
# A request whose connection closed without an answer is tried again (twice at most):
# once in seven runs a POST met "EOF occurred in violation of protocol" (cause not found
# yet; the server logged nothing). Answers are never retried: a wrong one still fails.
python3 -m schemathesis.cli --config-file "$OLDPWD/api/schemathesis.toml" run "$OLDPWD/api/openapi.yaml" \
  --url "$url/api/v1" --tls-verify "$ca" -H "Authorization: Bearer $token" \
  --exclude-path /auth/login --exclude-path /auth/logout --exclude-path /auth/password \
  --workers 2 --max-examples "${ST_EXAMPLES:-30}" --seed "${ST_SEED:-1}" \
  --request-retries 2
