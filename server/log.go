package server

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Log levels, in Redis's order.
const (
	levelDebug = iota
	levelVerbose
	levelNotice
	levelWarning
	levelNothing
)

func parseLevel(s string) int {
	switch s {
	case "debug":
		return levelDebug
	case "verbose":
		return levelVerbose
	case "warning":
		return levelWarning
	case "nothing":
		return levelNothing
	}
	return levelNotice
}

// logger writes Redis-style log lines: "pid:M 02 Jan 2006 15:04:05.000 * message".
type logger struct {
	mu   sync.Mutex
	w    io.Writer
	file *os.File
	pid  int
	// syslog, when not nil, also gets every message (syslog-enabled yes).
	syslog *syslogWriter
}

func newLogger(cfg Config) (*logger, error) {
	l := &logger{pid: os.Getpid(), w: cfg.LogOutput}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("kvd: can't open the log file: %w", err)
		}
		l.file, l.w = f, f
	}
	if on, _ := cfg.Get("syslog-enabled"); on == "yes" {
		ident, _ := cfg.Get("syslog-ident")
		facility, _ := cfg.Get("syslog-facility")
		l.syslog = newSyslogWriter(defaultSyslogPath, ident, facility, l.pid)
	}
	return l, nil
}

func (l *logger) close() {
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
	if l.syslog != nil {
		l.syslog.close()
	}
}

var levelMarks = [...]byte{'.', '-', '*', '#'}

// logf logs at level if the configured loglevel lets it through.
func (s *Server) logf(level int, format string, args ...any) {
	s.log.printf(level, s.cfg.LogLevel, format, args...)
}

// printf logs at level if loglevel lets it through.
func (l *logger) printf(level int, loglevel string, format string, args ...any) {
	l.printRole('M', level, loglevel, format, args...)
}

// printRole is printf with the role character Redis puts after the pid:
// 'M' for the running server, 'C' for the lines it logs before it has
// initialised (and for a child process).
func (l *logger) printRole(role byte, level int, loglevel string, format string, args ...any) {
	if level < parseLevel(loglevel) || l.w == nil && l.syslog == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	line := fmt.Sprintf("%d:%c %s %c %s\n", l.pid, role, time.Now().Format("02 Jan 2006 15:04:05.000"), levelMarks[level], msg)
	l.mu.Lock()
	if l.w != nil {
		io.WriteString(l.w, line)
	}
	if l.syslog != nil {
		if role == 'C' {
			l.syslog.sendEarly(level, msg)
		} else {
			l.syslog.send(level, msg)
		}
	}
	l.mu.Unlock()
}

// raw writes text to the log as it is, without the line prefix (Redis's
// LL_RAW), if loglevel lets level through.
func (l *logger) raw(level int, loglevel string, text string) {
	if level < parseLevel(loglevel) || l.w == nil {
		return
	}
	l.mu.Lock()
	io.WriteString(l.w, text)
	l.mu.Unlock()
}

// isTerminal reports whether the log goes to a terminal (Redis then shows
// its logo).
func (l *logger) isTerminal() bool {
	f, ok := l.w.(*os.File)
	if !ok || l.file != nil {
		return false
	}
	return isTerminalFd(f.Fd())
}

// signalLine logs msg the way Redis logs from its signal handler:
// "pid:signal-handler (unix seconds) msg", if loglevel lets level through.
func (l *logger) signalLine(level int, loglevel string, msg string) {
	if level < parseLevel(loglevel) || l.w == nil {
		return
	}
	line := fmt.Sprintf("%d:signal-handler (%d) %s\n", l.pid, time.Now().Unix(), msg)
	l.mu.Lock()
	io.WriteString(l.w, line)
	l.mu.Unlock()
}

// logStarting logs what redis-server logs before it initialises: that it
// is starting, its version and pid, and whether it read a configuration
// (role 'C'), then its clock. kvd's own version follows at verbose level.
func (s *Server) logStarting() {
	s.initSupervision()
	lv := s.cfg.LogLevel
	s.log.printRole('C', levelWarning, lv, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	s.log.printRole('C', levelWarning, lv, "Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", RedisVersion, s.log.pid)
	if s.cfg.NoConfigArgv0 != "" {
		s.log.printRole('C', levelWarning, lv, "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf", s.cfg.NoConfigArgv0)
	} else {
		s.log.printRole('C', levelWarning, lv, "Configuration loaded")
	}
	s.logf(levelNotice, "monotonic clock: POSIX clock_gettime")
	s.logf(levelVerbose, "kvd version=%s (Redis %s compatible), io-model=%s", Version, RedisVersion, s.cfg.IOModel)
}

// logRunning logs, once listening, the logo (always-show-logo yes, or a
// log on a terminal) or the "Running mode" line, then "Server
// initialized", as redis-server does; each listener at verbose level.
func (s *Server) logRunning() {
	port := s.cfg.Port
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		port = a.Port
	} else if port < 0 {
		port = 0
	}
	if v, _ := s.cfg.Get("always-show-logo"); v == "yes" || s.log.isTerminal() {
		s.log.raw(levelNotice, s.cfg.LogLevel, fmt.Sprintf(redisLogo, port, s.log.pid))
	} else {
		s.logf(levelNotice, "Running mode=standalone, port=%d.", port)
	}
	s.logf(levelWarning, "Server initialized")
	s.signalLoading()
	for _, l := range s.listeners {
		s.logf(levelVerbose, "Listening on %s", l.addr)
	}
}
