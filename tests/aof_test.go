package tests

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// The append-only file through the real redis-server 7.0.15: the
// appendonlydir kvd writes loads in redis-server (and passes
// redis-check-aof), the one redis-server writes loads in kvd, with every
// type, TTL and database compared; load errors log Redis's lines.

// aofWorkload writes a seeded random workload of commands whose
// propagation Redis rewrites (relative expiries, SPOP, INCRBYFLOAT,
// transactions, scripts, expired keys) in databases 0 to 2.
func aofWorkload(t testing.TB, c *conn, seed uint64, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 18))
	for i := 0; i < n; i++ {
		db := strconv.Itoa(r.IntN(3))
		c.do("SELECT", db)
		k := fmt.Sprintf("w%d", r.IntN(60))
		var cmd []string
		switch r.IntN(16) {
		case 0:
			cmd = []string{"SET", k, strconv.Itoa(r.IntN(1000))}
		case 1:
			cmd = []string{"SET", k, "v" + strconv.Itoa(i), "EX", strconv.Itoa(1000 + r.IntN(1000))}
		case 2:
			cmd = []string{"INCRBYFLOAT", "f" + k, "1.5"}
		case 3:
			cmd = []string{"SADD", "s" + k, strconv.Itoa(r.IntN(20)), "m" + strconv.Itoa(r.IntN(20))}
		case 4:
			cmd = []string{"SPOP", "s" + k}
		case 5:
			cmd = []string{"RPUSH", "l" + k, "a", strconv.Itoa(i)}
		case 6:
			cmd = []string{"LPOP", "l" + k}
		case 7:
			cmd = []string{"HSET", "h" + k, "f" + strconv.Itoa(r.IntN(10)), strconv.Itoa(i)}
		case 8:
			cmd = []string{"ZADD", "z" + k, strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64), "m" + strconv.Itoa(r.IntN(10))}
		case 9:
			cmd = []string{"ZINCRBY", "z" + k, "2.5", "m1"}
		case 10:
			cmd = []string{"EXPIRE", "h" + k, strconv.Itoa(500 + r.IntN(500))}
		case 11:
			cmd = []string{"DEL", "l" + k}
		case 12:
			c.do("MULTI")
			c.do("INCR", "ctr")
			c.do("APPEND", "s"+k+"str", "x")
			cmd = []string{"EXEC"}
		case 13:
			cmd = []string{"EVAL", "redis.call('INCR', KEYS[1]); return redis.call('SET', KEYS[2], ARGV[1])", "2", "ev" + k, "es" + k, strconv.Itoa(i)}
		case 14:
			cmd = []string{"RENAME", "h" + k, "hr" + k}
		case 15:
			cmd = []string{"PERSIST", k}
		}
		c.do(cmd...)
	}
	c.do("SELECT", "0")
}

// copyDir copies the files of src into a new directory dst/appendonlydir
// (what the test compares must not change under it).
func copyAOFDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	to := filepath.Join(dst, "appendonlydir")
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(src, "appendonlydir"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, "appendonlydir", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// aofWritten waits until c's AOF buffer is written and no fsync runs: with
// appendfsync everysec a write waits while an fsync runs (Redis's rule),
// its reply going out meanwhile, so an acknowledged write may not be in
// the file yet.
func aofWritten(t testing.TB, c *conn) {
	t.Helper()
	waitFor(t, 20*time.Second, "the AOF buffer to be written", func() bool {
		p := persistSnap(t, c)
		return p("aof_buffer_length") == "0" && p("aof_pending_bio_fsync") == "0"
	})
}

// checkAOF runs redis-check-aof on dir's manifest.
func checkAOF(t *testing.T, dir string) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-aof")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-check-aof missing")
		}
		t.Log("redis-check-aof missing: not checked")
		return
	}
	out, err := exec.Command(bin, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("All AOF files and manifest are valid")) {
		t.Fatalf("redis-check-aof: %v\n%s", err, out)
	}
}

// aofFiles returns the names of the files in dir/appendonlydir and the manifest.
func aofFiles(t *testing.T, dir string) ([]string, string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	m, _ := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	return names, string(m)
}

// redisAOFInDir starts a redis-server on dir with args and waits until
// it has loaded its files.
func redisAOFInDir(t *testing.T, dir string, args ...string) *conn {
	t.Helper()
	c := redisInDir(t, dir, args...)
	waitFor(t, 20*time.Second, "redis-server to load", func() bool {
		return persistField(t, c, "loading") == "0"
	})
	return c
}

func aofOn(t testing.TB, extra ...string) func(*server.Config) {
	return func(cfg *server.Config) {
		if err := cfg.Set("appendonly", "yes"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			if err := cfg.Set(extra[i], extra[i+1]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestAOFKvdToRedis(t *testing.T) {
	needRedis(t)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"everysec", nil},
		{"always with timestamps", []string{"appendfsync", "always", "aof-timestamp-enabled", "yes"}},
		{"no preamble", []string{"aof-use-rdb-preamble", "no", "appendfsync", "no"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			kc := kvdInDir(t, dir, aofOn(t, tc.extra...))
			if tc.name == "everysec" {
				populateRandom(t, kc, 3) // every type and encoding, once
			}
			aofWorkload(t, kc, 4, 400)
			files, man := aofFiles(t, dir)
			base := "appendonly.aof.1.base.rdb"
			if tc.name == "no preamble" {
				base = "appendonly.aof.1.base.aof"
			}
			wantMan := "file " + base + " seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
			if man != wantMan {
				t.Fatalf("manifest %q, want %q (files %q)", man, wantMan, files)
			}
			aofWritten(t, kc)
			cp := copyAOFDir(t, dir)
			checkAOF(t, cp)
			if tc.name == "always with timestamps" {
				b, _ := os.ReadFile(filepath.Join(cp, "appendonlydir", "appendonly.aof.1.incr.aof"))
				if !bytes.HasPrefix(b, []byte("#TS:")) {
					t.Errorf("no timestamp annotation: %.40q", b)
				}
			}
			args := []string{"--appendonly", "yes"}
			for i := 0; i+1 < len(tc.extra); i += 2 {
				args = append(args, "--"+tc.extra[i], tc.extra[i+1])
			}
			rc := redisAOFInDir(t, cp, args...)
			compareData(t, kc, rc, false)
			// And back into kvd, after BGREWRITEAOF on kvd's side.
			if r := kc.do("BGREWRITEAOF"); r != "+Background append only file rewriting started\r\n" {
				t.Fatalf("BGREWRITEAOF: %q", r)
			}
			aofWorkload(t, kc, 5, 200)
			waitFor(t, 20*time.Second, "the rewrite", func() bool {
				return persistField(t, kc, "aof_rewrite_in_progress") == "0"
			})
			if v := persistField(t, kc, "aof_last_bgrewrite_status"); v != "ok" {
				t.Fatalf("aof_last_bgrewrite_status %s", v)
			}
			files, man = aofFiles(t, dir)
			base = strings.Replace(base, ".1.", ".2.", 1)
			wantMan = "file " + base + " seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
			wantFiles := []string{base, "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}
			sort.Strings(wantFiles)
			if man != wantMan || strings.Join(files, " ") != strings.Join(wantFiles, " ") {
				t.Fatalf("after the rewrite: manifest %q files %q, want %q %q", man, files, wantMan, wantFiles)
			}
			aofWritten(t, kc)
			cp = copyAOFDir(t, dir)
			checkAOF(t, cp)
			compareData(t, kc, redisAOFInDir(t, cp, args...), false)
			compareData(t, kc, kvdInDir(t, cp, aofOn(t, tc.extra...)), false)
		})
	}
}

func TestAOFRedisToKvd(t *testing.T) {
	needRedis(t)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"preamble", nil},
		{"no preamble", []string{"aof-use-rdb-preamble", "no"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--appendonly", "yes"}
			for i := 0; i+1 < len(tc.extra); i += 2 {
				args = append(args, "--"+tc.extra[i], tc.extra[i+1])
			}
			rc := redisInDir(t, dir, args...)
			populateRandom(t, rc, 6)
			aofWorkload(t, rc, 7, 400)
			rc.do("FUNCTION", "LOAD", "#!lua name=aoflib\nredis.register_function('aoff', function() return 1 end)")
			// A base holding data, then more increments.
			if r := rc.do("BGREWRITEAOF"); !strings.HasPrefix(r, "+") {
				t.Fatalf("BGREWRITEAOF: %q", r)
			}
			waitFor(t, 20*time.Second, "redis's rewrite", func() bool {
				p := persistSnap(t, rc)
				return p("aof_rewrite_in_progress") == "0" && p("aof_rewrites") == "1"
			})
			aofWorkload(t, rc, 8, 300)
			aofWritten(t, rc)
			cp := copyAOFDir(t, dir)
			kc := kvdInDir(t, cp, aofOn(t, tc.extra...))
			compareData(t, rc, kc, false)
			if w, g := rc.do("FUNCTION", "LIST"), kc.do("FUNCTION", "LIST"); w != g {
				t.Errorf("FUNCTION LIST %q, want %q", g, w)
			}
		})
	}
}

// loadAOFBoth starts redis-server and kvd on copies of dir with the AOF on
// and args, waits until each has loaded or failed, stops them, and
// returns their exit errors (nil when they started) and logs.
func loadAOFBoth(t *testing.T, dir string, args ...string) (redisErr error, redisLog string, kvdErr error, kvdLog string) {
	t.Helper()
	bin, err := redisServerPath()
	if err != nil {
		t.Fatal(err)
	}
	port, _ := freePort()
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", copyAOFDir(t, dir),
		"--save", "", "--appendonly", "yes"}, args...)...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := false
	waitFor(t, 20*time.Second, "redis-server to load", func() bool {
		select {
		case redisErr = <-done:
			exited = true
		default:
		}
		return exited || strings.Contains(out.String(), "Ready to accept")
	})
	if !exited {
		cmd.Process.Kill()
		<-done
	}

	log := &lockedBuffer{}
	cfg := testConfig()
	cfg.Set("dir", copyAOFDir(t, dir))
	cfg.Set("appendonly", "yes")
	for i := 0; i+1 < len(args); i += 2 {
		cfg.Set(strings.TrimPrefix(args[i], "--"), args[i+1])
	}
	cfg.LogOutput = log
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	stopped := false
	waitFor(t, 20*time.Second, "kvd to load", func() bool {
		select {
		case kvdErr = <-serveErr:
			stopped = true
		default:
		}
		return stopped || strings.Contains(log.String(), "Ready to accept")
	})
	srv.Close()
	return redisErr, out.String(), kvdErr, log.String()
}

func TestAOFLoadErrors(t *testing.T) {
	needRedis(t)
	src := t.TempDir()
	kc := kvdInDir(t, src, aofOn(t))
	kc.do("SET", "a", "1")
	kc.do("MULTI")
	kc.do("SET", "b", "2")
	kc.do("INCR", "a")
	kc.do("EXEC")
	kc.do("SELECT", "3")
	kc.do("SET", "c", "3")
	aofWritten(t, kc)
	incr := func(dir string) string { return filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof") }
	good, err := os.ReadFile(incr(src))
	if err != nil {
		t.Fatal(err)
	}
	multiAt := bytes.Index(good, []byte("*1\r\n$5\r\nMULTI"))
	if multiAt < 0 {
		t.Fatalf("no MULTI in %q", good)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		args  []string
		fails bool
		lines []string
	}{
		{"truncated", good[:len(good)-3], nil, false, []string{
			"!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!",
			"!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ",
			"AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled",
		}},
		{"truncated, not allowed", good[:len(good)-3], []string{"--aof-load-truncated", "no"}, true, []string{
			"Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
		}},
		{"open transaction", good[:multiAt+15+27], nil, false, []string{
			"Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof",
			"AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled",
		}},
		{"corrupt middle", append(append(bytes.Clone(good[:multiAt]), "garbage\r\n"...), good[multiAt:]...), nil, true, []string{
			"Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
		}},
		{"unknown command", append(bytes.Clone(good), "*1\r\n$6\r\nNOSUCH\r\n"...), nil, true, []string{
			"Unknown command 'NOSUCH' reading the append only file appendonly.aof.1.incr.aof",
		}},
		{"timestamps", append([]byte("#TS:1700000000\r\n"), good...), nil, false, []string{"Opening AOF incr file appendonly.aof.1.incr.aof on server start"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyAOFDir(t, src)
			if err := os.WriteFile(incr(dir), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			rerr, rlog, kerr, klog := loadAOFBoth(t, dir, tc.args...)
			var ee *exec.ExitError
			if tc.fails {
				if !errors.As(rerr, &ee) || ee.ExitCode() != 1 {
					t.Fatalf("redis-server: %v, want exit 1:\n%s", rerr, rlog)
				}
				if !errors.Is(kerr, server.ErrLoad) {
					t.Fatalf("kvd Serve: %v, want ErrLoad\n%s", kerr, klog)
				}
			} else if rerr != nil || kerr != nil {
				t.Fatalf("redis %v, kvd %v\n%s\n%s", rerr, kerr, rlog, klog)
			}
			for _, l := range tc.lines {
				r, k := lineWith(rlog, l), lineWith(klog, l)
				if r == "" {
					t.Fatalf("redis did not log %q:\n%s", l, rlog)
				}
				if r != k {
					t.Errorf("log line:\n redis %q\n   kvd %q\nkvd's log:\n%s", r, k, klog)
				}
			}
		})
	}
}

// TestAOFTruncatedFileFixed: after loading a truncated file, the file is
// cut back to its last whole command and new writes follow it.
func TestAOFTruncatedFileFixed(t *testing.T) {
	src := t.TempDir()
	kc := kvdInDir(t, src, aofOn(t))
	for i := 0; i < 10; i++ {
		kc.do("RPUSH", "l", strconv.Itoa(i))
	}
	aofWritten(t, kc)
	dir := copyAOFDir(t, src)
	p := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-5], 0o644)
	k2 := kvdInDir(t, dir, aofOn(t))
	if r := k2.do("LLEN", "l"); r != ":9\r\n" {
		t.Fatalf("LLEN %q, want 9", r)
	}
	k2.do("RPUSH", "l", "x")
	aofWritten(t, k2)
	k3 := kvdInDir(t, copyAOFDir(t, dir), aofOn(t))
	if r := k3.do("LRANGE", "l", "-2", "-1"); r != "*2\r\n$1\r\n8\r\n$1\r\nx\r\n" {
		t.Fatalf("LRANGE %q", r)
	}
}

// TestAOFInfoFields: INFO persistence has Redis's fields in Redis's order,
// with the AOF on and off.
func TestAOFInfoFields(t *testing.T) {
	needRedis(t)
	names := func(info string) []string {
		var out []string
		for _, l := range strings.Split(info, "\r\n") {
			if k, _, ok := strings.Cut(l, ":"); ok {
				out = append(out, k)
			}
		}
		return out
	}
	for _, on := range []bool{false, true} {
		var edit func(*server.Config)
		args := []string{"--dir", t.TempDir()}
		if on {
			edit = aofOn(t)
			args = append(args, "--appendonly", "yes")
		}
		kc := kvdInDir(t, t.TempDir(), edit)
		rc := dial(t, newRedis(t, args...))
		kv, _ := parseValue(kc.do("INFO", "persistence"))
		rv, _ := parseValue(rc.do("INFO", "persistence"))
		if k, r := strings.Join(names(kv.str), " "), strings.Join(names(rv.str), " "); k != r {
			t.Errorf("on=%v fields:\n kvd %s\nredis %s", on, k, r)
		}
	}
}

// TestDiffAOFCommands: BGREWRITEAOF's replies, CONFIG SET appendonly at run
// time (which starts a rewrite, then appends).
func TestDiffAOFCommands(t *testing.T) {
	needRedis(t)
	kdir, rdir := t.TempDir(), t.TempDir()
	kc := kvdInDir(t, kdir, nil)
	rc := dial(t, newRedis(t, "--dir", rdir))
	for _, c := range []*conn{kc, rc} {
		c.do("SET", "a", "1")
		c.do("RPUSH", "l", "x", "y")
	}
	same := func(args ...string) {
		t.Helper()
		if k, r := kc.do(args...), rc.do(args...); k != r {
			t.Fatalf("%q: kvd %q, redis %q", args, k, r)
		}
	}
	same("CONFIG", "SET", "appendonly", "yes")
	for _, c := range []*conn{kc, rc} {
		waitFor(t, 20*time.Second, "the first rewrite", func() bool {
			p := persistSnap(t, c)
			return p("aof_rewrite_in_progress") == "0" && p("aof_rewrite_scheduled") == "0"
		})
	}
	same("CONFIG", "GET", "appendonly")
	same("SET", "b", "2")
	same("MULTI")
	same("BGREWRITEAOF")
	same("EXEC")
	for _, c := range []*conn{kc, rc} {
		waitFor(t, 20*time.Second, "the scheduled rewrite", func() bool {
			p := persistSnap(t, c)
			return p("aof_rewrite_in_progress") == "0" && p("aof_rewrite_scheduled") == "0"
		})
	}
	same("SET", "c", "3")
	kf, km := aofFiles(t, kdir)
	rf, rm := aofFiles(t, rdir)
	if strings.Join(kf, " ") != strings.Join(rf, " ") || km != rm {
		t.Errorf("files:\n kvd %q %q\nredis %q %q", kf, km, rf, rm)
	}
	aofWritten(t, kc)
	compareData(t, rc, kvdInDir(t, copyAOFDir(t, kdir), aofOn(t)), false)
	compareData(t, rc, redisAOFInDir(t, copyAOFDir(t, kdir), "--appendonly", "yes"), false)
	same("CONFIG", "SET", "appendonly", "no")
	same("SET", "d", "4")
	same("BGREWRITEAOF")
}

// aofDirOnDevFull prepares dir with an AOF whose incremental file is
// /dev/full: every write to it fails with ENOSPC, as on a full disk.
func aofDirOnDevFull(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ad := filepath.Join(dir, "appendonlydir")
	if err := os.MkdirAll(ad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ad, "appendonly.aof.manifest"), []byte("file appendonly.aof.1.incr.aof seq 1 type i\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", filepath.Join(ad, "appendonly.aof.1.incr.aof")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDiffAOFDiskFull: writes the AOF cannot take make the server refuse
// writes with Redis's MISCONF error; a rewrite onto a new file recovers,
// and nothing acknowledged is lost.
func TestDiffAOFDiskFull(t *testing.T) {
	needRedis(t)
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	kdir, rdir := aofDirOnDevFull(t), aofDirOnDevFull(t)
	kc := kvdInDir(t, kdir, aofOn(t))
	rc := redisAOFInDir(t, rdir, "--appendonly", "yes")
	same := func(args ...string) string {
		t.Helper()
		k, r := kc.do(args...), rc.do(args...)
		if k != r {
			t.Fatalf("%q: kvd %q, redis %q", args, k, r)
		}
		return k
	}
	same("SET", "a", "1")
	if r := same("SET", "b", "2"); r != "-MISCONF Errors writing to the AOF file: No space left on device\r\n" {
		t.Fatalf("SET after the failed write: %q", r)
	}
	same("PING")
	same("GET", "a")
	same("INCR", "n")
	for _, c := range []*conn{kc, rc} {
		if v := persistField(t, c, "aof_last_write_status"); v != "err" {
			t.Fatalf("aof_last_write_status %s", v)
		}
	}
	same("BGREWRITEAOF")
	for _, c := range []*conn{kc, rc} {
		waitFor(t, 20*time.Second, "the rewrite", func() bool {
			p := persistSnap(t, c)
			return p("aof_rewrite_in_progress") == "0" && p("aof_rewrites") == "1"
		})
	}
	same("SET", "c", "3")
	same("INCR", "n")
	for _, c := range []*conn{kc, rc} {
		if v := persistField(t, c, "aof_last_write_status"); v != "ok" {
			t.Fatalf("aof_last_write_status %s after the rewrite", v)
		}
	}
	aofWritten(t, kc)
	compareData(t, rc, kvdInDir(t, copyAOFDir(t, kdir), aofOn(t)), false)
}

// TestAOFAlwaysWriteError: with appendfsync always a write the AOF cannot
// take is never acknowledged: the server stops, as Redis exits.
func TestAOFAlwaysWriteError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	log := &lockedBuffer{}
	cfg := testConfig()
	cfg.Set("dir", aofDirOnDevFull(t))
	cfg.Set("appendonly", "yes")
	cfg.Set("appendfsync", "always")
	cfg.LogOutput = log
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	defer srv.Close()
	c := dial(t, srv.Addr().String())
	c.write(encode("SET", "a", "1"))
	if r, err := c.readErr(10 * time.Second); err == nil {
		t.Fatalf("SET was answered %q", r)
	}
	select {
	case err := <-serveErr:
		if err == nil || !strings.Contains(err.Error(), "AOF") {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	if !strings.Contains(log.String(), "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...") {
		t.Fatalf("log:\n%s", log.String())
	}
}

// TestDiffAOFRewriteAndBgsave: BGSAVE while a rewrite runs is refused, or
// scheduled with SCHEDULE, as in Redis; the scheduled save runs after it.
func TestDiffAOFRewriteAndBgsave(t *testing.T) {
	needRedis(t)
	kc := kvdInDir(t, t.TempDir(), aofOn(t, "rdb-key-save-delay", "100000"))
	rc := redisAOFInDir(t, t.TempDir(), "--appendonly", "yes", "--rdb-key-save-delay", "100000")
	for _, c := range []*conn{kc, rc} {
		for i := 0; i < 10; i++ {
			c.do("SET", "k"+strconv.Itoa(i), "v")
		}
	}
	same := func(args ...string) {
		t.Helper()
		if k, r := kc.do(args...), rc.do(args...); k != r {
			t.Fatalf("%q: kvd %q, redis %q", args, k, r)
		}
	}
	same("BGREWRITEAOF")
	same("BGREWRITEAOF")
	same("BGSAVE")
	same("BGSAVE", "SCHEDULE")
	for _, c := range []*conn{kc, rc} {
		c.do("CONFIG", "SET", "rdb-key-save-delay", "0")
	}
	for _, c := range []*conn{kc, rc} {
		waitFor(t, 30*time.Second, "the rewrite, then the save", func() bool {
			p := persistSnap(t, c)
			return p("aof_rewrite_in_progress") == "0" && p("rdb_bgsave_in_progress") == "0" &&
				p("rdb_saves") == "1"
		})
	}
}

// TestAOFAutoRewrite: the AOF is rewritten once it has grown by
// auto-aof-rewrite-percentage past auto-aof-rewrite-min-size, and the
// rewritten files hold the data.
func TestAOFAutoRewrite(t *testing.T) {
	dir := t.TempDir()
	kc := kvdInDir(t, dir, aofOn(t, "auto-aof-rewrite-min-size", "4096", "auto-aof-rewrite-percentage", "100"))
	for i := 0; i < 200; i++ {
		kc.do("INCR", "n")
	}
	waitFor(t, 20*time.Second, "an automatic rewrite", func() bool {
		p := persistSnap(t, kc)
		return p("aof_rewrites") != "0" && p("aof_rewrite_in_progress") == "0"
	})
	kc.do("INCR", "n")
	base := persistField(t, kc, "aof_base_size")
	if n, _ := strconv.Atoi(base); n == 0 || n > 4096 {
		t.Fatalf("aof_base_size %s after the rewrite", base)
	}
	aofWritten(t, kc)
	k2 := kvdInDir(t, copyAOFDir(t, dir), aofOn(t))
	if r := k2.do("GET", "n"); r != "$3\r\n201\r\n" {
		t.Fatalf("GET n %q after reloading the rewritten AOF", r)
	}
}

// TestAOFWinsOverRDB: with appendonly yes the AOF is loaded and the RDB
// file ignored, even when no AOF exists yet (Redis's rule).
func TestAOFWinsOverRDB(t *testing.T) {
	dir := t.TempDir()
	c := kvdInDir(t, dir, nil)
	c.do("SET", "r", "1")
	if r := c.do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE %q", r)
	}
	a := kvdInDir(t, dir, aofOn(t))
	if r := a.do("EXISTS", "r"); r != ":0\r\n" {
		t.Fatalf("the RDB was loaded with appendonly yes: EXISTS r %q", r)
	}
	a.do("SET", "a", "1")
	aofWritten(t, a)
	cp := copyAOFDir(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cp, "dump.rdb"), b, 0o644)
	k := kvdInDir(t, cp, aofOn(t))
	if r := k.do("MGET", "a", "r"); r != "*2\r\n$1\r\n1\r\n$-1\r\n" {
		t.Fatalf("MGET a r %q: want the AOF's a and no r", r)
	}
	if r := kvdInDir(t, cp, nil).do("MGET", "a", "r"); r != "*2\r\n$-1\r\n$1\r\n1\r\n" {
		t.Fatalf("appendonly no: MGET a r %q: want the RDB's r", r)
	}
}
