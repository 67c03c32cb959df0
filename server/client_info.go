package server

import (
	"strconv"
	"strings"
)

// infoString formats the client the way CLIENT LIST and CLIENT INFO show it.
func (c *Client) infoString() string {
	s := c.srv
	now := s.nowMs()
	var b strings.Builder
	field := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	field("id", itoa(c.id))
	field("addr", c.addr)
	field("laddr", c.laddr)
	field("fd", itoa(int64(c.fd)))
	field("name", c.name)
	field("age", itoa((now-c.ctime)/1000))
	field("idle", itoa((now-c.lastActive)/1000))
	field("flags", c.flagString())
	field("db", itoa(int64(c.dbIndex)))
	field("sub", "0")
	field("psub", "0")
	field("ssub", "0")
	field("multi", "-1")
	qbuf := int64(len(c.qbuf) - c.qpos)
	field("qbuf", itoa(qbuf))
	field("qbuf-free", itoa(int64(cap(c.qbuf)-len(c.qbuf))))
	var argvMem int64
	for _, a := range c.argv {
		argvMem += int64(len(a))
	}
	field("argv-mem", itoa(argvMem))
	field("multi-mem", "0")
	field("rbs", itoa(int64(max(cap(c.out), ioBufSize))))
	field("rbp", itoa(int64(len(c.out))))
	field("obl", itoa(int64(c.pendingOutput())))
	field("oll", "0")
	field("omem", "0")
	field("tot-mem", itoa(int64(cap(c.qbuf)+cap(c.out))+clientStructSize))
	events := "r"
	if c.pendingOutput() > 0 {
		events = "rw"
	}
	field("events", events)
	cmd := "NULL"
	if c.cmd != nil {
		cmd = c.cmd.fullName
	} else if c.lastCmd != nil {
		cmd = c.lastCmd.fullName
	}
	field("cmd", cmd)
	field("user", "default")
	field("redir", "-1")
	field("resp", itoa(int64(c.proto)))
	field("lib-name", c.libName)
	field("lib-ver", c.libVer)
	return b.String()
}

// clientStructSize approximates the memory of a Client and its parser.
const clientStructSize = 512

func (c *Client) flagString() string {
	var f []byte
	if c.flags&flagCloseAfterReply != 0 {
		f = append(f, 'c')
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
