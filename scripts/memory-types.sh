#!/usr/bin/env bash
# memory-types.sh — memory per element of one big collection, kvd vs
# redis-server, modelled on /work/shared/bench/memory.sh.
#
# Usage: scripts/memory-types.sh TYPE...
#   string: KEYS (1,000,000) keys key:0000000.. with VALUE_SIZE (16) byte
#         values, loaded with redis-cli --pipe in SETs.
#   hash: one hash of FIELDS (1,000,000) fields field:0000000.. with
#         VALUE_SIZE (16) byte values, loaded with redis-cli --pipe in HSETs
#         of BATCH (1000) fields.
#   list: one list of ELEMENTS (1,000,000) VALUE_SIZE (16) byte elements
#         val:000000000000.., loaded with redis-cli --pipe in RPUSHes of
#         BATCH (1000) elements.
#   set:  one set of MEMBERS (1,000,000) VALUE_SIZE (16) byte members
#         mem:000000000000.., loaded with redis-cli --pipe in SADDs of
#         BATCH (1000) members.
#   zset: one sorted set of ZMEMBERS (1,000,000) members member:0000000..
#         (14 bytes), loaded with redis-cli --pipe in ZADDs of BATCH (1000)
#         pairs; scores are integers spread over the range (i*7919 mod
#         ZMEMBERS), or ascending (i) with ZSCORES=seq.
#
# Builds kvd (go build ./cmd/kvd), starts it and a redis-server
# (--save '' --appendonly no) on free ports, loads the same data into each,
# and prints RSS (VmRSS) and used_memory (INFO memory, where the server
# reports it) before and after, per element. A fresh pair of servers is
# started for each type. Environment: KEYS, FIELDS, ELEMENTS, MEMBERS, ZMEMBERS,
# ZSCORES, VALUE_SIZE, BATCH, SETTLE=5 (max seconds to wait for RSS to settle).
set -uo pipefail
export LC_ALL=C

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 ]] || usage

KEYS=${KEYS:-1000000}
FIELDS=${FIELDS:-1000000}
ELEMENTS=${ELEMENTS:-1000000}
MEMBERS=${MEMBERS:-1000000}
ZMEMBERS=${ZMEMBERS:-1000000}
ZSCORES=${ZSCORES:-spread}
VALUE_SIZE=${VALUE_SIZE:-16}
BATCH=${BATCH:-1000}
SETTLE=${SETTLE:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

TMP=$(mktemp -d /tmp/memory-types.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

cli() { local port=$1; shift; timeout 60 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1; }
rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status" 2>/dev/null; }
used_memory() { cli "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }'; }

free_port() {
    local p
    for ((p = 7700 + RANDOM % 200; ; p++)); do
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
}

wait_pong() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(cli "$1" ping) == PONG ]] && return 0
        sleep 0.1
    done
    echo "memory-types.sh: no PONG from port $1" >&2
    exit 1
}

# poll RSS until it stops falling (at most SETTLE s); print it
settled_rss() {
    local pid=$1 prev cur i
    prev=$(rss "$pid")
    for ((i = 0; i < SETTLE * 2; i++)); do
        sleep 0.5
        cur=$(rss "$pid")
        (( prev - cur < 262144 )) && break
        prev=$cur
    done
    rss "$pid"
}

# start_servers sets KVD_PORT KVD_PID REDIS_PORT REDIS_PID
start_servers() {
    KVD_PORT=$(free_port)
    "$TMP/kvd" --port "$KVD_PORT" --bind 127.0.0.1 >"$TMP/kvd.log" 2>&1 &
    KVD_PID=$!
    PIDS+=("$KVD_PID")
    wait_pong "$KVD_PORT"
    REDIS_PORT=$(free_port)
    while [[ $REDIS_PORT == "$KVD_PORT" ]]; do REDIS_PORT=$(free_port); done
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" \
        --daemonize no --logfile "$TMP/redis.log" &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_pong "$REDIS_PORT"
}

stop_servers() {
    cli "$REDIS_PORT" shutdown nosave >/dev/null
    kill "$KVD_PID" 2>/dev/null
    wait "$KVD_PID" "$REDIS_PID" 2>/dev/null
    PIDS=()
}

# measure NAME PORT PID FILE ITEMS REPLIES CHECK_CMD...: load FILE, print a row.
measure() {
    local name=$1 port=$2 pid=$3 file=$4 items=$5 replies=$6
    shift 6
    local before after ub ua out got
    cli "$port" flushall >/dev/null
    cli "$port" memory purge >/dev/null
    before=$(settled_rss "$pid")
    ub=$(used_memory "$port")
    out=$(timeout 600 redis-cli -h 127.0.0.1 -p "$port" --pipe <"$file" 2>&1 | tail -1)
    [[ $out == *"errors: 0, replies: $replies"* ]] || echo "# warning: $name: redis-cli --pipe said: $out"
    got=$(cli "$port" "$@")
    [[ $got == "$items" ]] || echo "# warning: $name: $* is '$got', expected $items"
    after=$(settled_rss "$pid")
    ua=$(used_memory "$port")
    awk -v n="$name" -v t="$TYPE" -v k="$items" -v b="$before" -v a="$after" -v ub="$ub" -v ua="$ua" 'BEGIN {
        um = (ub != "" && ua != "") ? sprintf("%.1f", (ua - ub) / k) : "-"
        printf "%-8s %-6s %9d %10.1f %10.1f %10.1f %12s\n", n, t, k, b / 1048576, a / 1048576, (a - b) / k, um
    }'
}

# ---- types ----

gen_string() {
    awk -v n="$KEYS" -v vs="$VALUE_SIZE" 'BEGIN {
        for (i = 0; i < n; i++) {
            k = sprintf("key:%07d", i); v = sprintf("val:%0" (vs - 4) "d", i)
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, vs, v
        }
    }' >"$TMP/string.resp"
}

mem_string() {
    gen_string
    start_servers
    measure kvd "$KVD_PORT" "$KVD_PID" "$TMP/string.resp" "$KEYS" "$KEYS" dbsize
    measure redis "$REDIS_PORT" "$REDIS_PID" "$TMP/string.resp" "$KEYS" "$KEYS" dbsize
    stop_servers
    rm -f "$TMP/string.resp"
}

gen_hash() {
    awk -v n="$FIELDS" -v vs="$VALUE_SIZE" -v batch="$BATCH" 'BEGIN {
        for (i = 0; i < n; i += batch) {
            m = (n - i < batch) ? n - i : batch
            printf "*%d\r\n$4\r\nHSET\r\n$4\r\nhash\r\n", 2 + 2 * m
            for (j = i; j < i + m; j++) {
                f = sprintf("field:%07d", j); v = sprintf("val:%0" (vs - 4) "d", j)
                printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(f), f, vs, v
            }
        }
    }' >"$TMP/hash.resp"
    HASH_REPLIES=$(( (FIELDS + BATCH - 1) / BATCH ))
}

mem_hash() {
    gen_hash
    start_servers
    measure kvd "$KVD_PORT" "$KVD_PID" "$TMP/hash.resp" "$FIELDS" "$HASH_REPLIES" hlen hash
    echo "#   kvd encoding: $(cli "$KVD_PORT" object encoding hash)"
    measure redis "$REDIS_PORT" "$REDIS_PID" "$TMP/hash.resp" "$FIELDS" "$HASH_REPLIES" hlen hash
    echo "#   redis encoding: $(cli "$REDIS_PORT" object encoding hash)"
    stop_servers
    rm -f "$TMP/hash.resp"
}

gen_list() {
    awk -v n="$ELEMENTS" -v vs="$VALUE_SIZE" -v batch="$BATCH" 'BEGIN {
        for (i = 0; i < n; i += batch) {
            m = (n - i < batch) ? n - i : batch
            printf "*%d\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n", 2 + m
            for (j = i; j < i + m; j++) {
                v = sprintf("val:%0" (vs - 4) "d", j)
                printf "$%d\r\n%s\r\n", vs, v
            }
        }
    }' >"$TMP/list.resp"
    LIST_REPLIES=$(( (ELEMENTS + BATCH - 1) / BATCH ))
}

mem_list() {
    gen_list
    start_servers
    measure kvd "$KVD_PORT" "$KVD_PID" "$TMP/list.resp" "$ELEMENTS" "$LIST_REPLIES" llen list
    echo "#   kvd encoding: $(cli "$KVD_PORT" object encoding list)"
    measure redis "$REDIS_PORT" "$REDIS_PID" "$TMP/list.resp" "$ELEMENTS" "$LIST_REPLIES" llen list
    echo "#   redis encoding: $(cli "$REDIS_PORT" object encoding list)"
    stop_servers
    rm -f "$TMP/list.resp"
}

gen_set() {
    awk -v n="$MEMBERS" -v vs="$VALUE_SIZE" -v batch="$BATCH" 'BEGIN {
        for (i = 0; i < n; i += batch) {
            m = (n - i < batch) ? n - i : batch
            printf "*%d\r\n$4\r\nSADD\r\n$3\r\nset\r\n", 2 + m
            for (j = i; j < i + m; j++) {
                v = sprintf("mem:%0" (vs - 4) "d", j)
                printf "$%d\r\n%s\r\n", vs, v
            }
        }
    }' >"$TMP/set.resp"
    SET_REPLIES=$(( (MEMBERS + BATCH - 1) / BATCH ))
}

mem_set() {
    gen_set
    start_servers
    measure kvd "$KVD_PORT" "$KVD_PID" "$TMP/set.resp" "$MEMBERS" "$SET_REPLIES" scard set
    echo "#   kvd encoding: $(cli "$KVD_PORT" object encoding set)"
    measure redis "$REDIS_PORT" "$REDIS_PID" "$TMP/set.resp" "$MEMBERS" "$SET_REPLIES" scard set
    echo "#   redis encoding: $(cli "$REDIS_PORT" object encoding set)"
    stop_servers
    rm -f "$TMP/set.resp"
}

gen_zset() {
    awk -v n="$ZMEMBERS" -v batch="$BATCH" -v seq="$([[ $ZSCORES == seq ]] && echo 1 || echo 0)" 'BEGIN {
        for (i = 0; i < n; i += batch) {
            m = (n - i < batch) ? n - i : batch
            printf "*%d\r\n$4\r\nZADD\r\n$4\r\nzset\r\n", 2 + 2 * m
            for (j = i; j < i + m; j++) {
                s = seq ? j : (j * 7919) % n; e = sprintf("member:%07d", j)
                printf "$%d\r\n%d\r\n$%d\r\n%s\r\n", length(s ""), s, length(e), e
            }
        }
    }' >"$TMP/zset.resp"
    ZSET_REPLIES=$(( (ZMEMBERS + BATCH - 1) / BATCH ))
}

mem_zset() {
    gen_zset
    start_servers
    measure kvd "$KVD_PORT" "$KVD_PID" "$TMP/zset.resp" "$ZMEMBERS" "$ZSET_REPLIES" zcard zset
    echo "#   kvd encoding: $(cli "$KVD_PORT" object encoding zset)"
    measure redis "$REDIS_PORT" "$REDIS_PID" "$TMP/zset.resp" "$ZMEMBERS" "$ZSET_REPLIES" zcard zset
    echo "#   redis encoding: $(cli "$REDIS_PORT" object encoding zset)"
    stop_servers
    rm -f "$TMP/zset.resp"
}

(( VALUE_SIZE >= 16 )) || { echo "memory-types.sh: VALUE_SIZE must be >= 16" >&2; exit 2; }
for t in "$@"; do
    declare -F "mem_$t" >/dev/null || { echo "memory-types.sh: unknown type '$t'" >&2; usage; }
done
(cd "$ROOT" && go build -o "$TMP/kvd" ./cmd/kvd) || exit 1
echo "# memory-types.sh $(date -u +%FT%TZ) value_size=$VALUE_SIZE; RSS from /proc/PID/status VmRSS; used_memory from INFO memory where available"
printf '%-8s %-6s %9s %10s %10s %10s %12s\n' server type items rss0_MiB rss1_MiB rss_B/item used_B/item
for TYPE in "$@"; do
    "mem_$TYPE"
done
