#!/usr/bin/env bash
# The Debian packages the tests use, installed when missing (CI and a fresh machine; needs root or sudo):
#   prometheus  promtool checks the /metrics output
#   postgresql  the shared card store (the tests start their own server, as an unprivileged user)
#   nginx       three replicas behind it (the tests start their own, on a free loopback port)
#   chromium    the committee report, rendered headless (playwright-core drives it; nothing is downloaded)
# Each is started by the tests themselves, in temporary folders; the servers the packages start are stopped.
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  echo "test packages: all present (prometheus, postgresql, nginx, chromium)"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "test packages: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The packages start their own servers where they can; the tests use none of them.
{ $sudo service nginx stop; $sudo service postgresql stop; } >/dev/null 2>&1 || true
