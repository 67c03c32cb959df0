package server

import (
	"fmt"
	"strconv"
	"strings"
)

// Every error reply text of the server, with Redis's exact text, grouped by
// family: command code refers to them by name, and a message that includes
// an argument has a small builder (TestErrorTextsInOneFile holds the rule).
// The protocol errors of the request parser are package resp's.

// Error replies shared by many commands.
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

// errUnknownCommand builds Redis's reply for a command it does not know.
func errUnknownCommand(argv [][]byte) string {
	var args strings.Builder
	for i := 1; i < len(argv) && args.Len() < 128; i++ {
		args.WriteByte('\'')
		args.Write(truncate(cstr(argv[i]), 128-args.Len()))
		args.WriteString("' ")
	}
	return "ERR unknown command '" + string(truncate(cstr(argv[0]), 128)) + "', with args beginning with: " + args.String()
}

// errUnknownSubcommand is the reply to a subcommand sub of the container
// command cmd that does not exist.
func errUnknownSubcommand(sub []byte, cmd string) string {
	return "ERR unknown subcommand '" + string(truncate(cstr(sub), 128)) + "'. Try " + strings.ToUpper(cmd) + " HELP."
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError: the reply
// to a subcommand that does not exist or does not take the arguments given.
func (c *Ctx) subcommandSyntaxError() {
	c.replyError("ERR unknown subcommand or wrong number of arguments for '" + string(truncate(cstr(c.argv[1]), 128)) +
		"'. Try " + strings.ToUpper(string(cstr(c.argv[0]))) + " HELP.")
}

// errInvalidExpire is the reply to an expire time that is not positive or
// overflows, in command cmd.
func errInvalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// Connections: AUTH, HELLO, SELECT, CLIENT SETNAME and the accept path.
const (
	errWrongPass    = "WRONGPASS invalid username-password pair or user is disabled."
	errClientName   = "ERR Client names cannot contain spaces, newlines or special characters."
	errHelloAuth    = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	errNoPassword   = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errProtoVersion = "ERR Protocol version is not an integer or out of range"
	errNoProto      = "NOPROTO unsupported protocol version"
	errMaxClients   = "ERR max number of clients reached"
)

// SHUTDOWN.
const (
	errNoShutdown    = "ERR No shutdown in progress."
	errShutdownFails = "ERR Errors trying to SHUTDOWN. Check logs."
	errBgsaveMisconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
		"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
		"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs " +
		"for details about the RDB error."
)

// errHelloOption is HELLO's reply to an option it does not know.
func errHelloOption(opt []byte) string {
	return "ERR Syntax error in HELLO option '" + string(cstr(opt)) + "'"
}

// CLIENT.
const (
	errClientID            = "ERR Invalid client ID"
	errClientIDPositive    = "ERR client-id should be greater than 0"
	errNoSuchClient        = "ERR No such client"
	errPauseMode           = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	errTimeoutNotInteger   = "ERR timeout is not an integer or out of range"
	errTimeoutNegative     = "ERR timeout is negative"
	errTimeoutNotFloat     = "ERR timeout is not a float or out of range"
	errUnblocked           = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	errUnblockReason       = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errRedirectTwice       = "ERR A client can only redirect to a single other client"
	errRedirectMissing     = "ERR The client ID you want redirect to does not exist"
	errPrefixNeedsBcast    = "ERR PREFIX option requires BCAST mode to be enabled"
	errOptinOptoutBcast    = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	errOptinAndOptout      = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	errTrackingBcastSwitch = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackingOptSwitch   = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	errCachingYes          = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	errCachingNo           = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
	errCachingMode         = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
)

// errSetinfoOption is CLIENT SETINFO's reply to an attribute it does not know.
func errSetinfoOption(attr []byte) string {
	return "ERR Unrecognized option '" + string(cstr(attr)) + "'"
}

// errSetinfoValue is CLIENT SETINFO's reply to a value with characters it
// does not take.
func errSetinfoValue(attr []byte) string {
	return "ERR " + string(cstr(attr)) + " cannot contain spaces, newlines or special characters."
}

// errClientType is the reply to a client type CLIENT does not know.
func errClientType(typ []byte) string {
	return "ERR Unknown client type '" + string(cstr(typ)) + "'"
}

// errNoSuchUser is the reply to a user name that does not exist.
func errNoSuchUser(user []byte) string {
	return "ERR No such user '" + string(cstr(user)) + "'"
}

// COMMAND GETKEYS and GETKEYSANDFLAGS.
const (
	errGetKeysCommand = "ERR Invalid command specified"
	errGetKeysNoKeys  = "ERR The command has no key arguments"
	errGetKeysArity   = "ERR Invalid number of arguments specified for command"
	errGetKeysArgs    = "ERR Invalid arguments specified for command"
)

// CONFIG.
const errNoConfigFile = "ERR The server is running without a config file"

// errConfigSetUnknown is CONFIG SET's reply to a parameter it does not know.
func errConfigSetUnknown(name string) string {
	return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'"
}

// errConfigSetFailed is CONFIG SET's reply when parameter name cannot take
// the value given, for reason (a configError or one of the reasons below).
func errConfigSetFailed(name, reason string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason
}

// errConfigRewrite is CONFIG REWRITE's reply when writing the file failed.
func errConfigRewrite(err error) string {
	return "ERR Rewriting config file: " + err.Error()
}

// Reasons CONFIG SET gives in errConfigSetFailed, after the parameter name.
const (
	errImmutableParam = "can't set immutable config"
	errDuplicateParam = "duplicate parameter"
	errProtectedParam = "can't set protected config"
)

// Reasons a parameter rejects a value (configError).
const (
	errNotInt           = configError("argument couldn't be parsed into an integer")
	errNotBool          = configError("argument must be 'yes' or 'no'")
	errNotMemory        = configError("argument must be a memory value")
	errTooManyBind      = configError("Too many bind addresses specified.")
	errNoPersistence    = configError("kvd does not support persistence") // kvd does not have persistence yet
	errSaveParams       = configError("Invalid save parameters")
	errOutputLimitArgs  = configError("Wrong number of arguments in buffer limit configuration.")
	errOutputLimitValue = configError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
	errOutputLimitClass = configError("Invalid client class specified in buffer limit configuration.")

	errNotMemoryPercent = configError("argument must be a memory or percent value")
	errPercentTooBig    = configError("percentage argument must be less or equal to 100")
	errWrongArgCount    = configError("wrong number of arguments")
	errOOMScoreValues   = configError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
	errPercentiles      = configError("Invalid latency-tracking-info-percentiles parameters")
	errPercentilesRange = configError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
	errSaveAndNoSave    = configError("shutdown options SAVE and NOSAVE can't be used simultaneously")

	errNoActiveDefrag = configError("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")
	errTLSUpdate      = configError("Unable to update TLS configuration. Check server logs.")
	errProcTitle      = configError("template format is invalid or contains unknown variables")
	errHostname       = configError("Hostnames may only contain alphanumeric characters, hyphens or dots")

	errRenameNoCommand    = configError("No such command in rename-command")
	errRenameTargetExists = configError("Target command name already exists")
)

// errRange is the reason for an integer outside [lo, hi].
func errRange(lo, hi int64) configError {
	return configError(fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi))
}

// errEnumValue is the reason for a value not among values.
func errEnumValue(values []string) configError {
	return configError("argument(s) must be one of the following: " + strings.Join(values, ", "))
}

// errMaxClientsOS is the reason for a maxclients the open files limit does
// not allow; n is the most it allows.
func errMaxClientsOS(n int64) configError {
	return configError("The operating system is not able to handle the specified number of clients, try with " + strconv.FormatInt(n, 10))
}

// DEBUG.
const (
	errProtocolRESP2 = "ERR RESP2 is not supported by this command"
	errProtocolType  = "ERR Wrong protocol type name. Please use one of the following: " +
		"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
	errDebugClusterOnly  = "ERR Debug option only available for cluster mode enabled setup!"
	errPackedThreshold   = "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
	errNotListpack       = "ERR Not a listpack encoded object."
	errNotQuicklist      = "ERR Not a quicklist encoded object."
	errClientEvictionOff = "ERR maxmemory-clients is disabled."
	errOutOfRangeDB      = "ERR Out of range database"
)

// Keys.
const (
	errSameObject    = "ERR source and destination objects are the same"
	errIntRange      = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errOOM           = "OOM command not allowed when used memory > 'maxmemory'."
	errLRUNotTaken   = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUNotTaken   = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errExpireNXAndGT = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errExpireGTAndLT = "ERR GT and LT options at the same time are not compatible"
	errSwapDBFirst   = "ERR invalid first DB index"
	errSwapDBSecond  = "ERR invalid second DB index"
)

// errExpireOption is EXPIRE's reply to an option it does not know.
func errExpireOption(opt []byte) string {
	return "ERR Unsupported option " + string(cstr(opt))
}

// Strings.
const (
	errStringTooLong  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOffsetRange    = "ERR offset is out of range"
	errDecrOverflow   = "ERR decrement would overflow"
	errLCSWrongType   = "ERR The specified keys must contain string values"
	errLCSLenAndIdx   = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong     = "ERR String too long for LCS"
	errLCSTooMuchMem  = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	errLCSAllocFailed = "ERR Insufficient memory, failed allocating transient memory for LCS"
)

// Bitmaps.
const (
	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errBitArg        = "ERR The bit argument must be 1 or 0."
	errBitopNot      = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOflow = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO    = "ERR BITFIELD_RO only supports the GET subcommand"
)

// Lists (LPOS).
const (
	errLposRank   = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCount  = "ERR COUNT can't be negative"
	errLposMaxlen = "ERR MAXLEN can't be negative"
)

// Hashes.
const (
	errHashNotInteger = "ERR hash value is not an integer"
	errHashNotFloat   = "ERR hash value is not a float"
	errHashIncrNaNInf = "ERR value is NaN or Infinity"
)

// Sets.
const errNumkeysArgs = "ERR Number of keys can't be greater than number of args"

// Sorted sets.
const (
	errZAddXXNX       = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPair   = "ERR INCR option supports a single increment-element pair"
	errZNaN           = "ERR resulting score is not a number (NaN)"
	errZMinMaxFloat   = "ERR min or max is not a float"
	errZMinMaxLex     = "ERR min or max not valid string range item"
	errZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithscoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeight        = "ERR weight value is not a float"
)

// errNoInputKeys is the reply of the sorted set operations (ZUNION, ZINTER,
// ZDIFF, ZINTERCARD and the STORE forms; command cmd) to a numkeys below 1.
func errNoInputKeys(cmd string) string {
	return "ERR at least 1 input key is needed for '" + cmd + "' command"
}

// errSortScore is SORT's reply when a weight (or, without BY, an element)
// is not a number strtod accepts whole.
const errSortScore = "ERR One or more scores can't be converted into double"

// HyperLogLog.
const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLCorrupt = "INVALIDOBJ Corrupted HLL object detected"
)

// ACL (acl.go, cmd_acl.go), with Redis 7.0's texts.
const (
	errNoPermCmdFmt     = "NOPERM this user has no permissions to run the '%s' command"
	errNoPermKey        = "NOPERM this user has no permissions to access one of the keys used as arguments"
	errNoPermChannel    = "NOPERM this user has no permissions to access one of the channels used as arguments"
	errACLDeleteDef     = "ERR The 'default' user cannot be removed"
	errACLUserSpaces    = "ERR Usernames can't contain spaces or null characters"
	errACLNoFile        = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."
	errACLSaveFailed    = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
	errACLGenpassBits   = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
	errACLAndFile       = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
	errProtectedModeFmt = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."
)

// errNoPerm is the reply to a command the ACLs refuse.
func errNoPerm(res aclResult, cmd string) string {
	switch res {
	case aclDeniedCmd:
		return fmt.Sprintf(errNoPermCmdFmt, cmd)
	case aclDeniedKey:
		return errNoPermKey
	case aclDeniedChannel:
		return errNoPermChannel
	}
	return "NOPERM lacking the permissions for the command"
}

// errNoPermExec is the reply, inside EXEC's, to a queued command the ACLs
// refuse by the time it runs.
func errNoPermExec(res aclResult) string {
	reason := "no permission"
	switch res {
	case aclDeniedCmd:
		reason = "no permission to execute the command or subcommand"
	case aclDeniedKey:
		reason = "no permission to touch the specified keys"
	case aclDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// aclRuleErrorText is Redis's ACLSetUserStringError for a refused rule.
func aclRuleErrorText(e aclRuleError) string {
	switch e {
	case aclErrUnknown:
		return "Unknown command or category name in ACL"
	case aclErrSyntax:
		return "Syntax error"
	case aclErrKeysAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case aclErrChannelAll:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case aclErrNoPass:
		return "The password you are trying to remove from the user does not exist"
	case aclErrBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case aclErrDuplicate:
		return "Duplicate user found. A user can only be defined once in config files"
	case aclErrFirstArg:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// errACLSetUser is ACL SETUSER's reply to a refused rule.
func errACLSetUser(op string, e aclRuleError) string {
	return "ERR Error in ACL SETUSER modifier '" + op + "': " + aclRuleErrorText(e)
}

// errACLUnmatched is ACL SETUSER's reply to a "(" never closed.
func errACLUnmatched(arg []byte) string {
	return "ERR Unmatched parenthesis in acl selector starting at '" + string(arg) + "'."
}

// errACLUnknownCategory is ACL CAT's reply to an unknown category.
func errACLUnknownCategory(name []byte) string {
	return "ERR Unknown category '" + string(truncate(name, 128)) + "'"
}

// errACLDryRun... are ACL DRYRUN's error replies.
func errACLNoUser(name []byte) string    { return "ERR User '" + string(cstr(name)) + "' not found" }
func errACLNoCommand(name []byte) string { return "ERR Command '" + string(cstr(name)) + "' not found" }
func errACLDryRunArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// aclDryRunDenied is ACL DRYRUN's (bulk, not error) answer for a refusal.
func aclDryRunDenied(res aclResult, cmd string, arg []byte) string {
	switch res {
	case aclDeniedCmd:
		return "This user has no permissions to run the '" + cmd + "' command"
	case aclDeniedKey:
		return "This user has no permissions to access the '" + string(arg) + "' key"
	}
	return "This user has no permissions to access the '" + string(arg) + "' channel"
}

// errUserDeclaration is the config file's error for a bad "user" line.
func errUserDeclaration(arg string, e aclRuleError) string {
	return "Error in user declaration '" + arg + "': " + aclRuleErrorText(e)
}

// errACLLoad is ACL LOAD's reply listing the errors in the ACL file.
func errACLLoad(errs string) string { return "ERR " + errs }

// errSubscribedContext is the reply to a command other than the
// (un)subscribe commands, PING, QUIT and RESET in RESP2 subscribed mode.
func errSubscribedContext(name string) string {
	return "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// errDenyBlockingSubscribe is the reply to SUBSCRIBE, PSUBSCRIBE or
// SSUBSCRIBE (cmd, upper case) where the client may not block.
func errDenyBlockingSubscribe(cmd string) string {
	return "ERR " + cmd + " isn't allowed for a DENY BLOCKING client"
}

// DUMP, RESTORE, SAVE, DEBUG RELOAD (cmd_dump.go).
const (
	errBusyKey       = "BUSYKEY Target key name already exists."
	errDumpPayload   = "ERR DUMP payload version or checksum are wrong"
	errBadDataFormat = "ERR Bad data format"
	errBadTTL        = "ERR Invalid TTL value, must be >= 0"
	errBadIdletime   = "ERR Invalid IDLETIME value, must be >= 0"
	errBadFreq       = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errReloadOptions = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
	errReloadFailed  = "ERR Error trying to load the RDB dump, check server logs."
	errSaveFailed    = "ERR"
	errSaveRunning   = "ERR Background save already in progress"
	// The append-only file (aof.go, aof_rewrite.go).
	errAOFRewriteRunning = "ERR Background append only file rewriting already in progress"
	errAOFRewriteFailed  = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information."
	errBgsaveAOFActive   = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
)

// errAOFMisconf is the error of a write refused because the AOF cannot be
// written: reason is the system error (strerror).
func errAOFMisconf(reason string) string { return "MISCONF Errors writing to the AOF file: " + reason }

// errMonitorDenyBlocking is MONITOR's reply where the client may not block (inside MULTI).
const errMonitorDenyBlocking = "ERR MONITOR isn't allowed for DENY BLOCKING client"

// errReplicaKeyspace is the reply to a MONITOR client's command that reads
// or writes the keyspace (Redis flags monitors as replicas).
const errReplicaKeyspace = "ERR Replica can't interact with the keyspace"

// errPrefixOverlap is CLIENT TRACKING's error for a BCAST prefix p that
// overlaps q, which is "an existing" or "another provided" prefix.
func errPrefixOverlap(p, which, q string) string {
	return "ERR Prefix '" + p + "' overlaps with " + which + " prefix '" + q + "'. Prefixes for a single client must not overlap."
}

// Scripting and functions (script.go, function.go).
const (
	errERR                   = "ERR " // the code of errors built from a message
	errRunningScriptSep      = ", "
	errUnknownOptionGiven    = "ERR Unknown option given: "
	errFunctionCodeMissing   = "ERR Function code was not given"
	errLibraryNotFound       = "ERR Library not found"
	errFunctionFlushOption   = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errLibraryNameMissing    = "ERR library name argument was not given"
	errUnknownArgumentPrefix = "ERR Unknown argument "
	errBadNumKeys            = "ERR Bad number of keys provided"
	errNumKeysTooBig         = "ERR Number of keys can't be greater than number of args"
	errNumKeysNegative       = "ERR Number of keys can't be negative"
	errFunctionNotFound      = "ERR Function not found"
	errRestorePolicy         = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	errCompileScriptPrefix   = "ERR Error compiling script (new function): "
	errNoScript              = "NOSCRIPT No matching script. Please use EVAL."
	errScriptWriteRO         = "ERR Can not execute a script with write flag using *_ro command."
	errRunningScriptPrefix   = "ERR Error running script "
	errScriptFlushOption     = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	errNoLuaDebugger         = "ERR kvd does not support the Lua debugger"
	errScriptDebugUsage      = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	errNotBusy               = "NOTBUSY No scripts in execution right now."
	errUnkillable            = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	errBusyFunction          = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errBusyEval              = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errLuaStackLimit         = "ERR reached lua stack limit"
)

// SORT's BY and GET options for a user without access to every key.
const (
	errSortByNoPerm  = "ERR BY option of SORT denied due to insufficient ACL permissions."
	errSortGetNoPerm = "ERR GET option of SORT denied due to insufficient ACL permissions."
)

// errSlowlogCount is SLOWLOG GET's error for a count that is not an integer of at least -1.
const errSlowlogCount = "ERR count should be greater than or equal to -1"

// errLatencyNoSamples is LATENCY GRAPH's error for an event without samples.
func errLatencyNoSamples(event string) string {
	return "ERR No samples available for event '" + event + "'"
}

// Replication (repl*.go).
const (
	errReplUnknownOption  = "ERR Unrecognized REPLCONF option: "
	errNoMasterLink       = "NOMASTERLINK Can't SYNC while not connected with my master"
	errNoReplicas         = "NOREPLICAS Not enough good replicas to write."
	errWaitOnReplica      = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."
	errReplicaofReplica   = "ERR Command is not valid when client is a replica."
	errInvalidMasterPort  = "ERR Invalid master port"
	errUnblockedToReplica = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
	errReadonlyReplica    = "READONLY You can't write against a read only replica."
	errMasterDown         = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	errFailoverTimeout    = "ERR FAILOVER timeout must be greater than 0"
	errNoFailover         = "ERR No failover in progress."
	errFailoverOnReplica  = "ERR FAILOVER is not valid when server is a replica."
	errFailoverNoReplicas = "ERR FAILOVER requires connected replicas."
	errFailoverForce      = "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
	errFailoverRunning    = "ERR FAILOVER already in progress."
	errFailoverNotReplica = "ERR FAILOVER target HOST and PORT is not a replica."
	errFailoverNotOnline  = "ERR FAILOVER target replica is not online."
	errPsyncFailoverID    = "ERR PSYNC FAILOVER replid must match my replid."
)

// errReplIPTooLong is REPLCONF ip-address's error for an address of n bytes.
func errReplIPTooLong(n int) string {
	return "ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(n) + " bytes"
}

// Error replies of the geo family.
const (
	errGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoRadiusNum   = "ERR need numeric radius"
	errGeoRadiusNeg   = "ERR radius cannot be negative"
	errGeoWidthNum    = "ERR need numeric width"
	errGeoHeightNum   = "ERR need numeric height"
	errGeoBoxNeg      = "ERR height or width cannot be negative"
	errGeoMember      = "ERR could not decode requested zset member"
	errGeoCount       = "ERR COUNT must be > 0"
	errGeoAnyNoCount  = "ERR the ANY argument requires COUNT argument"
	errGeoStoreWithRd = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoStoreWithSs = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// errGeoLonLat is GEOADD's and GEOSEARCH's error for a position out of
// range, the coordinates formatted as C's "%f".
func errGeoLonLat(lon, lat string) string {
	return "ERR invalid longitude,latitude pair " + lon + "," + lat
}

// errGeoFromOne and errGeoByOne are GEOSEARCH's (and GEOSEARCHSTORE's)
// errors for a missing or repeated origin or shape; cmd is the command's
// name as the client sent it.
func errGeoFromOne(cmd string) string {
	return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + cmd
}

func errGeoByOne(cmd string) string {
	return "ERR exactly one of BYRADIUS and BYBOX can be specified for " + cmd
}

// Stream error replies.
const (
	errStreamID         = "ERR Invalid stream ID specified as stream command argument"
	errXAddTopItem      = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errXAddZero         = "ERR The ID specified in XADD must be greater than 0-0"
	errXAddExhausted    = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errStreamStartID    = "ERR invalid start ID for the interval"
	errStreamEndID      = "ERR invalid end ID for the interval"
	errTrimBoth         = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errTrimMaxlenNeg    = "ERR The MAXLEN argument must be >= 0."
	errTrimLimitNeg     = "ERR The LIMIT argument must be >= 0."
	errTrimLimitNoTrim  = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	errTrimLimitNoApprx = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	errXTrimNoStrategy  = "ERR syntax error, XTRIM must be called with a trimming strategy"
)

// Stream errors (cmd_stream*.go).
const (
	errXAddArity          = "ERR wrong number of arguments for 'xadd' command"
	errXSetIDEntriesAdded = "ERR entries_added must be positive"
	errXSetIDMaxDel       = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	errXSetIDTop          = "ERR The ID specified in XSETID is smaller than the target stream top item"
	errXSetIDLen          = "ERR The entries_added specified in XSETID is smaller than the target stream length"
	errEntriesRead        = "ERR value for ENTRIESREAD must be positive or -1"
	errXGroupNoKey        = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errBusyGroup          = "BUSYGROUP Consumer Group name already exists"
	errXClaimMinIdle      = "ERR Invalid min-idle-time argument for XCLAIM"
	errXClaimIdle         = "ERR Invalid IDLE option argument for XCLAIM"
	errXClaimTime         = "ERR Invalid TIME option argument for XCLAIM"
	errXClaimRetry        = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	errXAutoclaimMinIdle  = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	errXReadGroupDollar   = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	errXReadGreater       = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	errStreamKeyGone      = "UNBLOCKED the stream key no longer exists"
	errStreamGroupGone    = "NOGROUP the consumer group this client was blocked on no longer exists"
	errXReadGroupOpt      = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	errXReadNoackOpt      = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	errXReadGroupMissing  = "ERR Missing GROUP option for XREADGROUP"
)

// errNoSuchGroup is the -NOGROUP error for a group missing from a key.
func errNoSuchGroup(group, key string) string {
	return "NOGROUP No such consumer group '" + group + "' for key name '" + key + "'"
}

// errNoKeyOrGroup is the -NOGROUP error when the key or the group is
// missing; XREADGROUP appends errXReadGroupSuffix.
func errNoKeyOrGroup(key, group string) string {
	return "NOGROUP No such key '" + key + "' or consumer group '" + group + "'"
}

const errXReadGroupSuffix = " in XREADGROUP with GROUP option"

// errXClaimOption is XCLAIM's error for an unknown option.
func errXClaimOption(opt string) string { return "ERR Unrecognized XCLAIM option '" + opt + "'" }

// errXReadUnbalanced is XREAD's and XREADGROUP's error for a STREAMS list
// without an ID for every key; sym is the special ID ($ or >).
func errXReadUnbalanced(name, sym string) string {
	return "ERR Unbalanced " + name + " list of streams: for each stream key an ID or '" + sym + "' must be specified."
}
