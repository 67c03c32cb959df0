package server

import (
	"strings"
)

// CONFIG GET, SET, RESETSTAT, REWRITE and HELP, with Redis 7.0's replies.

func configGetCommand(c *Ctx) {
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
func configSetCommand(c *Ctx) {
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
		if p == nil || p.fileOnly {
			if !invalid {
				unknown, invalid = name, true
			}
			continue
		}
		if invalid {
			continue
		}
		if p.immutable {
			errName, errText, invalid = name, errImmutableParam, true
		} else if p.protected && !c.protectedConfigAllowed() {
			errName, errText, invalid = name, errProtectedParam, true
		}
		for j := 0; j < i; j++ {
			if set[j] == p {
				errName, errText, invalid = name, errDuplicateParam, true
				break
			}
		}
		set[i] = p
	}
	if unknown != "" {
		c.replyError(errConfigSetUnknown(unknown))
		return
	}
	if invalid {
		c.replyError(errConfigSetFailed(errName, errText))
		return
	}
	old := s.cfg
	next := s.cfg
	for i, p := range set {
		if err := p.set(&next, string(c.argv[3+2*i])); err != nil {
			// Named as the caller typed it (an alias stays an alias), in lower case.
			c.replyError(errConfigSetFailed(strings.ToLower(string(c.argv[2+2*i])), err.Error()))
			return
		}
	}
	s.cfg = next
	if p, err := s.applyParams(set); err != nil {
		s.logf(levelWarning, "Failed applying new configuration. Possibly related to new %s setting. Restoring previous settings.", p.name)
		s.cfg = old
		s.applyParams(set)
		s.publishConfig()
		c.replyError(errConfigSetFailed(p.name, err.Error()))
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
// Redis's CONFIG SET maxclients: when the system refuses, it reports the
// most clients the limit it could get allows.
func (s *Server) applyMaxClients() error {
	if n := s.adjustOpenFilesLimit(); n != s.cfg.MaxClients {
		return errMaxClientsOS(int64(n))
	}
	return nil
}

// adjustOpenFilesLimit raises the open files limit (RLIMIT_NOFILE) to
// maxclients plus reservedFds when it is lower, as Redis does at start-up
// and on CONFIG SET maxclients, with Redis's log lines. It returns the most
// clients the limit then allows: maxclients when it is high enough, less
// otherwise (below 1 when the limit leaves no room for any client).
func (s *Server) adjustOpenFilesLimit() int {
	want := uint64(s.cfg.MaxClients) + reservedFds
	lim, err := getNofile()
	if err != nil {
		s.logf(levelWarning, "Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting the max clients configuration accordingly.", strerror(err))
		return 1024 - reservedFds
	}
	if lim.Cur >= want {
		return s.cfg.MaxClients
	}
	// Redis tries want, want-16, want-32, ... down to the current limit and
	// keeps the first the system accepts. What the system accepts does not
	// grow as the value shrinks, so a binary search over those steps finds
	// the same value.
	var setErr error
	try := func(v uint64) bool {
		err := setNofile(nofile{Cur: v, Max: max(v, lim.Max)})
		if err != nil {
			setErr = err
		}
		return err == nil
	}
	if try(want) {
		s.logf(levelNotice, "Increased maximum number of open files to %d (it was originally set to %d).", want, lim.Cur)
		return s.cfg.MaxClients
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
	if best <= reservedFds {
		s.logf(levelWarning, "Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d. Exiting.", lim.Cur, want)
		return int(best) - reservedFds
	}
	got := int(best - reservedFds)
	s.logf(levelWarning, "You requested maxclients of %d requiring at least %d max file descriptors.", s.cfg.MaxClients, want)
	s.logf(levelWarning, "Server can't set maximum open files to %d because of OS error: %s.", want, strerror(setErr))
	s.logf(levelWarning, "Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", best, got)
	return got
}

// strerror formats a system error as C's strerror does ("Operation not
// permitted"), for log lines that are Redis's.
func strerror(err error) string {
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// applyProtoMaxBulkLen gives connected clients the new bulk length limit.
func (s *Server) applyProtoMaxBulkLen() error {
	for _, c := range s.clients {
		c.parser.MaxBulkLen = s.cfg.ProtoMaxBulkLen
	}
	return nil
}

func configResetStatCommand(c *Ctx) {
	c.srv.resetStats()
	c.replyOK()
}

// configRewriteCommand rewrites the config file the server was started
// from; see rewriteConfigFile.
func configRewriteCommand(c *Ctx) {
	s := c.srv
	if s.cfg.ConfigFile == "" {
		c.replyError(errNoConfigFile)
		return
	}
	var users []string
	if s.cfg.ACLFile == "" {
		t := aclCommands()
		for _, u := range s.sortedUsers() {
			users = append(users, "user "+u.name+" "+u.describe(t))
		}
	}
	if err := rewriteConfigFile(s.cfg.ConfigFile, &s.cfg, users); err != nil {
		s.logf(levelWarning, "CONFIG REWRITE failed: %v", err)
		c.replyError(errConfigRewrite(err))
		return
	}
	s.logf(levelNotice, "CONFIG REWRITE executed with success.")
	c.replyOK()
}

func configHelpCommand(c *Ctx) {
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

// protectedConfigAllowed reports whether enable-protected-configs lets the
// caller change protected parameters: "yes", or "local" for a client on a
// loopback address or a Unix socket.
func (c *Ctx) protectedConfigAllowed() bool {
	v, _ := c.cfg.Get("enable-protected-configs")
	switch v {
	case "yes":
		return true
	case "local":
		return c.client != nil && c.client.flags&flagLocal != 0
	}
	return false
}
