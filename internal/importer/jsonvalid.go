package importer

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

// validDepth reports whether b is one JSON value, with optional whitespace
// around it, nested at most max deep: exactly what json.Valid accepts and
// checkDepth passes, in one pass several times faster than json.Valid.
// Callers fall back to those two to describe what is wrong.
func validDepth(b []byte, max int) bool {
	var buf [MaxDepth + 1]byte
	stack := buf[:0] // open containers: '{' or '['
	i := skipWS(b, 0)
	ok := false
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) >= max {
				return false
			}
			j := skipWS(b, i+1)
			if j < len(b) && (c == '{' && b[j] == '}' || c == '[' && b[j] == ']') {
				i = j + 1
				break
			}
			stack = append(stack, c)
			i = j
			if c == '{' {
				if i, ok = validKey(b, i); !ok {
					return false
				}
			}
			continue
		case c == '"':
			if i, ok = validString(b, i); !ok {
				return false
			}
		case c == '-' || c >= '0' && c <= '9':
			if i, ok = validNumber(b, i); !ok {
				return false
			}
		case c == 't' && len(b)-i >= 4 && string(b[i:i+4]) == "true",
			c == 'n' && len(b)-i >= 4 && string(b[i:i+4]) == "null":
			i += 4
		case c == 'f' && len(b)-i >= 5 && string(b[i:i+5]) == "false":
			i += 5
		default:
			return false
		}
		// A value ended at b[i]: close containers, or go on to the next
		// element or member.
		for {
			i = skipWS(b, i)
			if len(stack) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			top := stack[len(stack)-1]
			if b[i] == ',' {
				i = skipWS(b, i+1)
				if top == '{' {
					if i, ok = validKey(b, i); !ok {
						return false
					}
				}
				break
			}
			if top == '{' && b[i] == '}' || top == '[' && b[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return false
		}
	}
}

// validKey reads `"key" :` at b[i] and returns the index of the value.
func validKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	i, ok := validString(b, i)
	if !ok {
		return 0, false
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	return skipWS(b, i+1), true
}

// SWAR constants: a uint64 holds 8 bytes.
const (
	lsb     = 0x0101010101010101
	msb     = 0x8080808080808080
	quotes  = '"' * lsb
	slashes = '\\' * lsb
)

// validString reads the JSON string at b[i] ('"') and returns the index
// past it. Bytes below 0x20 are not allowed; escapes must be one of
// \" \\ \/ \b \f \n \r \t \uXXXX; any other byte (invalid UTF-8 too) is.
func validString(b []byte, i int) (int, bool) {
	i++
	for {
		// Skip 8 plain bytes at a time: no quote, backslash or control byte.
		for i+8 <= len(b) {
			w := load64(b, i)
			q, s := w^quotes, w^slashes
			if ((w-0x20*lsb)&^w|(q-lsb)&^q|(s-lsb)&^s)&msb != 0 {
				break
			}
			i += 8
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		default:
			i++
		}
	}
}

// load64 reads b[i:i+8] (which must exist) as a little-endian uint64, in
// one load where the compiler would not combine eight (WebAssembly).
func load64(b []byte, i int) uint64 {
	if unalignedLE {
		_ = b[i+7]
		return *(*uint64)(unsafe.Pointer(&b[i]))
	}
	return binary.LittleEndian.Uint64(b[i:])
}

// unalignedLE: little-endian architectures with cheap unaligned loads.
const unalignedLE = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" || runtime.GOARCH == "wasm" || runtime.GOARCH == "386"

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validNumber reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func validNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b) || !isDigit(b[i]):
		return 0, false
	case b[i] == '0':
		i++
	default:
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return 0, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return 0, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, true
}
