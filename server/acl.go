package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
	"sync"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/resp"
)

// ACL users, selectors and permission checks, as Redis 7.0 has them
// (acl.c): a user has flags, password hashes and selectors; a selector has
// a bitmap of the commands it may run, key patterns with read/write
// permissions and channel patterns. The first selector is the user's root
// one, the rules given outside parentheses; a command may run if any
// selector allows it. The rule grammar, the descriptions ACL LIST and
// GETUSER give, and the error texts follow Redis 7.0.15.

// aclCmdData is one command or subcommand Redis has, with its ACL
// categories (acldata_gen.go).
type aclCmdData struct {
	name string
	cats []string
}

// aclCommandData lists every command Redis 7.0.15 has; filled once by
// acldata_gen.go's init and never changed.
var aclCommandData []aclCmdData

// aclCategoryNames are the ACL categories in Redis's order, which is the
// order ACL CAT lists them and the order rules are described in.
var aclCategoryNames = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// aclCategory returns the bit of a category name (any case), 0 if none.
func aclCategory(name string) uint32 {
	for i, n := range aclCategoryNames {
		if strings.EqualFold(n, name) {
			return 1 << i
		}
	}
	return 0
}

// aclCommand is a command in the ACL table: the commands rules name,
// whether kvd implements them or not.
type aclCommand struct {
	id     int
	name   string // full name: "get", "config|get"
	cats   uint32
	parent *aclCommand
	subs   []*aclCommand
}

// aclTable is every command ACL rules work on, by id and by name: Redis's
// commands and the few kvd has from later versions.
type aclTable struct {
	cmds   []*aclCommand // by id
	top    []*aclCommand // top-level commands, by name
	byName map[string]*aclCommand
}

// aclWords is the size of a command bitmap; its last bit is set only by
// +@all ("future commands"), as in Redis.
const (
	aclWords     = 8
	aclFutureBit = aclWords*64 - 1
)

var (
	aclTableOnce sync.Once
	aclTab       *aclTable
)

// aclCommands returns the ACL command table, built once from immutable
// data.
func aclCommands() *aclTable {
	aclTableOnce.Do(func() {
		t := &aclTable{byName: map[string]*aclCommand{}}
		add := func(name string, cats []string) {
			if t.byName[name] != nil {
				return
			}
			ac := &aclCommand{name: name}
			for _, c := range cats {
				ac.cats |= aclCategory(strings.TrimPrefix(c, "@"))
			}
			t.byName[name] = ac
		}
		for _, d := range aclCommandData {
			add(d.name, d.cats)
		}
		for name, m := range commandDataExtra {
			add(name, m.ACLCategories)
		}
		names := make([]string, 0, len(t.byName))
		for n := range t.byName {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ac := t.byName[n]
			ac.id = len(t.cmds)
			t.cmds = append(t.cmds, ac)
			if i := strings.IndexByte(n, '|'); i >= 0 {
				if p := t.byName[n[:i]]; p != nil {
					ac.parent = p
					p.subs = append(p.subs, ac)
				}
			} else {
				t.top = append(t.top, ac)
			}
		}
		if len(t.cmds) >= aclFutureBit {
			panic("kvd: more commands than ACL bitmap bits")
		}
		aclTab = t
	})
	return aclTab
}

// lookup finds a command by name ("get", "config|get"), in any case.
func (t *aclTable) lookup(name string) *aclCommand {
	return t.byName[strings.ToLower(name)]
}

// ---- selectors ----

// Selector flags.
const (
	selRoot        = 1 << iota // the user's root selector
	selAllKeys                 // allkeys, ~*
	selAllChannels             // allchannels, &*
	selAllCommands             // allcommands, +@all (until a command is removed)
)

// Key pattern permissions.
const (
	aclRead  = 1
	aclWrite = 2
	aclRW    = aclRead | aclWrite
)

type keyPattern struct {
	pattern string
	flags   uint8
}

// aclSelector is a set of permissions: commands, keys and channels.
type aclSelector struct {
	flags     uint8
	allowed   [aclWords]uint64
	firstArgs map[int][]string // command id -> first arguments allowed although the command is not
	keys      []keyPattern
	channels  []string
}

func newSelector(flags uint8, pubsubDefault uint8) *aclSelector {
	return &aclSelector{flags: flags | pubsubDefault}
}

func (s *aclSelector) clone() *aclSelector {
	d := *s
	d.keys = append([]keyPattern(nil), s.keys...)
	d.channels = append([]string(nil), s.channels...)
	d.firstArgs = nil
	for id, args := range s.firstArgs {
		if d.firstArgs == nil {
			d.firstArgs = map[int][]string{}
		}
		d.firstArgs[id] = append([]string(nil), args...)
	}
	return &d
}

func (s *aclSelector) bit(id int) bool { return s.allowed[id/64]&(1<<(id%64)) != 0 }

func (s *aclSelector) setBit(id int, on bool) {
	if on {
		s.allowed[id/64] |= 1 << (id % 64)
	} else {
		s.allowed[id/64] &^= 1 << (id % 64)
		s.flags &^= selAllCommands
	}
}

// changePerm allows or denies a command and, for a container, its
// subcommands.
func (s *aclSelector) changePerm(c *aclCommand, on bool) {
	s.setBit(c.id, on)
	delete(s.firstArgs, c.id)
	for _, sub := range c.subs {
		s.setBit(sub.id, on)
	}
}

// setCategory allows or denies every command in a category.
func (s *aclSelector) setCategory(t *aclTable, cat uint32, on bool) {
	for _, c := range t.cmds {
		if c.cats&cat != 0 {
			s.changePerm(c, on)
		}
	}
}

// countCategory counts the commands of a category the selector allows
// and denies.
func (s *aclSelector) countCategory(t *aclTable, cat uint32) (on, off int) {
	for _, c := range t.cmds {
		if c.cats&cat != 0 {
			if s.bit(c.id) {
				on++
			} else {
				off++
			}
		}
	}
	return on, off
}

// aclRuleError is why a rule was refused: Redis's ACLSetUserStringError.
type aclRuleError int

const (
	aclErrNone       aclRuleError = iota
	aclErrSyntax                  // EINVAL
	aclErrUnknown                 // ENOENT
	aclErrKeysAll                 // EEXIST
	aclErrChannelAll              // EISDIR
	aclErrNoPass                  // ENODEV
	aclErrBadHash                 // EBADMSG
	aclErrDuplicate               // EALREADY
	aclErrFirstArg                // ECHILD
)

func (e aclRuleError) String() string { return aclRuleErrorText(e) }

// hasSpaces reports whether s has a space or a NUL, which Redis refuses in
// user names and patterns.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// set applies one selector rule.
func (s *aclSelector) set(t *aclTable, op string) aclRuleError {
	lop := strings.ToLower(op)
	switch {
	case lop == "allkeys" || op == "~*":
		s.flags |= selAllKeys
		s.keys = nil
	case lop == "resetkeys":
		s.flags &^= selAllKeys
		s.keys = nil
	case lop == "allchannels" || op == "&*":
		s.flags |= selAllChannels
		s.channels = nil
	case lop == "resetchannels":
		s.flags &^= selAllChannels
		s.channels = nil
	case lop == "allcommands" || lop == "+@all":
		for i := range s.allowed {
			s.allowed[i] = ^uint64(0)
		}
		s.flags |= selAllCommands
		s.firstArgs = nil
	case lop == "nocommands" || lop == "-@all":
		s.allowed = [aclWords]uint64{}
		s.flags &^= selAllCommands
		s.firstArgs = nil
	case op[0] == '~' || op[0] == '%':
		if s.flags&selAllKeys != 0 {
			return aclErrKeysAll
		}
		var flags uint8
		off := 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				c := op[off]
				if (c == 'R' || c == 'r') && flags&aclRead == 0 {
					flags |= aclRead
				} else if (c == 'W' || c == 'w') && flags&aclWrite == 0 {
					flags |= aclWrite
				} else if c == '~' {
					off++
					break
				} else {
					return aclErrSyntax
				}
			}
		} else {
			flags = aclRW
		}
		pat := op[min(off, len(op)):]
		if hasSpaces(pat) {
			return aclErrSyntax
		}
		for i := range s.keys {
			if s.keys[i].pattern == pat {
				s.keys[i].flags |= flags
				s.flags &^= selAllKeys
				return aclErrNone
			}
		}
		s.keys = append(s.keys, keyPattern{pat, flags})
		s.flags &^= selAllKeys
	case op[0] == '&':
		if s.flags&selAllChannels != 0 {
			return aclErrChannelAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return aclErrSyntax
		}
		for _, ch := range s.channels {
			if ch == pat {
				return aclErrNone
			}
		}
		s.channels = append(s.channels, pat)
		s.flags &^= selAllChannels
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		i := strings.LastIndexByte(op, '|')
		if i < 0 {
			c := t.lookup(op[1:])
			if c == nil {
				return aclErrUnknown
			}
			s.changePerm(c, true)
			return aclErrNone
		}
		c := t.lookup(op[1:i])
		if c == nil {
			return aclErrUnknown
		}
		if c.parent != nil {
			return aclErrFirstArg
		}
		sub := op[i+1:]
		if sub == "" {
			return aclErrSyntax
		}
		if len(c.subs) > 0 {
			sc := t.lookup(op[1:])
			if sc == nil {
				return aclErrUnknown
			}
			s.changePerm(sc, true)
			return aclErrNone
		}
		// A first argument of a command without subcommands (SELECT|0).
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		for _, a := range s.firstArgs[c.id] {
			if strings.EqualFold(a, sub) {
				return aclErrNone
			}
		}
		s.firstArgs[c.id] = append(s.firstArgs[c.id], sub)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		c := t.lookup(op[1:])
		if c == nil {
			return aclErrUnknown
		}
		s.changePerm(c, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		cat := aclCategory(op[2:])
		if cat == 0 {
			return aclErrUnknown
		}
		s.setCategory(t, cat, op[0] == '+')
	default:
		return aclErrSyntax
	}
	return aclErrNone
}

// describeCommands describes the selector's command permissions as the
// rules that recreate them, the way Redis 7.0 does: +@all or -@all, then
// the categories that best fit, then single commands. Redis lists single
// commands in its hash table's order, which changes from one process to
// the next; kvd lists them by name.
func (s *aclSelector) describeCommands(t *aclTable) string {
	var b strings.Builder
	fake := &aclSelector{}
	additive := !s.bit(aclFutureBit)
	if additive {
		b.WriteString("-@all ")
		fake.set(t, "-@all")
	} else {
		b.WriteString("+@all ")
		fake.set(t, "+@all")
	}
	temp := &aclSelector{allowed: s.allowed}
	applied := make([]bool, len(aclCategoryNames))
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j := range aclCategoryNames {
			if applied[j] {
				continue
			}
			on, off := temp.countCategory(t, 1<<j)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		fake.setCategory(t, 1<<best, additive)
		temp.setCategory(t, 1<<best, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(aclCategoryNames[best])
		b.WriteByte(' ')
		applied[best] = true
	}
	var single func(cmds []*aclCommand)
	single = func(cmds []*aclCommand) {
		for _, c := range cmds {
			user, f := s.bit(c.id), fake.bit(c.id)
			if user != f {
				if user {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
				b.WriteString(c.name)
				b.WriteByte(' ')
				fake.changePerm(c, user)
			}
			single(c.subs)
			if !user {
				for _, a := range s.firstArgs[c.id] {
					b.WriteString("+" + c.name + "|" + a + " ")
				}
			}
		}
	}
	single(t.top)
	out := b.String()
	return out[:len(out)-1]
}

// patternString is a key pattern as a rule: ~p, %R~p or %W~p.
func (k keyPattern) String() string {
	switch k.flags {
	case aclRead:
		return "%R~" + k.pattern
	case aclWrite:
		return "%W~" + k.pattern
	}
	return "~" + k.pattern
}

// describe describes the selector as rules: keys, channels, commands.
func (s *aclSelector) describe(t *aclTable) string {
	var b strings.Builder
	if s.flags&selAllKeys != 0 {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String())
			b.WriteByte(' ')
		}
	}
	if s.flags&selAllChannels != 0 {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, ch := range s.channels {
			b.WriteString("&" + ch + " ")
		}
	}
	b.WriteString(s.describeCommands(t))
	return b.String()
}

// keysString and channelsString are GETUSER's "keys" and "channels".
func (s *aclSelector) keysString() string {
	if s.flags&selAllKeys != 0 {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

func (s *aclSelector) channelsString() string {
	if s.flags&selAllChannels != 0 {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, ch := range s.channels {
		parts[i] = "&" + ch
	}
	return strings.Join(parts, " ")
}

// ---- users ----

// User flags, in the order ACL LIST shows them.
const (
	userOn = 1 << iota
	userOff
	userNoPass
	userSkipSanitize
	userSanitize
)

var userFlagNames = []string{"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"}

// aclUser is an ACL user.
type aclUser struct {
	name      string
	flags     uint8
	passwords []string // SHA-256 hashes, lower-case hex
	selectors []*aclSelector
}

func newUser(name string, pubsubDefault uint8) *aclUser {
	return &aclUser{name: name, flags: userOff, selectors: []*aclSelector{newSelector(selRoot, pubsubDefault)}}
}

func (u *aclUser) root() *aclSelector { return u.selectors[0] }

// unrestricted reports whether the user may run any command on any key
// and channel: the request path then checks nothing more.
func (u *aclUser) unrestricted() bool {
	const all = selAllKeys | selAllChannels | selAllCommands
	return u.selectors[0].flags&all == all
}

func (u *aclUser) clone(name string) *aclUser {
	d := &aclUser{name: name, flags: u.flags, passwords: append([]string(nil), u.passwords...)}
	for _, s := range u.selectors {
		d.selectors = append(d.selectors, s.clone())
	}
	return d
}

// copyFrom gives u the rules of src (keeping u's name and identity).
func (u *aclUser) copyFrom(src *aclUser) {
	c := src.clone(u.name)
	u.flags, u.passwords, u.selectors = c.flags, c.passwords, c.selectors
}

// hashPassword returns the SHA-256 of a password in lower-case hex.
func hashPassword(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// set applies one user rule.
func (u *aclUser) set(t *aclTable, op string, pubsubDefault uint8) aclRuleError {
	if op == "" {
		return aclErrNone
	}
	lop := strings.ToLower(op)
	switch {
	case lop == "on":
		u.flags = u.flags&^userOff | userOn
	case lop == "off":
		u.flags = u.flags&^userOn | userOff
	case lop == "skip-sanitize-payload":
		u.flags = u.flags&^userSanitize | userSkipSanitize
	case lop == "sanitize-payload":
		u.flags = u.flags&^userSkipSanitize | userSanitize
	case lop == "nopass":
		u.flags |= userNoPass
		u.passwords = nil
	case lop == "resetpass":
		u.flags &^= userNoPass
		u.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validHash(op[1:]) {
				return aclErrBadHash
			}
			h = op[1:]
		}
		found := false
		for _, p := range u.passwords {
			if p == h {
				found = true
			}
		}
		if !found {
			u.passwords = append(u.passwords, h)
		}
		u.flags &^= userNoPass
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validHash(op[1:]) {
				return aclErrBadHash
			}
			h = op[1:]
		}
		for i, p := range u.passwords {
			if p == h {
				u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
				return aclErrNone
			}
		}
		return aclErrNoPass
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(0, pubsubDefault)
		args, err := resp.SplitArgs(op[1 : len(op)-1])
		if err != nil {
			return aclErrSyntax
		}
		for _, a := range args {
			if a == "" {
				continue
			}
			if e := s.set(t, a); e != aclErrNone {
				return e
			}
		}
		u.selectors = append(u.selectors, s)
	case lop == "clearselectors":
		u.selectors = u.selectors[:1]
	case lop == "reset":
		u.set(t, "resetpass", pubsubDefault)
		u.set(t, "resetkeys", pubsubDefault)
		u.set(t, "resetchannels", pubsubDefault)
		if pubsubDefault&selAllChannels != 0 {
			u.set(t, "allchannels", pubsubDefault)
		}
		u.set(t, "off", pubsubDefault)
		u.set(t, "sanitize-payload", pubsubDefault)
		u.set(t, "clearselectors", pubsubDefault)
		u.set(t, "-@all", pubsubDefault)
	default:
		return u.root().set(t, op)
	}
	return aclErrNone
}

// describe is the user as ACL LIST shows it, without "user <name> ".
func (u *aclUser) describe(t *aclTable) string {
	var b strings.Builder
	for i, n := range userFlagNames {
		if u.flags&(1<<i) != 0 {
			b.WriteString(n + " ")
		}
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for _, s := range u.selectors {
		if s.flags&selRoot != 0 {
			b.WriteString(s.describe(t))
		} else {
			b.WriteString(" (" + s.describe(t) + ")")
		}
	}
	return b.String()
}

// checkPassword reports whether pass is one of the user's passwords,
// comparing hashes in constant time.
func (u *aclUser) checkPassword(pass []byte) bool {
	if u.flags&userNoPass != 0 {
		return true
	}
	sum := sha256.Sum256(pass)
	var got [64]byte
	hex.Encode(got[:], sum[:])
	ok := 0
	for _, p := range u.passwords {
		ok |= subtle.ConstantTimeCompare(got[:], []byte(p))
	}
	return ok == 1
}

// mergeSelectorArgs joins selector rules split over several arguments
// ("(+get", "~k)") as Redis does. bad is the index of an unmatched "(".
func mergeSelectorArgs(args []string) (merged []string, bad int) {
	open := -1
	var sel string
	for j, op := range args {
		if open < 0 && op != "" && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open >= 0 {
			sel += " " + op
			if op != "" && op[len(op)-1] == ')' {
				merged = append(merged, sel)
				open = -1
			}
			continue
		}
		merged = append(merged, op)
	}
	if open >= 0 {
		return nil, open
	}
	return merged, -1
}

// ---- permission checks ----

// aclResult is the outcome of a permission check, in Redis's order of
// relevance (a later one is reported over an earlier one).
type aclResult uint8

const (
	aclOK aclResult = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// keyFlagPerm is the permission a key reference needs: read for
// "access", write for "insert", "delete" and "update".
func keyFlagPerm(flags []string) uint8 {
	var p uint8
	for _, f := range flags {
		switch f {
		case "access":
			p |= aclRead
		case "insert", "delete", "update":
			p |= aclWrite
		}
	}
	return p
}

func (s *aclSelector) checkKey(key []byte, perm uint8) bool {
	if s.flags&selAllKeys != 0 {
		return true
	}
	for _, k := range s.keys {
		if k.flags&perm != perm {
			continue
		}
		if glob.MatchPattern(k.pattern, key) {
			return true
		}
	}
	return false
}

func (s *aclSelector) checkChannel(ch []byte, isPattern bool) bool {
	if s.flags&selAllChannels != 0 {
		return true
	}
	for _, p := range s.channels {
		if isPattern && p == string(ch) || !isPattern && glob.MatchPattern(p, ch) {
			return true
		}
	}
	return false
}

// channelRef is a channel argument of a pub/sub command.
type channelRef struct {
	pos     int
	pattern bool
}

// commandChannels returns the channel arguments that ACLs check:
// published to or subscribed to, as Redis's getChannelsFromCommand finds
// them (unsubscribing is never refused).
func commandChannels(name string, argv [][]byte) []channelRef {
	var refs []channelRef
	switch name {
	case "publish", "spublish":
		if len(argv) > 1 {
			refs = append(refs, channelRef{pos: 1})
		}
	case "subscribe", "ssubscribe", "psubscribe":
		for i := 1; i < len(argv); i++ {
			refs = append(refs, channelRef{pos: i, pattern: name == "psubscribe"})
		}
	}
	return refs
}

// checkCmd checks a command against one selector; on a key or channel
// refusal pos is the argument refused. keys caches the command's keys
// between selectors.
func (s *aclSelector) checkCmd(cmd *cmdState, argv [][]byte, keys *[]keyRef, keysDone *bool) (aclResult, int) {
	if s.flags&selAllCommands == 0 && cmd.Flags&FlagNoAuth == 0 {
		if cmd.aclID < 0 || !s.bit(cmd.aclID) {
			args := s.firstArgs[cmd.aclID]
			if cmd.aclID < 0 || len(argv) < 2 || args == nil {
				return aclDeniedCmd, 0
			}
			idx := 1
			if cmd.parent != nil {
				idx = 2
			}
			ok := false
			for _, a := range args {
				if idx < len(argv) && strings.EqualFold(a, string(argv[idx])) {
					ok = true
					break
				}
			}
			if !ok {
				return aclDeniedCmd, 0
			}
		}
	}
	if s.flags&selAllKeys == 0 && cmd.hasKeys() {
		if !*keysDone {
			*keys, *keysDone = cmd.appendKeys((*keys)[:0], argv), true
		}
		for _, r := range *keys {
			if !s.checkKey(argv[r.pos], keyFlagPerm(r.flags)) {
				return aclDeniedKey, r.pos
			}
		}
	}
	if s.flags&selAllChannels == 0 {
		for _, r := range commandChannels(cmd.fullName, argv) {
			if !s.checkChannel(argv[r.pos], r.pattern) {
				return aclDeniedChannel, r.pos
			}
		}
	}
	return aclOK, 0
}

// checkCommand checks whether u may run cmd with argv, like Redis's
// ACLCheckAllUserCommandPerm: allowed if any selector allows it; else the
// most relevant refusal, and the argument it concerns.
func (u *aclUser) checkCommand(cmd *cmdState, argv [][]byte) (aclResult, int) {
	return u.checkCommandScratch(cmd, argv, nil)
}

// checkCommandScratch is checkCommand with a scratch slice for the
// command's keys (the executor's, reused: the check then allocates nothing).
func (u *aclUser) checkCommandScratch(cmd *cmdState, argv [][]byte, scratch *[]keyRef) (aclResult, int) {
	if u == nil || u.unrestricted() {
		return aclOK, 0
	}
	relevant, lastIdx := aclDeniedCmd, 0
	var keys []keyRef
	if scratch != nil {
		keys = (*scratch)[:0]
	}
	keysDone := false
	for _, s := range u.selectors {
		res, idx := s.checkCmd(cmd, argv, &keys, &keysDone)
		if res == aclOK {
			relevant, lastIdx = aclOK, 0
			break
		}
		if res > relevant || res == relevant && idx > lastIdx {
			relevant, lastIdx = res, idx
		}
	}
	if scratch != nil {
		*scratch = keys[:0]
	}
	return relevant, lastIdx
}

// unrestrictedKeyAccess reports whether one of u's selectors that allow
// cmd with argv allows every key for perm (allkeys, or a "*" pattern with
// those permissions), as Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess.
func (u *aclUser) unrestrictedKeyAccess(cmd *cmdState, argv [][]byte, perm uint8) bool {
	if u == nil || u.unrestricted() {
		return true
	}
	var keys []keyRef
	done := false
	for _, s := range u.selectors {
		if res, _ := s.checkCmd(cmd, argv, &keys, &done); res != aclOK {
			continue
		}
		if s.flags&selAllKeys != 0 {
			return true
		}
		for _, k := range s.keys {
			if k.flags&perm == perm && k.pattern == "*" {
				return true
			}
		}
	}
	return false
}

// checkChannel checks whether any of u's selectors allows a channel.
func (u *aclUser) checkChannel(ch []byte, isPattern bool) bool {
	if u == nil {
		return true
	}
	for _, s := range u.selectors {
		if s.checkChannel(ch, isPattern) {
			return true
		}
	}
	return false
}
