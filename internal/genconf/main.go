// Command genconf writes server/configdata_gen.go: every configuration
// parameter Redis 7.0.15 has, with its default value, its kind (yes/no,
// integer, memory size, enumeration, free text), its bounds or values,
// whether it takes several words, and whether CONFIG SET may change it.
// kvd accepts and reports every one of them (see server/config_redis.go);
// the ones kvd gives an effect are described by hand in server/config.go,
// which takes precedence.
//
// Run it after upgrading the Redis version kvd follows:
//
//	go generate ./server
//
// It learns the facts from redis-server itself, the way a user would:
// CONFIG GET * on a server started without a config file gives the names
// and defaults; starting redis-server with a malformed value of a parameter
// gives the parameter's kind and bounds from the start-up error Redis
// prints; CONFIG SET of the default value tells immutable and protected
// parameters from the rest. The server must be Redis 7.0.15 (-any-version
// skips the check).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/format"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kvdserver/kvd/server"
)

func main() {
	out := flag.String("out", "configdata_gen.go", "file to write")
	bin := flag.String("redis-server", "redis-server", "redis-server binary to start")
	anyVersion := flag.Bool("any-version", false, "accept a Redis version other than "+server.RedisVersion)
	flag.Parse()
	if err := run(*out, *bin, *anyVersion); err != nil {
		fmt.Fprintln(os.Stderr, "genconf:", err)
		os.Exit(1)
	}
}

// fact is what genconf learns of one parameter.
type fact struct {
	name, alias string
	def         string
	kind        string // "Bool", "Int", "Memory", "MemoryPercent", "Enum", "Text"
	lo, hi      int64
	bounded     bool
	unsigned    bool // a memory size that takes any 64-bit value
	enum        []string
	multi       bool
	immutable   bool
	protected   bool
}

func run(out, bin string, anyVersion bool) error {
	dir, err := os.MkdirTemp("", "genconf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return err
	}
	// Only port and dir differ from the defaults; both are described by hand.
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--dir", dir)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Protocol: 2})
	defer rc.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := rc.Ping(ctx).Err(); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s did not start: %w", bin, err)
		}
	}
	info, err := rc.Info(ctx, "server").Result()
	if err != nil {
		return err
	}
	if v := field(info, "redis_version"); v != server.RedisVersion && !anyVersion {
		return fmt.Errorf("redis-server is version %s, kvd follows %s (-any-version to go on)", v, server.RedisVersion)
	}
	all, err := rc.ConfigGet(ctx, "*").Result()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var facts []*fact
	for _, n := range names {
		f := &fact{name: n, def: all[n]}
		if err := probe(bin, dir, f); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		switch err := rc.Do(ctx, "config", "set", n, all[n]).Err(); {
		case err == nil:
		case strings.Contains(err.Error(), "immutable"):
			f.immutable = true
		case strings.Contains(err.Error(), "protected"):
			f.protected = true
		default:
			return fmt.Errorf("CONFIG SET %s to its default: %w", n, err)
		}
		facts = append(facts, f)
	}
	if err := findAliases(ctx, rc, facts); err != nil {
		return err
	}
	src, err := format.Source(render(facts))
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func field(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

var (
	reBetween = regexp.MustCompile(`argument must be between (-?\d+) and (-?\d+) inclusive`)
	reEnum    = regexp.MustCompile(`argument\(s\) must be one of the following: (.*)`)
)

// startError starts redis-server with --name and the values and returns
// the reason of its start-up error, or "" if the values were accepted (a
// server on port 0 with no Unix socket then exits at once: it listens
// nowhere).
func startError(bin, dir, name string, values ...string) (string, error) {
	args := append([]string{"--port", "0", "--" + name}, values...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		// Still running: the value was accepted and made it listen
		// somewhere (unixsocket).
		cmd.Process.Kill()
		<-done
		return "", nil
	}
	out := buf.String()
	if !strings.Contains(out, "FATAL CONFIG FILE ERROR") {
		return "", nil
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// probe learns f's kind, bounds and values from start-up errors.
func probe(bin, dir string, f *fact) error {
	reason, err := startError(bin, dir, f.name, "abc")
	if err != nil {
		return err
	}
	switch {
	case reason == "argument must be 'yes' or 'no'":
		f.kind = "Bool"
	case reason == "argument couldn't be parsed into an integer":
		f.kind = "Int"
		if err := probeBounds(bin, dir, f, "-9223372036854775808", "9223372036854775807"); err != nil {
			return err
		}
	case reason == "argument must be a memory value":
		f.kind = "Memory"
		// Redis reads a size too large for 64 bits as the largest one:
		// out of range for signed sizes, taken by unsigned ones.
		if err := probeBounds(bin, dir, f, "0", "99999999999999999999"); err != nil {
			return err
		}
		if !f.bounded {
			f.unsigned = true
		}
	case reason == "argument must be a memory or percent value":
		f.kind = "MemoryPercent"
	case reEnum.MatchString(reason):
		f.kind = "Enum"
		f.enum = strings.Split(reEnum.FindStringSubmatch(reason)[1], ", ")
	default:
		f.kind = "Text"
	}
	// Several words: a single-word parameter refuses two words (the
	// default's, or the default twice).
	words := strings.Fields(f.def)
	if len(words) < 2 {
		words = []string{f.def, f.def}
	}
	reason, err = startError(bin, dir, f.name, words...)
	if err != nil {
		return err
	}
	f.multi = reason != "wrong number of arguments"
	return nil
}

func probeBounds(bin, dir string, f *fact, values ...string) error {
	for _, v := range values {
		reason, err := startError(bin, dir, f.name, v)
		if err != nil {
			return err
		}
		if m := reBetween.FindStringSubmatch(reason); m != nil {
			f.lo, _ = strconv.ParseInt(m[1], 10, 64)
			f.hi, _ = strconv.ParseInt(m[2], 10, 64)
			f.bounded = true
			return nil
		}
	}
	return nil
}

// findAliases pairs each alias with its parameter: two names are one
// parameter when setting one changes the other. Redis's aliases are its old
// names (slave-*, *-ziplist-*, lua-time-limit, slaveof).
func findAliases(ctx context.Context, rc *redis.Client, facts []*fact) error {
	byName := map[string]*fact{}
	for _, f := range facts {
		byName[f.name] = f
	}
	candidates := func(n string) []string {
		var out []string
		for _, r := range [][2]string{{"slave", "replica"}, {"ziplist", "listpack"}, {"lua-time-limit", "busy-reply-threshold"}, {"slaveof", "replicaof"}} {
			if strings.Contains(n, r[0]) {
				out = append(out, strings.ReplaceAll(n, r[0], r[1]))
			}
		}
		return out
	}
	for _, f := range facts {
		for _, c := range candidates(f.name) {
			g := byName[c]
			if g == nil || g == f {
				continue
			}
			same, err := linked(ctx, rc, f, g)
			if err != nil {
				return err
			}
			if same {
				g.alias = f.name
				f.alias = "-" // folded into g
			}
		}
	}
	return nil
}

// linked reports whether setting f changes g. Parameters CONFIG SET cannot
// change are linked when their kind and default agree.
func linked(ctx context.Context, rc *redis.Client, f, g *fact) (bool, error) {
	if f.immutable || f.protected || f.kind == "Text" && f.name == "slaveof" {
		return f.kind == g.kind && f.def == g.def, nil
	}
	var v string
	switch f.kind {
	case "Bool":
		v = map[string]string{"yes": "no", "no": "yes"}[f.def]
	case "Int", "Memory":
		n, _ := strconv.ParseInt(f.def, 10, 64)
		v = strconv.FormatInt(n+1, 10)
	default:
		v = f.def + "x"
	}
	if err := rc.Do(ctx, "config", "set", f.name, v).Err(); err != nil {
		return f.kind == g.kind && f.def == g.def, nil // out of bounds or refused: compare what is known
	}
	got, err := rc.ConfigGet(ctx, g.name).Result()
	if err != nil {
		return false, err
	}
	if err := rc.Do(ctx, "config", "set", f.name, f.def).Err(); err != nil {
		return false, err
	}
	return got[g.name] == v, nil
}

func render(facts []*fact) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/genconf from redis-server " + server.RedisVersion + "; DO NOT EDIT.\n\n")
	b.WriteString("package server\n\n")
	b.WriteString("// redisParams is every configuration parameter Redis " + server.RedisVersion + " has (aliases folded\n")
	b.WriteString("// into the parameter they name), as redis-server reports it.\n")
	b.WriteString("var redisParams = []redisParam{\n")
	for _, f := range facts {
		if f.alias == "-" {
			continue
		}
		switch f.name {
		case "port": // genconf's server ran on another
			f.def = "6379"
		case "dir": // the working directory at start-up
			f.def = ""
		}
		fmt.Fprintf(&b, "{name: %q, ", f.name)
		if f.alias != "" {
			fmt.Fprintf(&b, "alias: %q, ", f.alias)
		}
		fmt.Fprintf(&b, "kind: rp%s, def: %q", f.kind, f.def)
		if f.bounded {
			fmt.Fprintf(&b, ", lo: %d, hi: %d", f.lo, f.hi)
		}
		if f.unsigned {
			b.WriteString(", unsigned: true")
		}
		if len(f.enum) > 0 {
			fmt.Fprintf(&b, ", enum: %#v", f.enum)
		}
		if f.multi {
			b.WriteString(", multi: true")
		}
		if f.immutable {
			b.WriteString(", immutable: true")
		}
		if f.protected {
			b.WriteString(", protected: true")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}
