package server

import (
	"strconv"
)

// The slow log, as Redis 7.0's slowlog.c keeps it: every command that ran
// for at least slowlog-log-slower-than microseconds (0: every command, -1:
// none) is remembered, newest first, up to slowlog-max-len entries, with
// its id, the unix time it was logged, its duration, its arguments (at most
// 32, the last then saying how many more there were; each at most 128
// bytes, then saying how many more bytes there were; secrets replaced by
// "(redacted)"), the client's address and its name.
//
// Like Redis, call logs each command it runs: those EXEC runs (not EXEC
// itself, flagged skip_slowlog) and those a script runs (as a client with
// the address "?:0" and no name). A command that blocks is logged when it
// is answered, with the time it spent blocked.

// Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

// slowlogEntry is one logged command.
type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds
	duration int64 // microseconds
	argv     [][]byte
	peer     string
	name     string
}

// slowLog is a server's slow log: a queue of entries, oldest first, from
// head on.
type slowLog struct {
	entries []slowlogEntry
	head    int
	nextID  int64
}

// len returns how many entries the log holds.
func (l *slowLog) len() int { return len(l.entries) - l.head }

// newest returns the i-th newest entry (0: the newest).
func (l *slowLog) newest(i int) *slowlogEntry { return &l.entries[len(l.entries)-1-i] }

// push adds e as the newest entry, then drops the oldest beyond maxLen.
func (l *slowLog) push(e slowlogEntry, maxLen int64) {
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	l.trim(maxLen)
}

// trim drops the oldest entries beyond maxLen.
func (l *slowLog) trim(maxLen int64) {
	for int64(l.len()) > maxLen {
		l.entries[l.head] = slowlogEntry{}
		l.head++
	}
	if l.head > 0 && l.head >= len(l.entries)/2 {
		n := copy(l.entries, l.entries[l.head:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
		l.head = 0
	}
}

// reset empties the log; ids go on from where they were.
func (l *slowLog) reset() {
	clear(l.entries)
	l.entries, l.head = l.entries[:0], 0
}

// slowlogWants reports whether a command that ran usec microseconds is to
// be logged. Like Redis, a slow log of max-len 0 still takes the entry (and
// its id) and drops it at once.
func (s *Server) slowlogWants(cmd *cmdState, usec int64) bool {
	t := s.cfg.Introspect.SlowlogSlowerThan
	return t >= 0 && usec >= t && cmd.Flags&FlagSkipSlowlog == 0
}

// slowlogPush logs the command argv that c (nil: a fake client) ran for usec microseconds.
func (s *Server) slowlogPush(c *Client, cmd *cmdState, argv [][]byte, usec int64) {
	if s.cfg.Introspect.SlowlogMaxLen == 0 {
		s.slowlog.nextID++
		s.slowlog.trim(0)
		return
	}
	e := slowlogEntry{time: s.clock.now().Unix(), duration: usec, peer: "?:0"}
	if c != nil {
		e.name = c.name
		if c.addr != "" {
			e.peer = c.addr
		}
	}
	redact := slowlogRedacted(cmd, argv)
	n := min(len(argv), slowlogMaxArgc)
	e.argv = make([][]byte, n)
	for i := 0; i < n; i++ {
		a := argv[i]
		switch {
		case n != len(argv) && i == n-1:
			e.argv[i] = []byte("... (" + strconv.Itoa(len(argv)-n+1) + " more arguments)")
		case i < 64 && redact&(1<<i) != 0:
			e.argv[i] = []byte("(redacted)")
		case len(a) > slowlogMaxString:
			b := make([]byte, 0, slowlogMaxString+32)
			b = append(b, a[:slowlogMaxString]...)
			b = append(b, "... ("...)
			b = strconv.AppendInt(b, int64(len(a)-slowlogMaxString), 10)
			e.argv[i] = append(b, " more bytes)"...)
		default:
			e.argv[i] = append([]byte(nil), a...)
		}
	}
	s.slowlog.push(e, s.cfg.Introspect.SlowlogMaxLen)
}

// slowlogRedacted returns, as bits by position, the arguments the slow log
// shows as "(redacted)": those MONITOR hides (AUTH, HELLO AUTH), every
// argument of ACL SETUSER after the subcommand, and the values CONFIG SET
// gives the parameters Redis calls sensitive (all of them, whatever else
// is wrong with the command, as Redis does).
func slowlogRedacted(cmd *cmdState, argv [][]byte) uint64 {
	switch cmd.fullName {
	case "acl|setuser":
		var mask uint64
		for i := 2; i < len(argv) && i < 64; i++ {
			mask |= 1 << i
		}
		return mask
	case "config|set":
		if len(argv)%2 != 0 {
			return 0
		}
		var mask uint64
		for i := 2; i+1 < len(argv) && i+1 < 64; i += 2 {
			p := lookupParam(string(argv[i]))
			if p == nil {
				continue
			}
			switch p.name {
			case "requirepass", "masterauth", "masteruser":
				mask |= 1 << (i + 1)
			}
		}
		return mask
	}
	return redactedArgs(cmd, argv)
}

// slowPending is what the slow log needs of a blocked command to log it
// when it is answered: how long it ran when it blocked and a copy of its
// arguments, in buffers reused from block to block.
type slowPending struct {
	usec int64
	cmd  *cmdState // nil: nothing to log
	argv [][]byte
	buf  []byte
}

// slowlogBlocked remembers, for the slow log, the command of x that has
// just blocked after running usec microseconds.
func (s *Server) slowlogBlocked(x *Ctx, cmd *cmdState, usec int64) {
	b := x.client.blk
	if b == nil {
		return
	}
	p := &b.slow
	p.usec, p.cmd = usec, cmd
	p.buf, p.argv = p.buf[:0], p.argv[:0]
	for _, a := range x.argv {
		p.buf = append(p.buf, a...)
	}
	off := 0
	for _, a := range x.argv {
		p.argv = append(p.argv, p.buf[off:off+len(a):off+len(a)])
		off += len(a)
	}
}

// slowlogUnblocked accounts for the command of c, blocked until now and
// answered by a push (served) or by CLIENT UNBLOCK, as Redis 7.0's
// updateStatsOnUnblock does: the time it ran is added to its statistics
// once more (its call was counted when it blocked), and recorded in its
// latency histogram; it is logged if it ran long enough, with the time it
// ran, not the time it waited. A command answered by CLIENT UNBLOCK is
// logged with no arguments (Redis has freed them by then); one that timed
// out is not accounted for at all.
func (s *Server) slowlogUnblocked(c *Client, served bool) {
	if c.blk == nil || c.blk.slow.cmd == nil {
		return
	}
	p := &c.blk.slow
	p.cmd.usec += p.usec
	if s.cfg.Introspect.LatencyTracking {
		p.cmd.latency.record(p.usec * 1000)
	}
	if s.slowlogWants(p.cmd, p.usec) {
		argv := p.argv
		if !served {
			argv = nil
		}
		s.slowlogPush(c, p.cmd, argv, p.usec)
	}
	p.cmd = nil
}
