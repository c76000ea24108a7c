#!/usr/bin/env bash
# System packages some tests use: xmllint (JUnit XSD validation) and Chromium (the HTML
# report rendered in a real browser). Idempotent; installs only what is missing.
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ci/setup.sh: missing ${need[*]} and not root; install them to run every test" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
