#!/usr/bin/env bash
# client-memory.sh — memory that clients' buffers cost, kvd vs redis-server
# (issue 13 item 3).
#
# Usage: scripts/client-memory.sh [clientmem flags]
#   -only short-lived,slow-reader,big-request,pending-mbulk  (default: all)
#   -scale F      shrink (or grow) every scenario's sizes by F (default 1)
#   -settle D     how long after the clients leave to read RSS (default 2s)
#   -kvd-args "…" extra kvd arguments
#
# Builds kvd, then for each scenario starts a fresh redis-server and then a
# fresh kvd (one at a time, on free ports), runs the scenario and prints the
# server's RSS at start, its peak (VmHWM) and its RSS -settle after the
# clients left, with kvd/redis ratios. The scenarios are described in
# scripts/clientmem/main.go. At scale 1 a server peaks at up to ~2.5 GB;
# the whole run takes about a minute or two.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/client-memory.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
go build -o "$TMP/kvd" ./cmd/kvd
go build -o "$TMP/clientmem" ./scripts/clientmem
"$TMP/clientmem" -kvd "$TMP/kvd" "$@"
