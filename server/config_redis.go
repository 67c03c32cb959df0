package server

import (
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Every configuration parameter of Redis 7.0 is accepted: in a config file,
// as a --flag and by CONFIG SET/GET, with Redis's names, aliases, kinds,
// bounds, error messages and CONFIG GET formatting. The parameters kvd gives
// an effect are described by hand in config.go (params); the others come
// from configdata_gen.go (redisParams, learned from redis-server by
// internal/genconf) and are remembered in Config.other and reported, without
// an effect yet — so that a redis.conf, or a tool that sets them, works
// with kvd.

//go:generate go run ../internal/genconf -out configdata_gen.go

// redisParamKind is how Redis parses and shows a parameter's value.
type redisParamKind uint8

const (
	rpBool          redisParamKind = iota // yes/no
	rpInt                                 // an integer within [lo, hi]
	rpMemory                              // a size with an optional unit (1gb), within [lo, hi]
	rpMemoryPercent                       // a size, or a percentage ("10%")
	rpEnum                                // one of enum (several for a multi-word enum: flags)
	rpText                                // free text
)

// redisParam is what Redis 7.0 reports of one parameter.
type redisParam struct {
	name, alias string
	kind        redisParamKind
	def         string // CONFIG GET's value on a server started with no config file
	lo, hi      int64  // bounds of rpInt and rpMemory; both 0: none
	unsigned    bool   // an rpMemory that takes any 64-bit size
	enum        []string
	multi       bool // a config-file line gives it several words
	immutable   bool // only at start-up
	protected   bool // CONFIG SET needs enable-protected-configs
	hidden      bool // left out of CONFIG GET patterns (Redis's test-only parameters)
}

// hiddenRedisParams are the parameters redis-server 7.0.15 (as Debian
// ships it) hides from CONFIG GET patterns: its test hooks and Debian's
// lua-enable-deprecated-api. CONFIG GET by exact name and CONFIG SET see
// them; kvd remembers them (a save or load delay has no effect: kvd's saves
// are not forked children to slow down).
var hiddenRedisParams = []redisParam{
	{name: "key-load-delay", kind: rpInt, def: "0", lo: math.MinInt32, hi: math.MaxInt32, hidden: true},
	{name: "rdb-key-save-delay", kind: rpInt, def: "0", lo: math.MinInt32, hi: math.MaxInt32, hidden: true},
	{name: "loading-process-events-interval-bytes", kind: rpInt, def: "2097152", lo: 1024, hi: math.MaxInt32, hidden: true},
	{name: "use-exit-on-panic", kind: rpBool, def: "no", hidden: true},
	{name: "watchdog-period", kind: rpInt, def: "0", lo: 0, hi: math.MaxInt32, hidden: true},
	{name: "lua-enable-deprecated-api", kind: rpBool, def: "no", immutable: true, hidden: true},
}

// allParams is params followed by every Redis parameter params lacks.
var allParams = func() []param {
	out := append([]param(nil), params...)
	have := map[string]bool{}
	for _, p := range params {
		have[p.name] = true
	}
	for _, list := range [][]redisParam{redisParams, hiddenRedisParams} {
		for i := range list {
			rp := &list[i]
			if have[rp.name] {
				continue
			}
			if p, ok := introspectParams[rp.name]; ok {
				out = append(out, p) // typed, in Redis's place (config_introspect.go)
				continue
			}
			p := rp.param()
			p.apply = evictParamApply[rp.name] // evict.go
			out = append(out, p)
		}
	}
	return out
}()

// param makes a parameter that checks and remembers values as Redis would
// and has no other effect.
func (rp *redisParam) param() param {
	p := param{name: rp.name, alias: rp.alias, immutable: rp.immutable, protected: rp.protected, multi: rp.multi, hidden: rp.hidden}
	switch rp.kind {
	case rpMemory:
		p.kind = kindMemory
	case rpText:
		if !rp.multi {
			p.kind = kindString
		}
	}
	p.get = func(c *Config) string {
		if v, ok := c.other[rp.name]; ok {
			return v
		}
		if rp.name == "dir" {
			wd, _ := os.Getwd() // Redis's default: the directory it started in
			return wd
		}
		return rp.def
	}
	p.set = func(c *Config, v string) error {
		norm, err := rp.check(v)
		if err != nil {
			return err
		}
		if rp.name == "watchdog-period" {
			// Redis's software watchdog cannot fire more often than every
			// other cron tick; it keeps the period it can honour.
			if n, _ := strconv.Atoi(norm); n > 0 && c.Hz > 0 && n < 2*1000/c.Hz {
				norm = strconv.Itoa(2 * 1000 / c.Hz)
			}
		}
		next := maps.Clone(c.other) // a published Config may share the old map
		if next == nil {
			next = map[string]string{}
		}
		next[rp.name] = norm
		c.other = next
		return nil
	}
	return p
}

// check parses v as Redis would and returns it as CONFIG GET shows it.
func (rp *redisParam) check(v string) (string, error) {
	switch rp.kind {
	case rpBool:
		switch strings.ToLower(v) {
		case "yes":
			if msg, ok := cannotEnable[rp.name]; ok {
				return "", msg
			}
			return "yes", nil
		case "no":
			return "no", nil
		}
		return "", errNotBool
	case rpInt:
		lo, hi := rp.bounds()
		n, err := parseConfigInt(v, lo, hi)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	case rpMemory:
		if rp.unsigned {
			n, ok := parseMemory(v)
			if !ok {
				return "", errNotMemory
			}
			return strconv.FormatUint(n, 10), nil
		}
		lo, hi := rp.bounds()
		n, err := parseMemoryParam(v, lo, hi)
		if err != nil {
			return "", err
		}
		if rp.name == "repl-backlog-size" {
			n = max(n, minReplBacklog) // Redis raises a smaller backlog to its minimum
		}
		return strconv.FormatInt(n, 10), nil
	case rpMemoryPercent:
		if pct, ok := strings.CutSuffix(v, "%"); ok {
			n, err := strconv.ParseUint(pct, 10, 31)
			if err != nil || pct == "" {
				return "", errNotMemoryPercent
			}
			if n > 100 {
				return "", errPercentTooBig
			}
			return strconv.FormatUint(n, 10) + "%", nil
		}
		u, ok := parseMemory(v)
		if !ok {
			return "", errNotMemoryPercent
		}
		if n := int64(u); n < 0 {
			// Redis keeps a percentage as a negative size: one that
			// wrapped around reads back as a percentage.
			return strconv.FormatInt(-n, 10) + "%", nil
		}
		return strconv.FormatUint(u, 10), nil
	case rpEnum:
		return rp.checkEnum(v)
	}
	return rp.checkText(v)
}

func (rp *redisParam) bounds() (int64, int64) {
	if rp.lo == 0 && rp.hi == 0 {
		if rp.kind == rpMemory {
			return 0, 1<<63 - 1
		}
		return -1 << 63, 1<<63 - 1
	}
	return rp.lo, rp.hi
}

// checkEnum takes one of the values, or for a multi-word enum (Redis's flag
// sets: shutdown-on-sigterm "save now") several, shown in the enum's order.
func (rp *redisParam) checkEnum(v string) (string, error) {
	words := []string{v}
	if rp.multi {
		words = strings.Fields(v)
	}
	picked := make([]bool, len(rp.enum)+1) // the last: a value the enum lacks (see index)
	for _, w := range words {
		found := false
		for i, e := range rp.enum {
			if strings.EqualFold(w, e) {
				picked[i], found = true, true
			}
		}
		if !found {
			return "", errEnumValue(rp.enum)
		}
	}
	if rp.multi && picked[rp.index("save")] && picked[rp.index("nosave")] {
		return "", errSaveAndNoSave
	}
	var out []string
	for i, e := range rp.enum {
		if picked[i] {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return "", errEnumValue(rp.enum)
	}
	return strings.Join(out, " "), nil
}

// minReplBacklog is the smallest replication backlog Redis keeps.
const minReplBacklog = 16 << 10

// cannotEnable are the yes/no parameters Redis (as Debian builds it)
// refuses to turn on, with its reason; kvd lacks the feature too.
var cannotEnable = map[string]configError{
	"activedefrag":    errNoActiveDefrag,
	"tls-cluster":     errTLSUpdate,
	"tls-replication": errTLSUpdate,
}

// procTitleVars are the variables a proc-title-template may use, with
// what they expand to when Redis checks a template (title empty).
var procTitleVars = map[string]string{
	"title": "", "listen-addr": "*:6379", "server-mode": "", "port": "6379", "tls-port": "0",
	"unixsocket": "", "config-file": "",
}

// validProcTitle checks a proc-title-template as Redis does: balanced
// braces around known variables, expanding to something.
func validProcTitle(v string) bool {
	var out strings.Builder
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '{':
			j := strings.IndexByte(v[i:], '}')
			if j < 0 {
				return false
			}
			exp, ok := procTitleVars[v[i+1:i+j]]
			if !ok {
				return false
			}
			out.WriteString(exp)
			i += j
		case '}':
			return false
		default:
			out.WriteByte(v[i])
		}
	}
	return out.Len() > 0
}

// checkText checks the few free-text parameters whose syntax Redis checks.
func (rp *redisParam) checkText(v string) (string, error) {
	switch rp.name {
	case "proc-title-template":
		if !validProcTitle(v) {
			return "", errProcTitle
		}
	case "cluster-announce-hostname":
		for _, c := range []byte(v) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				return "", errHostname
			}
		}
	case "dir":
		fi, err := os.Stat(v)
		if err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
		if err != nil {
			return "", configError(strerror(unwrapPathError(err)))
		}
		abs, err := filepath.Abs(v)
		if err != nil {
			return "", configError(strerror(err))
		}
		return abs, nil
	case "oom-score-adj-values":
		f := strings.Fields(v)
		if len(f) != 3 {
			return "", errWrongArgCount
		}
		for _, w := range f {
			n, err := strconv.Atoi(w)
			if err != nil || n < -2000 || n > 2000 {
				return "", errOOMScoreValues
			}
		}
		return strings.Join(f, " "), nil
	case "latency-tracking-info-percentiles":
		f := strings.Fields(v)
		out := make([]string, len(f))
		for i, w := range f {
			x, err := strconv.ParseFloat(w, 64)
			if err != nil {
				return "", errPercentiles
			}
			if x < 0 || x > 100 {
				return "", errPercentilesRange
			}
			out[i] = strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strings.Join(out, " "), nil
	}
	return v, nil
}

// index returns the position of value in the enum, len(enum) if absent.
func (rp *redisParam) index(value string) int {
	for i, e := range rp.enum {
		if e == value {
			return i
		}
	}
	return len(rp.enum)
}

// unwrapPathError returns the system error inside a file operation's error
// (for strerror's message), or err itself.
func unwrapPathError(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
