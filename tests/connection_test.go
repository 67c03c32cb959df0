package tests

import (
	"bufio"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// Connection commands (HELLO AUTH RESET QUIT) and CLIENT.
//
// Replies without ids, addresses or ages are compared byte for byte by the
// differential cases. The rest (HELLO's map, CLIENT LIST/INFO lines, KILL,
// REPLY OFF/SKIP streams, PAUSE) have tests of their own that run the same
// scenario on kvd and on a real redis-server, assert what Redis 7.0 does,
// and compare the two with the variable fields normalised.

func TestDiffConnHello(t *testing.T) {
	diffCases(t, []dcase{
		{name: "versions", steps: []step{
			"!type HELLO", "PING", "HELLO 1", "HELLO 4", "HELLO 0", "HELLO -1", "HELLO x", "HELLO 2.5",
			"HELLO 99999999999999999999", "HELLO \"\"", "!type HELLO 2", "PING", "!type HELLO 3", "PING",
			"HELLO 1 SETNAME x y", "!type HELLO", "CLIENT GETNAME",
		}},
		{name: "options", steps: []step{
			"HELLO 3 foo", "HELLO 2 foo bar", "HELLO 3 AUTH", "HELLO 3 AUTH default", "HELLO 3 SETNAME",
			"HELLO 3 \"fo\\x00o\"", "HELLO 3 AUTH default x SETNAME", "HELLO 3 auth foo bar",
			"HELLO 3 AUTH DEFAULT x", "!type HELLO 3 AUTH default anything", "PING",
			"!type HELLO 2 SETNAME n1", "CLIENT GETNAME", "PING",
			"!type HELLO 3 setname n2 SETNAME n3", "CLIENT GETNAME",
			"!type HELLO 2 SETNAME \"\"", "CLIENT GETNAME",
		}},
		{name: "setname errors", steps: []step{
			"HELLO 3 SETNAME \"a b\"", "HELLO 3 SETNAME \"a\\x01\"", "HELLO 3 SETNAME \"\\xc3\\xa9\"",
			"HELLO 3 SETNAME \"a\\nb\"", "HELLO 3 SETNAME \"a b\" foo", "HELLO 3 foo SETNAME \"a b\"",
			"HELLO 2 SETNAME ok AUTH foo bar", "CLIENT GETNAME", "HELLO 2 SETNAME ok foo", "CLIENT GETNAME",
		}},
	})
}

func TestDiffConnAuth(t *testing.T) {
	diffCases(t, []dcase{
		{name: "no password", steps: []step{
			"AUTH", "AUTH x", "AUTH \"\"", "AUTH default x", "AUTH default \"\"", "AUTH DEFAULT x",
			"AUTH foo x", "AUTH a b c", "AUTH a b c d", "PING",
		}},
		{name: "quit", steps: []step{"ECHO before", "QUIT extra args"}},
		{name: "echo select", steps: []step{"ECHO", "ECHO \"\"", "SELECT 15", "SELECT 16", "ECHO a b"}},
	})
}

func TestDiffConnReset(t *testing.T) {
	diffCases(t, []dcase{
		{name: "state", steps: []step{
			"SELECT 3", "SET k v", "CLIENT SETNAME before", "RESET", "GET k", "CLIENT GETNAME", "SELECT 3",
			"GET k", "RESET x", "RESET", "!type HELLO", "PING",
		}},
		{name: "protocol", resp3Only: true, steps: []step{"PING", "CLIENT GETNAME", "RESET", "CLIENT GETNAME", "!type HELLO"}},
		{name: "reply on", steps: []step{"CLIENT REPLY ON", "RESET", "CLIENT REPLY ON", "PING"}},
	})
}

func TestDiffConnClient(t *testing.T) {
	diffCases(t, []dcase{
		{name: "container", steps: []step{
			"CLIENT", "CLIENT foo", "CLIENT foo bar", "client NO-TOUCHY on", "CLIENT ID x", "!type CLIENT ID",
			"CLIENT GETNAME x", "CLIENT INFO x", "!type CLIENT INFO", "CLIENT HELP x", "CLIENT HELP", "client help",
		}},
		{name: "setname", steps: []step{
			"CLIENT GETNAME", "CLIENT SETNAME", "CLIENT SETNAME a b", "CLIENT SETNAME \"a b\"",
			"CLIENT SETNAME \"a\\nb\"", "CLIENT SETNAME \"a\\x7f\"", "CLIENT SETNAME \"\\xe9\"", "CLIENT GETNAME",
			"CLIENT SETNAME ~!{}", "CLIENT GETNAME", "CLIENT SETNAME \"\"", "CLIENT GETNAME",
			"CLIENT SETNAME x", "CLIENT SETNAME \"a b\"", "CLIENT GETNAME",
		}},
		{name: "list", steps: []step{
			"CLIENT LIST x", "CLIENT LIST TYPE", "CLIENT LIST TYPE x", "CLIENT LIST TYPE \"x\\x00y\"",
			"CLIENT LIST TYPE normal x", "CLIENT LIST TYPE master", "CLIENT LIST TYPE replica",
			"CLIENT LIST TYPE slave", "CLIENT LIST TYPE PUBSUB", "!type CLIENT LIST TYPE normal", "!type CLIENT LIST",
			"CLIENT LIST ID", "CLIENT LIST ID x", "CLIENT LIST ID 99999999", "CLIENT LIST ID 99999999 x",
			"CLIENT LIST ID -1", "CLIENT LIST ID 0 99999999", "CLIENT LIST id 1 type normal",
		}},
		{name: "kill errors", steps: []step{
			"CLIENT KILL", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID", "CLIENT KILL a b c", "CLIENT KILL ID x",
			"CLIENT KILL ID 0", "CLIENT KILL ID -1", "CLIENT KILL ID 99999999", "CLIENT KILL ID 99999999 SKIPME",
			"CLIENT KILL TYPE x", "CLIENT KILL TYPE normal x", "CLIENT KILL USER x", "CLIENT KILL USER default SKIPME maybe",
			"CLIENT KILL MAXAGE 10", "CLIENT KILL LADDR 1.2.3.4:1", "CLIENT KILL ADDR x", "CLIENT KILL TYPE master",
			"CLIENT KILL TYPE pubsub", "CLIENT KILL TYPE replica ID 99999999", "CLIENT KILL foo bar",
			"CLIENT KILL ID x TYPE y", "CLIENT KILL TYPE y ID x", "CLIENT KILL USER default ID 99999999 SKIPME no",
			"CLIENT KILL ADDR 1.2.3.4:5 ADDR 5.6.7.8:9",
		}},
		{name: "pause errors", steps: []step{
			"CLIENT PAUSE", "CLIENT PAUSE x", "CLIENT PAUSE -1", "CLIENT PAUSE 0 x", "CLIENT PAUSE x x",
			"CLIENT PAUSE 1.5", "CLIENT PAUSE 10 WRITE x", "client pause 10 all x", "CLIENT PAUSE 0",
			"CLIENT PAUSE 0 WRITE", "CLIENT PAUSE 0 all", "CLIENT PAUSE 9223372036854775807", "SET k v",
			"CLIENT UNPAUSE x", "CLIENT UNPAUSE", "GET k",
		}},
		{name: "reply and flags", steps: []step{
			"CLIENT REPLY", "CLIENT REPLY x", "CLIENT REPLY on", "CLIENT REPLY ON x", "CLIENT NO-EVICT",
			"CLIENT NO-EVICT x", "CLIENT NO-EVICT on", "CLIENT NO-EVICT OFF", "CLIENT NO-EVICT on off",
		}},
		{name: "tracking", steps: []step{
			"CLIENT GETREDIR", "CLIENT GETREDIR x", "CLIENT TRACKINGINFO", "CLIENT CACHING yes", "CLIENT CACHING no",
			"CLIENT CACHING", "CLIENT TRACKING", "CLIENT TRACKING off", "CLIENT TRACKING foo", "CLIENT TRACKING off foo",
			"CLIENT TRACKING off BCAST OPTIN", "CLIENT TRACKING on redirect x", "CLIENT TRACKING on redirect 0",
			"CLIENT TRACKING on prefix a", "CLIENT TRACKING on bcast optin", "CLIENT TRACKING on optin optout",
			"CLIENT TRACKING on foo", "CLIENT TRACKING on redirect", "CLIENT TRACKINGINFO",
		}},
		{name: "unblock", steps: []step{
			"CLIENT UNBLOCK", "CLIENT UNBLOCK 1", "CLIENT UNBLOCK x", "CLIENT UNBLOCK 1 foo", "CLIENT UNBLOCK x foo",
			"CLIENT UNBLOCK 1 timeout", "CLIENT UNBLOCK 1 ERROR", "CLIENT UNBLOCK 1 timeout x",
		}},
	})
}

// ---- helpers ----

// mustDo sends a command and requires a reply.
func mustDo(t *testing.T, c *conn, want string, args ...string) {
	t.Helper()
	if got := c.do(args...); got != want {
		t.Fatalf("%v: got %q, want %q", args, got, want)
	}
}

// bulkText returns the text of a bulk or verbatim string reply.
func bulkText(t *testing.T, raw string) string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil || (v.kind != '$' && v.kind != '=') {
		t.Fatalf("not a bulk reply: %q (%v)", raw, err)
	}
	if v.kind == '=' {
		if !strings.HasPrefix(v.str, "txt:") {
			t.Fatalf("verbatim reply without txt: %q", raw)
		}
		return v.str[4:]
	}
	return v.str
}

// clientLine is one parsed CLIENT LIST line.
type clientLine struct {
	keys []string
	vals map[string]string
}

func parseClientLine(t *testing.T, line string) clientLine {
	t.Helper()
	cl := clientLine{vals: make(map[string]string)}
	for _, f := range strings.Split(line, " ") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("field %q without '=' in %q", f, line)
		}
		cl.keys = append(cl.keys, k)
		cl.vals[k] = v
	}
	return cl
}

// clientLines parses a CLIENT LIST or CLIENT INFO reply: lines each ending
// in a newline.
func clientLines(t *testing.T, raw string) []clientLine {
	t.Helper()
	text := bulkText(t, raw)
	if text == "" {
		return nil
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("client list does not end in a newline: %q", text)
	}
	var out []clientLine
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		out = append(out, parseClientLine(t, line))
	}
	return out
}

// clientInfo runs CLIENT INFO on c and parses it.
func clientInfo(t *testing.T, c *conn) clientLine {
	t.Helper()
	lines := clientLines(t, c.do("CLIENT", "INFO"))
	if len(lines) != 1 {
		t.Fatalf("CLIENT INFO gave %d lines", len(lines))
	}
	return lines[0]
}

// variableFields are the CLIENT LIST fields that differ between servers
// for the same scenario: identities, clocks and allocation sizes.
var variableFields = map[string]bool{
	"id": true, "addr": true, "laddr": true, "fd": true, "age": true, "idle": true,
	"qbuf-free": true, "rbs": true, "rbp": true, "tot-mem": true,
}

// compareClientLines requires kvd's line to have Redis 7.0's fields in
// Redis's order followed by Redis 7.2's lib-name and lib-ver, and the same
// values for every field that is not variable.
// Fields named in alsoVariable are not compared either.
func compareClientLines(t *testing.T, what string, redis, kvd clientLine, alsoVariable ...string) {
	t.Helper()
	wantKeys := append(append([]string(nil), redis.keys...), "lib-name", "lib-ver")
	if strings.Join(kvd.keys, " ") != strings.Join(wantKeys, " ") {
		t.Errorf("%s: fields\n redis: %v\n   kvd: %v", what, wantKeys, kvd.keys)
		return
	}
	for _, k := range redis.keys {
		if !variableFields[k] && !slices.Contains(alsoVariable, k) && redis.vals[k] != kvd.vals[k] {
			t.Errorf("%s: %s: redis %q, kvd %q", what, k, redis.vals[k], kvd.vals[k])
		}
	}
}

// checkOwnLine checks the variable fields of a client's own line against
// what the test knows of the connection.
func checkOwnLine(t *testing.T, c *conn, cl clientLine) {
	t.Helper()
	if want := c.nc.LocalAddr().String(); cl.vals["addr"] != want {
		t.Errorf("addr=%s, want %s", cl.vals["addr"], want)
	}
	if want := c.nc.RemoteAddr().String(); cl.vals["laddr"] != want {
		t.Errorf("laddr=%s, want %s", cl.vals["laddr"], want)
	}
	for _, k := range []string{"id", "fd", "age", "idle", "qbuf-free", "rbs", "rbp", "tot-mem"} {
		n, err := strconv.ParseInt(cl.vals[k], 10, 64)
		if err != nil || n < 0 {
			t.Errorf("%s=%q is not a count", k, cl.vals[k])
		}
	}
	if age, _ := strconv.Atoi(cl.vals["age"]); age > 60 {
		t.Errorf("age=%d for a new connection", age)
	}
}

func clientID(t *testing.T, c *conn) string {
	t.Helper()
	r := c.do("CLIENT", "ID")
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("CLIENT ID: %q", r)
	}
	return strings.TrimSuffix(r[1:], "\r\n")
}

// ---- HELLO ----

// helloFields parses a HELLO reply (a RESP3 map or a RESP2 flat array) into
// its keys in order and its values rendered as strings.
func helloFields(t *testing.T, raw string) ([]string, map[string]string) {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil || len(v.elems)%2 != 0 {
		t.Fatalf("HELLO reply %q: %v", raw, err)
	}
	var keys []string
	vals := make(map[string]string)
	for i := 0; i < len(v.elems); i += 2 {
		k := v.elems[i].str
		keys = append(keys, k)
		vals[k] = v.elems[i+1].String()
	}
	return keys, vals
}

func TestConnHelloFields(t *testing.T) {
	s := sharedServers()
	needRedis(t)
	for _, proto := range []string{"", "2", "3"} {
		t.Run("proto"+proto, func(t *testing.T) {
			var replies [2]string
			for i, addr := range []string{s.redis, s.kvd} {
				c := dial(t, addr)
				id := clientID(t, c)
				args := []string{"HELLO"}
				if proto != "" {
					args = append(args, proto)
				}
				raw := c.do(args...)
				keys, vals := helloFields(t, raw)
				if got := strings.Join(keys, " "); got != "server version proto id mode role modules" {
					t.Fatalf("%s: HELLO keys %q", addr, got)
				}
				if vals["id"] != `:"`+id+`"` {
					t.Errorf("%s: HELLO id %s, CLIENT ID %s", addr, vals["id"], id)
				}
				wantKind := byte('*')
				if proto == "3" {
					wantKind = '%'
				}
				if raw[0] != wantKind {
					t.Errorf("%s: HELLO %s reply type %q", addr, proto, raw[0])
				}
				// Normalise the id, then the replies must be identical.
				replies[i] = strings.Replace(raw, "$2\r\nid\r\n:"+id+"\r\n", "$2\r\nid\r\n:0\r\n", 1)
			}
			if replies[0] != replies[1] {
				t.Errorf("HELLO %s:\n redis: %q\n   kvd: %q", proto, replies[0], replies[1])
			}
		})
	}
}

// ---- CLIENT LIST / INFO ----

func TestClientListFields(t *testing.T) {
	s := sharedServers()
	needRedis(t)
	type view struct {
		info, own, other clientLine
		idList           []clientLine
	}
	scenario := func(addr string) view {
		other := dial(t, addr)
		mustDo(t, other, "+OK\r\n", "CLIENT", "SETNAME", "idle-one")
		mustDo(t, other, "+OK\r\n", "SELECT", "4")
		other.do("NOSUCHCOMMAND") // its last command is then unknown: cmd=NULL
		otherID := clientID(t, other)
		other.do("GET", "k")

		c := dial(t, addr)
		mustDo(t, c, "+OK\r\n", "CLIENT", "SETNAME", "lister")
		mustDo(t, c, "+OK\r\n", "SELECT", "2")
		mustDo(t, c, "+OK\r\n", "CLIENT", "NO-EVICT", "on")
		var v view
		v.info = clientInfo(t, c)
		checkOwnLine(t, c, v.info)
		all := clientLines(t, c.do("CLIENT", "LIST"))
		for _, cl := range all {
			switch cl.vals["id"] {
			case v.info.vals["id"]:
				v.own = cl
			case otherID:
				v.other = cl
			}
		}
		if v.own.vals == nil || v.other.vals == nil {
			t.Fatalf("%s: CLIENT LIST misses a client: %v", addr, all)
		}
		checkOwnLine(t, other, v.other)
		v.idList = clientLines(t, c.do("CLIENT", "LIST", "ID", otherID, "99999999", v.info.vals["id"]))
		// Other tests' connections may come and go: look for these two only.
		normal := 0
		for _, cl := range clientLines(t, c.do("CLIENT", "LIST", "TYPE", "normal")) {
			if cl.vals["id"] == otherID || cl.vals["id"] == v.info.vals["id"] {
				normal++
			}
		}
		if normal != 2 {
			t.Errorf("%s: CLIENT LIST TYPE normal lists %d of the test's 2 clients", addr, normal)
		}
		return v
	}
	want, got := scenario(s.redis), scenario(s.kvd)
	// On the portable backend a writer goroutine reports a reply written
	// after the fact: the client may read it and send its next command
	// before the loop has heard, so the calling client's own line may
	// still count the previous reply (obl, omem, events "rw").
	var self []string
	if os.Getenv("KVD_TEST_IO_MODEL") == "portable" {
		self = []string{"obl", "oll", "omem", "tot-mem", "events"}
	}
	compareClientLines(t, "CLIENT INFO", want.info, got.info, self...)
	compareClientLines(t, "CLIENT LIST (self)", want.own, got.own, self...)
	compareClientLines(t, "CLIENT LIST (other)", want.other, got.other)
	if len(got.idList) != 2 || len(want.idList) != 2 {
		t.Fatalf("CLIENT LIST ID: redis %d lines, kvd %d, want 2", len(want.idList), len(got.idList))
	}
	compareClientLines(t, "CLIENT LIST ID (other)", want.idList[0], got.idList[0])
	// The ids in the command make its length differ.
	compareClientLines(t, "CLIENT LIST ID (self)", want.idList[1], got.idList[1], append([]string{"qbuf", "argv-mem"}, self...)...)
	// Spot checks, so that a change on both sides cannot go unnoticed.
	for k, v := range map[string]string{"name": "lister", "db": "2", "flags": "e", "cmd": "client|info", "resp": "2", "events": "r", "argv-mem": "10"} {
		if got.info.vals[k] != v && !slices.Contains(self, k) {
			t.Errorf("kvd CLIENT INFO %s=%q, want %q", k, got.info.vals[k], v)
		}
	}
	for k, v := range map[string]string{"name": "idle-one", "db": "4", "cmd": "get", "flags": "N", "qbuf": "0", "argv-mem": "0", "obl": "0"} {
		if got.other.vals[k] != v {
			t.Errorf("kvd CLIENT LIST (other) %s=%q, want %q", k, got.other.vals[k], v)
		}
	}
}

func TestClientInfoResp3AndUnknownCmd(t *testing.T) {
	s := sharedServers()
	needRedis(t)
	var lines [2]clientLine
	for i, addr := range []string{s.redis, s.kvd} {
		c := dial(t, addr)
		c.do("HELLO", "3")
		raw := c.do("CLIENT", "INFO")
		if !strings.HasPrefix(raw, "=") {
			t.Fatalf("%s: CLIENT INFO in RESP3 is not verbatim: %q", addr, raw)
		}
		lines[i] = clientLines(t, raw)[0]
		other := dial(t, addr)
		other.do("CLIENT", "FOO") // an unknown subcommand: cmd=NULL
		otherID := clientID(t, other)
		other.do("CLIENT", "NOPE")
		ol := clientLines(t, c.do("CLIENT", "LIST", "ID", otherID))
		if len(ol) != 1 || ol[0].vals["cmd"] != "NULL" {
			t.Errorf("%s: after an unknown subcommand: %v", addr, ol)
		}
	}
	compareClientLines(t, "CLIENT INFO (RESP3)", lines[0], lines[1])
}

// ---- CLIENT KILL ----

func TestClientKill(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		closed := func(c *conn) bool {
			_, err := c.readErr(5 * time.Second)
			return err != nil
		}
		alive := func(c *conn) bool { return c.do("PING") == "+PONG\r\n" }
		// A connection the server has not accepted yet cannot be killed
		// (on the portable backend accepts run beside the loop): each
		// client says PING before another one kills it.
		dialed := func() *conn { x := dial(t, addr); x.do("PING"); return x }
		a, b, c := dialed(), dialed(), dialed()
		local := func(x *conn) string { return x.nc.LocalAddr().String() }

		// Old form: kill by address, including oneself.
		mustDo(t, a, "-ERR No such client\r\n", "CLIENT", "KILL", "127.0.0.1:1")
		mustDo(t, a, "+OK\r\n", "CLIENT", "KILL", local(b))
		if !closed(b) {
			t.Fatal("old-form CLIENT KILL left the client connected")
		}
		mustDo(t, c, "+OK\r\n", "CLIENT", "KILL", local(c))
		if !closed(c) {
			t.Fatal("old-form CLIENT KILL of oneself left the connection open")
		}

		// New form: SKIPME defaults to yes.
		b, c = dialed(), dialed()
		mustDo(t, a, ":0\r\n", "CLIENT", "KILL", "ADDR", local(a))
		mustDo(t, a, ":1\r\n", "CLIENT", "KILL", "ADDR", local(b), "SKIPME", "yes")
		if !closed(b) || !alive(a) || !alive(c) {
			t.Fatal("CLIENT KILL ADDR killed the wrong clients")
		}
		mustDo(t, a, ":1\r\n", "CLIENT", "KILL", "ID", clientID(t, c))
		if !closed(c) {
			t.Fatal("CLIENT KILL ID left the client connected")
		}

		// Filters combine; LADDR, TYPE and USER match every client here.
		b, c = dialed(), dialed()
		mustDo(t, a, ":0\r\n", "CLIENT", "KILL", "LADDR", addr, "ID", "99999999")
		mustDo(t, a, ":0\r\n", "CLIENT", "KILL", "LADDR", "127.0.0.1:1")
		mustDo(t, a, ":0\r\n", "CLIENT", "KILL", "TYPE", "master")
		mustDo(t, a, ":1\r\n", "CLIENT", "KILL", "USER", "default", "ID", clientID(t, b), "TYPE", "normal", "LADDR", addr)
		if !closed(b) || !alive(c) {
			t.Fatal("combined filters killed the wrong clients")
		}
		b = dial(t, addr)
		alive(b)
		mustDo(t, a, ":2\r\n", "CLIENT", "KILL", "TYPE", "normal")
		if !closed(b) || !closed(c) || !alive(a) {
			t.Fatal("CLIENT KILL TYPE normal killed the wrong clients")
		}

		// SKIPME no kills the caller too, after its reply.
		b = dial(t, addr)
		alive(b)
		mustDo(t, a, ":2\r\n", "CLIENT", "KILL", "LADDR", addr, "SKIPME", "no")
		if !closed(a) || !closed(b) {
			t.Fatal("CLIENT KILL SKIPME no left a client connected")
		}
	})
}

// ---- CLIENT REPLY ----

// replyStream sends cmds in one write, then ECHO end, and returns every
// byte answered before the reply to the ECHO.
func replyStream(t *testing.T, c *conn, cmds [][]string) string {
	t.Helper()
	var req []byte
	for _, cmd := range cmds {
		req = append(req, encode(cmd...)...)
	}
	c.write(append(req, encode("ECHO", "end")...))
	var out strings.Builder
	for {
		r := c.read()
		if r == "$3\r\nend\r\n" {
			return out.String()
		}
		out.WriteString(r)
	}
}

func TestClientReplyModes(t *testing.T) {
	s := sharedServers()
	cmds := [][]string{
		{"PING", "1"},
		{"CLIENT", "REPLY", "SKIP"}, {"PING", "skipped"}, {"PING", "2"},
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "SKIP"}, {"PING", "skipped"}, {"PING", "3"},
		{"CLIENT", "REPLY", "SKIP"}, {"NOSUCHCOMMAND"}, {"GET"}, {"PING", "4"},
		{"CLIENT", "REPLY", "OFF"}, {"PING", "off"}, {"CLIENT", "REPLY", "SKIP"}, {"PING", "off"},
		{"NOSUCHCOMMAND"}, {"CLIENT", "REPLY", "x"}, {"SET", "k", "v"},
		{"CLIENT", "REPLY", "ON"}, {"GET", "k"},
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"PING", "5"},
		{"CLIENT", "REPLY", "SKIP"}, {"RESET"}, {"PING", "6"},
		{"CLIENT", "REPLY", "OFF"}, {"RESET"}, {"PING", "7"},
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY"}, {"PING", "8"}, // a rejected command is skipped too
	}
	want := "$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n-ERR wrong number of arguments for 'get' command\r\n$1\r\n4\r\n" +
		"+OK\r\n$1\r\nv\r\n+OK\r\n$1\r\n5\r\n$1\r\n6\r\n+RESET\r\n$1\r\n7\r\n$1\r\n8\r\n"
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			check := func(t *testing.T, addr string) {
				c := dial(t, addr)
				c.do("HELLO", proto)
				mustDo(t, c, "+OK\r\n", "SET", "k", "old")
				// Every reply in the stream encodes alike in RESP2 and RESP3.
				if got := replyStream(t, c, cmds); got != want {
					t.Errorf("reply stream:\n got %q\nwant %q", got, want)
				}
			}
			onBoth(t, s, check)
		})
	}
}

// ---- CLIENT PAUSE ----

// blockedIDs returns the ids of the clients CLIENT LIST shows as blocked.
func blockedIDs(t *testing.T, c *conn) []string {
	t.Helper()
	var ids []string
	for _, cl := range clientLines(t, c.do("CLIENT", "LIST")) {
		if strings.Contains(cl.vals["flags"], "b") {
			ids = append(ids, cl.vals["id"])
		}
	}
	return ids
}

func TestClientPauseWrite(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		admin, reader := dial(t, addr), dial(t, addr)
		writers := []*conn{dial(t, addr), dial(t, addr), dial(t, addr)}
		mustDo(t, admin, "+OK\r\n", "SET", "k", "0")
		mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")

		// Each writer sends a write and then a read; the write is held and
		// the read waits behind it. They are held one after another, so
		// that the order they resume in shows.
		for i, w := range writers {
			w.write(append(encode("SET", "k", strconv.Itoa(i+1), "GET"), encode("PING", "after")...))
			n := i + 1
			waitFor(t, 5*time.Second, "writer to be held", func() bool { return len(blockedIDs(t, admin)) == n })
		}
		// Reads, errors and CLIENT itself still run for everyone.
		mustDo(t, reader, "$1\r\n0\r\n", "GET", "k")
		mustDo(t, reader, "-ERR wrong number of arguments for 'set' command\r\n", "SET", "k")
		mustDo(t, admin, "$1\r\n0\r\n", "GET", "k")
		held := clientLines(t, admin.do("CLIENT", "LIST", "ID", clientID(t, reader), blockedIDs(t, admin)[0]))
		if len(held) != 2 || held[0].vals["flags"] != "N" || held[1].vals["flags"] != "b" || held[1].vals["cmd"] != "set" {
			t.Fatalf("CLIENT LIST during the pause: %v", held)
		}
		// A second, shorter pause neither shortens nor weakens it.
		mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "1", "WRITE")
		mustDo(t, reader, "$1\r\n0\r\n", "GET", "k")
		if n := len(blockedIDs(t, admin)); n != 3 {
			t.Fatalf("%d clients held after a shorter pause, want 3", n)
		}

		mustDo(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
		for i, w := range writers {
			want := "$1\r\n" + strconv.Itoa(i) + "\r\n"
			if got := w.read(); got != want {
				t.Errorf("writer %d resumed out of order: SET ... GET answered %q, want %q", i, got, want)
			}
			if got := w.read(); got != "$5\r\nafter\r\n" {
				t.Errorf("writer %d: %q after its write", i, got)
			}
		}
		mustDo(t, reader, "$1\r\n3\r\n", "GET", "k")
		if ids := blockedIDs(t, admin); len(ids) != 0 {
			t.Errorf("clients still blocked after UNPAUSE: %v", ids)
		}
	})
}

func TestClientPauseTimeout(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		const pause = 400 * time.Millisecond
		for _, mode := range []string{"WRITE", "ALL"} {
			admin, w := dial(t, addr), dial(t, addr)
			start := time.Now()
			mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", strconv.Itoa(int(pause/time.Millisecond)), mode)
			w.write(encode("SET", "k", mode))
			if mode == "ALL" {
				// Commands rejected before they would run are answered at once.
				mustDo(t, admin, "-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: \r\n", "NOSUCHCOMMAND")
				// The pausing client is held too, even for PING.
				admin.write(encode("PING"))
			} else {
				mustDo(t, admin, "+PONG\r\n", "PING")
			}
			if got := w.read(); got != "+OK\r\n" {
				t.Fatalf("%s: held SET answered %q", mode, got)
			}
			if d := time.Since(start); d < pause-50*time.Millisecond {
				t.Errorf("%s: held SET answered after %v, before the %v pause ended", mode, d, pause)
			}
			if mode == "ALL" {
				if got := admin.read(); got != "+PONG\r\n" {
					t.Fatalf("held PING answered %q", got)
				}
			}
			mustDo(t, w, "$"+strconv.Itoa(len(mode))+"\r\n"+mode+"\r\n", "GET", "k")
		}
	})
}

func TestClientPauseAllHoldsUnpause(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		admin, w := dial(t, addr), dial(t, addr)
		start := time.Now()
		mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "300", "ALL")
		// CLIENT UNPAUSE is itself held by an ALL pause: it runs when the
		// pause times out, and a QUIT held with it closes only then.
		admin.write(encode("CLIENT", "UNPAUSE"))
		w.write(encode("QUIT"))
		if got := admin.read(); got != "+OK\r\n" {
			t.Fatalf("held CLIENT UNPAUSE answered %q", got)
		}
		if got := w.read(); got != "+OK\r\n" {
			t.Fatalf("held QUIT answered %q", got)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("held commands ran after %v, before the pause ended", d)
		}
		if _, err := w.readErr(5 * time.Second); err == nil {
			t.Error("QUIT left the connection open")
		}
	})
}

func TestClientPauseKillHeld(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		admin, w := dial(t, addr), dial(t, addr)
		id := clientID(t, w)
		mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
		w.write(encode("SET", "k", "v"))
		waitFor(t, 5*time.Second, "writer to be held", func() bool { return len(blockedIDs(t, admin)) == 1 })
		mustDo(t, admin, ":0\r\n", "CLIENT", "KILL", "ID", id, "TYPE", "master")
		mustDo(t, admin, ":1\r\n", "CLIENT", "KILL", "ID", id)
		if _, err := w.readErr(5 * time.Second); err == nil {
			t.Error("killed held client still connected")
		}
		mustDo(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
		mustDo(t, admin, "$-1\r\n", "GET", "k")
	})
}

// ---- AUTH and requirepass ----

func TestConnRequirePass(t *testing.T) {
	s := privateServers(t, func(cfg *server.Config) { cfg.RequirePass = "x" }, "--requirepass", "x")
	steps := []step{
		"PING", "GET a", "FOO", "GET", "CLIENT ID", "CLIENT SETNAME n", "SELECT 1", "ECHO e",
		"HELLO", "HELLO 3", "HELLO 2 SETNAME a", "HELLO 4", "HELLO x", "HELLO 3 foo",
		"HELLO 3 AUTH default y", "HELLO 3 AUTH foo x", "HELLO 3 AUTH DEFAULT x", "HELLO 3 SETNAME \"a b\" AUTH default x",
		"HELLO 3 AUTH default y SETNAME \"a b\"", "PING",
		"AUTH", "AUTH y", "AUTH \"\"", "AUTH a b c", "AUTH default y", "AUTH foo x", "AUTH DEFAULT x", "PING",
		"AUTH x", "PING", "CLIENT GETNAME", "AUTH y", "PING", "AUTH default x", "PING",
		"RESET", "PING", "CLIENT GETNAME",
		"!type HELLO 2 AUTH default x SETNAME nm", "CLIENT GETNAME", "PING",
		"RESET", "HELLO 3 AUTH default x foo", "PING", "RESET",
		"HELLO 3 AUTH default x AUTH default y", "PING", "RESET",
		"HELLO 3 AUTH default x SETNAME \"a b\"", "PING", "RESET",
		"!type HELLO 3 AUTH default x", "PING", "RESET", "PING", "QUIT",
	}
	diffSession(t, s, steps)
	// Each connection starts unauthenticated.
	diffSession(t, s, []step{"PING", "AUTH default x", "PING"})
}

func TestConnAuthBeforeHello(t *testing.T) {
	// go-redis and redis-py authenticate with HELLO 3 AUTH in one round trip.
	srv := newKvd(t, func(cfg *server.Config) { cfg.RequirePass = "secret" })
	c := dial(t, srv.Addr().String())
	mustDo(t, c, "-NOAUTH Authentication required.\r\n", "GET", "k")
	c.write(append(append(encode("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "app"),
		encode("CLIENT", "SETINFO", "LIB-NAME", "go-redis(,go1.22.1)")...), encode("CLIENT", "SETINFO", "LIB-VER", "9.5.1")...))
	keys, vals := helloFields(t, c.read())
	if len(keys) != 7 || vals["proto"] != `:"3"` || vals["server"] != `$"redis"` || vals["version"] != `$"`+server.RedisVersion+`"` {
		t.Fatalf("HELLO reply: %v %v", keys, vals)
	}
	for i := 0; i < 2; i++ {
		if r := c.read(); r != "+OK\r\n" {
			t.Fatalf("CLIENT SETINFO: %q", r)
		}
	}
	info := clientInfo(t, c)
	for k, v := range map[string]string{"name": "app", "resp": "3", "lib-name": "go-redis(,go1.22.1)", "lib-ver": "9.5.1"} {
		if info.vals[k] != v {
			t.Errorf("CLIENT INFO %s=%q, want %q", k, info.vals[k], v)
		}
	}
	mustDo(t, c, "_\r\n", "GET", "k")
}

// ---- RESET ----

func TestConnResetState(t *testing.T) {
	s := sharedServers()
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		mustDo(t, c, "+OK\r\n", "SELECT", "5")
		mustDo(t, c, "+OK\r\n", "CLIENT", "SETNAME", "before")
		c.do("HELLO", "3")
		mustDo(t, c, "+OK\r\n", "CLIENT", "NO-EVICT", "on")
		mustDo(t, c, "+RESET\r\n", "RESET")
		info := clientInfo(t, c)
		for k, v := range map[string]string{"db": "0", "name": "", "resp": "2", "cmd": "client|info"} {
			if info.vals[k] != v {
				t.Errorf("after RESET: %s=%q, want %q", k, info.vals[k], v)
			}
		}
	})
	// kvd also clears NO-EVICT and NO-TOUCH, as Redis 7.2 does, and keeps
	// the library name and version.
	c := kvdConn(t)
	for _, cmd := range [][]string{{"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-TOUCH", "on"}, {"CLIENT", "SETINFO", "lib-name", "lib"}, {"CLIENT", "SETINFO", "lib-ver", "1.0"}} {
		mustDo(t, c, "+OK\r\n", cmd...)
	}
	if f := clientInfo(t, c).vals["flags"]; f != "eT" {
		t.Fatalf("flags=%q before RESET, want eT", f)
	}
	mustDo(t, c, "+RESET\r\n", "RESET")
	info := clientInfo(t, c)
	for k, v := range map[string]string{"flags": "N", "lib-name": "lib", "lib-ver": "1.0"} {
		if info.vals[k] != v {
			t.Errorf("after RESET: %s=%q, want %q", k, info.vals[k], v)
		}
	}
}

// ---- Redis 7.2 subcommands: SETINFO, NO-TOUCH ----

func TestClientSetinfo(t *testing.T) {
	c := kvdConn(t)
	other := dial(t, env.kvdAddr)
	otherID := clientID(t, other)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT", "SETINFO", "lib-name", "redis-py"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETINFO", "LIB-VER", "5.0.1"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETINFO", "foo", "bar"}, "-ERR Unrecognized option 'foo'\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-name"}, "-ERR wrong number of arguments for 'client|setinfo' command\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-name", "a", "b"}, "-ERR wrong number of arguments for 'client|setinfo' command\r\n"},
		{[]string{"CLIENT", "SETINFO", "LIB-NAME", "a b"}, "-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-ver", "1\n2"}, "-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-ver", "\xe9"}, "-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n"},
	}
	for _, tc := range tests {
		mustDo(t, other, tc.want, tc.args...)
	}
	lines := clientLines(t, c.do("CLIENT", "LIST", "ID", otherID))
	if len(lines) != 1 || lines[0].vals["lib-name"] != "redis-py" || lines[0].vals["lib-ver"] != "5.0.1" {
		t.Fatalf("CLIENT LIST after SETINFO: %v", lines)
	}
	mustDo(t, other, "+OK\r\n", "CLIENT", "SETINFO", "lib-name", "")
	if v := clientInfo(t, other).vals["lib-name"]; v != "" {
		t.Errorf("lib-name=%q after setting it empty", v)
	}
}

func TestClientNoTouchNoEvict(t *testing.T) {
	c := kvdConn(t)
	tests := []struct {
		args  []string
		want  string
		flags string
	}{
		{[]string{"CLIENT", "NO-TOUCH", "on"}, "+OK\r\n", "T"},
		{[]string{"CLIENT", "NO-EVICT", "ON"}, "+OK\r\n", "eT"},
		{[]string{"CLIENT", "NO-TOUCH", "maybe"}, "-ERR syntax error\r\n", "eT"},
		{[]string{"CLIENT", "NO-TOUCH"}, "-ERR wrong number of arguments for 'client|no-touch' command\r\n", "eT"},
		{[]string{"CLIENT", "NO-TOUCH", "on", "off"}, "-ERR wrong number of arguments for 'client|no-touch' command\r\n", "eT"},
		{[]string{"CLIENT", "NO-TOUCH", "OFF"}, "+OK\r\n", "e"},
		{[]string{"CLIENT", "NO-EVICT", "off"}, "+OK\r\n", "N"},
	}
	for _, tc := range tests {
		mustDo(t, c, tc.want, tc.args...)
		if f := clientInfo(t, c).vals["flags"]; f != tc.flags {
			t.Errorf("after %v: flags=%q, want %q", tc.args, f, tc.flags)
		}
	}
	// With NO-TOUCH on, reads still work.
	mustDo(t, c, "+OK\r\n", "SET", "k", "v")
	mustDo(t, c, "+OK\r\n", "CLIENT", "NO-TOUCH", "on")
	mustDo(t, c, "$1\r\nv\r\n", "GET", "k")
}

// ---- unix socket flag ----

func TestClientListUnixSocket(t *testing.T) {
	path := t.TempDir() + "/kvd.sock"
	srv := newKvd(t, func(cfg *server.Config) { cfg.UnixSocket = path })
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := &conn{t: t, nc: nc, r: bufio.NewReaderSize(nc, 64*1024)}
	t.Cleanup(func() { nc.Close() })
	info := clientInfo(t, c)
	if info.vals["flags"] != "U" || info.vals["addr"] != path+":0" || info.vals["laddr"] != path+":0" {
		t.Errorf("unix socket client: flags=%q addr=%q laddr=%q", info.vals["flags"], info.vals["addr"], info.vals["laddr"])
	}
	tcp := dial(t, srv.Addr().String())
	mustDo(t, tcp, ":1\r\n", "CLIENT", "KILL", "ADDR", path+":0")
	if _, err := c.readErr(5 * time.Second); err == nil {
		t.Error("CLIENT KILL ADDR path:0 left the unix socket client connected")
	}
}
