package server

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// defaultSyslogPath is where the local syslog daemon listens.
const defaultSyslogPath = "/dev/log"

// syslogFacilities are syslog-facility's values and their codes.
var syslogFacilities = map[string]int{
	"user": 1, "local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// syslogSeverity maps kvd's log levels to syslog severities, as Redis's
// syslogLevelMap does (debug, info, notice, warning).
var syslogSeverity = [...]int{7, 6, 5, 4}

// syslogWriter sends log messages to the local syslog daemon in the
// format glibc's syslog(3) uses: "<PRI>Mmm dd hh:mm:ss ident[pid]: msg".
// Like openlog with LOG_NDELAY, it connects at once; if there is no
// daemon it stays silent, as Redis does.
type syslogWriter struct {
	fd       int
	ident    string
	facility int
	pid      int
}

func newSyslogWriter(path, ident, facility string, pid int) *syslogWriter {
	w := &syslogWriter{fd: -1, ident: ident, facility: syslogFacilities[facility], pid: pid}
	fd, err := dgramDial(path)
	if err != nil {
		return w
	}
	w.fd = fd
	return w
}

// send writes one message; the logger's mutex serialises calls.
func (w *syslogWriter) send(level int, msg string) {
	if w.fd < 0 {
		return
	}
	pri := w.facility<<3 | syslogSeverity[level]
	line := fmt.Sprintf("<%d>%s %s[%d]: %s", pri, time.Now().Format(time.Stamp), w.ident, w.pid, msg)
	fdWrite(w.fd, []byte(line))
}

// sendEarly writes a message logged before the server initialised (the
// 'C' lines): Redis has not called openlog yet, so syslog(3) uses its
// defaults, the user facility and the program's name without a pid.
func (w *syslogWriter) sendEarly(level int, msg string) {
	if w.fd < 0 {
		return
	}
	pri := syslogFacilities["user"]<<3 | syslogSeverity[level]
	line := fmt.Sprintf("<%d>%s %s: %s", pri, time.Now().Format(time.Stamp), filepath.Base(os.Args[0]), msg)
	fdWrite(w.fd, []byte(line))
}

func (w *syslogWriter) close() {
	if w.fd >= 0 {
		fdClose(w.fd)
		w.fd = -1
	}
}
