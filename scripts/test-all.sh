#!/usr/bin/env bash
# test-all.sh — the whole suite, as `make test` runs it: every package under
# the race detector (the black-box suite in tests/ on the io_uring
# proactor), and the black-box suite again on the epoll reactor, on the
# reactor with 4 I/O threads and on the portable backend.
#
# The four runs go at the same time: the black-box suite spends most of its
# time waiting (on sockets, timers and the redis-servers it starts), so on
# two cores the four together take little longer than the longest one. Each
# run's output is kept apart and printed when it ends; the status is the
# first failure's, or 0.
set -u
GO=${GO:-go}
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
logs=$(mktemp -d /tmp/kvd-test-all.XXXXXX)
trap 'rm -rf "$logs"' EXIT

run() { # name, then the environment assignment (or "-") and the packages
	local name=$1 env=$2
	shift 2
	(
		if [ "$env" != "-" ]; then export "${env?}"; fi
		"$GO" test -race -count=1 -timeout 25m "$@" >"$logs/$name.log" 2>&1
		echo $? >"$logs/$name.rc"
	) &
}

start=$(date +%s)
run all - ./...
run reactor KVD_TEST_IO_MODEL=reactor ./tests
run iothreads KVD_TEST_IO_THREADS=4 ./tests
run portable KVD_TEST_IO_MODEL=portable ./tests
wait
status=0
for name in all reactor iothreads portable; do
	echo "=== $name ($(cat "$logs/$name.rc"))"
	cat "$logs/$name.log"
	rc=$(cat "$logs/$name.rc")
	if [ "$rc" != 0 ] && [ "$status" = 0 ]; then status=$rc; fi
done
echo "=== whole suite: $(($(date +%s) - start)) s, status $status"
exit "$status"
