package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// The multi-part AOF of Redis 7.0: a directory (appenddirname) holding a
// manifest, one base file and the incremental files written since it.
// The manifest lists them one a line,
//
//	file appendonly.aof.1.base.rdb seq 1 type b
//	file appendonly.aof.1.incr.aof seq 1 type i
//
// with type b for the base, i for an incremental file, h for a file of an
// earlier generation waiting to be deleted. A file is named after
// appendfilename, its sequence number and its role: .base.rdb (a base in
// RDB format, aof-use-rdb-preamble yes), .base.aof or .incr.aof.

// aofInfo is one file of the manifest.
type aofInfo struct {
	name string
	seq  int64
	typ  byte // 'b', 'h' or 'i'
}

// aofManifest is the parsed manifest with the sequence numbers in use.
type aofManifest struct {
	base    *aofInfo
	incr    []aofInfo
	history []aofInfo
	baseSeq int64 // sequence of the current base (0: none yet)
	incrSeq int64 // sequence of the last incremental file
}

const (
	aofManifestSuffix = ".manifest"
	aofBaseSuffix     = ".base"
	aofIncrSuffix     = ".incr"
	aofRDBExt         = ".rdb"
	aofAOFExt         = ".aof"
	aofTempPrefix     = "temp-"
	// aofManifestLineMax is Redis's AOF_MANIFEST_LINE_MAX... the longest
	// manifest line it reads.
	aofManifestLineMax = 1024
)

// errAOFManifest is the error of a manifest Redis would refuse.
type errAOFManifest string

func (e errAOFManifest) Error() string { return string(e) }

// parseAOFManifest parses a manifest as Redis's aofLoadManifestFromFile:
// comment lines start with '#'; every other line is key value pairs, of
// which file, seq and type are required.
func parseAOFManifest(r io.Reader) (*aofManifest, error) {
	m := &aofManifest{}
	br := bufio.NewReaderSize(r, aofManifestLineMax+1)
	lines := 0 // read, comments included
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, errAOFManifest("The AOF manifest file contains too long line")
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("Read AOF manifest failed: %w", err)
		}
		lines++
		if line[0] == '#' {
			if err == io.EOF {
				break
			}
			continue
		}
		if line[len(line)-1] != '\n' {
			return nil, errAOFManifest("The AOF manifest file contains too long line")
		}
		words, ok := splitManifestLine(string(bytes.TrimRight(line, "\r\n")))
		if !ok || len(words) < 6 || len(words)%2 != 0 {
			return nil, errAOFManifest("Invalid AOF manifest file format")
		}
		var info aofInfo
		for i := 0; i < len(words); i += 2 {
			switch strings.ToLower(words[i]) {
			case "file":
				info.name = words[i+1]
				if !validAOFFileName(info.name) {
					return nil, errAOFManifest("File can't be a path, just a filename")
				}
			case "seq":
				n, err := strconv.ParseInt(words[i+1], 10, 64)
				if err != nil {
					return nil, errAOFManifest("Invalid AOF manifest file format")
				}
				info.seq = n
			case "type":
				if len(words[i+1]) != 1 {
					return nil, errAOFManifest("Unknown AOF file type")
				}
				info.typ = words[i+1][0]
			}
		}
		if info.name == "" || info.seq == 0 || info.typ == 0 {
			return nil, errAOFManifest("Invalid AOF manifest file format")
		}
		switch info.typ {
		case 'b':
			if m.base != nil {
				return nil, errAOFManifest("Found duplicate base file information")
			}
			b := info
			m.base = &b
			m.baseSeq = info.seq
		case 'h':
			m.history = append(m.history, info)
		case 'i':
			if info.seq <= m.incrSeq {
				return nil, errAOFManifest("Found a non-monotonic sequence number")
			}
			m.incr = append(m.incr, info)
			m.incrSeq = info.seq
		default:
			return nil, errAOFManifest("Unknown AOF file type")
		}
		if err == io.EOF {
			break
		}
	}
	if lines == 0 || m.base == nil && len(m.incr) == 0 {
		return nil, errAOFManifest("Found an empty AOF manifest")
	}
	return m, nil
}

// validAOFFileName reports whether name is a plain file name.
func validAOFFileName(name string) bool {
	return name != "" && !strings.ContainsRune(name, '/') && name != "." && name != ".."
}

// splitManifestLine splits a line into words as Redis's sdssplitargs: by
// spaces, with "double" or 'single' quoted words.
func splitManifestLine(s string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return out, true
		}
		var w []byte
		switch s[i] {
		case '"':
			i++
			for {
				if i >= len(s) {
					return nil, false
				}
				c := s[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'a':
						c = '\a'
					case 'b':
						c = '\b'
					case 'x':
						if i+2 < len(s) {
							if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
								c = byte(v)
								i += 2
								break
							}
						}
						c = 'x'
					default:
						c = s[i]
					}
				}
				w = append(w, c)
				i++
			}
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				return nil, false
			}
		case '\'':
			i++
			for {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '\'' {
					i++
					break
				}
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\'' {
					i++
				}
				w = append(w, s[i])
				i++
			}
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				return nil, false
			}
		default:
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				w = append(w, s[i])
				i++
			}
		}
		out = append(out, string(w))
	}
}

// quoteManifestName writes a file name as Redis's sdscatrepr does when it
// holds a space or a quote, else as it is.
func quoteManifestName(name string) string {
	if !strings.ContainsAny(name, " \t\r\n\"'\\") {
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 32 || c > 126 {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// String renders the manifest as Redis writes it: the base, the history
// files, then the incremental files.
func (m *aofManifest) String() string {
	var b strings.Builder
	line := func(i *aofInfo) {
		fmt.Fprintf(&b, "file %s seq %d type %c\n", quoteManifestName(i.name), i.seq, i.typ)
	}
	if m.base != nil {
		line(m.base)
	}
	for i := range m.history {
		line(&m.history[i])
	}
	for i := range m.incr {
		line(&m.incr[i])
	}
	return b.String()
}

// clone returns a deep copy of m.
func (m *aofManifest) clone() *aofManifest {
	c := &aofManifest{baseSeq: m.baseSeq, incrSeq: m.incrSeq}
	if m.base != nil {
		b := *m.base
		c.base = &b
	}
	c.incr = append([]aofInfo(nil), m.incr...)
	c.history = append([]aofInfo(nil), m.history...)
	return c
}

// newBase names a new base file (seq one more than the last), marking
// the old base as history, as Redis's getNewBaseFileNameAndMarkPreAsHistory.
func (m *aofManifest) newBase(prefix string, rdbFormat bool) string {
	if m.base != nil {
		m.base.typ = 'h'
		m.history = append(m.history, *m.base)
	}
	ext := aofAOFExt
	if rdbFormat {
		ext = aofRDBExt
	}
	m.baseSeq++
	name := fmt.Sprintf("%s.%d%s%s", prefix, m.baseSeq, aofBaseSuffix, ext)
	m.base = &aofInfo{name: name, seq: m.baseSeq, typ: 'b'}
	return name
}

// newIncr names a new incremental file and appends it to the list.
func (m *aofManifest) newIncr(prefix string) string {
	m.incrSeq++
	name := fmt.Sprintf("%s.%d%s%s", prefix, m.incrSeq, aofIncrSuffix, aofAOFExt)
	m.incr = append(m.incr, aofInfo{name: name, seq: m.incrSeq, typ: 'i'})
	return name
}

// incrToHistory marks every incremental file but the last as history
// (after a rewrite: the last one has the writes since it began).
func (m *aofManifest) incrToHistory() {
	if len(m.incr) <= 1 {
		return
	}
	for _, i := range m.incr[:len(m.incr)-1] {
		i.typ = 'h'
		m.history = append(m.history, i)
	}
	m.incr = append(m.incr[:0], m.incr[len(m.incr)-1])
}

// lastIncr returns the last incremental file, or nil.
func (m *aofManifest) lastIncr() *aofInfo {
	if len(m.incr) == 0 {
		return nil
	}
	return &m.incr[len(m.incr)-1]
}

// readAOFManifest loads dir/name; a missing file gives an empty manifest.
func readAOFManifest(path string) (*aofManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &aofManifest{}, nil
		}
		return nil, fmt.Errorf("Fail to open AOF manifest %s: %s", path, strerror(unwrapPathError(err)))
	}
	defer f.Close()
	return parseAOFManifest(f)
}

// writeAOFManifest writes m to dir/name atomically: a temporary file,
// fsynced, renamed over the old one, then the directory fsynced.
func writeAOFManifest(dir, name string, m *aofManifest) error {
	tmp := filepath.Join(dir, aofTempPrefix+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open the AOF manifest file %s: %s", aofTempPrefix+name, strerror(unwrapPathError(err)))
	}
	if _, err := io.WriteString(f, m.String()); err != nil {
		f.Close()
		return fmt.Errorf("Can't write the AOF manifest file %s: %s", aofTempPrefix+name, strerror(unwrapPathError(err)))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("Fail to fsync the temp AOF file %s: %s", aofTempPrefix+name, strerror(unwrapPathError(err)))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("Can't write the AOF manifest file %s: %s", aofTempPrefix+name, strerror(unwrapPathError(err)))
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("Error trying to rename the temporary AOF manifest file %s into %s: %s", aofTempPrefix+name, name, strerror(unwrapPathError(err)))
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory, so that a rename in it is durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be fsynced there; renames are durable
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("Fail to fsync AOF directory %s: %s", dir, strerror(unwrapPathError(err)))
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("Fail to fsync AOF directory %s: %s", dir, strerror(unwrapPathError(err)))
	}
	return nil
}
