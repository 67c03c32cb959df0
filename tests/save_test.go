package tests

// Background saving: BGSAVE under concurrent writes must write exactly the
// dataset of the moment it began (checked by loading the file into a real
// redis-server), a kill -9 during a BGSAVE must leave the previous dump
// whole, and the replies, INFO persistence fields and -MISCONF behaviour
// must be Redis's.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
	"github.com/redis/go-redis/v9"
)

// datasetDBs is how many databases the save tests fill.
const datasetDBs = 3

// dataset renders every key of databases 0..datasetDBs-1 at addr, with its
// type, absolute expiry (PEXPIRETIME) and value, as sorted lines.
func dataset(t testing.TB, addr string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for db := range datasetDBs {
		rc := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		var keys []string
		iter := rc.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("SCAN on %s: %v", addr, err)
		}
		for _, k := range keys {
			typ := rc.Type(ctx, k).Val()
			exp := rc.PExpireTime(ctx, k).Val()
			var v string
			switch typ {
			case "string":
				v = strconv.Quote(rc.Get(ctx, k).Val())
			case "list":
				v = fmt.Sprintf("%q", rc.LRange(ctx, k, 0, -1).Val())
			case "set":
				m := rc.SMembers(ctx, k).Val()
				slices.Sort(m)
				v = fmt.Sprintf("%q", m)
			case "zset":
				v = fmt.Sprint(rc.ZRangeWithScores(ctx, k, 0, -1).Val())
			case "hash":
				h := rc.HGetAll(ctx, k).Val()
				var kv []string
				for f, x := range h {
					kv = append(kv, strconv.Quote(f)+"="+strconv.Quote(x))
				}
				slices.Sort(kv)
				v = strings.Join(kv, ",")
			}
			out = append(out, fmt.Sprintf("%d %q %s %d %s", db, k, typ, exp, v))
		}
		rc.Close()
	}
	slices.Sort(out)
	return out
}

// populate fills databases 0..datasetDBs-1 with n seeded random keys of
// every type, some large, some with deadlines hours away.
func populate(t testing.TB, addr string, seed uint64, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	for db := range datasetDBs {
		rc := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		p := rc.Pipeline()
		for i := range n / datasetDBs {
			k := fmt.Sprintf("k:%d:%d", db, i)
			switch r.IntN(10) {
			case 0, 1, 2:
				p.Set(ctx, k, strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(80)), 0)
			case 3:
				p.Set(ctx, k, r.Int64N(1<<40)-(1<<39), 0)
			case 4:
				p.RPush(ctx, k, words("e", 0, 1+r.IntN(20)))
			case 5:
				p.HSet(ctx, k, words("f", 0, 2*(1+r.IntN(10))))
			case 6:
				p.SAdd(ctx, k, words("m", 0, 1+r.IntN(10)))
			case 7:
				p.SAdd(ctx, k, r.IntN(100), r.IntN(100000), -r.IntN(10))
			case 8:
				p.ZAdd(ctx, k, redis.Z{Score: r.Float64() * 100, Member: "a"}, redis.Z{Score: -1.5, Member: "b"}, redis.Z{Score: float64(r.IntN(9)), Member: "c"})
			case 9:
				p.Set(ctx, k, "ttl", time.Duration(1+r.IntN(10))*time.Hour)
			}
			if i%1000 == 999 {
				if _, err := p.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A few large values: a long string, long collections.
		p.Set(ctx, fmt.Sprintf("big:%d", db), strings.Repeat("x", 200_000), 0)
		p.RPush(ctx, fmt.Sprintf("biglist:%d", db), words("v", 0, 5000))
		p.HSet(ctx, fmt.Sprintf("bighash:%d", db), words("h", 0, 4000))
		p.SAdd(ctx, fmt.Sprintf("bigset:%d", db), words("s", 0, 3000))
		zs := make([]redis.Z, 3000)
		for i := range zs {
			zs[i] = redis.Z{Score: float64(i % 100), Member: "z" + strconv.Itoa(i)}
		}
		p.ZAdd(ctx, fmt.Sprintf("bigzset:%d", db), zs...)
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
}

// hammer runs random writes on every key kind against addr from several
// connections until stop is closed, and returns how many it made.
func hammer(addr string, n int, stop <-chan struct{}, wg *sync.WaitGroup, count *atomic.Int64) {
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			ctx := context.Background()
			rc := redis.NewClient(&redis.Options{Addr: addr, DB: w % datasetDBs, Protocol: 2})
			defer rc.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := rc.Pipeline()
				for range 50 {
					db := r.IntN(datasetDBs)
					k := fmt.Sprintf("k:%d:%d", db, r.IntN(n/datasetDBs+10))
					p.Select(ctx, db)
					switch r.IntN(12) {
					case 0:
						p.Set(ctx, k, "new", 0)
					case 1:
						p.Del(ctx, k)
					case 2:
						p.Expire(ctx, k, time.Duration(1+r.IntN(5))*time.Minute)
					case 3:
						p.Persist(ctx, k)
					case 4:
						p.Rename(ctx, k, fmt.Sprintf("k:%d:%d", db, r.IntN(n/datasetDBs)))
					case 5:
						p.Append(ctx, k, "++")
					case 6:
						p.RPush(ctx, k, "pushed")
					case 7:
						p.HSet(ctx, k, "nf", "nv")
					case 8:
						p.SAdd(ctx, k, "nm")
					case 9:
						p.ZAdd(ctx, k, redis.Z{Score: 7, Member: "nz"})
					case 10:
						p.Move(ctx, k, (db+1)%datasetDBs)
					case 11:
						p.LPop(ctx, fmt.Sprintf("biglist:%d", db))
						p.HDel(ctx, fmt.Sprintf("bighash:%d", db), "h"+strconv.Itoa(r.IntN(4000)))
						p.SetRange(ctx, fmt.Sprintf("big:%d", db), int64(r.IntN(1000)), "Y")
					}
				}
				p.Exec(ctx) // WRONGTYPE and missing keys are expected
				count.Add(50)
			}
		}()
	}
}

// infoField returns field's value from INFO persistence at addr.
func persistField(t testing.TB, c *conn, field string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + field + `:(.*)\r$`).FindStringSubmatch(c.do("INFO", "persistence"))
	if m == nil {
		t.Fatalf("no %s in INFO persistence", field)
	}
	return m[1]
}

// persistSnap reads INFO persistence once and returns its fields, so that
// a condition on several of them sees one moment (two INFO calls may see
// a scheduled rewrite before it starts and after).
func persistSnap(t testing.TB, c *conn) func(field string) string {
	t.Helper()
	info := c.do("INFO", "persistence")
	return func(field string) string {
		m := regexp.MustCompile(`(?m)^` + field + `:(.*)\r$`).FindStringSubmatch(info)
		if m == nil {
			t.Fatalf("no %s in INFO persistence", field)
		}
		return m[1]
	}
}

// waitSaved waits until no background save is in progress at c.
func waitSaved(t testing.TB, c *conn) {
	t.Helper()
	waitFor(t, 60*time.Second, "the background save to end", func() bool {
		return persistField(t, c, "rdb_bgsave_in_progress") == "0"
	})
}

// loadInRedis starts a redis-server on dir's dump.rdb and returns its address.
func loadInRedis(t *testing.T, dir string) string {
	t.Helper()
	needRedis(t)
	return newRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
}

// TestSaveBgsaveUnderWrites fills kvd, starts BGSAVE and, from four
// connections, writes, deletes, expires, renames, moves and appends to
// keys at full speed while the save runs; the file, loaded into
// redis-server, must hold exactly the dataset of the moment BGSAVE began.
// The slow variant walks one key per 20 µs, so that most writes land
// ahead of the walk.
func TestSaveBgsaveUnderWrites(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  int
		delay string
	}{{"fast", 30000, "0"}, {"slow", 3000, "20"}} {
		t.Run(tc.name, func(t *testing.T) {
			needRedis(t)
			dir := t.TempDir()
			srv := newKvd(t, func(cfg *server.Config) {
				if err := cfg.Set("dir", dir); err != nil {
					t.Fatal(err)
				}
			})
			addr := srv.Addr().String()
			populate(t, addr, 7, tc.keys)
			want := dataset(t, addr)
			c := dial(t, addr)
			if r := c.do("CONFIG", "SET", "rdb-key-save-delay", tc.delay); r != "+OK\r\n" {
				t.Fatalf("CONFIG SET rdb-key-save-delay: %q", r)
			}
			var wg sync.WaitGroup
			var writes atomic.Int64
			stop := make(chan struct{})
			if r := c.do("BGSAVE"); r != "+Background saving started\r\n" {
				t.Fatalf("BGSAVE: %q", r)
			}
			hammer(addr, tc.keys, stop, &wg, &writes)
			waitSaved(t, c)
			during := writes.Load()
			close(stop)
			wg.Wait()
			t.Logf("%d keys, %d writes while saving", len(want), during)
			if during == 0 {
				t.Error("no write happened during the save")
			}
			if s := persistField(t, c, "rdb_last_bgsave_status"); s != "ok" {
				t.Fatalf("rdb_last_bgsave_status:%s", s)
			}
			checkRDB(t, filepath.Join(dir, "dump.rdb"))
			got := dataset(t, loadInRedis(t, dir))
			if !slices.Equal(got, want) {
				diffDatasets(t, want, got)
			}
		})
	}
}

// diffDatasets reports the first differences between two datasets.
func diffDatasets(t *testing.T, want, got []string) {
	t.Helper()
	w, g := make(map[string]bool), make(map[string]bool)
	for _, l := range want {
		w[l] = true
	}
	for _, l := range got {
		g[l] = true
	}
	n := 0
	for _, l := range want {
		if !g[l] && n < 10 {
			t.Errorf("missing from the file: %.200s", l)
			n++
		}
	}
	for _, l := range got {
		if !w[l] && n < 20 {
			t.Errorf("in the file, not in the dataset: %.200s", l)
			n++
		}
	}
	t.Fatalf("the file holds %d keys, the dataset had %d", len(got), len(want))
}

// buildKvdBinary builds bin/kvd into a temporary directory.
func buildKvdBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kvd")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/kvd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startKvdBinary runs bin with args in dir and waits until it accepts
// connections; it returns the address and the process.
func startKvdBinary(t *testing.T, bin, dir string, args ...string) (string, *exec.Cmd, chan error) {
	t.Helper()
	// A free port may be taken by another server between freePort and
	// kvd's bind (the suite's modes run at once): the server that answers
	// must be the process just started (INFO's process_id), else kvd is
	// started again on another port.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(bin, append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
			"--logfile", filepath.Join(dir, "kvd.log")}, args...)...)
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		pid := strconv.Itoa(cmd.Process.Pid)
		ours, gone := false, false
		deadline := time.Now().Add(10 * time.Second)
		for !ours && !gone && time.Now().Before(deadline) {
			select {
			case err := <-exited:
				exited <- err
				gone = true
				continue
			default:
			}
			if nc, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
				nc.SetDeadline(time.Now().Add(5 * time.Second))
				nc.Write(encode("INFO", "server"))
				if b, err := readReply(bufio.NewReader(nc)); err == nil && strings.Contains(string(b), "process_id:"+pid+"\r\n") {
					ours = true
				}
				nc.Close()
			}
			if !ours {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if ours {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return addr, cmd, exited
		}
		cmd.Process.Kill()
		<-exited
		if attempt == 4 {
			t.Fatalf("kvd did not start on a port of its own (last %s)", addr)
		}
	}
}

// TestSaveKill9DuringBgsave saves a dataset, changes it, starts a slow
// BGSAVE and kills kvd with SIGKILL half-way: the previous dump must be
// whole and hold the first dataset.
func TestSaveKill9DuringBgsave(t *testing.T) {
	needRedis(t)
	bin := buildKvdBinary(t)
	dir := t.TempDir()
	addr, cmd, exited := startKvdBinary(t, bin, dir, "--save", "")
	populate(t, addr, 3, 3000)
	want := dataset(t, addr)
	c := dial(t, addr)
	if r := c.do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE: %q", r)
	}
	waitSaved(t, c)
	c.do("FLUSHALL")
	populate(t, addr, 4, 6000)
	c.do("CONFIG", "SET", "rdb-key-save-delay", "1000")
	if r := c.do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("second BGSAVE: %q", r)
	}
	waitFor(t, 10*time.Second, "the save to write its temporary file", func() bool {
		fi, err := os.Stat(filepath.Join(dir, fmt.Sprintf("temp-bgsave-%d.rdb", cmd.Process.Pid)))
		return err == nil && fi.Size() > 0
	})
	if s := persistField(t, c, "rdb_bgsave_in_progress"); s != "1" {
		t.Fatalf("rdb_bgsave_in_progress:%s before the kill", s)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	exited <- nil // for the cleanup
	checkRDB(t, filepath.Join(dir, "dump.rdb"))
	if got := dataset(t, loadInRedis(t, dir)); !slices.Equal(got, want) {
		diffDatasets(t, want, got)
	}
	// kvd itself starts from the surviving dump.
	addr2, _, _ := startKvdBinary(t, bin, dir, "--save", "")
	if got := dataset(t, addr2); !slices.Equal(got, want) {
		diffDatasets(t, want, got)
	}
}

// TestSaveSigterm checks that SIGTERM with save points saves the dataset
// before kvd exits (with status 0), as redis-server does, and logs
// Redis's lines.
func TestSaveSigterm(t *testing.T) {
	needRedis(t)
	bin := buildKvdBinary(t)
	dir := t.TempDir()
	addr, cmd, exited := startKvdBinary(t, bin, dir, "--save", "3600 1")
	populate(t, addr, 5, 2000)
	want := dataset(t, addr)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		exited <- nil
		if err != nil {
			t.Fatalf("kvd exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kvd did not exit after SIGTERM")
	}
	log, _ := os.ReadFile(filepath.Join(dir, "kvd.log"))
	for _, line := range []string{"Received SIGTERM scheduling shutdown...", "User requested shutdown...",
		"Saving the final RDB snapshot before exiting.", "DB saved on disk", "is now ready to exit, bye bye..."} {
		if !strings.Contains(string(log), line) {
			t.Errorf("the log lacks %q:\n%s", line, log)
		}
	}
	checkRDB(t, filepath.Join(dir, "dump.rdb"))
	if got := dataset(t, loadInRedis(t, dir)); !slices.Equal(got, want) {
		diffDatasets(t, want, got)
	}
}

// TestSaveShutdownSave checks SHUTDOWN SAVE without save points, and that
// SHUTDOWN NOSAVE with save points leaves the dump alone.
func TestSaveShutdownSave(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	srv := newKvd(t, func(cfg *server.Config) {
		if err := cfg.Set("dir", dir); err != nil {
			t.Fatal(err)
		}
	})
	addr := srv.Addr().String()
	populate(t, addr, 6, 1000)
	want := dataset(t, addr)
	c := dial(t, addr)
	c.write(encode("SHUTDOWN", "SAVE"))
	if _, err := c.readErr(30 * time.Second); err == nil {
		t.Fatal("SHUTDOWN SAVE replied")
	}
	<-srv.Done()
	if got := dataset(t, loadInRedis(t, dir)); !slices.Equal(got, want) {
		diffDatasets(t, want, got)
	}

	dir2 := t.TempDir()
	srv2 := newKvd(t, func(cfg *server.Config) {
		cfg.Set("dir", dir2)
		cfg.Set("save", "3600 1")
	})
	c2 := dial(t, srv2.Addr().String())
	c2.do("SET", "k", "v")
	c2.write(encode("SHUTDOWN", "NOSAVE"))
	c2.readErr(10 * time.Second)
	<-srv2.Done()
	if _, err := os.Stat(filepath.Join(dir2, "dump.rdb")); err == nil {
		t.Error("SHUTDOWN NOSAVE saved")
	}
}

// saveServers starts a kvd and a redis-server, each with a dump
// directory of its own, returned too.
func saveServers(t *testing.T) (servers, [2]string) {
	t.Helper()
	dirs := [2]string{t.TempDir(), t.TempDir()}
	s := privateServers(t, func(cfg *server.Config) {
		if err := cfg.Set("dir", dirs[0]); err != nil {
			t.Fatal(err)
		}
	}, "--dir", dirs[1])
	return s, dirs
}

// TestDiffSaveCommands compares BGSAVE's and LASTSAVE's replies with
// Redis's: syntax errors, a save already in progress (slowed down by
// rdb-key-save-delay), BGSAVE inside MULTI (scheduled, then run by the
// cron), and the INFO persistence fields before, during and after.
func TestDiffSaveCommands(t *testing.T) {
	s, _ := saveServers(t)
	var infos [2][]string
	for i, addr := range []string{s.kvd, s.redis} {
		c := dial(t, addr)
		steps := []struct {
			cmd  []string
			want string
		}{
			{[]string{"BGSAVE", "foo"}, "-ERR syntax error\r\n"},
			{[]string{"BGSAVE", "SCHEDULE", "x"}, "-ERR syntax error\r\n"},
			{[]string{"SET", "a", "1"}, "+OK\r\n"},
			{[]string{"RPUSH", "b", "1", "2"}, ":2\r\n"},
			{[]string{"SADD", "c", "x"}, ":1\r\n"},
			{[]string{"CONFIG", "SET", "rdb-key-save-delay", "300000"}, "+OK\r\n"},
			{[]string{"BGSAVE"}, "+Background saving started\r\n"},
			{[]string{"BGSAVE"}, "-ERR Background save already in progress\r\n"},
			{[]string{"BGSAVE", "SCHEDULE"}, "-ERR Background save already in progress\r\n"},
		}
		for _, st := range steps {
			if r := c.do(st.cmd...); r != st.want {
				t.Fatalf("server %d: %v: %q, want %q", i, st.cmd, r, st.want)
			}
		}
		if v := persistField(t, c, "rdb_bgsave_in_progress"); v != "1" {
			t.Fatalf("server %d: rdb_bgsave_in_progress:%s during the save", i, v)
		}
		if v := persistField(t, c, "rdb_saves"); v != "1" {
			t.Errorf("server %d: rdb_saves:%s during the first save", i, v)
		}
		c.do("CONFIG", "SET", "rdb-key-save-delay", "0")
		waitSaved(t, c)
		lastsave := c.do("LASTSAVE")
		if !regexp.MustCompile(`^:\d{10}\r\n$`).MatchString(lastsave) {
			t.Errorf("server %d: LASTSAVE %q", i, lastsave)
		}
		for _, f := range []string{"rdb_changes_since_last_save:0", "rdb_last_bgsave_status:ok", "rdb_current_bgsave_time_sec:-1",
			"rdb_saves:1", "current_save_keys_processed:0", "current_save_keys_total:0"} {
			kv := strings.SplitN(f, ":", 2)
			if v := persistField(t, c, kv[0]); v != kv[1] {
				t.Errorf("server %d: %s:%s after the save, want %s", i, kv[0], v, kv[1])
			}
		}
		c.do("SET", "d", "1")
		c.do("SET", "d", "2")
		if v := persistField(t, c, "rdb_changes_since_last_save"); v != "2" {
			t.Errorf("server %d: rdb_changes_since_last_save:%s after two writes", i, v)
		}
		// Inside MULTI a BGSAVE is scheduled; the cron starts it.
		multi := c.pipeline([][]string{{"MULTI"}, {"BGSAVE"}, {"EXEC"}})
		if want := []string{"+OK\r\n", "+QUEUED\r\n", "*1\r\n+Background saving scheduled\r\n"}; !slices.Equal(multi, want) {
			t.Errorf("server %d: MULTI BGSAVE EXEC: %q, want %q", i, multi, want)
		}
		waitFor(t, 10*time.Second, "the scheduled save", func() bool {
			p := persistSnap(t, c)
			return p("rdb_saves") == "2" && p("rdb_bgsave_in_progress") == "0"
		})
		var names []string
		for _, l := range strings.Split(c.do("INFO", "persistence"), "\r\n") {
			if k, _, ok := strings.Cut(l, ":"); ok {
				names = append(names, k)
			}
		}
		infos[i] = names
	}
	if !slices.Equal(infos[0], infos[1]) {
		t.Errorf("INFO persistence fields differ:\n  kvd: %v\nredis: %v", infos[0], infos[1])
	}
}

// TestDiffSaveMisconf makes a background save fail (its directory is
// gone) with save points set: writes and PING get Redis's -MISCONF error,
// inside MULTI too, reads do not, and stop-writes-on-bgsave-error no lifts it.
func TestDiffSaveMisconf(t *testing.T) {
	s, dirs := saveServers(t)
	var replies [2][]string
	for i, addr := range []string{s.kvd, s.redis} {
		c := dial(t, addr)
		c.do("SET", "k", "v")
		if r := c.do("CONFIG", "SET", "save", "3600 1"); r != "+OK\r\n" {
			t.Fatalf("server %d: CONFIG SET save: %q", i, r)
		}
		if err := os.RemoveAll(dirs[i]); err != nil {
			t.Fatal(err)
		}
		if r := c.do("BGSAVE"); r != "+Background saving started\r\n" {
			t.Fatalf("server %d: BGSAVE: %q", i, r)
		}
		waitSaved(t, c)
		var got []string
		got = append(got, persistField(t, c, "rdb_last_bgsave_status"))
		for _, cmd := range [][]string{{"SET", "k", "w"}, {"PING"}, {"GET", "k"}, {"DEL", "k"}, {"INCR", "n"}} {
			got = append(got, c.do(cmd...))
		}
		got = append(got, c.pipeline([][]string{{"MULTI"}, {"SET", "k", "x"}, {"GET", "k"}, {"EXEC"}})...)
		got = append(got, c.do("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"), c.do("SET", "k", "y"), c.do("PING"))
		c.do("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
		got = append(got, c.do("CONFIG", "SET", "save", ""), c.do("SET", "k", "z"))
		replies[i] = got
	}
	if !slices.Equal(replies[0], replies[1]) {
		for j := range replies[0] {
			if j < len(replies[1]) && replies[0][j] != replies[1][j] {
				t.Errorf("reply %d: kvd %q, redis %q", j, replies[0][j], replies[1][j])
			}
		}
		t.Fatalf("replies differ:\n  kvd: %q\nredis: %q", replies[0], replies[1])
	}
}

// TestDiffSaveFlushall checks that FLUSHALL stops a background save and,
// with save points, saves the empty dataset at once, leaving no change
// counted, as Redis 7.0 does.
func TestDiffSaveFlushall(t *testing.T) {
	s, dirs := saveServers(t)
	for i, addr := range []string{s.kvd, s.redis} {
		c := dial(t, addr)
		c.do("SET", "a", "1")
		c.do("SET", "b", "2")
		c.do("CONFIG", "SET", "rdb-key-save-delay", "1000000")
		if r := c.do("BGSAVE"); r != "+Background saving started\r\n" {
			t.Fatalf("server %d: BGSAVE: %q", i, r)
		}
		c.do("CONFIG", "SET", "save", "3600 1")
		if r := c.do("FLUSHALL"); r != "+OK\r\n" {
			t.Fatalf("server %d: FLUSHALL: %q", i, r)
		}
		waitSaved(t, c)
		for _, f := range []string{"rdb_changes_since_last_save:0", "rdb_last_bgsave_status:ok"} {
			kv := strings.SplitN(f, ":", 2)
			if v := persistField(t, c, kv[0]); v != kv[1] {
				t.Errorf("server %d: %s:%s, want %s", i, kv[0], v, kv[1])
			}
		}
		checkRDB(t, filepath.Join(dirs[i], "dump.rdb"))
	}
}
