package server

var connectionCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast | FlagSentinel, Proc: pingCommand},
	{Name: "echo", Arity: 2, Flags: FlagFast, Proc: echoCommand},
	{Name: "quit", Arity: -1, Flags: FlagAllowBusy | FlagNoAuth | FlagNoScript | FlagLoading | FlagStale | FlagFast, Proc: quitCommand},
	{Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Proc: selectCommand},
}

func pingCommand(c *Client) {
	switch len(c.argv) {
	case 1:
		c.replyStatus("PONG")
	case 2:
		c.replyBulk(c.argv[1])
	default:
		c.replyError("ERR wrong number of arguments for 'ping' command")
	}
}

func echoCommand(c *Client) { c.replyBulk(c.argv[1]) }

func quitCommand(c *Client) {
	c.replyOK()
	c.flags |= flagCloseAfterReply
}

func selectCommand(c *Client) {
	id, ok := c.intArg(c.argv[1])
	if !ok {
		return
	}
	if id < 0 || id >= int64(len(c.srv.dbs)) || id > 1<<31-1 {
		c.replyError(errDBIndex)
		return
	}
	c.db, c.dbIndex = c.srv.dbs[id], int(id)
	c.replyOK()
}
