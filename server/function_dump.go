package server

import (
	"bytes"
	"encoding/binary"

	"github.com/kvdserver/kvd/internal/lzf"
	"github.com/kvdserver/kvd/internal/rdb"
)

// FUNCTION DUMP and RESTORE payloads, as Redis 7.0 writes them: for each
// library the RDB opcode FUNCTION2 (245) and its code as an RDB string
// (LZF-compressed under rdbcompression), then DUMP's footer: the RDB
// version (2 bytes) and the CRC-64 of everything before (8 bytes).

const rdbOpFunction2 = 245

// dump returns the DUMP payload of every library.
func (f *functionsState) dump() []byte {
	var buf bytes.Buffer
	e := rdb.NewDumpEncoder(&buf, rdbOptionsOf(&f.vm.srv.cfg))
	for _, l := range f.sortedLibs() {
		e.Byte(rdbOpFunction2)
		e.String([]byte(l.code))
	}
	e.Finish()
	return buf.Bytes()
}

// parseFunctionDump returns the library codes of a payload, or Redis's error.
func parseFunctionDump(p []byte) ([]string, string) {
	if !rdb.VerifyDump(p) {
		return nil, "DUMP payload version or checksum are wrong"
	}
	body := p[:len(p)-10]
	var codes []string
	for len(body) > 0 {
		op := body[0]
		body = body[1:]
		if op != rdbOpFunction2 {
			return nil, "given type is not a function"
		}
		s, rest, ok := readRDBString(body)
		if !ok {
			return nil, "failed loading the library"
		}
		codes = append(codes, string(s))
		body = rest
	}
	return codes, ""
}

// readRDBString reads one RDB string (plain, integer or LZF encoded).
func readRDBString(b []byte) ([]byte, []byte, bool) {
	n, enc, b, ok := readRDBLen(b)
	if !ok {
		return nil, nil, false
	}
	if !enc {
		if uint64(len(b)) < n {
			return nil, nil, false
		}
		return b[:n], b[n:], true
	}
	switch n {
	case 0, 1, 2: // int8, int16, int32
		size := 1 << n
		if len(b) < size {
			return nil, nil, false
		}
		var v int64
		switch size {
		case 1:
			v = int64(int8(b[0]))
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(b)))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(b)))
		}
		return []byte(luaNumberString(float64(v))), b[size:], true
	case 3: // LZF
		clen, _, b, ok := readRDBLen(b)
		if !ok {
			return nil, nil, false
		}
		ulen, _, b2, ok := readRDBLen(b)
		if !ok || uint64(len(b2)) < clen || ulen > 512<<20 {
			return nil, nil, false
		}
		out := make([]byte, ulen)
		if err := lzf.Decompress(out, b2[:clen]); err != nil {
			return nil, nil, false
		}
		return out, b2[clen:], true
	}
	return nil, nil, false
}

// readRDBLen reads an RDB length, or (enc true) a string encoding number.
func readRDBLen(b []byte) (uint64, bool, []byte, bool) {
	if len(b) == 0 {
		return 0, false, nil, false
	}
	switch b[0] >> 6 {
	case 0:
		return uint64(b[0] & 0x3f), false, b[1:], true
	case 1:
		if len(b) < 2 {
			return 0, false, nil, false
		}
		return uint64(b[0]&0x3f)<<8 | uint64(b[1]), false, b[2:], true
	case 3:
		return uint64(b[0] & 0x3f), true, b[1:], true
	}
	switch b[0] {
	case 0x80:
		if len(b) < 5 {
			return 0, false, nil, false
		}
		return uint64(binary.BigEndian.Uint32(b[1:])), false, b[5:], true
	case 0x81:
		if len(b) < 9 {
			return 0, false, nil, false
		}
		return binary.BigEndian.Uint64(b[1:]), false, b[9:], true
	}
	return 0, false, nil, false
}
