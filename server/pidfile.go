package server

import (
	"fmt"
	"os"
)

// The pid file, as Redis keeps it: written once the server listens when
// "pidfile" names one (cmd/kvd names Redis's /var/run/redis.pid for a
// daemonized server that names none), removed when it stops. A failure to
// write it is logged and not fatal, as in Redis.

// writePidFile writes the process id to the configured pid file, if any.
func (s *Server) writePidFile() {
	path, _ := s.cfg.Get("pidfile")
	if path == "" {
		return
	}
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
		s.logf(levelWarning, "Failed to write PID file: %s", strerror(unwrapPathError(err)))
		return
	}
	s.pidFile = path
}

// removePidFile removes the pid file the server wrote, if any.
func (s *Server) removePidFile() {
	if s.pidFile == "" {
		return
	}
	s.logf(levelNotice, "Removing the pid file.")
	os.Remove(s.pidFile)
	s.pidFile = ""
}
