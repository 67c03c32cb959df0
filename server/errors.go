package server

import "strings"

// Error replies shared by many commands, with Redis's exact text.
const (
	errSyntax          = "ERR syntax error"
	errWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNotInteger      = "ERR value is not an integer or out of range"
	errNotFloat        = "ERR value is not a valid float"
	errNoSuchKey       = "ERR no such key"
	errDBIndex         = "ERR DB index is out of range"
	errOverflow        = "ERR increment or decrement would overflow"
	errNotPositive     = "ERR value is out of range, must be positive"
	errIndexOutOfRange = "ERR index out of range"
	errOutOfRange      = "ERR value is out of range"
	errRandCountRange  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errNaNOrInfinity   = "ERR increment would produce NaN or Infinity"
	errNumkeys         = "ERR numkeys should be greater than 0"
	errCountPositive   = "ERR count should be greater than 0"
	errLimitNegative   = "ERR LIMIT can't be negative"
	errInvalidCursor   = "ERR invalid cursor"
	errNoAuth          = "NOAUTH Authentication required."

	// Transactions.
	errMultiNested         = "ERR MULTI calls can not be nested"
	errExecWithoutMulti    = "ERR EXEC without MULTI"
	errDiscardWithoutMulti = "ERR DISCARD without MULTI"
	errWatchInMulti        = "ERR WATCH inside MULTI is not allowed"
	errExecAbort           = "EXECABORT Transaction discarded because of previous errors."
	errNotInMulti          = "ERR Command not allowed inside a transaction"
)

// errExecAbortBecause is the reply to an EXEC that is itself rejected: the
// reason without its error code.
func errExecAbortBecause(err string) string {
	if i := strings.IndexByte(err, ' '); i >= 0 {
		err = err[i+1:]
	}
	return "EXECABORT Transaction discarded because of: " + err
}

// errProtectedCommand is the reply to a command that enable-debug-command
// (or a setting like it) does not allow.
func errProtectedCommand(name string) string {
	return "ERR " + strings.ToUpper(name) + " command not allowed. If the enable-debug-command option is set to \"local\", " +
		"you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
}

// errWrongArgs is Redis's reply to a command called with a number of
// arguments it does not take.
func errWrongArgs(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError: the reply
// to a subcommand that does not exist or does not take the arguments given.
func (c *Ctx) subcommandSyntaxError() {
	c.replyError("ERR unknown subcommand or wrong number of arguments for '" + string(truncate(cstr(c.argv[1]), 128)) +
		"'. Try " + strings.ToUpper(string(cstr(c.argv[0]))) + " HELP.")
}
