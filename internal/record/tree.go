package record

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// A jtree is a resource's JSON parsed once into a compact tree whose
// strings share the input's memory. Projection and identity read it
// through the same helpers as decoded maps (get, str, arr, …; see
// jsonpath.go), without a map, an interface box or a string allocation per
// value. Nothing read from a tree may outlive the call that parsed it:
// Projection.detach copies what a projection keeps, and trees are pooled.
type jtree struct {
	src    string
	nodes  []jnode
	kids   []any    // children of all containers; nil for a JSON null
	keys   []string // member keys, parallel to kids ("" for array elements)
	kidIx  []int32  // kids as node indexes while parsing (-1 for null)
	stack  []int32  // children of the containers being parsed
	kstack []string // their keys
}

// jnode is one non-null JSON value of a jtree.
type jnode struct {
	t      *jtree
	raw    string // the value's exact text
	kind   byte   // '{', '[', '"', '0' (number), 't', 'f'
	esc    bool   // string with a backslash escape
	high   bool   // string with a byte ≥ 0x80
	off, n int32  // children: t.kids[off:off+n], keys t.keys[off:off+n]
}

// maxTreeDepth bounds nesting; deeper input is left to encoding/json.
const maxTreeDepth = 512

var treePool = sync.Pool{New: func() any { return new(jtree) }}

// parseTree parses the first JSON value of b. ok is true only for a valid
// object no deeper than maxTreeDepth (anything else is left to the
// encoding/json based code, which gives the errors); whole reports that
// only whitespace follows the object. The tree must be given back with
// release.
func parseTree(b []byte) (t *jtree, root *jnode, whole, ok bool) {
	t = treePool.Get().(*jtree)
	// The input is only read, and only during this call (see jtree).
	t.src = unsafe.String(unsafe.SliceData(b), len(b))
	t.nodes, t.kidIx, t.keys, t.stack, t.kstack = t.nodes[:0], t.kidIx[:0], t.keys[:0], t.stack[:0], t.kstack[:0]
	i := skipSpace(t.src, 0)
	if i >= len(t.src) || t.src[i] != '{' {
		return t, nil, false, false
	}
	idx, end, ok := t.value(i, 0)
	if !ok {
		return t, nil, false, false
	}
	t.kids = t.kids[:0]
	for _, k := range t.kidIx {
		if k < 0 {
			t.kids = append(t.kids, nil)
		} else {
			t.kids = append(t.kids, &t.nodes[k])
		}
	}
	return t, &t.nodes[idx], skipSpace(t.src, end) == len(t.src), true
}

// release gives a tree back to the pool.
func (t *jtree) release() {
	clear(t.kids) // drop node pointers and strings for the GC
	t.src = ""
	treePool.Put(t)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// value parses the value at src[i] (not whitespace) and returns its node
// index (-1 for null) and the index just past it. It is exactly as strict
// as encoding/json's scanner.
func (t *jtree) value(i, depth int) (idx int32, end int, ok bool) {
	s := t.src
	switch c := s[i]; {
	case c == '{' || c == '[':
		if depth >= maxTreeDepth {
			return 0, 0, false
		}
		return t.container(i, depth)
	case c == '"':
		end, esc, high, ok := scanString(s, i)
		if !ok {
			return 0, 0, false
		}
		t.nodes = append(t.nodes, jnode{t: t, raw: s[i:end], kind: '"', esc: esc, high: high})
		return int32(len(t.nodes) - 1), end, true
	case c == '-' || c >= '0' && c <= '9':
		end, ok := scanNumber(s, i)
		if !ok {
			return 0, 0, false
		}
		t.nodes = append(t.nodes, jnode{t: t, raw: s[i:end], kind: '0'})
		return int32(len(t.nodes) - 1), end, true
	case c == 't' && len(s)-i >= 4 && s[i:i+4] == "true", c == 'f' && len(s)-i >= 5 && s[i:i+5] == "false":
		end := i + 4
		if c == 'f' {
			end++
		}
		t.nodes = append(t.nodes, jnode{t: t, raw: s[i:end], kind: c})
		return int32(len(t.nodes) - 1), end, true
	case c == 'n' && len(s)-i >= 4 && s[i:i+4] == "null":
		return -1, i + 4, true
	}
	return 0, 0, false
}

// container parses an object or array at src[i].
func (t *jtree) container(i, depth int) (int32, int, bool) {
	s := t.src
	open := s[i]
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	idx := int32(len(t.nodes))
	t.nodes = append(t.nodes, jnode{t: t, kind: open})
	base := len(t.stack)
	start := i
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == closing {
		i++
	} else {
		for {
			key := ""
			if open == '{' {
				if i >= len(s) || s[i] != '"' {
					return 0, 0, false
				}
				end, esc, high, ok := scanString(s, i)
				if !ok {
					return 0, 0, false
				}
				key = s[i+1 : end-1]
				if esc || high && !utf8.ValidString(key) {
					key = decodeString(s[i:end])
				}
				i = skipSpace(s, end)
				if i >= len(s) || s[i] != ':' {
					return 0, 0, false
				}
				i = skipSpace(s, i+1)
			}
			if i >= len(s) {
				return 0, 0, false
			}
			kid, end, ok := t.value(i, depth+1)
			if !ok {
				return 0, 0, false
			}
			t.stack = append(t.stack, kid)
			t.kstack = append(t.kstack, key)
			i = skipSpace(s, end)
			if i >= len(s) {
				return 0, 0, false
			}
			if s[i] == closing {
				i++
				break
			}
			if s[i] != ',' {
				return 0, 0, false
			}
			i = skipSpace(s, i+1)
		}
	}
	n := &t.nodes[idx]
	n.raw = s[start:i]
	n.off = int32(len(t.kidIx))
	n.n = int32(len(t.stack) - base)
	t.kidIx = append(t.kidIx, t.stack[base:]...)
	t.keys = append(t.keys, t.kstack[base:]...)
	t.stack, t.kstack = t.stack[:base], t.kstack[:base]
	return idx, i, true
}

// scanString expects s[i] == '"' and returns the index past the closing
// quote, whether the string has escapes and bytes ≥ 0x80, and whether it
// is valid JSON (control characters and bad escapes are not).
func scanString(s string, i int) (end int, esc, high, ok bool) {
	for i++; i < len(s); i++ {
		// Skip 8 plain ASCII bytes at a time (SWAR): no quote, backslash,
		// control byte or byte ≥ 0x80.
		for i+8 <= len(s) {
			w := load64(s, i)
			q, b := w^quotes, w^slashes
			if (w|(w-0x20*lsb)|(q-lsb)&^q|(b-lsb)&^b)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, esc, high, true
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				return 0, false, false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return 0, false, false, false
				}
				i += 5
			default:
				return 0, false, false, false
			}
		case c < 0x20:
			return 0, false, false, false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return 0, false, false, false
}

// SWAR constants: a uint64 holds 8 bytes.
const (
	lsb     = 0x0101010101010101
	msb     = 0x8080808080808080
	quotes  = '"' * lsb
	slashes = '\\' * lsb
)

// load64 reads s[i:i+8] (which must exist) as a little-endian uint64, in
// one load where the compiler would not combine eight (WebAssembly).
func load64(s string, i int) uint64 {
	_ = s[i+7]
	p := unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)
	if unalignedLE {
		return *(*uint64)(p)
	}
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// unalignedLE: little-endian architectures with cheap unaligned loads.
const unalignedLE = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" || runtime.GOARCH == "wasm" || runtime.GOARCH == "386"

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber reads a JSON number at s[i]: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func scanNumber(s string, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s) || !isDigit(s[i]):
		return 0, false
	case s[i] == '0':
		i++
	default:
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i, true
}

// decodeString decodes a quoted JSON string as encoding/json does
// (invalid UTF-8 becomes U+FFFD).
func decodeString(q string) string {
	var out string
	if json.Unmarshal([]byte(q), &out) != nil {
		return ""
	}
	return out
}

// member returns the value of the object member key (the last one, as
// when decoding into a map), or nil.
func (n *jnode) member(key string) any {
	if n.kind != '{' {
		return nil
	}
	keys := n.t.keys[n.off : n.off+n.n]
	for j := len(keys) - 1; j >= 0; j-- {
		if keys[j] == key {
			return n.t.kids[int(n.off)+j]
		}
	}
	return nil
}

// elems returns the elements of an array (nil for anything else).
func (n *jnode) elems() []any {
	if n.kind != '[' {
		return nil
	}
	return n.t.kids[n.off : n.off+n.n]
}

// str returns a string value (decoded), or "" for anything else.
func (n *jnode) str() string {
	if n.kind != '"' {
		return ""
	}
	s := n.raw[1 : len(n.raw)-1]
	if n.esc || n.high && !utf8.ValidString(s) {
		return decodeString(n.raw)
	}
	return s
}

// float reads a number, or a string holding one.
func (n *jnode) float() (float64, bool) {
	switch n.kind {
	case '0':
		f, err := strconv.ParseFloat(n.raw, 64)
		return f, err == nil
	case '"':
		return parseFloatText(n.str())
	}
	return 0, false
}
