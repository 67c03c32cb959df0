package server

import (
	"errors"
	"fmt"
	"github.com/kvdserver/kvd/resp"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/hll"
	"github.com/kvdserver/kvd/internal/num"
)

// Config is a server's configuration. The zero value is not useful: start
// from DefaultConfig. Each field is also a redis.conf parameter (named in
// its comment), settable from a config file, a command-line flag
// (Config.Set) and, where Redis allows it, CONFIG SET.
type Config struct {
	// Bind lists the addresses to listen on ("bind"). "*" is every IPv4
	// address, "::*" every IPv6 address; a leading "-" makes an address
	// optional (a failure to bind it is not an error).
	Bind []string
	// Port is the TCP port ("port"). A negative port disables TCP, as
	// "port 0" does in a config file, a flag or CONFIG SET (Redis's
	// meaning); a Port of 0 set in Go picks a free port (see Server.Addr).
	Port int
	// UnixSocket is the path of a Unix socket to listen on ("unixsocket").
	UnixSocket string
	// UnixSocketPerm is the socket's file mode ("unixsocketperm", octal); 0 leaves the umask's.
	UnixSocketPerm uint32
	// TCPBacklog is the listen backlog ("tcp-backlog").
	TCPBacklog int
	// TCPKeepAlive is the TCP keepalive period in seconds, 0 to disable ("tcp-keepalive").
	TCPKeepAlive int
	// Databases is the number of databases ("databases").
	Databases int
	// MaxClients is the most clients connected at once ("maxclients").
	MaxClients int
	// SetMaxIntsetEntries is the most members a set of integers keeps in
	// its compact intset encoding ("set-max-intset-entries").
	SetMaxIntsetEntries int64
	// Timeout closes clients idle for this many seconds, 0 for never ("timeout").
	Timeout int
	// Hz is how many times a second background tasks run ("hz", 1..500).
	Hz int
	// LogLevel is debug, verbose, notice or warning ("loglevel").
	LogLevel string
	// LogFile is the log's path ("logfile"); empty logs to LogOutput.
	LogFile string
	// LogOutput receives the log when LogFile is empty; nil discards it.
	LogOutput io.Writer
	// ClientQueryBufferLimit closes a client whose unprocessed input exceeds
	// it ("client-query-buffer-limit").
	ClientQueryBufferLimit int64
	// ProtoMaxBulkLen is the largest bulk argument accepted ("proto-max-bulk-len").
	ProtoMaxBulkLen int64
	// OutputLimit limits a normal client's pending replies
	// ("client-output-buffer-limit normal <hard> <soft> <soft-seconds>");
	// zero values mean no limit, Redis's default.
	OutputLimit OutputLimit
	// PubsubOutputLimit limits the pending messages and replies of a
	// client in subscribed mode ("client-output-buffer-limit pubsub",
	// default 32mb 8mb 60).
	PubsubOutputLimit OutputLimit
	// ReplicaOutputLimit is the "replica" (alias "slave") class; kvd has
	// no replicas, so it is kept and reported only.
	ReplicaOutputLimit OutputLimit
	// RequirePass is the default user's password ("requirepass"); empty for none.
	RequirePass string
	// EnableDebugCommand allows DEBUG: "no", "yes" or "local" (from loopback
	// and Unix socket clients only) ("enable-debug-command").
	EnableDebugCommand string
	// IOThreads is the number of threads doing socket I/O, 1 for none ("io-threads").
	IOThreads int
	// IOThreadsDoReads makes I/O threads read and parse too, not only write ("io-threads-do-reads").
	IOThreadsDoReads bool
	// IOThreadsAdaptive hands each batch to only as many I/O threads as
	// there are CPUs not busy with other processes (measured every 250 ms),
	// instead of always to all of them as Redis does ("io-threads-adaptive";
	// kvd only; default true). See iothreads.Pool.SetAdaptive.
	IOThreadsAdaptive bool
	// IOModel is "proactor" (io_uring, the default), "reactor" (epoll) or
	// "portable" (Go's netpoller, a reader and a writer goroutine per
	// connection; the only one outside Linux) ("io-model"; kvd only). If
	// io_uring is unavailable (logged as a warning), or IOThreads asks for
	// I/O threads, which only the reactor has (logged as a notice), the
	// server runs the reactor. Outside Linux it always runs portable.
	IOModel string
	// ProactorSpinUsec is how many microseconds the proactor's loop watches
	// its completion queue before it sleeps, while its recent waits have
	// been that short; 0 never spins ("proactor-spin-usec"; kvd only). See
	// eventloop.Options.SpinWait.
	ProactorSpinUsec int
	// PprofAddr, if set, serves net/http/pprof on that address ("pprof-addr";
	// kvd only). Profiles show data and the command line shows options
	// (secret values are redacted from it): the address must be a loopback
	// one unless PprofAllowRemote is set.
	PprofAddr string
	// PprofAllowRemote lets PprofAddr be an address other than a loopback
	// one, such as ":6060" (every interface) ("pprof-allow-remote"; kvd
	// only; default false).
	PprofAllowRemote bool

	// HashMaxListpackEntries is the most fields a hash keeps in its compact
	// listpack encoding ("hash-max-listpack-entries", alias "hash-max-ziplist-entries").
	HashMaxListpackEntries int
	// HashMaxListpackValue is the longest field or value, in bytes, a hash
	// keeps in its listpack encoding ("hash-max-listpack-value", alias "hash-max-ziplist-value").
	HashMaxListpackValue int64
	// HLLSparseMaxBytes is the largest a HyperLogLog in the sparse encoding
	// may grow, header included, before it turns dense ("hll-sparse-max-bytes").
	HLLSparseMaxBytes int64
	// ConfigFile is the absolute path of the config file the server was
	// started from, empty if none. It is not a parameter: cmd/kvd sets it,
	// INFO shows it (config_file) and CONFIG REWRITE rewrites it.
	ConfigFile string
	// NoConfigArgv0, when not empty, is the program name of a server
	// started with no arguments at all: it logs Redis's "no config file
	// specified" warning, naming it, instead of "Configuration loaded".
	// Not a parameter: cmd/kvd sets it.
	NoConfigArgv0 string
	// ZSetMaxListpackEntries is the most members a sorted set keeps in the
	// compact encoding ("zset-max-listpack-entries", alias "zset-max-ziplist-entries").
	ZSetMaxListpackEntries int
	// ZSetMaxListpackValue is the longest member, in bytes, a sorted set
	// keeps in the compact encoding ("zset-max-listpack-value", alias
	// "zset-max-ziplist-value").
	ZSetMaxListpackValue int64
	// StreamNodeMaxBytes and StreamNodeMaxEntries bound a block of stream
	// entries ("stream-node-max-bytes", "stream-node-max-entries"; 0: no
	// limit): approximate trimming drops whole blocks.
	StreamNodeMaxBytes   int64
	StreamNodeMaxEntries int

	// ProtectedMode, while the default user has no password, refuses
	// clients that are not on 127.0.0.1, ::1 or a Unix socket with
	// Redis's -DENIED error ("protected-mode"; default true).
	ProtectedMode bool
	// ACLFile is the file ACL LOAD and ACL SAVE read and write, and the
	// users are loaded from at start-up ("aclfile"); empty for none.
	ACLFile string
	// ACLLogMaxLen is the most entries ACL LOG keeps ("acllog-max-len").
	ACLLogMaxLen int
	// ACLPubsubDefault is the channel permission of new users:
	// "resetchannels" (none, Redis 7.0's default) or "allchannels"
	// ("acl-pubsub-default").
	ACLPubsubDefault string
	// SavePoints make the server save in the background when at least
	// Changes writes happened in the last Seconds seconds ("save <seconds>
	// <changes> ..."). DefaultConfig has none; cmd/kvd, like redis-server,
	// starts with 3600 1 300 100 60 10000 unless told otherwise.
	SavePoints []SavePoint
	// RDBKeySaveDelay slows background saves down to one key per so many
	// microseconds, for tests ("rdb-key-save-delay"; 0 for none).
	RDBKeySaveDelay int
	// MinReplicasToWrite and MinReplicasMaxLag: writes are refused unless
	// so many replicas acknowledged within so many seconds (repl.go).
	MinReplicasToWrite, MinReplicasMaxLag int
	// Users are the users of "user <name> <rules...>" directives, each
	// its name then its rules (config file only).
	Users [][]string

	// NotifyKeyspaceEvents is the set of keyspace event classes published
	// ("notify-keyspace-events", as a bit set; see notify.go).
	NotifyKeyspaceEvents int

	// TrackingTableMaxKeys is the most keys the client-side caching table
	// remembers before it invalidates some, 0 for no limit
	// ("tracking-table-max-keys").
	TrackingTableMaxKeys int64

	// RenameCommands renames commands, in order: {old, new}, an empty new
	// name removing the command ("rename-command old new"; config file only).
	RenameCommands [][2]string

	// Introspect holds the slow log and latency monitor parameters.
	Introspect IntrospectConfig

	// other holds the values of the Redis parameters kvd accepts and
	// reports but gives no effect yet (see config_redis.go), by name; a
	// parameter absent from it has Redis's default. Never modified in
	// place: setting one replaces the map, since copies of a Config share it.
	other map[string]string
}

// OutputLimit is a client-output-buffer-limit class.
type OutputLimit struct {
	Hard, Soft  int64 // bytes; 0 for none
	SoftSeconds int   // how long the soft limit may be exceeded
}

// DefaultConfig returns Redis's defaults.
func DefaultConfig() Config {
	return Config{
		Bind:                   []string{"*", "-::*"},
		Port:                   6379,
		TCPBacklog:             511,
		TCPKeepAlive:           300,
		Databases:              16,
		MaxClients:             10000,
		PubsubOutputLimit:      OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
		ReplicaOutputLimit:     OutputLimit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		SetMaxIntsetEntries:    512,
		Hz:                     10,
		MinReplicasMaxLag:      10,
		LogLevel:               "notice",
		ClientQueryBufferLimit: 1 << 30,
		ProtoMaxBulkLen:        512 << 20,
		EnableDebugCommand:     "no",
		ProtectedMode:          true,
		ACLLogMaxLen:           128,
		ACLPubsubDefault:       "resetchannels",
		IOThreads:              1,
		IOThreadsAdaptive:      true,
		IOModel:                "proactor",
		ProactorSpinUsec:       30,

		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		HLLSparseMaxBytes:      hll.DefaultSparseMaxBytes,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		StreamNodeMaxBytes:     4096,
		StreamNodeMaxEntries:   100,
		TrackingTableMaxKeys:   1000000,
		Introspect:             defaultIntrospectConfig(),
	}
}

// configError is a CONFIG SET failure reason; the caller adds the parameter name.
type configError string

func (e configError) Error() string { return string(e) }

// param is one configuration parameter.
type param struct {
	name      string
	alias     string
	immutable bool // only settable at start-up
	protected bool // CONFIG SET needs enable-protected-configs (Redis's PROTECTED_CONFIG)
	fileOnly  bool // a config-file directive (rename-command): not in CONFIG GET, SET or REWRITE
	hidden    bool // Redis's HIDDEN_CONFIG: CONFIG GET shows it only when asked by its exact name
	multi     bool // in a config file the rest of the line is its value
	get       func(*Config) string
	set       func(*Config, string) error
	// apply, if set, makes a runtime change take effect on a running
	// server. An error undoes the CONFIG SET.
	apply func(*Server) error
	// kind says how CONFIG REWRITE writes the value.
	kind paramKind
}

// paramKind is how CONFIG REWRITE writes a parameter's value: as CONFIG GET
// shows it, as a size with a unit (512mb), or quoted.
type paramKind uint8

const (
	kindPlain paramKind = iota
	kindMemory
	kindString
)

func intParam(name string, lo, hi int64, field func(*Config) *int) param {
	return param{
		name: name,
		get:  func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, v string) error {
			n, err := parseConfigInt(v, lo, hi)
			if err != nil {
				return err
			}
			*field(c) = int(n)
			return nil
		},
	}
}

// portParam is "port": 0 means no TCP listener, as in Redis (Config.Port
// is then negative; a Port of 0 set from Go asks for any free port).
func portParam() param {
	p := intParam("port", 0, 65535, func(c *Config) *int { return &c.Port })
	set := p.set
	p.set = func(c *Config, v string) error {
		if err := set(c, v); err != nil {
			return err
		}
		if c.Port == 0 {
			c.Port = -1
		}
		return nil
	}
	p.get = func(c *Config) string { return strconv.Itoa(max(c.Port, 0)) }
	return p
}

func memParam(name string, lo, hi int64, field func(*Config) *int64) param {
	return param{
		name: name,
		kind: kindMemory,
		get:  func(c *Config) string { return strconv.FormatInt(*field(c), 10) },
		set: func(c *Config, v string) error {
			n, err := parseMemoryParam(v, lo, hi)
			if err != nil {
				return err
			}
			*field(c) = n
			return nil
		},
	}
}

func boolParam(name string, field func(*Config) *bool) param {
	return param{
		name: name,
		get: func(c *Config) string {
			if *field(c) {
				return "yes"
			}
			return "no"
		},
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "yes":
				*field(c) = true
			case "no":
				*field(c) = false
			default:
				return errNotBool
			}
			return nil
		},
	}
}

func enumParam(name string, values []string, field func(*Config) *string) param {
	return param{
		name: name,
		get:  func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error {
			for _, x := range values {
				if strings.EqualFold(v, x) {
					*field(c) = x
					return nil
				}
			}
			return errEnumValue(values)
		},
	}
}

func stringParam(name string, field func(*Config) *string) param {
	return param{
		name: name,
		kind: kindString,
		get:  func(c *Config) string { return *field(c) },
		set:  func(c *Config, v string) error { *field(c) = v; return nil },
	}
}

// parseConfigInt parses an integer parameter with Redis's string2ll rules
// (no unit suffixes: those are for memory parameters) and checks its range.
func parseConfigInt(v string, lo, hi int64) (int64, error) {
	n, ok := num.ParseIntString(v)
	if !ok {
		return 0, errNotInt
	}
	if n < lo || n > hi {
		return 0, errRange(lo, hi)
	}
	return n, nil
}

// parseMemory parses a size the way Redis's memtoull does: digits (none
// read as 0) with an optional unit b, k, kb, m, mb, g, gb (k = 1000,
// kb = 1024), in any case. Like Redis, a number too large for 64 bits is
// read as the largest one, and the unit's product wraps around.
func parseMemory(v string) (uint64, bool) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(v[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	n, err := strconv.ParseUint(v[:i], 10, 64)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		n = math.MaxUint64
	}
	return n * mul, true
}

// parseMemoryParam parses a size for a parameter within [lo, hi], which
// Redis compares as a signed number (so that an overflow is out of range).
func parseMemoryParam(v string, lo, hi int64) (int64, error) {
	u, ok := parseMemory(v)
	if !ok {
		return 0, errNotMemory
	}
	if n := int64(u); n >= lo && n <= hi {
		return n, nil
	}
	return 0, errRange(lo, hi)
}

// params is the table of parameters kvd has, in CONFIG GET's order.
var params = []param{
	{
		name: "bind", multi: true,
		get: func(c *Config) string { return strings.Join(c.Bind, " ") },
		set: func(c *Config, v string) error {
			f := strings.Fields(v)
			if len(f) > 16 {
				return errTooManyBind
			}
			c.Bind = f
			return nil
		},
		apply: (*Server).applyBind,
	},
	withApply(portParam(), (*Server).applyPort),
	withImmutable(stringParam("unixsocket", func(c *Config) *string { return &c.UnixSocket })),
	{
		name: "unixsocketperm", immutable: true,
		get: func(c *Config) string { return strconv.FormatUint(uint64(c.UnixSocketPerm), 8) },
		set: func(c *Config, v string) error {
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return errNotInt
			}
			if n > 0777 {
				return errRange(0, 0777)
			}
			c.UnixSocketPerm = uint32(n)
			return nil
		},
	},
	withImmutable(intParam("tcp-backlog", 0, math.MaxInt32, func(c *Config) *int { return &c.TCPBacklog })),
	intParam("tcp-keepalive", 0, math.MaxInt32, func(c *Config) *int { return &c.TCPKeepAlive }),
	withImmutable(intParam("databases", 1, math.MaxInt32, func(c *Config) *int { return &c.Databases })),
	withApply(intParam("maxclients", 1, math.MaxUint32, func(c *Config) *int { return &c.MaxClients }), (*Server).applyMaxClients),
	{
		// A plain integer: unlike memory parameters, no unit suffix.
		name: "set-max-intset-entries",
		get:  func(c *Config) string { return strconv.FormatInt(c.SetMaxIntsetEntries, 10) },
		set: func(c *Config, v string) error {
			n, ok := num.ParseIntString(v)
			if !ok {
				return errNotInt
			}
			if n < 0 {
				return errRange(0, math.MaxInt64)
			}
			c.SetMaxIntsetEntries = n
			return nil
		},
	},
	intParam("timeout", 0, math.MaxInt32, func(c *Config) *int { return &c.Timeout }),
	withApply(param{
		name: "hz",
		get:  func(c *Config) string { return strconv.Itoa(c.Hz) },
		set: func(c *Config, v string) error {
			n, err := parseConfigInt(v, 0, math.MaxInt32)
			if err != nil {
				return err
			}
			c.Hz = int(min(max(n, 1), maxHz))
			return nil
		},
	}, func(s *Server) error { s.applyHz(); return nil }),
	enumParam("loglevel", []string{"debug", "verbose", "notice", "warning"}, func(c *Config) *string { return &c.LogLevel }),
	withImmutable(stringParam("logfile", func(c *Config) *string { return &c.LogFile })),
	memParam("client-query-buffer-limit", 1024*1024, math.MaxInt64, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
	withApply(memParam("proto-max-bulk-len", 1024*1024, math.MaxInt64, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }), (*Server).applyProtoMaxBulkLen),
	// Hash encoding thresholds (see store.HashLimits), with their pre-7.0 names as aliases.
	func() param {
		p := intParam("hash-max-listpack-entries", 0, math.MaxInt64, func(c *Config) *int { return &c.HashMaxListpackEntries })
		p.alias = "hash-max-ziplist-entries"
		return p
	}(),
	func() param {
		p := memParam("hash-max-listpack-value", 0, math.MaxInt64, func(c *Config) *int64 { return &c.HashMaxListpackValue })
		p.alias = "hash-max-ziplist-value"
		return p
	}(),
	{
		name: "client-output-buffer-limit", multi: true,
		get: func(c *Config) string {
			l, r, p := c.OutputLimit, c.ReplicaOutputLimit, c.PubsubOutputLimit
			return fmt.Sprintf("normal %d %d %d slave %d %d %d pubsub %d %d %d",
				l.Hard, l.Soft, l.SoftSeconds, r.Hard, r.Soft, r.SoftSeconds, p.Hard, p.Soft, p.SoftSeconds)
		},
		set: setOutputLimit,
	},
	withApply(stringParam("requirepass", func(c *Config) *string { return &c.RequirePass }), func(s *Server) error {
		s.setDefaultPassword(s.cfg.RequirePass)
		return nil
	}),
	boolParam("protected-mode", func(c *Config) *bool { return &c.ProtectedMode }),
	withImmutable(stringParam("aclfile", func(c *Config) *string { return &c.ACLFile })),
	intParam("acllog-max-len", 0, math.MaxInt64, func(c *Config) *int { return &c.ACLLogMaxLen }),
	enumParam("acl-pubsub-default", []string{"allchannels", "resetchannels"}, func(c *Config) *string { return &c.ACLPubsubDefault }),
	{
		name: "user", multi: true, fileOnly: true,
		get: func(*Config) string { return "" },
		set: func(c *Config, v string) error {
			u, err := parseUserDirective(v, c.Users)
			if err != nil {
				return err
			}
			c.Users = append(c.Users[:len(c.Users):len(c.Users)], u)
			return nil
		},
	},
	withImmutable(enumParam("enable-debug-command", []string{"no", "yes", "local"}, func(c *Config) *string { return &c.EnableDebugCommand })),
	withImmutable(intParam("io-threads", 1, 128, func(c *Config) *int { return &c.IOThreads })),
	withImmutable(boolParam("io-threads-do-reads", func(c *Config) *bool { return &c.IOThreadsDoReads })),
	withImmutable(boolParam("io-threads-adaptive", func(c *Config) *bool { return &c.IOThreadsAdaptive })),
	withImmutable(enumParam("io-model", []string{"reactor", "proactor", "portable"}, func(c *Config) *string { return &c.IOModel })),
	withImmutable(intParam("proactor-spin-usec", 0, 1000, func(c *Config) *int { return &c.ProactorSpinUsec })),
	withImmutable(stringParam("pprof-addr", func(c *Config) *string { return &c.PprofAddr })),
	withImmutable(boolParam("pprof-allow-remote", func(c *Config) *bool { return &c.PprofAllowRemote })),
	memParam("hll-sparse-max-bytes", 0, math.MaxInt64, func(c *Config) *int64 { return &c.HLLSparseMaxBytes }),
	// Sorted set encoding thresholds (see store.ZLimits), with their pre-7.0 names as aliases.
	func() param {
		p := intParam("zset-max-listpack-entries", 0, math.MaxInt64, func(c *Config) *int { return &c.ZSetMaxListpackEntries })
		p.alias = "zset-max-ziplist-entries"
		return p
	}(),
	func() param {
		p := memParam("zset-max-listpack-value", 0, math.MaxInt64, func(c *Config) *int64 { return &c.ZSetMaxListpackValue })
		p.alias = "zset-max-ziplist-value"
		return p
	}(),
	memParam("stream-node-max-bytes", 0, math.MaxInt64, func(c *Config) *int64 { return &c.StreamNodeMaxBytes }),
	intParam("stream-node-max-entries", 0, math.MaxInt64, func(c *Config) *int { return &c.StreamNodeMaxEntries }),
	func() param {
		p := intParam("min-replicas-to-write", 0, math.MaxInt32, func(c *Config) *int { return &c.MinReplicasToWrite })
		p.alias = "min-slaves-to-write"
		return p
	}(),
	func() param {
		p := intParam("min-replicas-max-lag", 0, math.MaxInt32, func(c *Config) *int { return &c.MinReplicasMaxLag })
		p.alias = "min-slaves-max-lag"
		return p
	}(),
	func() param {
		p := intParam("rdb-key-save-delay", math.MinInt32, math.MaxInt32, func(c *Config) *int { return &c.RDBKeySaveDelay })
		p.hidden = true
		return p
	}(),
	{
		// Save points: "<seconds> <changes>" pairs, "" for none (save.go).
		name: "save", multi: true,
		get: func(c *Config) string { return formatSavePoints(c.SavePoints) },
		set: func(c *Config, v string) error {
			pts, err := parseSavePoints(v)
			if err != nil {
				return err
			}
			c.SavePoints = pts
			return nil
		},
	},
	{
		name: "tracking-table-max-keys",
		get:  func(c *Config) string { return strconv.FormatInt(c.TrackingTableMaxKeys, 10) },
		set: func(c *Config, v string) error {
			n, err := parseConfigInt(v, 0, math.MaxInt64)
			if err != nil {
				return err
			}
			c.TrackingTableMaxKeys = n
			return nil
		},
	},
	withApply(notifyParam, func(s *Server) error { s.applyNotify(); return nil }),
	{
		name: "rename-command", multi: true, fileOnly: true,
		get: func(*Config) string { return "" },
		set: setRenameCommand,
	},
	// The append-only file (aof.go, aof_rewrite.go).
	aofParam("appendonly", aofHooks.applyAppendonly),
	aofParam("appendfsync", aofHooks.aofApplyParams),
	aofParam("aof-timestamp-enabled", aofHooks.aofApplyParams),
}

const maxHz = 500

func withImmutable(p param) param { p.immutable = true; return p }

func withApply(p param, f func(*Server) error) param { p.apply = f; return p }

func setOutputLimit(c *Config, v string) error {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return errOutputLimitArgs
	}
	lim, rlim, plim := c.OutputLimit, c.ReplicaOutputLimit, c.PubsubOutputLimit
	for i := 0; i < len(f); i += 4 {
		class := strings.ToLower(f[i])
		uhard, ok1 := parseMemory(f[i+1])
		usoft, ok2 := parseMemory(f[i+2])
		hard, soft := int64(min(uhard, math.MaxInt64)), int64(min(usoft, math.MaxInt64))
		secs, err := strconv.Atoi(f[i+3])
		if !ok1 || !ok2 || err != nil || secs < 0 {
			return errOutputLimitValue
		}
		l := OutputLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
		switch class {
		case "normal":
			lim = l
		case "slave", "replica":
			rlim = l
		case "pubsub":
			plim = l
		default:
			return errOutputLimitClass
		}
	}
	c.OutputLimit, c.ReplicaOutputLimit, c.PubsubOutputLimit = lim, rlim, plim
	return nil
}

func lookupParam(name string) *param {
	for i := range allParams {
		p := &allParams[i]
		if strings.EqualFold(p.name, name) || p.alias != "" && strings.EqualFold(p.alias, name) {
			return p
		}
	}
	return nil
}

// ErrUnknownOption is returned by Config.Set for a parameter kvd does not have.
var ErrUnknownOption = errors.New("unknown option")

// Set sets the parameter name (as in redis.conf) to value, as a config file
// line or a command-line flag would. Immutable parameters can be set too.
func (c *Config) Set(name, value string) error {
	p := lookupParam(name)
	if p == nil {
		return fmt.Errorf("%w '%s'", ErrUnknownOption, name)
	}
	if err := p.set(c, value); err != nil {
		return fmt.Errorf("'%s %s': %w", name, value, err)
	}
	return nil
}

// IsMultiArg reports whether parameter name takes the rest of a config line
// (several words) as its value, like "save 900 1" or "bind a b".
func IsMultiArg(name string) bool {
	p := lookupParam(name)
	return p != nil && p.multi
}

// Get returns the value of parameter name as CONFIG GET shows it.
func (c *Config) Get(name string) (string, bool) {
	p := lookupParam(name)
	if p == nil {
		return "", false
	}
	return p.get(c), true
}

// matchParams returns the parameters (and aliases) CONFIG GET shows for
// the patterns, each once, with the name to show: a pattern without glob
// characters names one parameter (shown as it was typed), a glob pattern
// matches names and aliases, ignoring case. Parameters come in table order
// (Redis's order is its hash table's, which varies).
func matchParams(c *Config, patterns []string) [][2]string {
	seen := map[string]bool{} // lower-case names already in the reply
	var out [][2]string
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			lp := strings.ToLower(pat)
			if p := lookupParam(pat); p != nil && !p.fileOnly && !seen[lp] {
				seen[lp] = true
				out = append(out, [2]string{pat, p.get(c)})
			}
			continue
		}
		for i := range allParams {
			p := &allParams[i]
			if seen[p.name] || p.fileOnly || p.hidden {
				continue
			}
			for _, name := range []string{p.name, p.alias} {
				if name != "" && !seen[name] && glob.MatchFold(pat, name) {
					seen[name] = true
					out = append(out, [2]string{name, p.get(c)})
				}
			}
		}
	}
	return out
}

// setRenameCommand adds a "rename-command old new" directive, with Redis's
// checks against the commands as the earlier directives left them.
func setRenameCommand(c *Config, v string) error {
	args, err := resp.SplitArgs(v)
	if err != nil || len(args) != 2 {
		return errWrongArgCount
	}
	old, new := strings.ToLower(args[0]), strings.ToLower(args[1])
	// The commands kvd has are those with metadata (a test checks that
	// every command in the table has some); the table itself cannot be
	// named here without an initialisation cycle.
	names := map[string]bool{}
	for _, m := range []map[string]*commandMeta{commandData, commandDataExtra} {
		for n := range m {
			if !strings.Contains(n, "|") {
				names[n] = true
			}
		}
	}
	for _, r := range c.RenameCommands {
		delete(names, r[0])
		if r[1] != "" {
			names[r[1]] = true
		}
	}
	if !names[old] {
		return errRenameNoCommand
	}
	if new != "" && names[new] {
		return errRenameTargetExists
	}
	c.RenameCommands = append(c.RenameCommands[:len(c.RenameCommands):len(c.RenameCommands)], [2]string{old, new})
	return nil
}
