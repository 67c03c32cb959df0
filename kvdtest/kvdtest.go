// Package kvdtest runs a real kvd server (Redis 7.0 behaviour, byte for
// byte) inside a Go test, with the conveniences of an in-memory fake: one
// line to start it, a clock under the test's control, and direct access to
// the data.
//
//	func TestCache(t *testing.T) {
//		s := kvdtest.RunT(t)                  // stopped by t.Cleanup
//		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
//		c.Set(ctx, "k", "v", time.Minute)
//		s.FastForward(time.Minute)            // no sleeping
//		s.CheckMissing(t, "k")
//	}
//
// The helpers (Set, Get, HSet, Push, ZAdd, CheckGet, FlushAll, Dump, …) run
// real commands on the server's own loop, in order with the commands of
// the clients, through an internal client: they see and cause what a
// client would, keyspace notifications included. They work on the database
// chosen with Select (0 by default).
//
// FastForward and SetTime move the server's clock: TTLs, EXPIRETIME, OBJECT
// IDLETIME see the moved time, and keys whose deadline passes expire at
// once (with their "expired" keyspace events). TIME and the log keep the
// real time, and blocking commands' timeouts still run in real time.
package kvdtest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// ErrKeyNotFound is returned by the getters for a key that does not exist.
var ErrKeyNotFound = errors.New("kvdtest: key not found")

// ErrWrongType is returned by the getters for a key of another type.
var ErrWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")

// Option changes the configuration a server starts with.
type Option func(*server.Config)

// WithPassword sets requirepass: clients must AUTH (the helpers need not).
func WithPassword(password string) Option {
	return func(c *server.Config) { c.Set("requirepass", password) }
}

// WithDatabases sets the number of databases (16 by default).
func WithDatabases(n int) Option { return func(c *server.Config) { c.Databases = n } }

// WithIOModel chooses the I/O backend: "portable" (the default here: Go's
// netpoller, the cheapest to start), "reactor" (epoll) or "proactor"
// (io_uring); the last two exist on Linux only.
func WithIOModel(m string) Option { return func(c *server.Config) { c.IOModel = m } }

// WithConfig lets f change any parameter (see server.Config and its Set
// method, which takes redis.conf names and values).
func WithConfig(f func(*server.Config)) Option { return Option(f) }

// Server is a running kvd. Its methods are safe to call from any
// goroutine.
type Server struct {
	srv  *server.Server
	cfg  server.Config
	addr string
	file string // the RDB file Restart writes, removed by Close ("" if chosen by an option)
	db   int
}

// Config returns the configuration kvdtest starts a server with: the
// defaults of kvd, listening on a free port of 127.0.0.1 only, the
// portable backend, the log discarded. Unless an option sets dir, Run
// then names an RDB file of the server's own in the temporary directory,
// written by Restart only and removed by Close.
func Config() server.Config {
	cfg := server.DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Port = 0
	cfg.IOModel = "portable"
	cfg.Set("save", "")
	return cfg
}

// Run starts a server with the given options. Stop it with Close.
func Run(opts ...Option) (*Server, error) {
	cfg := Config()
	defDir, _ := cfg.Get("dir")
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg}
	if dir, _ := cfg.Get("dir"); dir == defDir {
		// Not chosen by an option: a file of its own in the temporary
		// directory, so that no server loads another's data (or a
		// dump.rdb lying in the test's directory). Nothing is written
		// there before Restart.
		var rnd [8]byte
		rand.Read(rnd[:])
		s.file = filepath.Join(os.TempDir(), fmt.Sprintf("kvdtest-%d-%x.rdb", os.Getpid(), rnd))
		if err := s.cfg.Set("dir", os.TempDir()); err != nil {
			return nil, fmt.Errorf("kvdtest: dir: %w", err)
		}
		if err := s.cfg.Set("dbfilename", filepath.Base(s.file)); err != nil {
			return nil, fmt.Errorf("kvdtest: dbfilename: %w", err)
		}
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// RunT starts a server for the test or benchmark t, fails it if the server
// cannot start, and closes the server when t ends.
func RunT(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Run(opts...)
	if err != nil {
		t.Fatalf("kvdtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// start starts a server with s.cfg, on s.addr's port if it has one.
func (s *Server) start() error {
	cfg := s.cfg
	if s.addr != "" {
		_, port, _ := net.SplitHostPort(s.addr)
		cfg.Port, _ = strconv.Atoi(port)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return fmt.Errorf("kvdtest: %w", err)
	}
	if err := srv.Listen(); err != nil {
		srv.Close()
		return fmt.Errorf("kvdtest: %w", err)
	}
	s.srv, s.addr = srv, srv.Addr().String()
	// Serve loads the data and starts the loop; meanwhile clients queue at
	// the listener and the helpers wait (see server.Server.Exec).
	go srv.Serve()
	return nil
}

// Close stops the server and releases its port and its temporary
// directory. It may be called more than once.
func (s *Server) Close() {
	if s.srv == nil {
		return
	}
	s.srv.Close()
	<-s.srv.Done()
	s.srv = nil
	if s.file != "" {
		os.Remove(s.file)
	}
}

// Restart saves the data (SAVE), stops the server and starts a new one on
// the same address, which loads the data back: clients reconnect to the
// same Addr. Connections are closed, the clock offset, SetError and
// Select are reset.
func (s *Server) Restart() error {
	if s.srv == nil {
		return server.ErrNotServing
	}
	if _, err := s.Do("SAVE"); err != nil {
		return err
	}
	s.srv.Close()
	<-s.srv.Done()
	s.db = 0
	// The port was just released; another process could take it, but on
	// loopback that is rare enough to retry a few times.
	var err error
	for range 50 {
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.srv = nil
	return err
}

// Addr returns the address clients connect to ("127.0.0.1:port").
func (s *Server) Addr() string { return s.addr }

// Host returns the host of Addr.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port returns the port of Addr.
func (s *Server) Port() string { _, p, _ := net.SplitHostPort(s.addr); return p }

// Server returns the underlying server.
func (s *Server) Server() *server.Server { return s.srv }

// FastForward moves the server's clock d forward: keys whose TTL runs out
// expire now, with their keyspace "expired" events.
func (s *Server) FastForward(d time.Duration) { s.must(s.srv.AdvanceClock(d)) }

// SetTime sets the server's clock to t; the clock then runs on from t.
func (s *Server) SetTime(t time.Time) { s.must(s.srv.SetClock(t)) }

// SetError makes every command of every client fail with msg ("ERR
// boom"), until SetError(""). The helpers keep working.
func (s *Server) SetError(msg string) { s.must(s.srv.SetError(msg)) }

// must panics on an error only a closed server gives: using a closed
// server is a bug in the test.
func (s *Server) must(err error) {
	if err != nil {
		panic(fmt.Sprintf("kvdtest: %v", err))
	}
}

// Do runs a command as a client would and returns its reply: a string,
// an int64, nil, a []any, or a ReplyError as the error.
func (s *Server) Do(args ...string) (any, error) {
	if s.srv == nil {
		return nil, server.ErrNotServing
	}
	argv := make([][]byte, 0, len(args)+2)
	argv = append(argv, []byte("SELECT"), []byte(strconv.Itoa(s.db)))
	if _, err := s.srv.Exec(argv...); err != nil {
		return nil, err
	}
	argv = argv[:0]
	for _, a := range args {
		argv = append(argv, []byte(a))
	}
	out, err := s.srv.Exec(argv...)
	if err != nil {
		return nil, err
	}
	v, _, err := parseReply(out)
	if err != nil {
		return nil, err
	}
	if e, ok := v.(ReplyError); ok {
		if strings.HasPrefix(string(e), "WRONGTYPE") {
			return nil, ErrWrongType
		}
		return nil, e
	}
	return v, nil
}

// Select makes the helpers work on database db.
func (s *Server) Select(db int) { s.db = db }

func (s *Server) str(args ...string) (string, error) {
	v, err := s.Do(args...)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", ErrKeyNotFound
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	}
	return "", fmt.Errorf("kvdtest: unexpected reply %v", v)
}

func (s *Server) num(args ...string) (int64, error) {
	v, err := s.Do(args...)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("kvdtest: unexpected reply %v", v)
	}
	return n, nil
}

func (s *Server) strs(args ...string) ([]string, error) {
	v, err := s.Do(args...)
	if err != nil {
		return nil, err
	}
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, e := range a {
		str, _ := e.(string)
		out = append(out, str)
	}
	return out, nil
}

// exists fails with ErrKeyNotFound for a missing key.
func (s *Server) exists(key string) error {
	if !s.Exists(key) {
		return ErrKeyNotFound
	}
	return nil
}

// Set sets a string key (SET key value, clearing any TTL).
func (s *Server) Set(key, value string) error { _, err := s.Do("SET", key, value); return err }

// Get returns a string key's value.
func (s *Server) Get(key string) (string, error) { return s.str("GET", key) }

// Incr increments a key by delta (INCRBY) and returns the new value.
func (s *Server) Incr(key string, delta int64) (int64, error) {
	return s.num("INCRBY", key, strconv.FormatInt(delta, 10))
}

// Del deletes a key and reports whether it existed.
func (s *Server) Del(key string) bool { n, _ := s.num("DEL", key); return n == 1 }

// Exists reports whether a key exists (and has not expired).
func (s *Server) Exists(key string) bool { n, _ := s.num("EXISTS", key); return n == 1 }

// Type returns a key's type ("string", "hash", …, "none").
func (s *Server) Type(key string) string { t, _ := s.str("TYPE", key); return t }

// Keys returns every key of the database, sorted.
func (s *Server) Keys() []string {
	keys, _ := s.strs("KEYS", "*")
	sort.Strings(keys)
	return keys
}

// TTL returns a key's time to live: 0 if it has none or does not exist.
func (s *Server) TTL(key string) time.Duration {
	ms, _ := s.num("PTTL", key)
	if ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// SetTTL sets a key's time to live (PEXPIRE).
func (s *Server) SetTTL(key string, ttl time.Duration) error {
	_, err := s.Do("PEXPIRE", key, strconv.FormatInt(ttl.Milliseconds(), 10))
	return err
}

// FlushAll deletes every key of every database.
func (s *Server) FlushAll() { s.Do("FLUSHALL") }

// FlushDB deletes every key of the selected database.
func (s *Server) FlushDB() { s.Do("FLUSHDB") }

// HSet sets fields of a hash: field, value, field, value…
func (s *Server) HSet(key string, fieldValues ...string) error {
	_, err := s.Do(append([]string{"HSET", key}, fieldValues...)...)
	return err
}

// HGet returns a hash field's value.
func (s *Server) HGet(key, field string) (string, error) {
	if err := s.exists(key); err != nil {
		return "", err
	}
	return s.str("HGET", key, field)
}

// HKeys returns a hash's fields, sorted.
func (s *Server) HKeys(key string) ([]string, error) {
	if err := s.exists(key); err != nil {
		return nil, err
	}
	f, err := s.strs("HKEYS", key)
	sort.Strings(f)
	return f, err
}

// HGetAll returns a hash's fields and values.
func (s *Server) HGetAll(key string) (map[string]string, error) {
	if err := s.exists(key); err != nil {
		return nil, err
	}
	a, err := s.strs("HGETALL", key)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		m[a[i]] = a[i+1]
	}
	return m, nil
}

// Push appends values to a list (RPUSH) and returns its new length.
func (s *Server) Push(key string, values ...string) (int, error) {
	n, err := s.num(append([]string{"RPUSH", key}, values...)...)
	return int(n), err
}

// Lpush prepends a value to a list (LPUSH) and returns its new length.
func (s *Server) Lpush(key, value string) (int, error) {
	n, err := s.num("LPUSH", key, value)
	return int(n), err
}

// List returns a list's elements.
func (s *Server) List(key string) ([]string, error) {
	if err := s.exists(key); err != nil {
		return nil, err
	}
	return s.strs("LRANGE", key, "0", "-1")
}

// SAdd adds members to a set and returns how many were new.
func (s *Server) SAdd(key string, members ...string) (int, error) {
	n, err := s.num(append([]string{"SADD", key}, members...)...)
	return int(n), err
}

// Members returns a set's members, sorted.
func (s *Server) Members(key string) ([]string, error) {
	if err := s.exists(key); err != nil {
		return nil, err
	}
	m, err := s.strs("SMEMBERS", key)
	sort.Strings(m)
	return m, err
}

// IsMember reports whether member is in the set.
func (s *Server) IsMember(key, member string) (bool, error) {
	n, err := s.num("SISMEMBER", key, member)
	return n == 1, err
}

// ZAdd adds a member to a sorted set, or updates its score, and reports
// whether it was new.
func (s *Server) ZAdd(key string, score float64, member string) (bool, error) {
	n, err := s.num("ZADD", key, strconv.FormatFloat(score, 'g', -1, 64), member)
	return n == 1, err
}

// ZScore returns a member's score.
func (s *Server) ZScore(key, member string) (float64, error) {
	v, err := s.str("ZSCORE", key, member)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(v, 64)
}

// ZMembers returns a sorted set's members in score order.
func (s *Server) ZMembers(key string) ([]string, error) {
	if err := s.exists(key); err != nil {
		return nil, err
	}
	return s.strs("ZRANGE", key, "0", "-1")
}

// CheckGet fails t unless key is a string holding expected.
func (s *Server) CheckGet(t testing.TB, key, expected string) {
	t.Helper()
	got, err := s.Get(key)
	if err != nil {
		t.Errorf("GET %q: %v", key, err)
		return
	}
	if got != expected {
		t.Errorf("GET %q: got %q, want %q", key, got, expected)
	}
}

// CheckMissing fails t if key exists.
func (s *Server) CheckMissing(t testing.TB, key string) {
	t.Helper()
	if s.Exists(key) {
		t.Errorf("key %q exists (type %s), want none", key, s.Type(key))
	}
}

// CheckList fails t unless key is a list of exactly expected.
func (s *Server) CheckList(t testing.TB, key string, expected ...string) {
	t.Helper()
	got, err := s.List(key)
	if err != nil {
		t.Errorf("list %q: %v", key, err)
		return
	}
	if strings.Join(got, "\x00") != strings.Join(expected, "\x00") || len(got) != len(expected) {
		t.Errorf("list %q: got %q, want %q", key, got, expected)
	}
}

// CheckSet fails t unless key is a set of exactly expected (in any order).
func (s *Server) CheckSet(t testing.TB, key string, expected ...string) {
	t.Helper()
	got, err := s.Members(key)
	if err != nil {
		t.Errorf("set %q: %v", key, err)
		return
	}
	want := append([]string(nil), expected...)
	sort.Strings(want)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
		t.Errorf("set %q: got %q, want %q", key, got, want)
	}
}

// Dump returns the selected database as text, for debugging: one line
// per key in key order, with its value (strings quoted, long ones cut), and
// indented lines for the elements of hashes, lists, sets and sorted sets.
func (s *Server) Dump() string {
	var b strings.Builder
	for _, k := range s.Keys() {
		switch s.Type(k) {
		case "string":
			v, _ := s.Get(k)
			fmt.Fprintf(&b, "- %s\n   %s\n", k, cut(v))
		case "hash":
			m, _ := s.HGetAll(k)
			fmt.Fprintf(&b, "- %s\n", k)
			fields := make([]string, 0, len(m))
			for f := range m {
				fields = append(fields, f)
			}
			sort.Strings(fields)
			for _, f := range fields {
				fmt.Fprintf(&b, "   %s: %s\n", f, cut(m[f]))
			}
		case "list":
			l, _ := s.List(k)
			fmt.Fprintf(&b, "- %s\n", k)
			for _, e := range l {
				fmt.Fprintf(&b, "   %s\n", cut(e))
			}
		case "set":
			m, _ := s.Members(k)
			fmt.Fprintf(&b, "- %s\n", k)
			for _, e := range m {
				fmt.Fprintf(&b, "   %s\n", cut(e))
			}
		case "zset":
			a, _ := s.strs("ZRANGE", k, "0", "-1", "WITHSCORES")
			fmt.Fprintf(&b, "- %s\n", k)
			for i := 0; i+1 < len(a); i += 2 {
				fmt.Fprintf(&b, "   %s: %s\n", a[i+1], cut(a[i]))
			}
		default:
			fmt.Fprintf(&b, "- %s\n   (%s)\n", k, s.Type(k))
		}
	}
	return b.String()
}

// cut quotes v, shortened to 60 bytes.
func cut(v string) string {
	if len(v) > 60 {
		return strconv.Quote(v[:57]) + "..."
	}
	return strconv.Quote(v)
}
