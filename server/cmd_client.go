package server

import "math"

// clientSubcommands are CLIENT's subcommands. SETINFO and NO-TOUCH are
// Redis 7.2's; the rest are Redis 7.0's.
var clientSubcommands = []*Command{
	{Name: "caching", Proc: clientCachingCommand},
	{Name: "getredir", Proc: clientGetredirCommand},
	{Name: "getname", Proc: clientGetnameCommand},
	{Name: "id", Proc: clientIDCommand},
	{Name: "info", Proc: clientInfoCommand},
	{Name: "kill", Proc: clientKillCommand},
	{Name: "list", Proc: clientListCommand},
	{Name: "unpause", Proc: clientUnpauseCommand},
	{Name: "pause", Proc: clientPauseCommand},
	{Name: "reply", Proc: clientReplyCommand},
	{Name: "setname", Proc: clientSetnameCommand},
	{Name: "setinfo", Proc: clientSetinfoCommand},
	{Name: "unblock", Proc: clientUnblockCommand},
	{Name: "tracking", Proc: clientTrackingCommand},
	{Name: "trackinginfo", Proc: clientTrackinginfoCommand},
	{Name: "no-evict", Proc: clientNoEvictCommand},
	{Name: "no-touch", Proc: clientNoTouchCommand},
	{Name: "help", Proc: clientHelpCommand},
}

// clientHelp is CLIENT HELP's text, Redis 7.0.15's word for word (less
// the header and the HELP entry that replyHelpLines adds).
var clientHelp = []string{
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}

func clientHelpCommand(c *Ctx) { c.replyHelpLines("CLIENT", clientHelp) }

// onOffArg parses an ON|OFF argument, replying with a syntax error if it
// is neither.
func (c *Ctx) onOffArg(arg []byte) (on, ok bool) {
	switch {
	case isOpt(arg, "on"):
		return true, true
	case isOpt(arg, "off"):
		return false, true
	}
	c.replyError(errSyntax)
	return false, false
}

// ---- identity ----

func clientIDCommand(c *Ctx) { c.replyInt(c.client.id) }

func clientGetnameCommand(c *Ctx) {
	if c.client.name == "" {
		c.replyNull()
		return
	}
	c.replyBulkString(c.client.name)
}

func clientSetnameCommand(c *Ctx) {
	if !validClientName(c.argv[2]) {
		c.replyError(errClientName)
		return
	}
	c.client.name = string(c.argv[2])
	c.replyOK()
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2): what client libraries
// send on connecting to name themselves in CLIENT LIST.
func clientSetinfoCommand(c *Ctx) {
	attr, val := c.argv[2], c.argv[3]
	var dst *string
	switch {
	case isOpt(attr, "lib-name"):
		dst = &c.client.libName
	case isOpt(attr, "lib-ver"):
		dst = &c.client.libVer
	default:
		c.replyError(errSetinfoOption(attr))
		return
	}
	if !validClientName(val) {
		c.replyError(errSetinfoValue(attr))
		return
	}
	*dst = string(val)
	c.replyOK()
}

// ---- listing ----

// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubSub
	clientTypeMaster
)

// clientTypeByName parses a client type name, -1 if it is not one.
func clientTypeByName(name []byte) int {
	switch {
	case isOpt(name, "normal"):
		return clientTypeNormal
	case isOpt(name, "slave"), isOpt(name, "replica"):
		return clientTypeReplica
	case isOpt(name, "pubsub"):
		return clientTypePubSub
	case isOpt(name, "master"):
		return clientTypeMaster
	}
	return -1
}

// clientType is the client's type. kvd has no replication, so no client
// is a master or a replica.
func (c *Client) clientType() int {
	if c.flags&flagMaster != 0 {
		return clientTypeMaster
	}
	if c.flags&flagReplica != 0 {
		return clientTypeReplica
	}
	if c.flags&flagPubSub != 0 {
		return clientTypePubSub
	}
	return clientTypeNormal
}

func clientInfoCommand(c *Ctx) {
	b := c.client.appendClientInfo(nil)
	c.replyVerbatim(append(b, '\n'))
}

// CLIENT LIST [TYPE type | ID id [id ...]]
func clientListCommand(c *Ctx) {
	s := c.srv
	argv := c.argv
	var b []byte
	switch {
	case len(argv) == 2:
		for _, cl := range s.clientList() {
			b = append(cl.appendClientInfo(b), '\n')
		}
	case len(argv) == 4 && isOpt(argv[2], "type"):
		typ := clientTypeByName(argv[3])
		if typ < 0 {
			c.replyError(errClientType(argv[3]))
			return
		}
		for _, cl := range s.clientList() {
			if cl.clientType() == typ {
				b = append(cl.appendClientInfo(b), '\n')
			}
		}
	case len(argv) > 3 && isOpt(argv[2], "id"):
		ids := make([]int64, 0, len(argv)-3)
		for _, arg := range argv[3:] {
			id, ok := c.intArgMsg(arg, errClientID)
			if !ok {
				return
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if cl := s.clients[id]; cl != nil {
				b = append(cl.appendClientInfo(b), '\n')
			}
		}
	default:
		c.replyError(errSyntax)
		return
	}
	c.replyVerbatim(b)
}

// ---- KILL ----

// CLIENT KILL ip:port, or CLIENT KILL with filters: ID, TYPE, ADDR, LADDR,
// USER and SKIPME (Redis 7.0's; MAXAGE came in 7.4).
func clientKillCommand(c *Ctx) {
	s := c.srv
	argv := c.argv
	var (
		addr, laddr string
		hasAddr     bool
		hasLaddr    bool
		typ         = -1
		id          int64
		user        *aclUser
		skipMe      = true
	)
	oldForm := len(argv) == 3
	if oldForm {
		addr, hasAddr = string(cstr(argv[2])), true
		skipMe = false // the old form can kill the caller itself
	} else {
		for i := 2; i < len(argv); i += 2 {
			if i+1 >= len(argv) {
				c.replyError(errSyntax)
				return
			}
			opt, val := argv[i], argv[i+1]
			switch {
			case isOpt(opt, "id"):
				n, ok := c.rangeArg(val, 1, math.MaxInt64, errClientIDPositive)
				if !ok {
					return
				}
				id = n
			case isOpt(opt, "type"):
				if typ = clientTypeByName(val); typ < 0 {
					c.replyError(errClientType(val))
					return
				}
			case isOpt(opt, "addr"):
				addr, hasAddr = string(cstr(val)), true
			case isOpt(opt, "laddr"):
				laddr, hasLaddr = string(cstr(val)), true
			case isOpt(opt, "user"):
				if user = s.acl.users[string(val)]; user == nil {
					c.replyError(errNoSuchUser(val))
					return
				}
			case isOpt(opt, "skipme"):
				switch {
				case isOpt(val, "yes"):
					skipMe = true
				case isOpt(val, "no"):
					skipMe = false
				default:
					c.replyError(errSyntax)
					return
				}
			default:
				c.replyError(errSyntax)
				return
			}
		}
	}
	killed := 0
	for _, cl := range s.clientList() {
		switch {
		case hasAddr && cl.addr != addr,
			hasLaddr && cl.laddr != laddr,
			typ >= 0 && cl.clientType() != typ,
			id != 0 && cl.id != id,
			user != nil && cl.aclUser() != user,
			cl == c.client && skipMe:
			continue
		}
		killed++
		if cl == c.client {
			// Closed once the reply below is written.
			c.client.flags |= flagCloseAfterReply
		} else {
			cl.close()
		}
	}
	switch {
	case !oldForm:
		c.replyInt(int64(killed))
	case killed == 0:
		c.replyError(errNoSuchClient)
	default:
		c.replyOK()
	}
}

// ---- pause ----

// CLIENT PAUSE timeout [WRITE|ALL]
func clientPauseCommand(c *Ctx) {
	argv := c.argv
	if len(argv) > 4 {
		c.subcommandSyntaxError()
		return
	}
	mode := pauseAll
	if len(argv) == 4 {
		switch {
		case isOpt(argv[3], "write"):
			mode = pauseWrite
		case isOpt(argv[3], "all"):
			mode = pauseAll
		default:
			c.replyError(errPauseMode)
			return
		}
	}
	ms, ok := c.intArgMsg(argv[2], errTimeoutNotInteger)
	if !ok {
		return
	}
	if ms < 0 {
		c.replyError(errTimeoutNegative)
		return
	}
	var end int64
	if ms > 0 {
		// Wraps around for huge timeouts, as in Redis 7.0: the pause is
		// then over at once.
		end = c.srv.nowMs() + ms
	}
	c.srv.pauseClients(mode, end)
	c.replyOK()
}

func clientUnpauseCommand(c *Ctx) {
	c.srv.unpause()
	c.replyOK()
}

// ---- reply mode and flags ----

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP take effect in Server.execute,
// which drops the replies of the commands they cover.
func clientReplyCommand(c *Ctx) {
	switch arg := c.argv[2]; {
	case isOpt(arg, "on"):
		c.client.flags &^= flagReplySkip | flagReplyOff
		c.replyOK()
	case isOpt(arg, "off"):
		c.client.flags |= flagReplyOff
	case isOpt(arg, "skip"):
		if c.client.flags&flagReplyOff == 0 {
			c.client.flags |= flagReplySkipNext
		}
	default:
		c.replyError(errSyntax)
	}
}

// CLIENT NO-EVICT ON|OFF: client eviction (maxmemory-clients,
// evict_clients.go) leaves the client alone.
func clientNoEvictCommand(c *Ctx) {
	if on, ok := c.onOffArg(c.argv[2]); ok {
		c.client.setFlag(flagNoEvict, on)
		c.replyOK()
	}
}

// CLIENT NO-TOUCH ON|OFF (Redis 7.2): the client's reads leave keys' LRU
// clocks alone.
func clientNoTouchCommand(c *Ctx) {
	if on, ok := c.onOffArg(c.argv[2]); ok {
		c.client.setFlag(flagNoTouch, on)
		c.replyOK()
	}
}

func (c *Client) setFlag(flag uint32, on bool) {
	if on {
		c.client.flags |= flag
	} else {
		c.client.flags &^= flag
	}
}

// ---- blocking and tracking ----

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client blocked by a blocking
// command gets the answer of its timeout, or an -UNBLOCKED error. A client
// held by CLIENT PAUSE is not blocked by its command (Redis 7.0.15 crashes
// on one; later versions answer 0) and is left alone.
func clientUnblockCommand(c *Ctx) {
	argv := c.argv
	if len(argv) > 4 {
		c.subcommandSyntaxError()
		return
	}
	withError := false
	if len(argv) == 4 {
		switch {
		case isOpt(argv[3], "timeout"):
		case isOpt(argv[3], "error"):
			withError = true
		default:
			c.replyError(errUnblockReason)
			return
		}
	}
	id, ok := c.intArg(argv[2])
	if !ok {
		return
	}
	if c.srv.clientUnblocked(id, withError) {
		// Redis counts the error it sent the unblocked client against
		// CLIENT UNBLOCK too (failed_calls), as it was replied during it.
		c.errored = c.errored || withError
		c.replyInt(1)
	} else {
		c.replyInt(0)
	}
}

// CLIENT CACHING YES|NO needs tracking in OPTIN or OPTOUT mode, which is
// never on in kvd.
