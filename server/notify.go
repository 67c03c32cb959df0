package server

import (
	"strconv"
	"unsafe"
)

// Keyspace notifications, as Redis 7.0 has them: every change a command
// makes to a key emits an event (its name is Redis's: "set", "lpush",
// "expired"…) of one class, and the classes that notify-keyspace-events
// enables are published on __keyspace@<db>__:<key> (the event name as the
// message) and/or __keyevent@<db>__:<event> (the key as the message).
//
// Command procedures call Ctx.notify at the points where Redis's commands
// call notifyKeyspaceEvent, in the same order; it checks the enabled
// classes first, so notifications cost one load and one test when they are
// off (the default).

// Event classes (notify-keyspace-events characters), with Redis's bits.
const (
	notifyKeyspace = 1 << 0  // K
	notifyKeyevent = 1 << 1  // E
	notifyGeneric  = 1 << 2  // g
	notifyString   = 1 << 3  // $
	notifyList     = 1 << 4  // l
	notifySet      = 1 << 5  // s
	notifyHash     = 1 << 6  // h
	notifyZSet     = 1 << 7  // z
	notifyExpired  = 1 << 8  // x
	notifyEvicted  = 1 << 9  // e
	notifyStream   = 1 << 10 // t
	notifyKeyMiss  = 1 << 11 // m (not in A)
	notifyLoaded   = 1 << 12 // module key loaded (no character)
	notifyModule   = 1 << 13 // d
	notifyNew      = 1 << 14 // n (not in A)

	// notifyAll is what "A" stands for.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// parseNotifyFlags parses a notify-keyspace-events value. Like Redis, which
// reads it as a C string, it stops at a NUL byte.
func parseNotifyFlags(v string) (int, error) {
	flags := 0
	for i := 0; i < len(v) && v[i] != 0; i++ {
		switch v[i] {
		case 'A':
			flags |= notifyAll
		case 'g':
			flags |= notifyGeneric
		case '$':
			flags |= notifyString
		case 'l':
			flags |= notifyList
		case 's':
			flags |= notifySet
		case 'h':
			flags |= notifyHash
		case 'z':
			flags |= notifyZSet
		case 'x':
			flags |= notifyExpired
		case 'e':
			flags |= notifyEvicted
		case 'K':
			flags |= notifyKeyspace
		case 'E':
			flags |= notifyKeyevent
		case 't':
			flags |= notifyStream
		case 'm':
			flags |= notifyKeyMiss
		case 'd':
			flags |= notifyModule
		case 'n':
			flags |= notifyNew
		default:
			return 0, errNotifyClass
		}
	}
	return flags, nil
}

// formatNotifyFlags shows flags as CONFIG GET does. Like Redis 7.0, "A"
// stands for its classes and hides "n" (which it does not include).
func formatNotifyFlags(flags int) string {
	var b []byte
	if flags&notifyAll == notifyAll {
		b = append(b, 'A')
	} else {
		for _, f := range [...]struct {
			bit int
			c   byte
		}{
			{notifyGeneric, 'g'}, {notifyString, '$'}, {notifyList, 'l'}, {notifySet, 's'},
			{notifyHash, 'h'}, {notifyZSet, 'z'}, {notifyExpired, 'x'}, {notifyEvicted, 'e'},
			{notifyStream, 't'}, {notifyModule, 'd'}, {notifyNew, 'n'},
		} {
			if flags&f.bit != 0 {
				b = append(b, f.c)
			}
		}
	}
	if flags&notifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&notifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&notifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// errNotifyClass is CONFIG SET's reason for a character that is no class.
const errNotifyClass configError = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// notifyParam is the notify-keyspace-events parameter.
var notifyParam = param{
	name: "notify-keyspace-events",
	kind: kindString,
	get:  func(c *Config) string { return formatNotifyFlags(c.NotifyKeyspaceEvents) },
	set: func(c *Config, v string) error {
		f, err := parseNotifyFlags(v)
		if err != nil {
			return err
		}
		c.NotifyKeyspaceEvents = f
		return nil
	},
}

// notify emits event of class for key of the selected database.
func (x *Ctx) notify(class int, event string, key []byte) {
	if x.cfg.NotifyKeyspaceEvents&class == 0 {
		return
	}
	x.srv.notifyKeyspaceEvent(class, event, key, x.dbIndex)
}

// notifyIn emits event of class for key of database db.
func (x *Ctx) notifyIn(class int, event string, key []byte, db int) {
	if x.cfg.NotifyKeyspaceEvents&class == 0 {
		return
	}
	x.srv.notifyKeyspaceEvent(class, event, key, db)
}

// notifyKeyspaceEvent publishes event of class for key of database db on
// the channels notify-keyspace-events enables, keyspace first, as Redis's
// notifyKeyspaceEvent does.
func (s *Server) notifyKeyspaceEvent(class int, event string, key []byte, db int) {
	flags := s.cfg.NotifyKeyspaceEvents
	if flags&class == 0 {
		return
	}
	if len(s.ps.channels) == 0 && len(s.ps.patList) == 0 && s.notifyHook == nil {
		return // no one could receive it: nothing to build
	}
	ev := unsafe.Slice(unsafe.StringData(event), len(event)) // only read
	if flags&notifyKeyspace != 0 {
		ch := append(s.notifyBuf[:0], "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.notifyBuf = ch
		s.publishNotification(ch, ev)
	}
	if flags&notifyKeyevent != 0 {
		ch := append(s.notifyBuf[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.notifyBuf = ch
		s.publishNotification(ch, key)
	}
}

// applyNotify makes the databases report new keys ("new" events) if
// notify-keyspace-events asks for them, and only then: the hook costs
// nothing while it is unset.
func (s *Server) applyNotify() {
	on := s.cfg.NotifyKeyspaceEvents&notifyNew != 0
	for i, db := range s.dbs {
		if !on {
			db.OnNew = nil
		} else if db.OnNew == nil {
			db.OnNew = func(key []byte) { s.notifyKeyspaceEvent(notifyNew, "new", key, i) }
		}
	}
}
