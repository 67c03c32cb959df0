package server

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
)
