package server

import (
	"fmt"
	"io"
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
	return l, nil
}

func (l *logger) close() {
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
}

var levelMarks = [...]byte{'.', '-', '*', '#'}

// logf logs at level if the configured loglevel lets it through.
func (s *Server) logf(level int, format string, args ...any) {
	s.log.printf(level, s.cfg.LogLevel, format, args...)
}

// printf logs at level if loglevel lets it through.
func (l *logger) printf(level int, loglevel string, format string, args ...any) {
	if level < parseLevel(loglevel) || l.w == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	line := fmt.Sprintf("%d:M %s %c %s\n", l.pid, time.Now().Format("02 Jan 2006 15:04:05.000"), levelMarks[level], msg)
	l.mu.Lock()
	io.WriteString(l.w, line)
	l.mu.Unlock()
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
