package server

import (
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// CONFIG GET, SET, RESETSTAT, REWRITE and HELP, with Redis 7.0's replies.

func configGetCommand(c *Client) {
	patterns := make([]string, len(c.argv)-2)
	for i, a := range c.argv[2:] {
		patterns[i] = string(a)
	}
	pairs := matchParams(&c.srv.cfg, patterns)
	c.replyMap(len(pairs))
	for _, kv := range pairs {
		c.replyBulkString(kv[0])
		c.replyBulkString(kv[1])
	}
}

// configSetCommand sets one or more parameters, all or none: every name is
// checked first (unknown, immutable, given twice), then every value is
// parsed into a copy of the configuration, which replaces the running one
// only if all succeed; then the changes are applied, and undone if one
// cannot be.
func configSetCommand(c *Client) {
	s := c.srv
	if len(c.argv)%2 != 0 {
		c.replyError(errSyntax)
		return
	}
	n := (len(c.argv) - 2) / 2
	set := make([]*param, n)
	var unknown, errName, errText string
	invalid := false
	for i := 0; i < n; i++ {
		name := string(c.argv[2+2*i])
		p := lookupParam(name)
		if p == nil {
			if !invalid {
				unknown, invalid = name, true
			}
			continue
		}
		if invalid {
			continue
		}
		if p.immutable {
			errName, errText, invalid = name, "can't set immutable config", true
		}
		for j := 0; j < i; j++ {
			if set[j] == p {
				errName, errText, invalid = name, "duplicate parameter", true
				break
			}
		}
		set[i] = p
	}
	if unknown != "" {
		c.replyError("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'")
		return
	}
	if invalid {
		c.replyError("ERR CONFIG SET failed (possibly related to argument '" + errName + "') - " + errText)
		return
	}
	old := s.cfg
	next := s.cfg
	for i, p := range set {
		if err := p.set(&next, string(c.argv[3+2*i])); err != nil {
			c.replyError("ERR CONFIG SET failed (possibly related to argument '" + p.name + "') - " + err.Error())
			return
		}
	}
	s.cfg = next
	if p, err := s.applyParams(set); err != nil {
		s.logf(levelWarning, "Failed applying new configuration. Possibly related to new %s setting. Restoring previous settings.", p.name)
		s.cfg = old
		s.applyParams(set)
		s.publishConfig()
		c.replyError("ERR CONFIG SET failed (possibly related to argument '" + p.name + "') - " + err.Error())
		return
	}
	s.publishConfig()
	c.replyOK()
}

// applyParams runs the apply functions of the given parameters, each once.
// It returns the parameter whose change could not be applied.
func (s *Server) applyParams(set []*param) (*param, error) {
	done := map[*param]bool{}
	for _, p := range set {
		if p.apply == nil || done[p] {
			continue
		}
		done[p] = true
		if err := p.apply(s); err != nil {
			return p, err
		}
	}
	return nil, nil
}

// reservedFds is how many descriptors beyond maxclients the server keeps for
// itself (Redis's CONFIG_MIN_RESERVED_FDS).
const reservedFds = 32

// applyMaxClients raises the open files limit to what maxclients needs, like
// Redis's adjustOpenFilesLimit: when the system refuses, it reports the
// most clients the limit it could get allows.
func (s *Server) applyMaxClients() error {
	want := uint64(s.cfg.MaxClients) + reservedFds
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return errors.New("The operating system is not able to handle the specified number of clients, try with " + strconv.Itoa(1024-reservedFds))
	}
	if lim.Cur >= want {
		return nil
	}
	// Redis tries want, want-16, want-32, ... down to the current limit and
	// keeps the first the system accepts. What the system accepts does not
	// grow as the value shrinks, so a binary search over those steps finds
	// the same value.
	try := func(v uint64) bool {
		l := unix.Rlimit{Cur: v, Max: max(v, lim.Max)}
		return unix.Setrlimit(unix.RLIMIT_NOFILE, &l) == nil
	}
	if try(want) {
		s.logf(levelNotice, "Increased maximum number of open files to %d (it was originally set to %d).", want, lim.Cur)
		return nil
	}
	lo, hi := uint64(1), (want-lim.Cur+15)/16 // steps: want-16*k for k in [lo, hi]
	best := lim.Cur
	for lo <= hi {
		k := (lo + hi) / 2
		v := want - 16*k
		if v <= lim.Cur {
			hi = k - 1
			continue
		}
		if try(v) {
			best, hi = v, k-1
		} else {
			lo = k + 1
		}
	}
	if best > lim.Cur {
		try(best)
	}
	got := int64(best) - reservedFds
	s.logf(levelWarning, "You requested maxclients of %d requiring at least %d max file descriptors.", s.cfg.MaxClients, want)
	return errors.New("The operating system is not able to handle the specified number of clients, try with " + strconv.FormatInt(got, 10))
}

// applyProtoMaxBulkLen gives connected clients the new bulk length limit.
func (s *Server) applyProtoMaxBulkLen() error {
	for _, c := range s.clients {
		c.parser.MaxBulkLen = s.cfg.ProtoMaxBulkLen
	}
	return nil
}

func configResetStatCommand(c *Client) {
	c.srv.resetStats()
	c.replyOK()
}

// configRewriteCommand rewrites the config file the server was started
// from; see rewriteConfigFile.
func configRewriteCommand(c *Client) {
	s := c.srv
	if s.cfg.ConfigFile == "" {
		c.replyError("ERR The server is running without a config file")
		return
	}
	if err := rewriteConfigFile(s.cfg.ConfigFile, &s.cfg); err != nil {
		s.logf(levelWarning, "CONFIG REWRITE failed: %v", err)
		c.replyError("ERR Rewriting config file: " + err.Error())
		return
	}
	s.logf(levelNotice, "CONFIG REWRITE executed with success.")
	c.replyOK()
}

func configHelpCommand(c *Client) {
	c.replyHelpLines("CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
