package tests

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runRedisPy runs a Python script with Debian's redis-py (python3-redis,
// installed by scripts/deps.sh) against addr, given to the script as
// HOST and PORT, and returns what it printed. The test fails under CI, and
// is skipped otherwise, when redis-py is missing.
func runRedisPy(t *testing.T, addr, script string) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import redis").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-py is required in CI (apt-get install python3-redis): %v", err)
		}
		t.Skipf("redis-py unavailable (apt-get install python3-redis): %v", err)
	}
	host, port := hostPort(t, addr)
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), "HOST="+host, "PORT="+port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-py script: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestRedisPyTransactions runs redis-py's pipeline() (transaction=True by
// default) and its WATCH-based optimistic update on both servers: the same
// results.
func TestRedisPyTransactions(t *testing.T) {
	needRedis(t)
	script := `
import os, redis
r = redis.Redis(host=os.environ["HOST"], port=int(os.environ["PORT"]))
r.flushall()
p = r.pipeline()
p.set("a", 1).incr("a").incrby("a", 5).get("a").lpush("a", "x")
try:
    p.execute()
except redis.ResponseError as e:
    print("error:", e)
p = r.pipeline()
p.set("a", 1).incr("a").get("a")
print(p.execute())
def update(pipe):
    v = int(pipe.get("a"))
    pipe.multi()
    pipe.set("a", v * 10)
print(r.transaction(update, "a"))
print(r.get("a"))
with r.pipeline() as pipe:
    pipe.watch("a")
    r.set("a", 99)  # another client's change
    pipe.multi()
    pipe.set("a", 1)
    try:
        pipe.execute()
    except redis.WatchError:
        print("watch error")
print(r.get("a"))
`
	want := runRedisPy(t, env.redisAddr, script)
	got := runRedisPy(t, env.kvdAddr, script)
	if got != want {
		t.Errorf("redis-py output differs:\n redis: %s\n   kvd: %s", want, got)
	}
	if !strings.Contains(got, "watch error") {
		t.Errorf("no WatchError: %s", got)
	}
}

// TestRedisPyBlpop runs a redis-py worker that waits with blpop/brpop
// while another connection pushes, and a blpop that times out, on both
// servers: the same results.
func TestRedisPyBlpop(t *testing.T) {
	needRedis(t)
	script := `
import os, threading, time, redis
host, port = os.environ["HOST"], int(os.environ["PORT"])
r = redis.Redis(host=host, port=port)
r.flushall()
print(r.blpop(["q1", "q2"], timeout=0.1))
got = []
def worker():
    w = redis.Redis(host=host, port=port)
    for _ in range(3):
        got.append(w.brpop("jobs", timeout=5))
t = threading.Thread(target=worker)
t.start()
time.sleep(0.2)
p = redis.Redis(host=host, port=port)
p.lpush("jobs", "a")
time.sleep(0.05)
p.lpush("jobs", "b", "c")
t.join()
print(got)
r.rpush("q2", "x")
print(r.blpop(["q1", "q2"], timeout=1))
print(r.brpoplpush("nothing", "dst", timeout=0.1))
`
	want := runRedisPy(t, env.redisAddr, script)
	got := runRedisPy(t, env.kvdAddr, script)
	if got != want {
		t.Errorf("redis-py output differs:\n redis: %s\n   kvd: %s", want, got)
	}
	if !strings.Contains(got, "(b'jobs', b'a')") {
		t.Errorf("worker got no job: %s", got)
	}
}
