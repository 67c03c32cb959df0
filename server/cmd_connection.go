package server

var connectionCommands = []*Command{
	{Name: "ping", Proc: pingCommand},
	{Name: "echo", Proc: echoCommand},
	{Name: "quit", Proc: quitCommand},
	{Name: "select", Proc: selectCommand},
	{Name: "hello", Proc: helloCommand},
	{Name: "auth", Proc: authCommand},
	{Name: "reset", Proc: resetCommand},
	{Name: "client", Subcommands: clientSubcommands},
}

// defaultUser is the name of the user new connections start as;
// requirepass is its password.
const defaultUser = "default"

func pingCommand(c *Ctx) {
	if c.client.inPubsub() && c.proto == 2 && len(c.argv) <= 2 {
		pingSubscribed(c)
		return
	}
	switch len(c.argv) {
	case 1:
		c.replyStatus("PONG")
	case 2:
		c.replyBulk(c.argv[1])
	default:
		c.replyError(errWrongArgs("ping"))
	}
}

func echoCommand(c *Ctx) { c.replyBulk(c.argv[1]) }

func quitCommand(c *Ctx) {
	c.replyOK()
	c.client.flags |= flagCloseAfterReply
}

func selectCommand(c *Ctx) {
	id, ok := dbIndexArg(c, c.argv[1], "")
	if !ok {
		return
	}
	db := c.dbAt(id)
	if db == nil {
		c.replyError(errDBIndex)
		return
	}
	c.db, c.dbIndex = db, int(id)
	c.replyOK()
}

// ---- authentication ----

// authRequired reports whether c must authenticate before it runs commands
// other than the no_auth ones. As in Redis, a client that has not
// authenticated is let through while the default user has no password
// (nopass) and is enabled.
func (c *Client) authRequired() bool {
	if c.client.flags&flagAuthenticated != 0 {
		return false
	}
	d := c.srv.acl.defaultUser
	return d.flags&userNoPass == 0 || d.flags&userOff != 0
}

// defaultAuthenticated reports whether a new connection starts
// authenticated: the default user has no password and is enabled.
func (s *Server) defaultAuthenticated() bool {
	d := s.acl.defaultUser
	return d.flags&userNoPass != 0 && d.flags&userOff == 0
}

// authenticate checks a user name and password (compared as SHA-256
// hashes, in constant time); on success the client is authenticated as
// that user, else the failure is in the ACL log.
func (c *Client) authenticate(user, pass []byte) bool {
	s := c.srv
	u := s.acl.users[string(user)]
	if u == nil || u.flags&userOff != 0 || !u.checkPassword(pass) {
		ctx := aclCtxToplevel
		if c.inMulti() {
			ctx = aclCtxMulti
		}
		s.addACLLog(c.client, aclDeniedAuth, ctx, 0, string(user), "")
		return false
	}
	c.client.user = u
	c.client.flags |= flagAuthenticated
	return true
}

// resetAuth puts the client back to the state of a new connection: the
// default user, authenticated only if it has no password.
func (c *Client) resetAuth() {
	c.client.user = c.srv.acl.defaultUser
	if c.srv.defaultAuthenticated() {
		c.client.flags |= flagAuthenticated
	} else {
		c.client.flags &^= flagAuthenticated
	}
}

// AUTH [username] password
func authCommand(c *Ctx) {
	if len(c.argv) > 3 {
		c.replyError(errSyntax)
		return
	}
	user, pass := []byte(defaultUser), c.argv[len(c.argv)-1]
	if len(c.argv) == 2 {
		if c.srv.acl.defaultUser.flags&userNoPass != 0 {
			c.replyError(errNoPassword)
			return
		}
	} else {
		user = c.argv[1]
	}
	if !c.client.authenticate(user, pass) {
		c.replyError(errWrongPass)
		return
	}
	c.replyOK()
}

// ---- HELLO ----

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func helloCommand(c *Ctx) {
	argv := c.argv
	var ver int64
	next := 1
	if len(argv) >= 2 {
		v, ok := c.intArgMsg(argv[1], errProtoVersion)
		if !ok {
			return
		}
		if v < 2 || v > 3 {
			c.replyError(errNoProto)
			return
		}
		ver, next = v, 2
	}
	// Options take effect as they are read, as in Redis 7.0: an AUTH or a
	// SETNAME before a bad option (or before the NOAUTH check) still
	// authenticates the client or names it.
	for j := next; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case isOpt(argv[j], "auth") && more >= 2:
			if !c.client.authenticate(argv[j+1], argv[j+2]) {
				c.replyError(errWrongPass)
				return
			}
			j += 2
		case isOpt(argv[j], "setname") && more >= 1:
			if !validClientName(argv[j+1]) {
				c.replyError(errClientName)
				return
			}
			c.client.name = string(argv[j+1])
			j++
		default:
			c.replyError(errHelloOption(argv[j]))
			return
		}
	}
	// Like Redis, HELLO looks at the client's own state here, not at
	// whether the default user has a password now.
	if c.client.flags&flagAuthenticated == 0 {
		c.replyError(errHelloAuth)
		return
	}
	if ver != 0 {
		c.proto = int(ver)
	}
	c.replyMap(7)
	c.replyBulkString("server")
	c.replyBulkString("redis")
	c.replyBulkString("version")
	c.replyBulkString(RedisVersion)
	c.replyBulkString("proto")
	c.replyInt(int64(c.proto))
	c.replyBulkString("id")
	c.replyInt(c.client.id)
	c.replyBulkString("mode")
	c.replyBulkString("standalone")
	c.replyBulkString("role")
	c.replyBulkString("master")
	c.replyBulkString("modules")
	c.replyEmptyArray()
}

// validClientName reports whether name may be a client name (or a library
// name or version): printable ASCII without spaces, so that CLIENT LIST
// lines split on spaces. The empty name is valid: it clears the name.
func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

// ---- RESET ----

// resetCommand puts the connection back in the state of a new one: database
// 0, RESP2, no name, replies on, authenticated only if no password is set,
// CLIENT NO-EVICT and NO-TOUCH off (as Redis 7.2 does; 7.0 kept NO-EVICT).
// The library name and version stay: they still describe the client.
func resetCommand(c *Ctx) {
	c.client.discardTransaction()
	c.client.flags &^= flagDirtyCAS
	c.selectDB(0)
	c.proto = 2
	c.client.name = ""
	c.client.resetAuth()
	c.srv.pubsubFree(c.client)
	c.srv.monitorFree(c.client)
	c.srv.disableTracking(c.client)
	// CLIENT REPLY SKIP's effect on this very command remains, as in Redis.
	c.client.flags &^= flagReplyOff | flagReplySkipNext | flagNoEvict | flagNoTouch
	c.replyStatus("RESET")
}
