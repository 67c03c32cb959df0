package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"time"
)

// Loading the AOF at start-up, as Redis 7.0's loadAppendOnlyFiles: the
// base (an RDB, or commands), then every incremental file in order. The
// commands are replayed through the command path, as a client without a
// connection would run them (a MULTI is queued and run by its EXEC).
//
// A file whose last command is cut short (a crash mid-write) is cut back
// to its last whole command and loaded when aof-load-truncated is yes,
// if it is the last file; a transaction left open at the end is dropped.
// Anything else that is not a command (a corrupt record in the middle) is
// a fatal error with Redis's message.

// aofLoadResult is how one file loaded (Redis's AOF_OK...).
type aofLoadResult int

const (
	aofLoadOK aofLoadResult = iota
	aofLoadNotExist
	aofLoadEmpty
	aofLoadOpenErr
	aofLoadFailed
	aofLoadTruncated
)

// errAOFLoad is returned when the AOF cannot be loaded (logged already).
var errAOFLoad = errors.New("the append only file could not be loaded")

// loadAOFAtStartup loads the AOF (appendonly yes): the RDB file is not
// read, as in Redis. Then the AOF is opened for appending.
func (s *Server) loadAOFAtStartup() error {
	s.aofInit()
	a := &s.aof
	m, err := readAOFManifest(a.path(a.manifestName()))
	if err != nil {
		s.logf(levelWarning, "%v", err)
		return err
	}
	a.man = m
	if err := s.loadAOFFiles(); err != nil {
		return err
	}
	return s.aofOpenAtStartup()
}

// loadAOFFiles loads the base and the incremental files of a.man.
func (s *Server) loadAOFFiles() error {
	a := &s.aof
	m := a.man
	var files []aofInfo
	if m.base != nil {
		files = append(files, *m.base)
	}
	files = append(files, m.incr...)
	if len(files) == 0 {
		return nil
	}
	start := time.Now()
	loaded := false
	for i, fi := range files {
		last := i == len(files)-1
		t0 := time.Now()
		res := s.loadAOFFile(fi.name, last)
		if res == aofLoadTruncated && !last {
			s.logf(levelWarning, "Fatal error: the truncated file is not the last file")
			res = aofLoadFailed
		}
		switch res {
		case aofLoadOK, aofLoadTruncated:
			kind := "incr"
			if fi.typ == 'b' {
				kind = "base"
			}
			s.logf(levelNotice, "DB loaded from %s file %s: %.3f seconds", kind, fi.name, time.Since(t0).Seconds())
			loaded = true
		case aofLoadOpenErr, aofLoadFailed:
			return errAOFLoad
		}
	}
	a.loaded = loaded
	if loaded {
		s.logf(levelNotice, "DB loaded from append only file: %.3f seconds", time.Since(start).Seconds())
	}
	return nil
}

// loadAOFFile loads one file of the AOF directory.
func (s *Server) loadAOFFile(name string, last bool) aofLoadResult {
	path := s.aof.path(name)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			s.logf(levelWarning, "The append log file %s doesn't exist: %s", name, strerror(unwrapPathError(err)))
			return aofLoadNotExist
		}
		s.logf(levelWarning, "Fatal error: can't open the append log file %s for reading: %s", name, strerror(unwrapPathError(err)))
		return aofLoadOpenErr
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.logf(levelWarning, "Unable to obtain the AOF file %s length. stat: %s", name, strerror(unwrapPathError(err)))
		return aofLoadOpenErr
	}
	size := st.Size()
	if size == 0 {
		return aofLoadEmpty
	}
	var start int64
	var sig [5]byte
	if n, _ := io.ReadFull(f, sig[:]); n == 5 && string(sig[:]) == "REDIS" {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return aofLoadOpenErr
		}
		oldStyle := !strings.Contains(name, aofBaseSuffix+".")
		if oldStyle {
			s.logf(levelNotice, "Reading RDB preamble from AOF file...")
		} else {
			s.logf(levelNotice, "Reading RDB base file on AOF loading...")
		}
		off, err := s.loadAOFPreamble(f, size)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				s.logf(levelWarning, "%s", line)
			}
			if oldStyle {
				s.logf(levelWarning, "Error reading the RDB preamble of the AOF file %s, AOF loading aborted", name)
			} else {
				s.logf(levelWarning, "Error reading the RDB base file %s, AOF loading aborted", name)
			}
			s.logf(levelWarning, "Unrecoverable error reading the append only file %s: %s", name, "Invalid argument")
			return aofLoadFailed
		}
		if oldStyle {
			s.logf(levelNotice, "Reading the remaining AOF tail...")
		}
		start = off
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return aofLoadOpenErr
	}
	res, validUpTo, err := s.replayAOF(f, start, size, name)
	switch res {
	case aofReplayOK:
		return aofLoadOK
	case aofReplayFormat:
		s.logf(levelWarning, "Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name)
		return aofLoadFailed
	case aofReplayUnknown:
		return aofLoadFailed
	case aofReplayReadErr:
		s.logf(levelWarning, "Unrecoverable error reading the append only file %s: %s", name, strerror(unwrapPathError(err)))
		return aofLoadFailed
	}
	// Unexpected end of file.
	if s.cfgString("aof-load-truncated") == "yes" {
		s.logf(levelWarning, "!!! Warning: short read while loading the AOF file %s!!!", name)
		s.logf(levelWarning, "!!! Truncating the AOF %s at offset %d !!!", name, validUpTo)
		if validUpTo < 0 {
			s.logf(levelWarning, "Last valid command offset is invalid")
		} else if err := os.Truncate(path, validUpTo); err != nil {
			s.logf(levelWarning, "Error truncating the AOF file %s: %s", name, strerror(unwrapPathError(err)))
		} else {
			s.logf(levelWarning, "AOF %s loaded anyway because aof-load-truncated is enabled", name)
			return aofLoadTruncated
		}
	}
	s.logf(levelWarning, "Unexpected end of file reading the append only file %s. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name)
	return aofLoadFailed
}

// loadAOFPreamble loads the RDB at the start of f and returns where it
// ends (the decoder reads ahead: the end is its offset, see loadRDB).
func (s *Server) loadAOFPreamble(f *os.File, size int64) (int64, error) {
	if err := s.loadRDB(f, size, s.nowMs(), false); err != nil {
		return 0, err
	}
	s.logf(levelNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.", s.rdb.lastLoadLoaded, s.rdb.lastLoadExpire)
	return s.rdb.lastLoadEnd, nil
}

// aofReplayResult is how the replay of a file's commands ended.
type aofReplayResult int

const (
	aofReplayOK      aofReplayResult = iota
	aofReplayEOF                     // cut short (or an open transaction at the end)
	aofReplayFormat                  // not a command
	aofReplayUnknown                 // an unknown command (logged)
	aofReplayReadErr                 // an I/O error
)

// aofLineMax is the longest "*<argc>" or "$<len>" line Redis reads (its
// fgets buffer less the terminator).
const aofLineMax = 127

// replayAOF runs the commands of r, which starts at offset start of a
// file of size bytes. It returns how it ended and, for a file cut short,
// the offset up to which it is whole.
func (s *Server) replayAOF(r io.Reader, start, size int64, name string) (aofReplayResult, int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	off := start
	validUpTo, validBeforeMulti := start, start
	c := s.newFakeClient()
	c.denyBlocking = true
	var arena []byte
	var ends []int
	argv := make([][]byte, 0, 16)
	inMulti := false
	readLine := func() ([]byte, error) {
		line, err := br.ReadSlice('\n')
		off += int64(len(line))
		if err == bufio.ErrBufferFull {
			return line, nil // not a short line: a format error below
		}
		return line, err
	}
	for {
		line, err := readLine()
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return aofReplayReadErr, validUpTo, err
		}
		if line[0] == '#' {
			// An annotation (aof-timestamp-enabled's #TS:); the rest
			// of a long one is skipped.
			for err == nil && line[len(line)-1] != '\n' {
				line, err = readLine()
			}
			continue
		}
		if line[0] != '*' || len(line) > aofLineMax {
			return aofReplayFormat, validUpTo, nil
		}
		if len(line) == 1 {
			return aofReplayEOF, validUpTo, nil
		}
		argc := atoiPrefix(line[1:])
		if argc < 1 {
			return aofReplayFormat, validUpTo, nil
		}
		arena, ends = arena[:0], ends[:0]
		for j := int64(0); j < argc; j++ {
			line, err = readLine()
			if len(line) == 0 && err != nil {
				if err == io.EOF {
					return aofReplayEOF, validUpTo, nil
				}
				return aofReplayReadErr, validUpTo, err
			}
			if line[0] != '$' || len(line) > aofLineMax {
				return aofReplayFormat, validUpTo, nil
			}
			n := atoiPrefix(line[1:])
			if n < 0 || n > size-off {
				// Longer than what is left of the file: cut short.
				return aofReplayEOF, validUpTo, nil
			}
			if n+2 > int64(cap(arena)-len(arena)) {
				grown := make([]byte, len(arena), 2*cap(arena)+int(n)+2)
				copy(grown, arena)
				arena = grown
			}
			at := len(arena)
			arena = arena[:at+int(n)+2]
			m, err := io.ReadFull(br, arena[at:])
			off += int64(m)
			if err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return aofReplayEOF, validUpTo, nil
				}
				return aofReplayReadErr, validUpTo, err
			}
			arena = arena[:at+int(n)] // the CRLF is not checked, as in Redis
			ends = append(ends, len(arena))
		}
		argv = argv[:0]
		from := 0
		for _, e := range ends {
			argv = append(argv, arena[from:e:e])
			from = e
		}
		if s.commands.lookupTop(argv[0]) == nil {
			s.logf(levelWarning, "Unknown command '%s' reading the append only file %s", argv[0], name)
			return aofReplayUnknown, validUpTo, nil
		}
		isMulti := bytes.EqualFold(argv[0], []byte("multi"))
		if isMulti {
			validBeforeMulti = validUpTo
		}
		s.runFake(c, argv)
		inMulti = c.inMulti()
		validUpTo = off
	}
	if inMulti {
		s.logf(levelWarning, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
		c.discardTransaction()
		return aofReplayEOF, validBeforeMulti, nil
	}
	return aofReplayOK, validUpTo, nil
}

// atoiPrefix parses the number at the start of b as C's atoi/strtol: an
// optional sign, then digits up to the first other byte; 0 if none. It
// saturates instead of overflowing.
func atoiPrefix(b []byte) int64 {
	neg := false
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if n > (1<<62)/10 {
			n = 1 << 62
			continue
		}
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}
