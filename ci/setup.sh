#!/usr/bin/env bash
# What some tests need beyond cargo. Idempotent, quiet; installs only what is missing.
# - System packages: xmllint (JUnit XSD validation) and Chromium (the HTML report
#   rendered in a real browser).
# - The interop servers (tests/interop.rs), into the git-ignored .interop/ of this
#   checkout: httpbin under gunicorn in a Python venv (tests/interop/requirements.txt),
#   json-server and oauth2-mock-server from npm (tests/interop/package-lock.json).
# - For the OpenAPI interop tests and bench/openapi: Prism (@stoplight/prism-cli, in the
#   same npm lock) and Schemathesis (PyPI, in the same venv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -ne 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci/setup.sh: missing ${need[*]} and not root; install them to run every test" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

for tool in python3 node npm; do
  command -v "$tool" >/dev/null || { echo "ci/setup.sh: $tool not found; the interop servers need Python 3 (with venv), Node.js 20 and npm" >&2; exit 1; }
done
interop="$root/.interop"
mkdir -p "$interop"
# Each part is redone only when its pinned list changed (a stamp holds the list's hash).
stamp_ok() { [ -f "$interop/$1.stamp" ] && [ "$(cat "$interop/$1.stamp")" = "$2" ]; }

req="$root/tests/interop/requirements.txt"
sum=$(sha256sum "$req" | cut -d' ' -f1)
if ! stamp_ok venv "$sum" || [ ! -x "$interop/venv/bin/gunicorn" ] || [ ! -x "$interop/venv/bin/st" ]; then
  rm -rf "$interop/venv"
  python3 -m venv "$interop/venv"
  "$interop/venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$req"
  echo "$sum" >"$interop/venv.stamp"
fi

lock="$root/tests/interop/package-lock.json"
sum=$(cat "$root/tests/interop/package.json" "$lock" | sha256sum | cut -d' ' -f1)
if ! stamp_ok node "$sum" || [ ! -d "$interop/node/node_modules" ]; then
  rm -rf "$interop/node"
  mkdir -p "$interop/node"
  cp "$root/tests/interop/package.json" "$lock" "$interop/node/"
  (cd "$interop/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$sum" >"$interop/node.stamp"
fi
