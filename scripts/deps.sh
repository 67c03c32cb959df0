#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine lacks: Debian's
# redis-server and redis-tools (the differential tests compare kvd with
# them), redis-sentinel (the failover tests run three sentinels), tmux (an interactive redis-cli runs in a tmux pane) and Debian's
# python3-redis (redis-py, a real client the tests drive). Does nothing
# when they are present.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
{ command -v redis-cli >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; } || need+=(redis-tools)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || need+=(python3-redis)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "installing ${need[*]} with apt-get" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
# The package may start a service on 6379; the tests use their own ports.
redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || $SUDO service redis-server stop >/dev/null 2>&1 || true
redis-cli -p 26379 shutdown nosave >/dev/null 2>&1 || $SUDO service redis-sentinel stop >/dev/null 2>&1 || true
