package server

import (
	"strconv"
)

// appendClientInfo appends the client's CLIENT LIST / CLIENT INFO line
// (without its newline): Redis 7.0's fields in Redis 7.0's order, then
// lib-name and lib-ver as Redis 7.2 adds them.
//
// The memory fields describe kvd's buffers in Redis's terms. The query
// buffer (qbuf) still holds the command being executed, as Redis's does.
// kvd keeps replies in one growing buffer where Redis has a 16 KB buffer
// followed by a list of 16 KB blocks: obl counts the pending bytes that fit
// in the first 16 KB, oll and omem the blocks and bytes beyond it.
func (c *Client) appendClientInfo(b []byte) []byte {
	now := c.srv.nowMs()
	field := func(b []byte, k string) []byte {
		b = append(b, ' ')
		b = append(b, k...)
		return append(b, '=')
	}
	num := func(b []byte, k string, n int64) []byte {
		return strconv.AppendInt(field(b, k), n, 10)
	}
	str := func(b []byte, k, v string) []byte {
		return append(field(b, k), v...)
	}
	b = strconv.AppendInt(append(b, "id="...), c.id, 10)
	b = str(b, "addr", c.addr)
	b = str(b, "laddr", c.laddr)
	b = num(b, "fd", int64(c.fd))
	b = str(b, "name", c.name)
	b = num(b, "age", (now-c.ctime)/1000)
	b = num(b, "idle", (now-c.lastActive)/1000)
	b = append(field(b, "flags"), c.flagString()...)
	b = num(b, "db", int64(c.dbIndex))
	sub, psub, ssub := c.clientSubCounts()
	b = num(b, "sub", int64(sub))
	b = num(b, "psub", int64(psub))
	b = num(b, "ssub", int64(ssub))
	multi, multiMem := int64(-1), int64(0)
	if c.inMulti() {
		multi, multiMem = int64(len(c.mstate.cmds)), c.mstate.mem
	}
	b = num(b, "multi", multi)
	qlen, qcap := len(c.qbuf), cap(c.qbuf)
	if c.inLen > 0 {
		// Executing straight from the received bytes: they are the query
		// buffer Redis would show.
		qlen, qcap = c.inLen, max(c.inLen, ioBufSize)
	}
	b = num(b, "qbuf", int64(qlen))
	b = num(b, "qbuf-free", int64(qcap-qlen))
	var argvMem int64
	for _, a := range c.argv {
		argvMem += int64(len(a))
	}
	b = num(b, "argv-mem", argvMem)
	b = num(b, "multi-mem", multiMem)
	// rbp is the peak use of the buffer rbs measures, so never above it:
	// replies bigger than the buffer in use count as filling it, as
	// Redis's overflow into its reply list does.
	rbs := max(cap(c.out), ioBufSize)
	b = num(b, "rbs", int64(rbs))
	b = num(b, "rbp", int64(min(max(c.outPeak, len(c.out)-c.wpos), rbs)))
	pending := int64(c.pendingOutput())
	obl := min(pending, ioBufSize)
	b = num(b, "obl", obl)
	b = num(b, "oll", (pending-obl+ioBufSize-1)/ioBufSize)
	b = num(b, "omem", pending-obl)
	b = num(b, "tot-mem", int64(cap(c.qbuf)+c.outMem())+argvMem+clientStructSize)
	b = append(field(b, "events"), c.eventString()...)
	// Like Redis's lastcmd, set when the command is looked up: inside EXEC
	// it stays "exec".
	cmd := "NULL"
	if c.lastCmd != nil {
		cmd = c.lastCmd.fullName
	}
	b = str(b, "cmd", cmd)
	b = str(b, "user", c.aclUser().name)
	b = num(b, "redir", c.trackingRedir())
	b = num(b, "resp", int64(c.proto))
	b = str(b, "lib-name", c.libName)
	b = str(b, "lib-ver", c.libVer)
	return b
}

// infoString returns the client's CLIENT LIST line, for logs.
func (c *Client) infoString() string { return string(c.appendClientInfo(nil)) }

// clientStructSize approximates the memory of a Client and its parser.
const clientStructSize = 512

// flagString is CLIENT LIST's flags field: one letter per flag in Redis's
// order, N for none.
func (c *Client) flagString() string {
	var f []byte
	if c.flags&flagMonitor != 0 {
		f = append(f, 'O')
	}
	if c.flags&flagReplica != 0 {
		f = append(f, 'S') // a replica (repl.go)
	}
	if c.flags&flagMaster != 0 {
		f = append(f, 'M')
	}
	if c.flags&flagPubSub != 0 {
		f = append(f, 'P')
	}
	if c.inMulti() {
		f = append(f, 'x')
	}
	if c.flags&(flagPaused|flagBlocked) != 0 {
		f = append(f, 'b') // Redis blocks a paused client too
	}
	f = c.trackingInfoFlags(f)
	if c.flags&flagDirtyCAS != 0 {
		f = append(f, 'd')
	}
	if c.flags&flagCloseAfterReply != 0 {
		f = append(f, 'c')
	}
	if c.flags&flagResumeQueued != 0 {
		f = append(f, 'u')
	}
	if c.flags&flagCloseASAP != 0 {
		f = append(f, 'A')
	}
	if c.flags&flagUnix != 0 {
		f = append(f, 'U')
	}
	if c.flags&flagNoEvict != 0 {
		f = append(f, 'e')
	}
	if c.flags&flagNoTouch != 0 {
		f = append(f, 'T')
	}
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

// eventString is CLIENT LIST's events field: the events the loop watches
// the connection for.
func (c *Client) eventString() string {
	if c.srv.loop.Writing(c.fd) {
		return "rw"
	}
	return "r"
}
