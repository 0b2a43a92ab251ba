package importer

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// This file holds a tiny zero-copy walker over JSON that has already been
// validated (json.Valid or an equivalent check). It lets the importers read
// a bundle's structure in one pass and keep every resource as a sub-slice of
// the input, so a 15 MB file is held once. The walker never panics on
// invalid input either; it just stops early.

// checkDepth scans b and reports the byte offset where nesting first exceeds
// max. It does not validate anything else; it runs before any decoding so
// that hostile input never reaches a recursive decoder.
func checkDepth(b []byte, max int) (offset int, ok bool) {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = skipString(b, i) - 1
		case '{', '[':
			depth++
			if depth > max {
				return i, false
			}
		case '}', ']':
			depth--
		}
	}
	return 0, true
}

// skipWS returns the index of the first non-whitespace byte at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString expects b[i] == '"' and returns the index just past the
// closing quote (or len(b) when there is none).
func skipString(b []byte, i int) int {
	i++
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		q := i + j
		// Count the backslashes just before the quote: an odd number escapes it.
		n := 0
		for k := q - 1; k >= i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i]
// (i must point at its first byte, not at whitespace).
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// members calls fn for each member of the object obj (which must start
// with '{' after optional whitespace), with the key's raw bytes between the
// quotes and the value's exact bytes. fn returns false to stop.
func members(obj []byte, fn func(key, val []byte) bool) {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return
	}
	i++
	for {
		i = skipWS(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return // '}' or garbage
		}
		ks := i
		end := skipString(obj, i)
		if end-1 <= i || obj[end-1] != '"' {
			return
		}
		key := obj[i+1 : end-1]
		i = skipWS(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return
		}
		i = skipWS(obj, i+1)
		vend := skipValue(obj, i)
		if vend <= i {
			return
		}
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			key = []byte(unquote(obj[ks:end]))
		}
		if !fn(key, obj[i:vend]) {
			return
		}
		i = skipWS(obj, vend)
		if i >= len(obj) || obj[i] != ',' {
			return
		}
		i++
	}
}

// elements calls fn for each element of the array arr with its index.
func elements(arr []byte, fn func(i int, val []byte) bool) {
	i := skipWS(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return
	}
	i++
	for n := 0; ; n++ {
		i = skipWS(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			return
		}
		vend := skipValue(arr, i)
		if vend <= i {
			return
		}
		if !fn(n, arr[i:vend]) {
			return
		}
		i = skipWS(arr, vend)
		if i >= len(arr) || arr[i] != ',' {
			return
		}
		i++
	}
}

// field returns the value of the top-level member key of obj, or nil.
func field(obj []byte, key string) []byte {
	var out []byte
	members(obj, func(k, v []byte) bool {
		if string(k) == key {
			out = v
			return false
		}
		return true
	})
	return out
}

// str decodes a JSON string value; anything else gives "".
func str(v []byte) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		return string(v[1 : len(v)-1])
	}
	return unquote(v)
}

// unquote decodes a quoted JSON string with escapes.
func unquote(v []byte) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// walkObject walks the object starting at b[i] ('{'), calling fn with each
// member's key and the index of its value; fn returns the index just past
// the value (skipValue(b, v) when it does not read it), or -1 to stop.
// walkObject returns the index just past the object, or -1.
func walkObject(b []byte, i int, fn func(key []byte, v int) int) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		ks := i
		end := skipString(b, i)
		if end-1 <= i || b[end-1] != '"' {
			return -1
		}
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			key = []byte(unquote(b[ks:end]))
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		v := skipWS(b, i+1)
		if v >= len(b) {
			return -1
		}
		vend := fn(key, v)
		if vend <= v {
			return -1
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '}':
			return i + 1
		case ',':
			i = skipWS(b, i+1)
		default:
			return -1
		}
	}
}

// walkArray is walkObject for arrays: fn gets each element's index and start.
func walkArray(b []byte, i int, fn func(n, v int) int) int {
	if i >= len(b) || b[i] != '[' {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for n := 0; ; n++ {
		if i >= len(b) {
			return -1
		}
		vend := fn(n, i)
		if vend <= i {
			return -1
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ']':
			return i + 1
		case ',':
			i = skipWS(b, i+1)
		default:
			return -1
		}
	}
}
