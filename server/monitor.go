package server

import (
	"strconv"
)

// MONITOR, as Redis 7.0 has it: after every command that call runs (not
// those refused before it, and not admin or skip_monitor commands), each
// monitor gets a status line
//
//	+<sec>.<usec> [<db> <addr>] "arg" "arg" ...
//
// with the arguments quoted as Redis's sdscatrepr quotes them, AUTH's and
// HELLO AUTH's credentials shown as "(redacted)", <addr> being ip:port,
// unix:<socket path> for a Unix socket client, or the tag a command source
// sets (Client.monitorTag: a scripting layer sets "lua", as Redis shows
// commands run by scripts). Commands run by EXEC show before EXEC itself,
// since each is fed when it returns. Like Redis, a monitor also sees its
// own commands, after their replies. A monitor client is refused commands
// that read or write the keyspace ("Replica can't interact with the
// keyspace"), as Redis refuses its replicas, which monitors are flagged as.

// monitorState holds the MONITOR clients.
type monitorState struct {
	clients []*Client // in the order they started monitoring
	line    []byte    // scratch: the line being fed
}

// monitorCommands is MONITOR.
var monitorCommands = []*Command{
	{Name: "monitor", Proc: monitorCommand},
}

// monitorCommand is MONITOR: refused where the client may not block
// (inside MULTI), ignored by a client already monitoring.
func monitorCommand(c *Ctx) {
	if c.denyBlocking {
		c.replyError(errMonitorDenyBlocking)
		return
	}
	cl := c.client
	if cl.flags&flagMonitor != 0 || cl.fd < 0 {
		return
	}
	cl.flags |= flagMonitor
	c.srv.mon.clients = append(c.srv.mon.clients, cl)
	c.replyOK()
}

// monitorFree stops c monitoring.
func (s *Server) monitorFree(c *Client) {
	if c.flags&flagMonitor == 0 {
		return
	}
	c.flags &^= flagMonitor
	for i, m := range s.mon.clients {
		if m == c {
			copy(s.mon.clients[i:], s.mon.clients[i+1:])
			s.mon.clients[len(s.mon.clients)-1] = nil
			s.mon.clients = s.mon.clients[:len(s.mon.clients)-1]
			break
		}
	}
}

// monitorRefuses reports whether a monitor client may not run cmd: one
// that reads or writes the keyspace, or may replicate.
func monitorRefuses(c *Client, cmd *cmdState) bool {
	flags := cmd.Flags
	if cmd.fullName == "exec" && c.inMulti() {
		flags |= c.mstate.flags
	}
	return flags&(FlagReadonly|FlagWrite|FlagMayReplicate) != 0
}

// feedMonitors sends the command x ran to every monitor, unless it is one
// Redis does not show.
func (s *Server) feedMonitors(x *Ctx, cmd *cmdState) {
	if cmd.Flags&(FlagSkipMonitor|FlagAdmin) != 0 || x.client == nil {
		return
	}
	s.feedMonitorsLine(x, cmd)
}

// feedsBefore reports whether cmd is shown before it runs: the script
// commands (skip_monitor), which Redis feeds to monitors themselves so
// that the commands their scripts run come after them.
func feedsBefore(cmd *cmdState) bool {
	switch cmd.fullName {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

// feedMonitorsLine sends the command of x to every monitor.
func (s *Server) feedMonitorsLine(x *Ctx, cmd *cmdState) {
	if x.client == nil {
		return
	}
	b := s.mon.line[:0]
	b = append(b, '+')
	now := s.clock.now()
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	b = appendPadded(b, int64(now.Nanosecond()/1000), 6)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(x.dbIndex), 10)
	b = append(b, ' ')
	c := x.client
	switch {
	case c.monitorTag != "":
		b = append(b, c.monitorTag...)
	case c.flags&flagUnix != 0:
		b = append(b, "unix:"...)
		b = append(b, s.cfg.UnixSocket...)
	default:
		b = append(b, c.addr...)
	}
	b = append(b, "] "...)
	redact := redactedArgs(cmd, x.argv)
	for i, a := range x.argv {
		if i > 0 {
			b = append(b, ' ')
		}
		if i < 64 && redact&(1<<i) != 0 {
			b = append(b, `"(redacted)"`...)
		} else {
			b = appendRepr(b, a)
		}
	}
	b = append(b, '\r', '\n')
	s.mon.line = b
	for _, m := range s.mon.clients {
		s.deliverRaw(m, b)
	}
}

// redactedArgs returns the arguments MONITOR shows as "(redacted)", as
// bits by position: AUTH's password (and user name), the user names and
// passwords of HELLO's AUTH options, as Redis redacts them while the
// command parses them (not after a syntax error that stops it first).
func redactedArgs(cmd *cmdState, argv [][]byte) uint64 {
	var mask uint64
	switch cmd.fullName {
	case "auth":
		if len(argv) <= 3 {
			mask = 1<<len(argv) - 2 // arguments 1 to the last
		}
	case "hello":
		if len(argv) < 2 || len(argv) > 64 {
			break
		}
		if v, err := strconv.ParseInt(string(argv[1]), 10, 64); err != nil || v < 2 || v > 3 {
			break
		}
		for i := 2; i < len(argv); i++ {
			more := len(argv) - 1 - i
			switch {
			case eqFold(argv[i], "auth") && more >= 2:
				mask |= 3 << (i + 1)
				i += 2
			case eqFold(argv[i], "setname") && more >= 1:
				i++
			default:
				return mask
			}
		}
	}
	return mask
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendRepr appends s quoted as Redis's sdscatrepr: in double quotes, with
// backslash escapes for \\ and ", \n \r \t \a \b, printable ASCII as is
// and any other byte as \xHH.
func appendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if c >= 0x20 && c <= 0x7e {
				b = append(b, c)
			} else {
				b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			}
		}
	}
	return append(b, '"')
}
