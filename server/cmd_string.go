package server

import (
	"math"

	"github.com/kvdserver/kvd/store"
)

var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Proc: getCommand},
	{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Proc: setCommand},
	{Name: "setnx", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Proc: setnxCommand},
	{Name: "setex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Proc: setexCommand},
	{Name: "psetex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Proc: psetexCommand},
}

// lookupString returns key's string value. It replies WRONGTYPE and returns
// ok == false if the key holds another type; found is false for a missing key.
func (c *Client) lookupString(key []byte) (val []byte, found, ok bool) {
	e, found, ok := c.lookupType(key, store.TypeString)
	if !found || !ok {
		return nil, found, ok
	}
	return e.Str(), true, true
}

// getGeneric replies with key's string value or null. It returns false if
// it replied WRONGTYPE.
func getGeneric(c *Client) bool {
	val, found, ok := c.lookupString(c.argv[1])
	if !ok {
		return false
	}
	if !found {
		c.replyNull()
		return true
	}
	c.replyBulk(val)
	return true
}

func getCommand(c *Client) { getGeneric(c) }

// SET option flags.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setEX
	setPX
	setEXAT
	setPXAT
	setPersist // GETEX only
)

const setExpireFlags = setEX | setPX | setEXAT | setPXAT

// forGetex selects GETEX's options instead of SET's.
type stringOptsFor int

const (
	forSet stringOptsFor = iota
	forGetex
)

// parseStringOpts parses SET's (or GETEX's) options from argv[from:] with
// the rules of Redis's parseExtendedStringArgumentsOrReply. It returns the
// flags and the expire argument, or ok == false after replying an error.
func parseStringOpts(c *Client, from int, mode stringOptsFor) (flags int, expire []byte, ok bool) {
	argv := c.argv
	for j := from; j < len(argv); j++ {
		opt := argv[j]
		hasNext := j < len(argv)-1
		switch {
		case isOpt(opt, "nx") && flags&setXX == 0 && mode == forSet:
			flags |= setNX
		case isOpt(opt, "xx") && flags&setNX == 0 && mode == forSet:
			flags |= setXX
		case isOpt(opt, "get") && mode == forSet:
			flags |= setGet
		case isOpt(opt, "keepttl") && flags&(setPersist|setExpireFlags) == 0 && mode == forSet:
			flags |= setKeepTTL
		case isOpt(opt, "persist") && mode == forGetex && flags&(setExpireFlags|setKeepTTL) == 0:
			flags |= setPersist
		case isOpt(opt, "ex") && flags&(setKeepTTL|setPersist|setEXAT|setPX|setPXAT) == 0 && hasNext:
			flags |= setEX
			expire = argv[j+1]
			j++
		case isOpt(opt, "px") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPXAT) == 0 && hasNext:
			flags |= setPX
			expire = argv[j+1]
			j++
		case isOpt(opt, "exat") && flags&(setKeepTTL|setPersist|setEX|setPX|setPXAT) == 0 && hasNext:
			flags |= setEXAT
			expire = argv[j+1]
			j++
		case isOpt(opt, "pxat") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPX) == 0 && hasNext:
			flags |= setPXAT
			expire = argv[j+1]
			j++
		default:
			c.replyError(errSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireDeadline converts an expire argument to an absolute deadline in unix
// ms, replying Redis's error if it is not a positive integer or overflows.
// seconds says the unit is seconds; relative says it counts from now.
func expireDeadline(c *Client, arg []byte, seconds, relative bool) (int64, bool) {
	n, ok := c.intArg(arg)
	if !ok {
		return 0, false
	}
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		c.replyInvalidExpire()
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if relative {
		now := c.srv.now()
		if n > math.MaxInt64-now {
			c.replyInvalidExpire()
			return 0, false
		}
		n += now
	}
	return n, true
}

func (c *Client) replyInvalidExpire() {
	c.replyError("ERR invalid expire time in '" + c.cmd.fullName + "' command")
}

// setGeneric implements SET and its variants once the options are known.
// okReply/abortReply are what SETNX-style callers answer instead of OK/null.
func setGeneric(c *Client, key, val []byte, flags int, expire []byte, okReply, abortReply func()) {
	deadline := int64(-1)
	if expire != nil {
		var ok bool
		deadline, ok = expireDeadline(c, expire, flags&(setEX|setEXAT) != 0, flags&(setEX|setPX) != 0)
		if !ok {
			return
		}
	}
	if flags&setGet != 0 && !getGeneric(c) {
		return
	}
	db, now := c.db, c.srv.now()
	_, found := c.lookupWrite(key)
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		if flags&setGet == 0 {
			if abortReply != nil {
				abortReply()
			} else {
				c.replyNull()
			}
		}
		return
	}
	db.SetString(key, val, store.ClassifyString(val), store.SetOptions{Deadline: deadline, KeepTTL: flags&setKeepTTL != 0}, now)
	if flags&setGet == 0 {
		if okReply != nil {
			okReply()
		} else {
			c.replyOK()
		}
	}
}

func setCommand(c *Client) {
	flags, expire, ok := parseStringOpts(c, 3, forSet)
	if !ok {
		return
	}
	setGeneric(c, c.argv[1], c.argv[2], flags, expire, nil, nil)
}

func setnxCommand(c *Client) {
	setGeneric(c, c.argv[1], c.argv[2], setNX, nil, func() { c.replyInt(1) }, func() { c.replyInt(0) })
}

func setexCommand(c *Client) {
	setGeneric(c, c.argv[1], c.argv[3], setEX, c.argv[2], nil, nil)
}

func psetexCommand(c *Client) {
	setGeneric(c, c.argv[1], c.argv[3], setPX, c.argv[2], nil, nil)
}
