package server

import (
	"slices"

	"github.com/kvdserver/kvd/internal/num"
)

//go:generate go run ../internal/gencmd -out commanddata_gen.go -acl-out acldata_gen.go

// commandMeta is what Redis 7.0.15 reports about one command (or
// subcommand) in COMMAND INFO and COMMAND DOCS. The values for every command
// in kvd's table are generated from a real redis-server into
// commanddata_gen.go (see the go:generate line above); they are interface
// facts, served as they are, in Redis's field order.
//
// A string field left empty and a nil slice mean the field is absent from
// Redis's reply.
type commandMeta struct {
	// COMMAND INFO.
	Name          string // full name: "get", "config|get"
	Arity         int
	Flags         []string // "write", "readonly", ... in Redis's order
	FirstKey      int      // legacy key range
	LastKey       int
	Step          int
	ACLCategories []string // "@read", "@string", ...
	Tips          []string // "nondeterministic_output", "request_policy:all_shards", ...
	KeySpecs      []keySpec

	// COMMAND DOCS.
	Summary         string
	Since           string
	Group           string
	Complexity      string
	DocFlags        []string // "deprecated", "syscmd"
	DeprecatedSince string
	ReplacedBy      string
	History         [][2]string // (version, change)
	Arguments       []commandArg
}

// commandData maps full command names to their metadata. It is filled once,
// by commanddata_gen.go's init, and never changed.
var commandData map[string]*commandMeta

// lookupMeta returns the metadata for a full command name: generated from
// Redis 7.0.15, or, for the few commands kvd has from later versions, from
// commandDataExtra. It returns nil if there is none.
func lookupMeta(name string) *commandMeta {
	if m := commandData[name]; m != nil {
		return m
	}
	return commandDataExtra[name]
}

// keySpec is one key specification: where the search for keys begins and
// how keys are found from there.
type keySpec struct {
	Notes string
	Flags []string // "RW", "access", "not_key", "variable_flags", ...
	// BeginSearch is "index" (at BSIndex), "keyword" (after BSKeyword,
	// searching from BSStartFrom, backwards if negative) or "unknown".
	BeginSearch string
	BSIndex     int
	BSKeyword   string
	BSStartFrom int
	// FindKeys is "range" (FKLastKey, FKKeyStep, FKLimit), "keynum"
	// (FKKeyNumIdx, FKFirstKey, FKKeyStep) or "unknown".
	FindKeys    string
	FKLastKey   int
	FKKeyStep   int
	FKLimit     int
	FKKeyNumIdx int
	FKFirstKey  int
}

// commandArg is one argument in COMMAND DOCS.
type commandArg struct {
	Name            string
	Type            string // "string", "integer", "key", "pattern", "pure-token", "oneof", "block", ...
	HasKeySpec      bool   // the argument names keys (a key, or a pattern of keys)...
	KeySpecIndex    int    // ...found by this key spec
	Token           string
	EmptyToken      bool // the token is the empty string (MIGRATE's "")
	Summary         string
	Since           string
	DeprecatedSince string
	Flags           []string // "optional", "multiple", "multiple_token"
	Arguments       []commandArg
}

// hasFlag reports whether the key spec has the named flag.
func (ks *keySpec) hasFlag(name string) bool {
	for _, f := range ks.Flags {
		if f == name {
			return true
		}
	}
	return false
}

// CommandNames returns the full names of every command kvd implements, in
// its table's order, each container ("config") followed by its subcommands
// ("config|get"). The command data generator uses it.
func CommandNames() []string {
	var names []string
	for _, family := range allCommands() {
		for _, cmd := range family {
			names = append(names, cmd.Name)
			for _, sc := range cmd.Subcommands {
				names = append(names, cmd.Name+"|"+sc.Name)
			}
		}
	}
	return names
}

// meta returns the command's metadata (every command in a table has some).
func (st *cmdState) meta() *commandMeta { return lookupMeta(st.fullName) }

// cmdFlagNames lists the flags COMMAND INFO shows, in Redis's order.
var cmdFlagNames = []struct {
	flag CmdFlag
	name string
}{
	{FlagWrite, "write"},
	{FlagReadonly, "readonly"},
	{FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"},
	{FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"},
	{FlagLoading, "loading"},
	{FlagStale, "stale"},
	{FlagSkipMonitor, "skip_monitor"},
	{FlagSkipSlowlog, "skip_slowlog"},
	{FlagFast, "fast"},
	{FlagNoAuth, "no_auth"},
	{FlagMayReplicate, "may_replicate"},
	{FlagNoMandatoryKeys, "no_mandatory_keys"},
	{FlagNoMulti, "no_multi"},
	{FlagMovableKeys, "movablekeys"},
	{FlagAllowBusy, "allow_busy"},
}

// parseFlagNames returns the flags named in COMMAND INFO's terms; names
// kvd does not act on ("module", "no_async_loading"...) are left out.
func parseFlagNames(names []string) CmdFlag {
	var f CmdFlag
	for _, n := range names {
		for _, fn := range cmdFlagNames {
			if fn.name == n {
				f |= fn.flag
			}
		}
	}
	return f
}

// flagNames returns the COMMAND INFO names of the flags in f.
func flagNames(f CmdFlag) []string {
	var names []string
	for _, fn := range cmdFlagNames {
		if f&fn.flag != 0 {
			names = append(names, fn.name)
		}
	}
	return names
}

// ---- COMMAND INFO and COMMAND DOCS replies ----

// replyStatusSet replies a set (an array in RESP2) of simple strings.
func (c *Ctx) replyStatusSet(items []string) {
	c.replySet(len(items))
	for _, it := range items {
		c.replyStatus(it)
	}
}

// replyCommandInfo replies one command's COMMAND INFO entry, with its
// subcommands (those kvd has).
func (c *Ctx) replyCommandInfo(st *cmdState) {
	m := st.meta()
	c.replyArray(10)
	c.replyBulkString(m.Name)
	c.replyInt(int64(m.Arity))
	c.replyStatusSet(m.Flags)
	c.replyInt(int64(m.FirstKey))
	c.replyInt(int64(m.LastKey))
	c.replyInt(int64(m.Step))
	c.replyStatusSet(m.ACLCategories)
	c.replySet(len(m.Tips))
	for _, t := range m.Tips {
		c.replyBulkString(t)
	}
	c.replySet(len(m.KeySpecs))
	for i := range m.KeySpecs {
		c.replyKeySpec(&m.KeySpecs[i])
	}
	subs := st.subcommands()
	if subs == nil {
		c.replySet(0)
		return
	}
	c.replyArray(len(subs))
	for _, sc := range subs {
		c.replyCommandInfo(sc)
	}
}

func (c *Ctx) replyKeySpec(ks *keySpec) {
	n := 3
	if ks.Notes != "" {
		n++
	}
	c.replyMap(n)
	if ks.Notes != "" {
		c.replyBulkString("notes")
		c.replyBulkString(ks.Notes)
	}
	c.replyBulkString("flags")
	c.replyStatusSet(ks.Flags)

	c.replyBulkString("begin_search")
	c.replyMap(2)
	c.replyBulkString("type")
	c.replyBulkString(ks.BeginSearch)
	c.replyBulkString("spec")
	switch ks.BeginSearch {
	case "index":
		c.replyMap(1)
		c.replyBulkString("index")
		c.replyInt(int64(ks.BSIndex))
	case "keyword":
		c.replyMap(2)
		c.replyBulkString("keyword")
		c.replyBulkString(ks.BSKeyword)
		c.replyBulkString("startfrom")
		c.replyInt(int64(ks.BSStartFrom))
	default:
		c.replyMap(0)
	}

	c.replyBulkString("find_keys")
	c.replyMap(2)
	c.replyBulkString("type")
	c.replyBulkString(ks.FindKeys)
	c.replyBulkString("spec")
	switch ks.FindKeys {
	case "range":
		c.replyMap(3)
		c.replyBulkString("lastkey")
		c.replyInt(int64(ks.FKLastKey))
		c.replyBulkString("keystep")
		c.replyInt(int64(ks.FKKeyStep))
		c.replyBulkString("limit")
		c.replyInt(int64(ks.FKLimit))
	case "keynum":
		c.replyMap(3)
		c.replyBulkString("keynumidx")
		c.replyInt(int64(ks.FKKeyNumIdx))
		c.replyBulkString("firstkey")
		c.replyInt(int64(ks.FKFirstKey))
		c.replyBulkString("keystep")
		c.replyInt(int64(ks.FKKeyStep))
	default:
		c.replyMap(0)
	}
}

// replyCommandDocs replies one command's COMMAND DOCS map (without the name
// that precedes it), with its subcommands (those kvd has).
func (c *Ctx) replyCommandDocs(st *cmdState) {
	m := st.meta()
	subs := st.documentedSubcommands()
	n := 3
	for _, present := range []bool{m.Complexity != "", m.DocFlags != nil, m.DeprecatedSince != "",
		m.ReplacedBy != "", m.History != nil, m.Arguments != nil, subs != nil} {
		if present {
			n++
		}
	}
	c.replyMap(n)
	c.replyBulkString("summary")
	c.replyBulkString(m.Summary)
	c.replyBulkString("since")
	c.replyBulkString(m.Since)
	c.replyBulkString("group")
	c.replyBulkString(m.Group)
	if m.Complexity != "" {
		c.replyBulkString("complexity")
		c.replyBulkString(m.Complexity)
	}
	if m.DocFlags != nil {
		c.replyBulkString("doc_flags")
		c.replyStatusSet(m.DocFlags)
	}
	if m.DeprecatedSince != "" {
		c.replyBulkString("deprecated_since")
		c.replyBulkString(m.DeprecatedSince)
	}
	if m.ReplacedBy != "" {
		c.replyBulkString("replaced_by")
		c.replyBulkString(m.ReplacedBy)
	}
	if m.History != nil {
		c.replyBulkString("history")
		c.replySet(len(m.History))
		for _, h := range m.History {
			c.replyArray(2)
			c.replyBulkString(h[0])
			c.replyBulkString(h[1])
		}
	}
	if m.Arguments != nil {
		c.replyBulkString("arguments")
		c.replyCommandArgs(m.Arguments)
	}
	if subs != nil {
		c.replyBulkString("subcommands")
		c.replyMap(len(subs))
		for _, sc := range subs {
			c.replyBulkString(sc.fullName)
			c.replyCommandDocs(sc)
		}
	}
}

func (c *Ctx) replyCommandArgs(args []commandArg) {
	c.replyArray(len(args))
	for i := range args {
		a := &args[i]
		n := 2
		hasToken := a.Token != "" || a.EmptyToken
		for _, present := range []bool{a.HasKeySpec, hasToken, a.Summary != "", a.Since != "",
			a.DeprecatedSince != "", a.Flags != nil, a.Type == "oneof" || a.Type == "block"} {
			if present {
				n++
			}
		}
		c.replyMap(n)
		c.replyBulkString("name")
		c.replyBulkString(a.Name)
		c.replyBulkString("type")
		c.replyBulkString(a.Type)
		if a.HasKeySpec {
			c.replyBulkString("key_spec_index")
			c.replyInt(int64(a.KeySpecIndex))
		}
		if hasToken {
			c.replyBulkString("token")
			c.replyBulkString(a.Token)
		}
		if a.Summary != "" {
			c.replyBulkString("summary")
			c.replyBulkString(a.Summary)
		}
		if a.Since != "" {
			c.replyBulkString("since")
			c.replyBulkString(a.Since)
		}
		if a.DeprecatedSince != "" {
			c.replyBulkString("deprecated_since")
			c.replyBulkString(a.DeprecatedSince)
		}
		if a.Flags != nil {
			c.replyBulkString("flags")
			c.replyStatusSet(a.Flags)
		}
		if a.Type == "oneof" || a.Type == "block" {
			c.replyBulkString("arguments")
			c.replyCommandArgs(a.Arguments)
		}
	}
}

// documentedSubcommands is subcommands without those that have no
// generated documentation.
func (st *cmdState) documentedSubcommands() []*cmdState {
	subs := st.subcommands()
	if subs == nil {
		return nil
	}
	return slices.DeleteFunc(subs, func(sc *cmdState) bool { return lookupMeta(sc.fullName) == nil })
}

// ---- finding keys (COMMAND GETKEYS) ----

// keyRef is a key argument found in a command line, with the flags that say
// how the command uses it.
type keyRef struct {
	pos   int
	flags []string
}

// hasKeys reports whether the command can have key arguments at all, like
// Redis's doesCommandHaveKeys: it has a key-finding function or a key spec
// for real keys.
func (st *cmdState) hasKeys() bool {
	if st.GetKeys != nil {
		return true
	}
	m := lookupMeta(st.fullName)
	if m == nil {
		return st.FirstKey != 0
	}
	for i := range m.KeySpecs {
		if !m.KeySpecs[i].hasFlag("not_key") {
			return true
		}
	}
	return false
}

// findKeys returns the key arguments in argv (argv[0] being the command
// name), the way Redis 7.0 finds them: from the key specs when there are
// some for real keys and their flags do not depend on the arguments, else
// from the command's GetKeys function, else from the legacy key range when
// the flags vary with the arguments (SET, BITFIELD).
func (st *cmdState) findKeys(argv [][]byte) []keyRef {
	return st.appendKeys(nil, argv)
}

// appendKeys is findKeys appending to dst, so that a caller with a scratch
// slice (the ACL check on every command of a restricted user) does not
// allocate.
func (st *cmdState) appendKeys(dst []keyRef, argv [][]byte) []keyRef {
	m := lookupMeta(st.fullName)
	if m == nil {
		return legacyKeys(dst, st, argv, nil)
	}
	realSpec, varFlags := false, false
	for i := range m.KeySpecs {
		ks := &m.KeySpecs[i]
		if !ks.hasFlag("not_key") {
			realSpec = true
		}
		if ks.hasFlag("variable_flags") {
			varFlags = true
		}
	}
	if realSpec && !varFlags {
		if refs, ok := keysFromSpecs(dst, m, argv); ok {
			return refs
		}
	}
	flags := variableKeyFlags[st.fullName]
	if st.GetKeys != nil {
		for _, p := range st.GetKeys(argv) {
			r := keyRef{pos: p}
			if flags != nil {
				r.flags = flags(argv, p)
			}
			dst = append(dst, r)
		}
		return dst
	}
	if varFlags {
		return legacyKeys(dst, st, argv, flags)
	}
	return dst
}

// legacyKeys finds keys from FirstKey, LastKey and Step.
func legacyKeys(refs []keyRef, cmd *cmdState, argv [][]byte, flags func([][]byte, int) []string) []keyRef {
	if cmd.FirstKey <= 0 {
		return refs
	}
	last := cmd.LastKey
	if last < 0 {
		last += len(argv)
	}
	step := max(cmd.Step, 1)
	base := len(refs)
	for i := cmd.FirstKey; i <= last; i += step {
		if i >= len(argv) {
			return refs[:base]
		}
		r := keyRef{pos: i}
		if flags != nil {
			r.flags = flags(argv, i)
		}
		refs = append(refs, r)
	}
	return refs
}

// keysFromSpecs applies the key specs to argv like Redis's
// getKeysUsingKeySpecs. ok is false when a spec cannot be applied (unknown
// or incomplete, a bad key count, keys out of range), in which case Redis
// falls back to the command's own key-finding function.
func keysFromSpecs(refs []keyRef, m *commandMeta, argv [][]byte) ([]keyRef, bool) {
	argc := len(argv)
	base := len(refs)
	for i := range m.KeySpecs {
		ks := &m.KeySpecs[i]
		if ks.hasFlag("not_key") {
			continue
		}
		first := 0
		switch ks.BeginSearch {
		case "index":
			first = ks.BSIndex
		case "keyword":
			start, end := ks.BSStartFrom, argc-1
			if ks.BSStartFrom <= 0 {
				start, end = argc+ks.BSStartFrom, 1
			}
			dir := 1
			if start > end {
				dir = -1
			}
			for j := start; j != end; j += dir {
				if j >= argc || j < 1 {
					break
				}
				if isOpt(argv[j], toLowerASCII(ks.BSKeyword)) {
					first = j + 1
					break
				}
			}
			if first == 0 {
				continue
			}
		default:
			return refs[:base], false
		}
		var last, step int
		switch ks.FindKeys {
		case "range":
			step = ks.FKKeyStep
			switch {
			case ks.FKLastKey >= 0:
				last = first + ks.FKLastKey
			case ks.FKLimit == 0:
				last = argc + ks.FKLastKey
			default:
				last = first + (argc-first)/ks.FKLimit + ks.FKLastKey
			}
		case "keynum":
			step = ks.FKKeyStep
			idx := first + ks.FKKeyNumIdx
			if idx < 0 || idx >= argc {
				return refs[:base], false
			}
			n, valid := num.ParseInt(argv[idx])
			if !valid || n < 0 || n > int64(argc) {
				return refs[:base], false
			}
			first += ks.FKFirstKey
			last = first + int(n) - 1
		default:
			return refs[:base], false
		}
		if last >= argc || last < first || first >= argc {
			return refs[:base], false
		}
		for j := first; j <= last; j += max(step, 1) {
			refs = append(refs, keyRef{pos: j, flags: ks.Flags})
		}
		if ks.hasFlag("incomplete") {
			return refs[:base], false
		}
	}
	return refs, true
}

// The key-flag sets variableKeyFlags answers with (shared, never changed).
var (
	flagsRWAccessUpdate = []string{"RW", "access", "update"}
	flagsOWUpdate       = []string{"OW", "update"}
	flagsROAccess       = []string{"RO", "access"}
	flagsRWAccessDelete = []string{"RW", "access", "delete"}
)

// variableKeyFlags gives the key flags of commands whose flags depend on
// their arguments, or whose key specs Redis cannot apply (it asks the
// command's own key function, which sets them), as Redis's setGetKeys,
// bitfieldGetKeys, sortGetKeys and migrateGetKeys do. Other key functions
// in Redis leave the flags empty.
var variableKeyFlags = map[string]func(argv [][]byte, pos int) []string{
	"set": func(argv [][]byte, _ int) []string {
		for _, a := range argv[min(3, len(argv)):] {
			if isOpt(a, "get") {
				return flagsRWAccessUpdate
			}
		}
		return flagsOWUpdate
	},
	"bitfield": func(argv [][]byte, _ int) []string {
		for i := 2; i < len(argv); i++ {
			rest := len(argv) - i - 1
			switch {
			case isOpt(argv[i], "get") && rest >= 2:
				i += 2
			case isOpt(argv[i], "overflow") && rest >= 1:
				i++
			default:
				return flagsRWAccessUpdate
			}
		}
		return flagsROAccess
	},
	"sort": func(_ [][]byte, pos int) []string {
		if pos == 1 {
			return flagsROAccess
		}
		return flagsOWUpdate
	},
	"sort_ro": func([][]byte, int) []string { return flagsROAccess },
	"migrate": func([][]byte, int) []string { return flagsRWAccessDelete },
}
