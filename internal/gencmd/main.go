// Command gencmd writes server/commanddata_gen.go: what Redis 7.0.15
// reports in COMMAND INFO and COMMAND DOCS about each command and
// subcommand in kvd's command table. COMMAND, COMMAND INFO, DOCS, LIST and
// GETKEYS serve these facts; tests check that every command in the table
// has them and that the table's arity, flags and key positions agree.
//
// Run it after adding or changing commands:
//
//	go generate ./server
//
// which runs, in server/:
//
//	go run ../internal/gencmd -out commanddata_gen.go
//
// It starts redis-server from $PATH (or -redis-server) on a free port and
// stops it when done; -addr uses a running server instead. The server must
// be Redis 7.0.15, the version kvd behaves like (-any-version skips the
// check). It fails, writing nothing, if Redis reports a field the generated
// data cannot represent. Commands Redis does not have (kvd has a few from
// later versions) are left out and named on stderr: they are described by
// hand in server/commanddata_extra.go, and a test fails until they are.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kvdserver/kvd/server"
)

func main() {
	out := flag.String("out", "commanddata_gen.go", "file to write")
	addr := flag.String("addr", "", "address of a running redis-server (default: start one)")
	bin := flag.String("redis-server", "redis-server", "redis-server binary to start")
	anyVersion := flag.Bool("any-version", false, "accept a Redis version other than "+server.RedisVersion)
	flag.Parse()
	if err := run(*out, *addr, *bin, *anyVersion); err != nil {
		fmt.Fprintln(os.Stderr, "gencmd:", err)
		os.Exit(1)
	}
}

func run(out, addr, bin string, anyVersion bool) error {
	if addr == "" {
		a, stop, err := startRedis(bin)
		if err != nil {
			return err
		}
		defer stop()
		addr = a
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	rc := &client{conn: conn, r: bufio.NewReader(conn)}
	if _, err := rc.do("HELLO", "3"); err != nil {
		return fmt.Errorf("HELLO 3: %w", err)
	}
	info, err := rc.do("INFO", "server")
	if err != nil {
		return err
	}
	version := infoField(info.str, "redis_version")
	if version != server.RedisVersion && !anyVersion {
		return fmt.Errorf("redis-server at %s is version %q, want %s (or pass -any-version)", addr, version, server.RedisVersion)
	}
	var metas []*meta
	for _, name := range server.CommandNames() {
		m, err := fetch(rc, name)
		if errors.Is(err, errUnknownCommand) {
			fmt.Fprintf(os.Stderr, "gencmd: Redis %s does not have %s: describe it in server/commanddata_extra.go\n", version, name)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		metas = append(metas, m)
	}
	src := render(metas, version)
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("formatting generated code: %w", err)
	}
	return os.WriteFile(out, formatted, 0o644)
}

// startRedis starts a private redis-server on a free port.
func startRedis(bin string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "gencmd-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", "")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("%s did not start on %s", bin, addr)
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// ---- a minimal RESP3 client ----

// value is a parsed RESP3 reply: its type byte and a scalar or elements
// (a map's keys and values alternate).
type value struct {
	kind  byte
	str   string
	elems []value
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func (c *client) do(args ...string) (value, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		return value{}, err
	}
	v, err := c.read()
	if err == nil && v.kind == '-' {
		err = errors.New(v.str)
	}
	return v, err
}

func (c *client) read() (value, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return value{}, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return value{}, fmt.Errorf("malformed reply line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+', '-', ':', ',', '#', '_', '(':
		return value{kind: kind, str: body}, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return value{kind: kind}, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return value{}, err
		}
		s := string(buf[:n])
		if kind == '=' {
			s = s[4:] // "txt:"
		}
		return value{kind: kind, str: s}, nil
	case '*', '~', '%', '>':
		n, err := strconv.Atoi(body)
		if err != nil {
			return value{}, err
		}
		if kind == '%' {
			n *= 2
		}
		v := value{kind: kind, elems: []value{}}
		for i := 0; i < n; i++ {
			e, err := c.read()
			if err != nil {
				return value{}, err
			}
			v.elems = append(v.elems, e)
		}
		return v, nil
	}
	return value{}, fmt.Errorf("unexpected reply type %q", kind)
}

// ---- converting replies to metadata, strictly ----

// meta mirrors server.commandMeta.
type meta struct {
	Name                    string
	Arity                   int
	Flags                   []string
	FirstKey, LastKey, Step int
	ACLCategories           []string
	Tips                    []string
	KeySpecs                []keySpec
	Summary, Since, Group   string
	Complexity              string
	DocFlags                []string
	DeprecatedSince         string
	ReplacedBy              string
	History                 [][2]string
	Arguments               []arg
	hasDocFlags, hasHistory bool
	hasArguments            bool
}

type keySpec struct {
	Notes                         string
	Flags                         []string
	BeginSearch                   string
	BSIndex                       int
	BSKeyword                     string
	BSStartFrom                   int
	FindKeys                      string
	FKLastKey, FKKeyStep, FKLimit int
	FKKeyNumIdx, FKFirstKey       int
	hasFlags                      bool
}

type arg struct {
	Name, Type      string
	HasKeySpec      bool
	KeySpecIndex    int
	Token           string
	EmptyToken      bool
	Summary         string
	Since           string
	DeprecatedSince string
	Flags           []string
	Arguments       []arg
	hasFlags        bool
}

// errUnknownCommand is fetch's error for a command Redis does not have.
var errUnknownCommand = errors.New("Redis does not know this command")

func fetch(rc *client, name string) (*meta, error) {
	infoReply, err := rc.do("COMMAND", "INFO", name)
	if err != nil {
		return nil, err
	}
	if len(infoReply.elems) != 1 {
		return nil, errors.New("unexpected COMMAND INFO reply")
	}
	if infoReply.elems[0].kind != '*' {
		return nil, errUnknownCommand
	}
	m := &meta{}
	if err := m.fromInfo(infoReply.elems[0]); err != nil {
		return nil, fmt.Errorf("COMMAND INFO: %w", err)
	}
	if m.Name != name {
		return nil, fmt.Errorf("COMMAND INFO named it %q", m.Name)
	}
	docsReply, err := rc.do("COMMAND", "DOCS", name)
	if err != nil {
		return nil, err
	}
	if docsReply.kind != '%' || len(docsReply.elems) != 2 || docsReply.elems[0].str != name {
		return nil, errors.New("COMMAND DOCS did not describe it")
	}
	if err := m.fromDocs(docsReply.elems[1]); err != nil {
		return nil, fmt.Errorf("COMMAND DOCS: %w", err)
	}
	return m, nil
}

func asInt(v value) (int, error) {
	if v.kind != ':' {
		return 0, fmt.Errorf("expected an integer, got %q", v.kind)
	}
	return strconv.Atoi(v.str)
}

// strSet reads a set of simple strings (kind '+') or bulk strings ('$').
func strSet(v value, elemKind byte) ([]string, error) {
	if v.kind != '~' {
		return nil, fmt.Errorf("expected a set, got %q", v.kind)
	}
	out := []string{}
	for _, e := range v.elems {
		if e.kind != elemKind {
			return nil, fmt.Errorf("expected set elements of type %q, got %q", elemKind, e.kind)
		}
		out = append(out, e.str)
	}
	return out, nil
}

func nonEmptyBulk(v value, field string) (string, error) {
	if v.kind != '$' || v.str == "" {
		return "", fmt.Errorf("%s: expected a non-empty bulk string", field)
	}
	return v.str, nil
}

// mapFields walks a map whose keys must appear in the order given by
// known (each at most once); it calls f for each field.
func mapFields(v value, known []string, f func(key string, val value) error) error {
	if v.kind != '%' {
		return fmt.Errorf("expected a map, got %q", v.kind)
	}
	pos := -1
	for i := 0; i+1 < len(v.elems); i += 2 {
		key := v.elems[i].str
		j := indexOf(known, key)
		if j < 0 {
			return fmt.Errorf("unknown field %q", key)
		}
		if j <= pos {
			return fmt.Errorf("field %q out of the expected order %v", key, known)
		}
		pos = j
		if err := f(key, v.elems[i+1]); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (m *meta) fromInfo(v value) error {
	e := v.elems
	if len(e) != 10 {
		return fmt.Errorf("expected 10 elements, got %d", len(e))
	}
	var err error
	if e[0].kind != '$' {
		return errors.New("name is not a bulk string")
	}
	m.Name = e[0].str
	if m.Arity, err = asInt(e[1]); err != nil {
		return err
	}
	if m.Flags, err = strSet(e[2], '+'); err != nil {
		return err
	}
	if m.FirstKey, err = asInt(e[3]); err != nil {
		return err
	}
	if m.LastKey, err = asInt(e[4]); err != nil {
		return err
	}
	if m.Step, err = asInt(e[5]); err != nil {
		return err
	}
	if m.ACLCategories, err = strSet(e[6], '+'); err != nil {
		return err
	}
	if m.Tips, err = strSet(e[7], '$'); err != nil {
		return err
	}
	if e[8].kind != '~' {
		return errors.New("key specs are not a set")
	}
	for _, ksv := range e[8].elems {
		ks, err := parseKeySpec(ksv)
		if err != nil {
			return fmt.Errorf("key spec: %w", err)
		}
		m.KeySpecs = append(m.KeySpecs, ks)
	}
	// e[9] lists the subcommands; each is fetched on its own.
	return nil
}

func parseKeySpec(v value) (keySpec, error) {
	var ks keySpec
	err := mapFields(v, []string{"notes", "flags", "begin_search", "find_keys"}, func(key string, val value) error {
		var err error
		switch key {
		case "notes":
			ks.Notes, err = nonEmptyBulk(val, key)
		case "flags":
			ks.Flags, err = strSet(val, '+')
			ks.hasFlags = true
		case "begin_search":
			err = parseSearch(val, func(typ string, spec value) error {
				ks.BeginSearch = typ
				switch typ {
				case "index":
					return mapFields(spec, []string{"index"}, func(_ string, v value) (err error) {
						ks.BSIndex, err = asInt(v)
						return err
					})
				case "keyword":
					return mapFields(spec, []string{"keyword", "startfrom"}, func(k string, v value) (err error) {
						if k == "keyword" {
							ks.BSKeyword, err = nonEmptyBulk(v, k)
						} else {
							ks.BSStartFrom, err = asInt(v)
						}
						return err
					})
				case "unknown":
					return mapFields(spec, nil, nil)
				}
				return fmt.Errorf("unknown begin_search type %q", typ)
			})
		case "find_keys":
			err = parseSearch(val, func(typ string, spec value) error {
				ks.FindKeys = typ
				switch typ {
				case "range":
					return mapFields(spec, []string{"lastkey", "keystep", "limit"}, func(k string, v value) (err error) {
						n, err := asInt(v)
						switch k {
						case "lastkey":
							ks.FKLastKey = n
						case "keystep":
							ks.FKKeyStep = n
						case "limit":
							ks.FKLimit = n
						}
						return err
					})
				case "keynum":
					return mapFields(spec, []string{"keynumidx", "firstkey", "keystep"}, func(k string, v value) (err error) {
						n, err := asInt(v)
						switch k {
						case "keynumidx":
							ks.FKKeyNumIdx = n
						case "firstkey":
							ks.FKFirstKey = n
						case "keystep":
							ks.FKKeyStep = n
						}
						return err
					})
				case "unknown":
					return mapFields(spec, nil, nil)
				}
				return fmt.Errorf("unknown find_keys type %q", typ)
			})
		}
		return err
	})
	if err == nil && (!ks.hasFlags || ks.BeginSearch == "" || ks.FindKeys == "") {
		err = errors.New("missing flags, begin_search or find_keys")
	}
	return ks, err
}

// parseSearch reads {type: ..., spec: {...}} and passes both to f.
func parseSearch(v value, f func(typ string, spec value) error) error {
	var typ string
	var spec value
	err := mapFields(v, []string{"type", "spec"}, func(k string, val value) (err error) {
		if k == "type" {
			typ, err = nonEmptyBulk(val, k)
		} else {
			spec = val
		}
		return err
	})
	if err != nil {
		return err
	}
	if typ == "" || spec.kind != '%' {
		return errors.New("missing type or spec")
	}
	// The spec's fields must be exactly those the server writes for the type.
	return f(typ, spec)
}

var docFields = []string{"summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
	"replaced_by", "history", "arguments", "subcommands"}

func (m *meta) fromDocs(v value) error {
	err := mapFields(v, docFields, func(key string, val value) error {
		var err error
		switch key {
		case "summary":
			m.Summary, err = nonEmptyBulk(val, key)
		case "since":
			m.Since, err = nonEmptyBulk(val, key)
		case "group":
			m.Group, err = nonEmptyBulk(val, key)
		case "complexity":
			m.Complexity, err = nonEmptyBulk(val, key)
		case "doc_flags":
			m.DocFlags, err = strSet(val, '+')
			m.hasDocFlags = true
		case "deprecated_since":
			m.DeprecatedSince, err = nonEmptyBulk(val, key)
		case "replaced_by":
			m.ReplacedBy, err = nonEmptyBulk(val, key)
		case "history":
			if val.kind != '~' {
				return errors.New("expected a set")
			}
			m.hasHistory = true
			m.History = [][2]string{}
			for _, h := range val.elems {
				if h.kind != '*' || len(h.elems) != 2 || h.elems[0].kind != '$' || h.elems[1].kind != '$' {
					return errors.New("expected (version, change) pairs")
				}
				m.History = append(m.History, [2]string{h.elems[0].str, h.elems[1].str})
			}
		case "arguments":
			m.Arguments, err = parseArgs(val)
			m.hasArguments = true
		case "subcommands":
			// Each subcommand is fetched on its own; the server lists those it has.
		}
		return err
	})
	if err == nil && (m.Summary == "" || m.Since == "" || m.Group == "") {
		err = errors.New("missing summary, since or group")
	}
	return err
}

var argFields = []string{"name", "type", "key_spec_index", "token", "summary", "since", "deprecated_since", "flags", "arguments"}

func parseArgs(v value) ([]arg, error) {
	if v.kind != '*' {
		return nil, fmt.Errorf("expected an array of arguments, got %q", v.kind)
	}
	args := []arg{}
	for _, av := range v.elems {
		var a arg
		hasArgs := false
		err := mapFields(av, argFields, func(key string, val value) error {
			var err error
			switch key {
			case "name":
				a.Name, err = nonEmptyBulk(val, key)
			case "type":
				a.Type, err = nonEmptyBulk(val, key)
			case "key_spec_index":
				a.KeySpecIndex, err = asInt(val)
				a.HasKeySpec = true
			case "token":
				if val.kind != '$' {
					return errors.New("expected a bulk string")
				}
				a.Token, a.EmptyToken = val.str, val.str == ""
			case "summary":
				a.Summary, err = nonEmptyBulk(val, key)
			case "since":
				a.Since, err = nonEmptyBulk(val, key)
			case "deprecated_since":
				a.DeprecatedSince, err = nonEmptyBulk(val, key)
			case "flags":
				a.Flags, err = strSet(val, '+')
				a.hasFlags = true
				if err == nil && len(a.Flags) == 0 {
					err = errors.New("empty flags")
				}
			case "arguments":
				a.Arguments, err = parseArgs(val)
				hasArgs = true
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("argument %q: %w", a.Name, err)
		}
		// The server writes arguments exactly for oneof and block.
		if hasArgs != (a.Type == "oneof" || a.Type == "block") {
			return nil, fmt.Errorf("argument %q of type %q has unexpected fields", a.Name, a.Type)
		}
		args = append(args, a)
	}
	return args, nil
}

// ---- writing Go ----

func render(metas []*meta, version string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by gencmd from redis-server %s; DO NOT EDIT.
//
// COMMAND INFO and COMMAND DOCS as Redis %s reports them, for each command
// and subcommand in kvd's command table. After adding or changing commands,
// regenerate it with
//
//	go generate ./server
//
// (it starts redis-server %s from $PATH; see internal/gencmd).

package server

func init() {
	commandData = map[string]*commandMeta{
`, version, version, version)
	sort.SliceStable(metas, func(i, j int) bool { return metas[i].Name < metas[j].Name })
	for _, m := range metas {
		fmt.Fprintf(&b, "%q: {\n", m.Name)
		field(&b, "Name", strconv.Quote(m.Name))
		field(&b, "Arity", strconv.Itoa(m.Arity))
		strsField(&b, "Flags", m.Flags, len(m.Flags) > 0)
		intField(&b, "FirstKey", m.FirstKey)
		intField(&b, "LastKey", m.LastKey)
		intField(&b, "Step", m.Step)
		strsField(&b, "ACLCategories", m.ACLCategories, len(m.ACLCategories) > 0)
		strsField(&b, "Tips", m.Tips, len(m.Tips) > 0)
		if len(m.KeySpecs) > 0 {
			b.WriteString("KeySpecs: []keySpec{\n")
			for _, ks := range m.KeySpecs {
				b.WriteString("{\n")
				strField(&b, "Notes", ks.Notes)
				strsField(&b, "Flags", ks.Flags, true)
				strField(&b, "BeginSearch", ks.BeginSearch)
				intField(&b, "BSIndex", ks.BSIndex)
				strField(&b, "BSKeyword", ks.BSKeyword)
				intField(&b, "BSStartFrom", ks.BSStartFrom)
				strField(&b, "FindKeys", ks.FindKeys)
				intField(&b, "FKLastKey", ks.FKLastKey)
				intField(&b, "FKKeyStep", ks.FKKeyStep)
				intField(&b, "FKLimit", ks.FKLimit)
				intField(&b, "FKKeyNumIdx", ks.FKKeyNumIdx)
				intField(&b, "FKFirstKey", ks.FKFirstKey)
				b.WriteString("},\n")
			}
			b.WriteString("},\n")
		}
		strField(&b, "Summary", m.Summary)
		strField(&b, "Since", m.Since)
		strField(&b, "Group", m.Group)
		strField(&b, "Complexity", m.Complexity)
		strsField(&b, "DocFlags", m.DocFlags, m.hasDocFlags)
		strField(&b, "DeprecatedSince", m.DeprecatedSince)
		strField(&b, "ReplacedBy", m.ReplacedBy)
		if m.hasHistory {
			b.WriteString("History: [][2]string{\n")
			for _, h := range m.History {
				fmt.Fprintf(&b, "{%q, %q},\n", h[0], h[1])
			}
			b.WriteString("},\n")
		}
		if m.hasArguments {
			b.WriteString("Arguments: ")
			writeArgs(&b, m.Arguments)
			b.WriteString(",\n")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n}\n")
	return b.Bytes()
}

func writeArgs(b *bytes.Buffer, args []arg) {
	b.WriteString("[]commandArg{\n")
	for _, a := range args {
		b.WriteString("{\n")
		strField(b, "Name", a.Name)
		strField(b, "Type", a.Type)
		if a.HasKeySpec {
			field(b, "HasKeySpec", "true")
			field(b, "KeySpecIndex", strconv.Itoa(a.KeySpecIndex))
		}
		strField(b, "Token", a.Token)
		if a.EmptyToken {
			field(b, "EmptyToken", "true")
		}
		strField(b, "Summary", a.Summary)
		strField(b, "Since", a.Since)
		strField(b, "DeprecatedSince", a.DeprecatedSince)
		strsField(b, "Flags", a.Flags, a.hasFlags)
		if a.Type == "oneof" || a.Type == "block" {
			b.WriteString("Arguments: ")
			writeArgs(b, a.Arguments)
			b.WriteString(",\n")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}")
}

func field(b *bytes.Buffer, name, v string) { fmt.Fprintf(b, "%s: %s,\n", name, v) }

func strField(b *bytes.Buffer, name, v string) {
	if v != "" {
		field(b, name, strconv.Quote(v))
	}
}

func intField(b *bytes.Buffer, name string, v int) {
	if v != 0 {
		field(b, name, strconv.Itoa(v))
	}
}

// strsField writes a string slice; present says whether the field exists
// (an empty set that Redis writes must stay non-nil).
func strsField(b *bytes.Buffer, name string, v []string, present bool) {
	if !present {
		return
	}
	quoted := make([]string, len(v))
	for i, s := range v {
		quoted[i] = strconv.Quote(s)
	}
	field(b, name, "[]string{"+strings.Join(quoted, ", ")+"}")
}
