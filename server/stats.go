package server

import (
	"strings"

	"github.com/kvdserver/kvd/store"
)

// serverStats are the counters INFO reports.
type serverStats struct {
	totalConnections    int64
	rejectedConnections int64
	commands            int64
	netInput            int64
	netOutput           int64
	errorReplies        int64
	errors              map[string]int64 // by error code (the first word)
}

func (st *serverStats) init() {
	st.errors = make(map[string]int64)
}

// maxErrorCodes bounds how many distinct error codes are tracked, as Redis does.
const maxErrorCodes = 128

// countError records an error reply in the error statistics.
func (st *serverStats) countError(msg string) {
	st.errorReplies++
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	if _, ok := st.errors[code]; !ok && len(st.errors) >= maxErrorCodes {
		return
	}
	st.errors[code]++
}

// resetStats clears the counters CONFIG RESETSTAT resets.
func (s *Server) resetStats() {
	st := &s.stats
	st.totalConnections, st.rejectedConnections, st.commands = 0, 0, 0
	st.netInput, st.netOutput, st.errorReplies = 0, 0, 0
	st.errors = make(map[string]int64)
	for _, cmd := range s.commands.all {
		cmd.calls, cmd.usec, cmd.rejected, cmd.failed = 0, 0, 0, 0
		for _, sc := range cmd.sub {
			sc.calls, sc.usec, sc.rejected, sc.failed = 0, 0, 0, 0
		}
	}
	for _, db := range s.dbs {
		db.Stats = store.Stats{}
	}
}
