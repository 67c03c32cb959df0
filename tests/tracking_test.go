package tests

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Differential tests of client-side caching (CLIENT TRACKING): scripts
// over several connections run step by step on both servers, recording
// every frame each connection receives (replies and invalidation pushes
// or messages, in order).

// trackScript runs steps on addr and returns the log of frames. A step is
// "cN CMD ARGS..." (connection N sends a command; "$cM" in the arguments
// is replaced by connection M's client id), "cN !resp3" (HELLO 3),
// "cN !close", "sleep MS", "cN !info" (the INFO tracking_* and
// tracking_clients lines) or "cN !flags" (CLIENT INFO's flags and redir
// fields). Client ids in the frames are replaced by "<cN>".
func trackScript(t *testing.T, addr string, steps []string) []string {
	t.Helper()
	conns := map[string]*conn{}
	ids := map[string]string{}
	get := func(name string) *conn {
		if c, ok := conns[name]; ok {
			return c
		}
		c := dial(t, addr)
		conns[name] = c
		r := c.do("CLIENT", "ID")
		ids[name] = strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n")
		return c
	}
	ctl := dialProto(t, addr, 2) // FLUSHALL first
	defer ctl.do("CONFIG", "SET", "tracking-table-max-keys", "1000000")
	var log []string
	idReply := false // the step's reply is a client id (CLIENT GETREDIR, CLIENT ID)
	norm := func(s string) string {
		if !strings.Contains(s, "tracking-redir-broken") && !strings.Contains(s, "redirect") && !strings.Contains(s, "redir=") && !idReply {
			return s
		}
		for name, id := range ids {
			s = strings.ReplaceAll(s, ":"+id+"\r\n", ":<"+name+">\r\n")
			s = strings.ReplaceAll(s, "="+id+" ", "=<"+name+"> ")
		}
		return s
	}
	drain := func() {
		for _, name := range sortedNames(conns) {
			c := conns[name]
			for {
				r, err := c.readErr(30 * time.Millisecond)
				if err != nil {
					break
				}
				log = append(log, name+" < "+norm(r))
			}
		}
	}
	for _, st := range steps {
		name, rest, _ := strings.Cut(st, " ")
		if name == "sleep" {
			ms, _ := strconv.Atoi(rest)
			time.Sleep(time.Duration(ms) * time.Millisecond)
			drain()
			continue
		}
		c := get(name)
		log = append(log, name+" > "+rest)
		switch rest {
		case "!resp3":
			c.do("HELLO", "3")
			continue
		case "!close":
			c.nc.Close()
			delete(conns, name)
			time.Sleep(50 * time.Millisecond)
			continue
		case "!info":
			r := c.do("INFO", "everything")
			if strings.HasPrefix(r, ">") || !strings.Contains(r, "tracking_clients") {
				t.Fatalf("INFO reply %q", truncateStr(r, 100))
			}
			for _, l := range strings.Split(r, "\r\n") {
				if strings.HasPrefix(l, "tracking_") {
					log = append(log, name+" < "+l)
				}
			}
			drain()
			continue
		case "!flags":
			r := c.do("CLIENT", "INFO")
			m := regexp.MustCompile(`flags=\S+|redir=\S+`).FindAllString(norm(r), -1)
			log = append(log, name+" < "+strings.Join(m, " "))
			drain()
			continue
		}
		_, args := splitStep(t, rest)
		for i, a := range args {
			if strings.HasPrefix(a, "$c") {
				get(a[1:])
				args[i] = ids[a[1:]]
			}
		}
		c.write(encode(args...))
		r, err := c.readErr(2 * time.Second)
		if err != nil {
			t.Fatalf("%s: no reply to %q: %v", addr, st, err)
		}
		idReply = len(args) == 2 && strings.EqualFold(args[0], "client") && (strings.EqualFold(args[1], "getredir") || strings.EqualFold(args[1], "id"))
		log = append(log, name+" < "+norm(r))
		idReply = false
		drain()
	}
	return log
}

func sortedNames(m map[string]*conn) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

// diffTrack runs a script on both servers and compares the logs.
func diffTrack(t *testing.T, s servers, steps []string) {
	t.Helper()
	want, got := trackScript(t, s.redis, steps), trackScript(t, s.kvd, steps)
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			var ctx []string
			for j := max(i-6, 0); j < i; j++ {
				ctx = append(ctx, fmt.Sprintf("%q", want[j]))
			}
			t.Fatalf("entry %d differs:\n redis: %q\n   kvd: %q\nafter:\n%s", i, w, g, strings.Join(ctx, "\n"))
		}
	}
}

func TestDiffTrackingDefault(t *testing.T) {
	s := privateServers(t, nil)
	diffTrack(t, s, []string{
		"c1 !resp3", "c1 CLIENT TRACKING ON", "c1 CLIENT TRACKINGINFO", "c1 CLIENT GETREDIR", "c1 !flags", "c1 !info",
		"c1 GET k", "c2 SET k v", "c2 SET k w", "c1 GET k", "c1 GET k", "c2 DEL k",
		"c1 MGET a b c", "c2 MSET a 1 b 2", "c2 SET c 3",
		"c1 HGET h f", "c1 LRANGE l 0 -1", "c1 SMEMBERS s", "c1 ZRANGE z 0 -1", "c1 !info",
		"c2 HSET h f v", "c2 LPUSH l x", "c2 SADD s m", "c2 ZADD z 1 m", "c2 ZADD z 1 m",
		"c1 GET k", "c1 SET k mine", "c1 GET k", "c1 EXISTS k", "c1 TYPE k", "c1 STRLEN k", "c2 APPEND k x",
		"c1 GET e", "c2 SET e v PX 30", "c1 GET e", "sleep 150", "c2 GET e",
		"c1 GET x", "c2 SELECT 1", "c2 SET x 1", "c1 GET x", "c2 SWAPDB 0 1", "c2 SET x 2",
		"c1 GET w", "c2 MULTI", "c2 SET w 1", "c2 INCR w", "c2 EXEC",
		"c1 MULTI", "c1 GET m1", "c1 GET m2", "c1 EXEC", "c2 MSET m1 a m2 b",
		"c1 EVAL \"return redis.call('GET', KEYS[1])\" 1 sc1", "c1 EVAL_RO \"return redis.call('GET', 'sc2')\" 1 sc3",
		"c2 MSET sc1 1 sc2 2 sc3 3", "c2 EVAL \"redis.call('SET', 'sc1', 'x') return 1\" 0",
		"c1 GET f1", "c3 !resp3", "c3 CLIENT TRACKING ON", "c3 GET f1", "c2 FLUSHDB", "c1 GET f1", "c2 FLUSHALL",
		"c1 GET f1", "c1 FLUSHALL", "c1 !info",
		"c1 GET k", "c1 CLIENT TRACKING OFF", "c2 SET k 1", "c1 CLIENT TRACKINGINFO", "c1 CLIENT GETREDIR", "c1 !info",
		"c3 GET k", "c3 !close", "c2 SET k 2", "c2 !info",
	})
}

func TestDiffTrackingRedirect(t *testing.T) {
	s := privateServers(t, nil)
	diffTrack(t, s, []string{
		// RESP2 redirection to a connection subscribed to __redis__:invalidate.
		"c2 SUBSCRIBE __redis__:invalidate", "c1 CLIENT TRACKING ON REDIRECT $c2", "c1 CLIENT GETREDIR", "c1 !flags",
		"c1 CLIENT TRACKINGINFO", "c1 GET k", "c1 MGET a b", "c3 SET k 1", "c3 MSET a 1 b 2", "c1 GET k", "c3 FLUSHDB",
		"c1 GET k", "c1 SET k self",
		// RESP3 redirection target, not subscribed.
		"c4 !resp3", "c1 CLIENT TRACKING ON REDIRECT $c4", "c1 GET q", "c3 SET q 1",
		// A RESP2 target that is not subscribed gets nothing.
		"c5 PING", "c1 CLIENT TRACKING ON REDIRECT $c5", "c1 GET q", "c3 SET q 2",
		// The target goes away: broken redirection.
		"c1 CLIENT TRACKING ON REDIRECT $c4", "c1 GET q", "c4 !close", "c3 SET q 3", "c1 CLIENT TRACKINGINFO", "c1 !flags",
		"c6 !resp3", "c6 CLIENT TRACKING ON REDIRECT $c2", "c2 UNSUBSCRIBE", "c6 GET r", "c2 !close", "c3 SET r 1",
		"c6 CLIENT TRACKINGINFO", "c6 !flags", "c6 GET r", "c3 FLUSHALL",
		// Errors.
		"c1 CLIENT TRACKING ON REDIRECT 999999", "c1 CLIENT TRACKING ON REDIRECT $c3 REDIRECT $c3",
		"c1 CLIENT TRACKING ON REDIRECT x", "c1 CLIENT TRACKING OFF", "c1 CLIENT GETREDIR",
	})
}

func TestDiffTrackingBcast(t *testing.T) {
	s := privateServers(t, nil)
	diffTrack(t, s, []string{
		"c1 !resp3", "c1 CLIENT TRACKING ON BCAST PREFIX a: PREFIX b:", "c1 CLIENT TRACKINGINFO", "c1 !flags", "c1 !info",
		"c2 SET a:1 x", "c2 SET b:1 x", "c2 SET c:1 x", "c2 MSET a:3 y a:2 x b:2 z", "c2 DEL a:1 a:2 c:1",
		"c1 SET a:own 1", "c1 GET a:1",
		"c1 CLIENT TRACKING ON BCAST PREFIX b:x", "c1 CLIENT TRACKING ON BCAST PREFIX c PREFIX cd",
		"c1 CLIENT TRACKING ON BCAST PREFIX c PREFIX d", "c1 CLIENT TRACKINGINFO", "c2 SET cc 1", "c2 SET dd 1",
		"c1 CLIENT TRACKING ON", "c1 CLIENT TRACKING ON BCAST OPTIN", "c1 CLIENT TRACKING OFF", "c1 !info",
		// Every key (no prefix), NOLOOP, and a RESP2 client redirecting.
		"c3 !resp3", "c3 CLIENT TRACKING ON BCAST NOLOOP", "c3 SET mine 1", "c2 SET theirs 1", "c3 MSET mine 2 m2 3",
		"c2 SET mine 3", "c4 SUBSCRIBE __redis__:invalidate", "c5 CLIENT TRACKING ON BCAST PREFIX p REDIRECT $c4",
		"c2 SET p1 1", "c2 SET q1 1", "c5 CLIENT TRACKINGINFO", "c2 FLUSHALL", "c1 !info",
		"c1 CLIENT TRACKING ON PREFIX x",
	})
}

func TestDiffTrackingOptInOut(t *testing.T) {
	s := privateServers(t, nil)
	diffTrack(t, s, []string{
		"c1 !resp3", "c1 CLIENT CACHING YES", "c1 CLIENT TRACKING ON OPTIN", "c1 CLIENT TRACKINGINFO",
		"c1 GET a", "c2 SET a 1", "c1 CLIENT CACHING YES", "c1 CLIENT TRACKINGINFO", "c1 GET a", "c1 GET b",
		"c2 MSET a 2 b 2", "c1 CLIENT CACHING NO", "c1 CLIENT CACHING maybe",
		"c1 CLIENT CACHING YES", "c1 CLIENT ID", "c1 GET c", "c2 SET c 1",
		"c1 CLIENT CACHING YES", "c1 MULTI", "c1 GET d", "c1 GET e", "c1 EXEC", "c2 MSET d 1 e 1",
		"c1 CLIENT CACHING YES", "c1 NOSUCHCMD", "c1 GET f", "c2 SET f 1",
		"c1 CLIENT TRACKING ON OPTOUT", "c1 CLIENT TRACKING ON OPTIN OPTOUT", "c1 CLIENT TRACKING OFF",
		"c1 CLIENT TRACKING ON OPTOUT", "c1 CLIENT TRACKINGINFO", "c1 CLIENT CACHING YES", "c1 GET g",
		"c1 CLIENT CACHING NO", "c1 CLIENT TRACKINGINFO", "c1 GET h", "c2 MSET g 1 h 1",
		"c1 CLIENT TRACKING ON OPTIN", "c1 CLIENT TRACKING ON NOLOOP OPTOUT", "c1 CLIENT TRACKINGINFO",
		"c1 GET i", "c1 SET i 1", "c1 GET i", "c2 SET i 2", "c1 !flags",
		"c3 CLIENT TRACKING ON", "c3 GET r", "c3 RESET", "c3 CLIENT TRACKINGINFO", "c2 SET r 1", "c2 !info",
		"c1 CLIENT TRACKING maybe", "c1 CLIENT TRACKING ON BOGUS", "c1 CLIENT TRACKING ON PREFIX", "c1 CLIENT TRACKING",
		"c1 CLIENT CACHING", "c1 CLIENT GETREDIR x",
	})
}

// TestDiffTrackingTableLimit fills the tracking table past
// tracking-table-max-keys: keys are invalidated (chosen at random) until
// the table is within the limit again. The keys differ, their number not.
func TestDiffTrackingTableLimit(t *testing.T) {
	s := privateServers(t, nil)
	run := func(addr string) (keys string, invalidated int) {
		ctl := dialProto(t, addr, 2)
		ctl.do("CONFIG", "SET", "tracking-table-max-keys", "10")
		defer ctl.do("CONFIG", "SET", "tracking-table-max-keys", "1000000")
		c := dialProto(t, addr, 3)
		c.do("CLIENT", "TRACKING", "ON")
		args := []string{"MGET"}
		for i := range 50 {
			args = append(args, "k"+strconv.Itoa(i))
		}
		c.write(encode(args...))
		for {
			r, err := c.readErr(300 * time.Millisecond)
			if err != nil {
				break
			}
			if strings.HasPrefix(r, ">2\r\n$10\r\ninvalidate") {
				invalidated++
			}
		}
		info := ctl.do("INFO", "stats")
		for _, l := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(l, "tracking_total_keys:") || strings.HasPrefix(l, "tracking_total_items:") {
				keys += l + " "
			}
		}
		return keys, invalidated
	}
	wk, wn := run(s.redis)
	gk, gn := run(s.kvd)
	if wk != gk || wn != gn {
		t.Errorf("redis: %s and %d invalidations; kvd: %s and %d", wk, wn, gk, gn)
	}
	if wn != 40 {
		t.Errorf("redis invalidated %d keys, want 40", wn)
	}
}

// TestDiffTrackingRandom runs the random command stream of the
// notification test (every family) from one client while a tracking
// client (default mode) reads every key before each command and a BCAST
// client watches them all: the invalidations both receive must be
// Redis's. KVD_TRACKING_SEED fixes the seed.
func TestDiffTrackingRandom(t *testing.T) {
	s := privateServers(t, nil)
	seed := testSeed(t, "KVD_TRACKING_SEED")
	cmds := notifyRandomStream(rand.New(rand.NewPCG(seed, 0x7ac)), 1500)
	run := func(addr string) []string {
		dialProto(t, addr, 2) // FLUSHALL
		rd, bc, w := dialProto(t, addr, 3), dialProto(t, addr, 3), dial(t, addr)
		rd.do("CLIENT", "TRACKING", "ON")
		bc.do("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "k1", "PREFIX", "k2", "PREFIX", "k3")
		mget := []string{"MGET"}
		for i := range 6 {
			mget = append(mget, "k"+strconv.Itoa(i))
		}
		// sync reads a connection's frames up to its PING's reply.
		sync := func(c *conn, name string, log []string) []string {
			c.write(encode("PING"))
			for {
				r := c.read()
				if r == "+PONG\r\n" {
					return log
				}
				log = append(log, name+" "+r)
			}
		}
		var log []string
		for _, cmd := range cmds {
			rd.do(mget...)
			log = append(log, "> "+strings.Join(cmd, " "), "< "+w.do(cmd...))
			log = sync(rd, "rd", log)
			log = sync(bc, "bc", log)
		}
		return log
	}
	want, got := run(s.redis), run(s.kvd)
	for i := 0; i < min(len(want), len(got)); i++ {
		if want[i] != got[i] && !(strings.HasPrefix(want[i], "< ") && strings.HasPrefix(got[i], "< ")) {
			t.Fatalf("entry %d differs:\n redis: %q\n   kvd: %q\nafter %q", i, want[i], got[i], want[max(i-4, 0):i])
		}
	}
	if len(want) != len(got) {
		t.Fatalf("redis logged %d entries, kvd %d", len(want), len(got))
	}
}
