package tests

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kvdserver/kvd/server"
)

// normACL makes ACL replies comparable between two servers: Redis lists
// the single commands of a rule description in its hash table's order,
// which differs from one process to the next, so they compare as a set;
// ACL LOG's age-seconds and the volatile fields of its client-info are
// masked.
func normACL(v value) value {
	switch {
	case len(v.elems) > 0:
		out := v
		out.elems = make([]value, len(v.elems))
		for i, e := range v.elems {
			out.elems[i] = normACL(e)
			if i > 0 && v.elems[i-1].kind != '*' && len(v.elems[i-1].elems) == 0 {
				switch v.elems[i-1].str {
				case "age-seconds":
					out.elems[i] = value{kind: '$', str: "AGE"}
				case "client-info":
					out.elems[i] = value{kind: '$', str: clientInfoStable(e.str)}
				}
			}
		}
		return out
	case strings.Contains(v.str, "@all"):
		v.str = normRules(v.str)
	}
	return v
}

var stableInfoField = regexp.MustCompile(`(?:^| )(name|db|flags|multi|cmd|user|resp)=\S*`)

func clientInfoStable(s string) string {
	return strings.Join(stableInfoField.FindAllString(s, -1), " ")
}

// normRules sorts the single-command rules after the last category rule.
func normRules(s string) string {
	var out []string
	for _, part := range strings.Split(s, " (") {
		toks := strings.Fields(part)
		last := -1
		for i, tk := range toks {
			if strings.HasPrefix(tk, "+@") || strings.HasPrefix(tk, "-@") {
				last = i
			}
		}
		if last >= 0 {
			sort.Strings(toks[last+1:])
		}
		out = append(out, strings.Join(toks, " "))
	}
	return strings.Join(out, " (")
}

// TestACLSetUserDescribe compares ACL LIST, GETUSER and USERS after
// sequences of SETUSER rules, and SETUSER's errors.
func TestACLSetUserDescribe(t *testing.T) {
	s := privateServers(t, nil)
	seq := func(name string, rules ...string) dcase {
		steps := []step{"ACL DELUSER u1 u2", "!acl ACL SETUSER u1 " + strings.Join(rules, " ")}
		steps = append(steps, "!acl ACL GETUSER u1", "!acl ACL LIST", "ACL USERS")
		return dcase{name: name, steps: steps}
	}
	cases := []dcase{
		seq("new", ""),
		seq("on-pass", "on", ">secret", ">other", "<other", "~key:*", "+get"),
		seq("categories", "+@string", "-set", "+@hash", "-@write"),
		seq("allminus", "+@all", "-@dangerous", "-flushall", "~*", "&*"),
		seq("allcommands-nocommands", "allcommands", "nocommands", "+ping"),
		seq("read-minus-hash", "+@read", "-@hash", "+config|get", "+client|id"),
		seq("key-perms", "%R~r:*", "%W~w:*", "%RW~rw:*", "~k", "%R~k", "+@all"),
		seq("channels", "&news.*", "&alerts", "resetchannels", "&x"),
		seq("allkeys-reset", "allkeys", "resetkeys", "~a", "allchannels"),
		seq("hash-pass", "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "nopass", "resetpass", ">p"),
		seq("first-arg", "-@all", "+select|0", "+select|1", "+@hash"),
		seq("selectors", "+get", "~a", "(+set ~b)", "(+@read %R~c &ch)"),
		seq("selectors-split", "(+set", "~b)", "clearselectors", "(-@all", "+del)"),
		seq("reset", ">x", "on", "~k", "+@all", "reset"),
		seq("sanitize", "skip-sanitize-payload", "sanitize-payload", "skip-sanitize-payload"),
		seq("case", "ON", "+GET", "+@STRING", "ALLKEYS"),
		seq("container", "+config", "-config|set", "-client", "+client|kill"),
		{name: "errors", steps: []step{
			"ACL SETUSER e1 +nosuchcommand",
			"ACL SETUSER e1 +@nosuchcategory",
			"ACL SETUSER e1 allkeys ~foo",
			"ACL SETUSER e1 allchannels &foo",
			"ACL SETUSER e1 #abc",
			"ACL SETUSER e1 <nopasshere",
			"ACL SETUSER e1 !5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
			"ACL SETUSER e1 bogus",
			"ACL SETUSER e1 %X~foo",
			"ACL SETUSER e1 (+get",
			"ACL SETUSER e1 (+get ~a) (bogus)",
			"ACL SETUSER e1 +config|get|x",
			"ACL SETUSER e1 +select|",
			"ACL SETUSER \"a b\" on",
			"ACL SETUSER e1 on >pw +nosuch",
			"ACL GETUSER e1",
			"ACL DELUSER default",
			"ACL DELUSER nosuch",
			"ACL GETUSER nosuch",
			"ACL CAT nosuch",
			"ACL CAT",
			"!sort ACL CAT dangerous",
			"!sort ACL CAT keyspace",
			"ACL WHOAMI",
			"ACL GENPASS 0",
			"ACL GENPASS 5000",
			"ACL GENPASS abc",
			"ACL LOAD",
			"ACL SAVE",
			"ACL NOSUCH",
			"ACL LIST extra",
			"ACL HELP",
		}},
	}
	diffCasesOn(t, s, cases)
	// GENPASS: the length only.
	for _, addr := range []string{s.kvd, s.redis} {
		c := dial(t, addr)
		for bits, want := range map[string]int{"": 64, "1": 1, "5": 2, "128": 32, "4096": 1024} {
			args := []string{"ACL", "GENPASS"}
			if bits != "" {
				args = append(args, bits)
			}
			v, _ := parseValue(c.do(args...))
			if len(v.str) != want || strings.Trim(v.str, "0123456789abcdef") != "" {
				t.Errorf("%s ACL GENPASS %s = %q, want %d hex digits", addr, bits, v.str, want)
			}
		}
	}
}

// TestACLPermissions checks commands, keys and channels against a
// restricted user, the NOPERM errors, DRYRUN and the ACL LOG they leave.
func TestACLPermissions(t *testing.T) {
	s := privateServers(t, nil)
	setup := []step{
		"ACL SETUSER app on >pw ~app:* %R~ro:* %W~wo:* &chan:* +@read +@write +@connection -@dangerous +multi +exec +acl|whoami",
		"ACL SETUSER sel on >pw resetkeys -@all +get ~a:* (+set ~b:*) (+@hash %R~h:*)",
		"ACL SETUSER off off >pw +@all ~*",
		"ACL LOG RESET",
	}
	diffSession(t, s, setup)
	steps := []step{
		"AUTH app pw",
		"ACL WHOAMI",
		"SET app:1 v", "GET app:1", "GET other", "SET other v",
		"GET ro:1", "SET ro:1 v", "SET wo:1 v", "GET wo:1", "APPEND wo:1 x",
		"COPY app:1 wo:2", "COPY app:1 ro:2", "COPY ro:1 app:3",
		"MSET app:a 1 other 2", "MGET app:a other",
		"LPUSH app:l a b", "LMOVE app:l other LEFT LEFT", "SORT app:l ALPHA STORE other",
		"FLUSHALL", "KEYS *", "CONFIG GET maxmemory", "DEBUG SLEEP 0", "ACL LIST",
		"SELECT 1", "PING", "ECHO x",
		"MULTI", "SET app:m 1", "GET other", "EXEC",
		"MULTI", "SET app:m 1", "EXEC",
		"AUTH sel pw",
		"GET a:1", "GET b:1", "SET b:1 x", "SET a:1 x", "HSET h:1 f v", "HGET h:1 f", "HSET other f v", "DEL a:1",
		"AUTH off pw", "AUTH nosuch pw", "AUTH app wrong",
		"ACL WHOAMI",
	}
	diffSession(t, s, steps)
	diffSession(t, s, []step{
		"ACL DRYRUN app GET app:1", "ACL DRYRUN app GET other", "ACL DRYRUN app FLUSHALL",
		"ACL DRYRUN app SET ro:1 x", "ACL DRYRUN app GET wo:1", "ACL DRYRUN sel SET b:1 x",
		"ACL DRYRUN sel HGET h:1 f", "ACL DRYRUN sel HSET h:1 f v", "ACL DRYRUN nosuch GET a",
		"ACL DRYRUN app NOSUCH a", "ACL DRYRUN app GET", "ACL DRYRUN app CONFIG GET x",
		"!acl ACL LOG", "!acl ACL LOG 2", "ACL LOG -1", "ACL LOG x", "ACL LOG RESET", "ACL LOG",
	})
	// The ACLs are checked again when EXEC runs the queued commands.
	diffSession(t, s, []step{
		"ACL SETUSER tx on >pw ~* +@all",
		"AUTH tx pw", "MULTI", "SET k 1", "GET k",
		"ACL SETUSER tx -set", "EXEC", "!acl ACL LOG 1",
	})
}

// TestACLAuthFlows covers AUTH and HELLO with users and requirepass,
// NOAUTH, RESET, and clients dropped with their user.
func TestACLAuthFlows(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.RequirePass = "topsecret" }, "--requirepass", "topsecret")
	diffSession(t, s, []step{
		"PING", "GET k", "ACL WHOAMI", "HELLO 3", "AUTH wrong", "AUTH default wrong",
		"AUTH topsecret", "ACL WHOAMI", "ACL SETUSER bob on >bobpw +@all ~*",
		"!re:(?s)proto..:(.).*modules HELLO 3 AUTH bob bobpw", "ACL WHOAMI", "HELLO 2 AUTH bob nope", "ACL WHOAMI",
		"RESET", "ACL WHOAMI", "PING", "AUTH bob bobpw", "ACL WHOAMI",
		"AUTH a b c", "CONFIG SET requirepass \"\"", "RESET", "PING", "AUTH x",
		"CONFIG SET requirepass topsecret", "!acl ACL LIST",
	})
	onBoth(t, s, func(t *testing.T, addr string) {
		admin := dial(t, addr)
		admin.do("AUTH", "topsecret")
		admin.do("ACL", "SETUSER", "carol", "on", ">pw", "+@all", "~*")
		victims := []*conn{dial(t, addr), dial(t, addr), dial(t, addr)}
		for _, v := range victims {
			if got := v.do("AUTH", "carol", "pw"); got != "+OK\r\n" {
				t.Fatalf("AUTH carol: %q", got)
			}
		}
		if got := admin.do("CLIENT", "KILL", "USER", "nosuchuser"); got != "-ERR No such user 'nosuchuser'\r\n" {
			t.Errorf("CLIENT KILL USER nosuchuser: %q", got)
		}
		if got := admin.do("CLIENT", "KILL", "USER", "carol"); got != ":3\r\n" {
			t.Errorf("CLIENT KILL USER carol: %q", got)
		}
		for _, v := range victims {
			expectClosed(t, v)
		}
		v := dial(t, addr)
		v.do("AUTH", "carol", "pw")
		if got := admin.do("ACL", "DELUSER", "carol"); got != ":1\r\n" {
			t.Errorf("ACL DELUSER carol: %q", got)
		}
		expectClosed(t, v)
		// A user deleting itself gets its reply, then is dropped.
		self := dial(t, addr)
		admin.do("ACL", "SETUSER", "dave", "on", ">pw", "+@all", "~*")
		self.do("AUTH", "dave", "pw")
		if got := self.do("ACL", "DELUSER", "dave"); got != ":1\r\n" {
			t.Errorf("ACL DELUSER dave by dave: %q", got)
		}
		expectClosed(t, self)
	})
}

// expectClosed waits for the server to close c, reading (and dropping)
// whatever replies come before.
func expectClosed(t *testing.T, c *conn) {
	t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [4096]byte
	for {
		_, err := c.r.Read(b[:])
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("connection not closed")
		}
		return
	}
}

// TestProtectedMode: with no password on the default user, a client from
// 127.0.0.2 (not 127.0.0.1) gets Redis's -DENIED error; with protected
// mode off, or a password set, it is served.
func TestProtectedMode(t *testing.T) {
	s := privateServers(t, nil, "--protected-mode", "yes")
	read := func(addr string) string {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Skipf("cannot bind 127.0.0.2: %v", err)
		}
		defer nc.Close()
		nc.Write([]byte("PING\r\n"))
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		var all []byte
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil || strings.HasSuffix(string(all), "\r\n") {
				break
			}
		}
		return string(all)
	}
	want, got := read(s.redis), read(s.kvd)
	if !strings.HasPrefix(want, "-DENIED") || want != got {
		t.Fatalf("protected mode:\n redis: %q\n   kvd: %q", want, got)
	}
	for _, cfg := range [][]string{{"protected-mode", "no"}, {"protected-mode", "yes", "requirepass", "pw"}} {
		for _, addr := range []string{s.redis, s.kvd} {
			c := dial(t, addr)
			if len(cfg) > 2 {
				c.do("CONFIG", "SET", cfg[0], cfg[1])
				c.do("CONFIG", "SET", cfg[2], cfg[3])
			} else {
				c.do("CONFIG", "SET", cfg[0], cfg[1])
			}
		}
		want, got := read(s.redis), read(s.kvd)
		if strings.HasPrefix(got, "-DENIED") || want != got {
			t.Errorf("%v: redis %q, kvd %q", cfg, want, got)
		}
		for _, addr := range []string{s.redis, s.kvd} {
			c := dial(t, addr)
			c.do("AUTH", "pw")
			c.do("CONFIG", "SET", "requirepass", "")
			c.do("CONFIG", "SET", "protected-mode", "yes")
		}
	}
}

// TestACLFileLoadSave: users from an ACL file, ACL SAVE and ACL LOAD, on
// both servers; and "user" directives.
func TestACLFileLoadSave(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	content := "user default on nopass ~* &* +@all\nuser alice on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~a:* resetchannels -@all +get\n"
	kf, rf := filepath.Join(dir, "kvd.acl"), filepath.Join(dir, "redis.acl")
	for _, f := range []string{kf, rf} {
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := servers{kvd: newKvd(t, func(c *server.Config) { c.ACLFile = kf }).Addr().String(), redis: newRedis(t, "--aclfile", rf)}
	diffSession(t, s, []step{
		"!acl ACL LIST", "ACL SETUSER bob on >pw +@all", "ACL SAVE", "ACL DELUSER bob alice", "!acl ACL LIST",
		"ACL LOAD", "!acl ACL LIST",
	})
	kb, _ := os.ReadFile(kf)
	rb, _ := os.ReadFile(rf)
	if normRules(string(kb)) != normRules(string(rb)) {
		t.Errorf("saved ACL files differ:\n redis: %q\n   kvd: %q", rb, kb)
	}
	bad := "user x on +nosuch\nfoo bar\n"
	os.WriteFile(kf, []byte(bad), 0o644)
	os.WriteFile(rf, []byte(bad), 0o644)
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	want, got := rc.do("ACL", "LOAD"), kc.do("ACL", "LOAD")
	if strings.ReplaceAll(want, rf, "F") != strings.ReplaceAll(got, kf, "F") {
		t.Errorf("ACL LOAD of a bad file:\n redis: %q\n   kvd: %q", want, got)
	}
	// user directives.
	ks := newKvd(t, func(c *server.Config) {
		c.Users = [][]string{{"carl", "on", ">pw", "~*", "+@read"}}
	})
	kc = dial(t, ks.Addr().String())
	if got := kc.do("ACL", "LIST"); !strings.Contains(got, "user carl on #") {
		t.Errorf("user directive: %q", got)
	}
	cfg := server.DefaultConfig()
	if err := cfg.Set("user", "a on +nosuch (+get"); err == nil {
		t.Errorf("unmatched selector in a user directive accepted")
	}
	if err := cfg.Set("user", "a on ~x allkeys ~y"); err == nil || !strings.Contains(err.Error(), "Error in user declaration '~y'") {
		t.Errorf("bad user directive: %v", err)
	}
}

// TestACLClients: go-redis and redis-py authenticate with a user name and
// password on both servers.
func TestACLClients(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		admin := dial(t, addr)
		admin.do("ACL", "SETUSER", "gouser", "on", ">gopw", "~go:*", "+@all")
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: addr, Username: "gouser", Password: "gopw"})
		defer rdb.Close()
		if err := rdb.Set(ctx, "go:k", "v", 0).Err(); err != nil {
			t.Fatalf("go-redis SET as gouser: %v", err)
		}
		if err := rdb.Set(ctx, "other", "v", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
			t.Errorf("go-redis SET other: %v, want NOPERM", err)
		}
		bad := redis.NewClient(&redis.Options{Addr: addr, Username: "gouser", Password: "nope"})
		defer bad.Close()
		if err := bad.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
			t.Errorf("go-redis with a wrong password: %v", err)
		}
		out := runRedisPy(t, addr, `import os, redis
HOST, PORT = os.environ["HOST"], int(os.environ["PORT"])
r = redis.Redis(host=HOST, port=PORT, username="gouser", password="gopw")
print(r.get("go:k").decode(), r.acl_whoami())
try:
    r.get("other")
except redis.exceptions.NoPermissionError as e:
    print("noperm")
try:
    redis.Redis(host=HOST, port=PORT, username="gouser", password="x").ping()
except redis.exceptions.RedisError as e:
    print("autherr" if "WRONGPASS" in str(e) else e)
`)
		if strings.TrimSpace(out) != "v gouser\nnoperm\nautherr" {
			t.Errorf("redis-py: %q", out)
		}
	})
}

// TestAuthAbuse: 10,000 wrong AUTHs and oversized unauthenticated
// requests leave the server serving others, with bounded memory.
func TestAuthAbuse(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.RequirePass = "pw" })
	addr := srv.Addr().String()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// In batches: an unauthenticated client is closed past 16 KB of
	// unread replies (checked below).
	attacker := dial(t, addr)
	cmds := make([][]string, 100)
	for i := range cmds {
		cmds[i] = []string{"AUTH", "guess" + string(rune('a'+i%26))}
	}
	for batch := 0; batch < 100; batch++ {
		for i, r := range attacker.pipeline(cmds) {
			if !strings.HasPrefix(r, "-WRONGPASS") {
				t.Fatalf("AUTH %d: %q", batch*100+i, r)
			}
		}
	}
	flood := dial(t, addr)
	var req []byte
	for i := 0; i < 2000; i++ {
		req = append(req, encode("AUTH", "x")...)
	}
	flood.write(req)
	expectClosed(t, flood)
	// Oversized unauthenticated requests are refused without a big
	// allocation, and the connection closed.
	for _, req := range []string{"*100000\r\n", "*2\r\n$3\r\nGET\r\n$100000000\r\n"} {
		c := dial(t, addr)
		c.write([]byte(req))
		if got := c.read(); !strings.HasPrefix(got, "-ERR Protocol error: unauthenticated") {
			t.Errorf("%q: %q", req, got)
		}
		expectClosed(t, c)
	}
	other := dial(t, addr)
	if got := other.do("AUTH", "pw"); got != "+OK\r\n" {
		t.Fatalf("AUTH pw: %q", got)
	}
	if got := other.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
	// The failures are grouped in one ACL LOG entry.
	if got := other.do("ACL", "LOG", "1"); !regexp.MustCompile(`count\r\n:1\d{4}\r\n`).MatchString(got) {
		t.Errorf("ACL LOG after 10,000 failures: %q", truncateStr(got, 300))
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grow := int64(after.HeapAlloc) - int64(before.HeapAlloc); grow > 64<<20 {
		t.Errorf("heap grew by %d bytes", grow)
	}
}

// TestLocalOnlyCommands: enable-debug-command local and
// enable-protected-configs local serve 127.0.0.1 but not 127.0.0.2, which
// Redis does not count as local.
func TestLocalOnlyCommands(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.EnableDebugCommand = "local"; c.Set("enable-protected-configs", "local") },
		"--enable-debug-command", "local", "--enable-protected-configs", "local")
	from := func(addr string, ip net.IP, cmd ...string) string {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Skipf("cannot bind %v: %v", ip, err)
		}
		defer nc.Close()
		nc.Write(encode(cmd...))
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := readReply(bufio.NewReader(nc))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)} {
		for _, cmd := range [][]string{{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, {"CONFIG", "SET", "dir", os.TempDir()}} {
			want, got := from(s.redis, ip, cmd...), from(s.kvd, ip, cmd...)
			if want != got {
				t.Errorf("%v from %v: redis %q, kvd %q", cmd, ip, want, got)
			}
		}
	}
}
