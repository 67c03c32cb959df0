package server

import (
	"errors"
	"os"
)

// Supervision ("supervised"), as redis-server does it: under systemd the
// server reports its state on $NOTIFY_SOCKET (sd_notify's datagrams);
// under upstart it stops itself with SIGSTOP once ready, which upstart
// takes as the signal of readiness.

const (
	supervisedNone = iota
	supervisedSystemd
	supervisedUpstart
)

// initSupervision decides the supervision mode from the configuration and
// the environment, logging what Redis logs; it runs before the start-up
// lines.
func (s *Server) initSupervision() {
	mode, _ := s.cfg.Get("supervised")
	lv := s.cfg.LogLevel
	switch mode {
	case "auto":
		if os.Getenv("UPSTART_JOB") != "" {
			mode = "upstart"
		} else if os.Getenv("NOTIFY_SOCKET") != "" {
			mode = "systemd"
		}
	case "upstart":
		if os.Getenv("UPSTART_JOB") == "" {
			s.log.printRole('C', levelWarning, lv, "upstart supervision requested, but UPSTART_JOB not found!")
			return
		}
	}
	switch mode {
	case "systemd":
		// Without a socket Redis stays in systemd mode and logs the error
		// again at every notification.
		s.supervised = supervisedSystemd
		if os.Getenv("NOTIFY_SOCKET") == "" {
			s.log.printRole('C', levelWarning, lv, "systemd supervision error: NOTIFY_SOCKET not found!")
		} else {
			s.log.printRole('C', levelNotice, lv, "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.")
		}
	case "upstart":
		s.supervised = supervisedUpstart
		s.log.printRole('C', levelNotice, lv, "supervised by upstart, will stop to signal readiness.")
	}
}

// supervisedName is INFO's process_supervised.
func (s *Server) supervisedName() string {
	switch s.supervised {
	case supervisedSystemd:
		return "systemd"
	case supervisedUpstart:
		return "upstart"
	}
	return "no"
}

// notifySupervisor tells systemd of a state change ("READY=1\n"); it does
// nothing when not supervised by systemd.
func (s *Server) notifySupervisor(msg string) {
	if s.supervised != supervisedSystemd {
		return
	}
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		s.logf(levelWarning, "systemd supervision error: NOTIFY_SOCKET not found!")
		return
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // an abstract socket
	}
	if err := dgramSend(path, []byte(msg)); err != nil {
		if errors.Is(err, errNoSocket) {
			s.logf(levelWarning, "Can't connect to systemd socket %s", os.Getenv("NOTIFY_SOCKET"))
		} else {
			s.logf(levelWarning, "Can't send notification to systemd")
		}
	}
}

// signalLoading tells systemd the server loads its data (Redis says so
// even with nothing to load, and says nothing when it has no socket).
func (s *Server) signalLoading() {
	if s.supervised == supervisedSystemd && os.Getenv("NOTIFY_SOCKET") != "" {
		s.notifySupervisor("STATUS=Redis is loading...\n")
	}
}

// signalReady tells the supervisor the server accepts connections.
func (s *Server) signalReady() {
	switch s.supervised {
	case supervisedSystemd:
		s.notifySupervisor("STATUS=Ready to accept connections\n")
		s.notifySupervisor("READY=1\n")
	case supervisedUpstart:
		os.Unsetenv("UPSTART_JOB")
		stopSelf()
	}
}
