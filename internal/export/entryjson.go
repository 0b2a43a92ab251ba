package export

// A hand-written codec for the lines of backpack/vault.jsonl.
//
// encoding/json is correct but slow in the browser: its scanner makes an
// indirect call for every byte, which Go's js/wasm pays dearly for, and
// restore decodes every resource byte through it. This codec does the same
// work in plain loops:
//
//   - appendEntryLine writes an entry line with the bytes encoding/json
//     (SetEscapeHTML(false)) writes, the resource spliced in verbatim;
//   - vaultDecoder reads the lines like json.Decoder.Decode into a vaultLine,
//     validating every byte (the resources too) as encoding/json does.
//
// The decoder handles any valid JSON for the five kinds of line, in any key
// order and spacing. Whatever it does not handle exactly as encoding/json
// would (keys with escapes or in another case, repeated keys, a value of
// the wrong type, a value spanning lines, invalid JSON, a read error) it
// leaves to json.Decoder for that value, so that results and errors are
// those of encoding/json.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// ---- Encoding ----

// errEntryLine never reaches Write's callers: encodeEntry then falls back
// to encoding/json, which gives its own error.
var errEntryLine = errors.New("export: entry line: value encoding/json refuses")

// appendEntryLine appends to dst the vault.jsonl line of e, newline
// included: the bytes json.Encoder with SetEscapeHTML(false) writes for
// vaultLine{Entry: e}, except that the resource's JSON is written verbatim,
// compacted only when it holds a line break (it must be a JSON object, or
// empty for null). On error (a time outside years 0–9999, a NaN or infinite
// value, a resource that does not compact) dst is returned unchanged.
func appendEntryLine(dst []byte, e *record.Entry) ([]byte, error) {
	raw := e.Resource.JSON
	if len(raw) > 0 && !isObject(raw) {
		return dst, errNotObject
	}
	b := append(dst, `{"entry":{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"profile":`...)
	b = appendJSONString(b, e.Profile)
	b = append(b, `,"resource":{"resourceType":`...)
	b = appendJSONString(b, e.Resource.Type)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, e.Resource.ID)
	b = append(b, `,"resource":`...)
	switch {
	case len(raw) == 0:
		b = append(b, "null"...)
	case bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') >= 0:
		buf := bytes.NewBuffer(b)
		if err := json.Compact(buf, raw); err != nil {
			return dst, err
		}
		b = buf.Bytes()
	default:
		b = append(b, raw...)
	}
	var ok bool
	p := &e.Projection
	b = append(b, `},"kind":`...)
	b = appendJSONString(b, string(p.Kind))
	b = append(b, `,"date":`...)
	if b, ok = appendJSONTime(b, p.Date); !ok {
		return dst, errEntryLine
	}
	if p.DatePrecision != "" {
		b = append(b, `,"datePrecision":`...)
		b = appendJSONString(b, p.DatePrecision)
	}
	b = append(b, `,"end":`...)
	if b, ok = appendJSONTime(b, p.End); !ok {
		return dst, errEntryLine
	}
	b = append(b, `,"title":`...)
	b = appendJSONString(b, p.Title)
	if len(p.Codes) > 0 {
		b = append(b, `,"codes":[`...)
		for i, c := range p.Codes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			b = appendOptString(b, n, `"system":`, c.System)
			b = appendOptString(b, n, `"code":`, c.Code)
			b = appendOptString(b, n, `"display":`, c.Display)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptString(b, 0, `"text":`, p.Text)
	b = appendOptString(b, 0, `"status":`, p.Status)
	if b, ok = appendOptFloat(b, `,"value":`, p.Value); !ok {
		return dst, errEntryLine
	}
	if b, ok = appendOptFloat(b, `,"value2":`, p.Value2); !ok {
		return dst, errEntryLine
	}
	b = appendOptString(b, 0, `"comparator":`, p.Comparator)
	b = appendOptString(b, 0, `"unit":`, p.Unit)
	if b, ok = appendOptFloat(b, `,"refLow":`, p.RefLow); !ok {
		return dst, errEntryLine
	}
	if b, ok = appendOptFloat(b, `,"refHigh":`, p.RefHigh); !ok {
		return dst, errEntryLine
	}
	b = appendOptString(b, 0, `"interp":`, p.Interp)
	b = appendOptString(b, 0, `"who":`, p.Who)
	if len(e.Notes) > 0 {
		b = append(b, `,"notes":[`...)
		for i := range e.Notes {
			n := &e.Notes[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, n.ID)
			b = append(b, `,"text":`...)
			b = appendJSONString(b, n.Text)
			b = append(b, `,"created":`...)
			if b, ok = appendJSONTime(b, n.Created); !ok {
				return dst, errEntryLine
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if f := e.Flag; f != nil {
		b = append(b, `,"flag":{"note":`...)
		b = appendJSONString(b, f.Note)
		b = append(b, `,"created":`...)
		if b, ok = appendJSONTime(b, f.Created); !ok {
			return dst, errEntryLine
		}
		b = appendOptString(b, 0, `"status":`, f.Status)
		b = append(b, '}')
	}
	if len(e.Files) > 0 {
		b = append(b, `,"files":[`...)
		for i, id := range e.Files {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, id)
		}
		b = append(b, ']')
	}
	pv := &e.Provenance
	b = append(b, `,"provenance":{`...)
	n := len(b)
	b = appendOptString(b, n, `"source":`, pv.Source)
	b = appendOptString(b, n, `"file":`, pv.File)
	b = appendOptString(b, n, `"system":`, pv.System)
	if len(b) > n {
		b = append(b, ',')
	}
	b = append(b, `"importedAt":`...)
	if b, ok = appendJSONTime(b, pv.ImportedAt); !ok {
		return dst, errEntryLine
	}
	if pv.Verified != nil {
		b = append(b, `,"verified":`...)
		b = strconv.AppendBool(b, *pv.Verified)
	}
	b = append(b, '}')
	b = appendOptString(b, 0, `"identity":`, e.Identity)
	b = append(b, `,"created":`...)
	if b, ok = appendJSONTime(b, e.Created); !ok {
		return dst, errEntryLine
	}
	b = append(b, `,"updated":`...)
	if b, ok = appendJSONTime(b, e.Updated); !ok {
		return dst, errEntryLine
	}
	b = append(b, `,"deleted":`...)
	if b, ok = appendJSONTime(b, e.Deleted); !ok {
		return dst, errEntryLine
	}
	return append(b, "}}\n"...), nil
}

// appendOptString appends the member name (`"key":`) and s unless s is
// empty (omitempty), with a comma before it unless b has nothing after
// index first (the first member of an object).
func appendOptString(b []byte, first int, name, s string) []byte {
	if s == "" {
		return b
	}
	if len(b) > first {
		b = append(b, ',')
	}
	b = append(b, name...)
	return appendJSONString(b, s)
}

// appendOptFloat appends name and *f unless f is nil (omitempty).
func appendOptFloat(b []byte, name string, f *float64) ([]byte, bool) {
	if f == nil {
		return b, true
	}
	return appendJSONFloat(append(b, name...), *f)
}

// appendJSONTime appends t as time.Time.MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, false
	}
	return append(b, '"'), true
}

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping: invalid UTF-8 becomes \ufffd, U+2028 and U+2029 are escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ---- Validation ----

// maxNestingDepth is encoding/json's limit on nested arrays and objects.
const maxNestingDepth = 10000

// validJSON reports whether b is one valid JSON value with optional
// whitespace around it, exactly as json.Valid does.
func validJSON(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return false
	}
	i = scanValue(b, i, 0)
	return i >= 0 && skipSpace(b, i) == len(b)
}

func skipSpace(b []byte, i int) int {
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

// scanValue returns the index just after the JSON value that starts at
// b[i], or -1 if no valid value starts there. depth is the number of arrays
// and objects open around it (for encoding/json's nesting limit).
func scanValue(b []byte, i, depth int) int {
	var stackBuf [64]byte
	stack := stackBuf[:0] // '{' or '[' per open container
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '{', '[':
			if depth+len(stack) >= maxNestingDepth {
				return -1
			}
			open := b[i]
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == open+2 { // '}' or ']'
				i++
				break
			}
			stack = append(stack, open)
			if open == '{' {
				if i = scanKey(b, i); i < 0 {
					return -1
				}
			}
			continue
		case '"':
			if i = scanString(b, i); i < 0 {
				return -1
			}
		case 't':
			if i = scanLiteral(b, i, "true"); i < 0 {
				return -1
			}
		case 'f':
			if i = scanLiteral(b, i, "false"); i < 0 {
				return -1
			}
		case 'n':
			if i = scanLiteral(b, i, "null"); i < 0 {
				return -1
			}
		default:
			if i = scanNumber(b, i); i < 0 {
				return -1
			}
		}
		// A value ended at b[i]: close containers until the next value.
		for {
			if len(stack) == 0 {
				return i
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			top := stack[len(stack)-1]
			if c := b[i]; c == ',' {
				i = skipSpace(b, i+1)
				if top == '{' {
					if i = scanKey(b, i); i < 0 {
						return -1
					}
				}
				break
			} else if c != top+2 {
				return -1
			}
			stack = stack[:len(stack)-1]
			i++
		}
	}
}

// scanKey scans `"key" :` and the whitespace after it.
func scanKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = scanString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

func scanLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// strClass sorts string bytes: 0 plain ASCII, 1 '"', '\\' or a control
// character, 2 the bytes of non-ASCII UTF-8 (valid or not).
var strClass = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			t[c] = 1
		case c >= 0x80:
			t[c] = 2
		}
	}
	return
}()

// scanString returns the index after the string starting at b[i] == '"'.
func scanString(b []byte, i int) int {
	end, _ := scanStringFlags(b, i)
	return end
}

// String flags of scanStringFlags.
const (
	strEscape   = 1 << iota // has a backslash escape
	strNonASCII             // has bytes ≥ 0x80
)

// scanStringFlags scans the string starting at b[i] == '"' and reports
// what it holds.
func scanStringFlags(b []byte, i int) (end int, flags int) {
	i++
	for {
		for i < len(b) && strClass[b[i]] == 0 {
			i++
		}
		if i >= len(b) {
			return -1, 0
		}
		switch c := b[i]; {
		case c >= utf8.RuneSelf:
			flags |= strNonASCII
			i++
		case c == '"':
			return i + 1, flags
		case c < 0x20:
			return -1, 0
		case i+1 >= len(b):
			return -1, 0
		default: // a backslash
			flags |= strEscape
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return -1, 0
				}
				i += 6
			default:
				return -1, 0
			}
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber returns the index after the number starting at b[i].
func scanNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	return i
}

// unquote decodes the JSON string s (quotes excluded, already validated)
// as encoding/json does: invalid UTF-8 bytes and lone surrogates become
// U+FFFD.
func unquote(s []byte) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[r+1])
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b)
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// ---- Decoding ----

// vaultDecoder reads the values of backpack/vault.jsonl like json.Decoder,
// one value per Decode, decoding itself the values that end on their line.
type vaultDecoder struct {
	src  stickyReader
	buf  []byte // buf[off:] is read and not yet decoded
	off  int
	scan int // buf[off:scan] holds no newline
	p    lineParser

	slowN int // values left to encoding/json (for tests)
}

func newVaultDecoder(r io.Reader) *vaultDecoder {
	return &vaultDecoder{src: stickyReader{r: r}, p: lineParser{intern: map[string]string{}}}
}

// Decode decodes the next JSON value into v as json.Decoder.Decode does. v
// should be the zero vaultLine (readVault's); otherwise json.Decoder does
// the work.
func (d *vaultDecoder) Decode(v *vaultLine) error {
	// Whitespace between values.
	for {
		d.off = skipSpace(d.buf, d.off)
		if d.off < len(d.buf) {
			break
		}
		if d.src.err != nil {
			return d.src.err // io.EOF at the end, like json.Decoder
		}
		d.fill()
	}
	// The value is decoded here when it ends before the next newline (or
	// the end of the input), which it does unless spread over lines.
	end := 0
	for {
		from := max(d.off, d.scan)
		if j := bytes.IndexByte(d.buf[from:], '\n'); j >= 0 {
			d.scan = from + j
			end = d.scan
			break
		}
		d.scan = len(d.buf)
		if d.src.err == io.EOF {
			end = len(d.buf)
			break
		}
		if d.src.err != nil {
			return d.slow(v)
		}
		if d.scan-d.off > limit.line {
			return tooLarge("a vault.jsonl line")
		}
		d.fill()
	}
	if *v == (vaultLine{}) {
		var line vaultLine
		if n, ok := d.p.parse(d.buf[d.off:end], &line); ok {
			*v = line
			d.off += n
			return nil
		}
	}
	return d.slow(v)
}

// slow decodes the next value with encoding/json.
func (d *vaultDecoder) slow(v *vaultLine) error {
	d.slowN++
	rest := bytes.NewReader(d.buf[d.off:])
	// A value spread over lines is bounded like a line.
	more := &capReader{r: &d.src, n: int64(max(limit.line-rest.Len(), 0)), err: tooLarge("a vault.jsonl value")}
	dec := json.NewDecoder(io.MultiReader(rest, more))
	if err := dec.Decode(v); err != nil {
		return err
	}
	left, _ := io.ReadAll(dec.Buffered()) // read by dec but not used
	if rest.Len() > 0 {
		// dec read only from buf: what it left is just before rest.
		d.off = len(d.buf) - rest.Len() - len(left)
	} else {
		d.buf = append(d.buf[:0], left...)
		d.off, d.scan = 0, 0
	}
	return nil
}

// minRead is the least free space fill reads into.
const minRead = 32 << 10

// fill reads more input after buf, moving or growing buf as needed.
func (d *vaultDecoder) fill() {
	if cap(d.buf)-len(d.buf) < minRead {
		buf := d.buf
		if d.off == 0 || cap(d.buf)-(len(d.buf)-d.off) < 2*minRead {
			buf = make([]byte, 0, 2*(cap(d.buf)-d.off)+2*minRead)
		}
		d.buf = append(buf[:0], d.buf[d.off:]...) // copy handles the overlap
		d.scan -= d.off
		d.off = 0
	}
	n, _ := d.src.Read(d.buf[len(d.buf):cap(d.buf)])
	d.buf = d.buf[:len(d.buf)+n]
}

// stickyReader remembers the first error of r and returns it from then on.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.err = err
	return n, err
}

// lineParser decodes one line of vault.jsonl. Each method returns false
// when the input is invalid or is not one it decodes exactly as
// encoding/json would; the caller then leaves the line to encoding/json.
type lineParser struct {
	b []byte
	i int

	intern map[string]string // short strings that repeat: kinds, units, systems…
	arena  []byte            // shared backing for the resources' JSON
}

// parse decodes the JSON object at the start of b into the zero v and
// returns its length.
func (p *lineParser) parse(b []byte, v *vaultLine) (int, bool) {
	p.b, p.i = b, 0
	ok := p.vaultLine(v)
	p.b = nil
	return p.i, ok
}

// Field names, for telling keys encoding/json would match by case folding.
var (
	lineKeys     = []string{"backpack", "version", "created", "partial", "summary", "ips", "counts", "profile", "file", "path", "question", "entry"}
	countsKeys   = []string{"profiles", "entries", "files", "questions"}
	profileKeys  = []string{"id", "name", "birthDate", "relationship", "patient", "created"}
	resourceKeys = []string{"resourceType", "id", "resource"}
	fileKeys     = []string{"id", "profile", "name", "type", "size", "sha256", "created"}
	questionKeys = []string{"id", "profile", "provider", "text", "done", "created"}
	entryKeys    = []string{"id", "profile", "resource", "kind", "date", "datePrecision", "end", "title", "codes", "text", "status", "value", "value2", "comparator", "unit", "refLow", "refHigh", "interp", "who", "notes", "flag", "files", "provenance", "identity", "created", "updated", "deleted"}
	codeKeys     = []string{"system", "code", "display"}
	noteKeys     = []string{"id", "text", "created"}
	flagKeys     = []string{"note", "created", "status"}
	provKeys     = []string{"source", "file", "system", "importedAt", "verified"}
)

func (p *lineParser) vaultLine(v *vaultLine) bool {
	if !p.open('{') {
		return false
	}
	const d = 1
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "backpack":
			ok = p.once(&seen, 0) && p.str(&v.Backpack, false)
		case "version":
			ok = p.once(&seen, 1) && p.int(&v.Version)
		case "created":
			ok = p.once(&seen, 2) && p.timePtr(&v.Created)
		case "partial":
			ok = p.once(&seen, 3) && p.bool(&v.Partial)
		case "summary":
			ok = p.once(&seen, 4) && p.bool(&v.Summary)
		case "ips":
			ok = p.once(&seen, 5) && p.bool(&v.IPS)
		case "counts":
			ok = p.once(&seen, 6) && p.counts(&v.Counts)
		case "profile":
			ok = p.once(&seen, 7)
			if ok && !p.null() {
				v.Profile = new(record.Profile)
				ok = p.profile(v.Profile, d+1)
			}
		case "file":
			ok = p.once(&seen, 8)
			if ok && !p.null() {
				v.File = new(record.FileInfo)
				ok = p.fileInfo(v.File)
			}
		case "path":
			ok = p.once(&seen, 9) && p.str(&v.Path, false)
		case "question":
			ok = p.once(&seen, 10)
			if ok && !p.null() {
				v.Question = new(record.Question)
				ok = p.question(v.Question)
			}
		case "entry":
			ok = p.once(&seen, 11)
			if ok && !p.null() {
				v.Entry = new(record.Entry)
				ok = p.entry(v.Entry, d+1)
			}
		default:
			ok = p.unknown(k, lineKeys, d)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) counts(c **counts) bool {
	if p.null() {
		return true
	}
	if !p.open('{') {
		return false
	}
	*c = new(counts)
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "profiles":
			ok = p.once(&seen, 0) && p.int(&(*c).Profiles)
		case "entries":
			ok = p.once(&seen, 1) && p.int(&(*c).Entries)
		case "files":
			ok = p.once(&seen, 2) && p.int(&(*c).Files)
		case "questions":
			ok = p.once(&seen, 3) && p.int(&(*c).Questions)
		default:
			ok = p.unknown(k, countsKeys, 2)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) profile(v *record.Profile, d int) bool {
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "id":
			ok = p.once(&seen, 0) && p.str(&v.ID, false)
		case "name":
			ok = p.once(&seen, 1) && p.str(&v.Name, false)
		case "birthDate":
			ok = p.once(&seen, 2) && p.str(&v.BirthDate, false)
		case "relationship":
			ok = p.once(&seen, 3) && p.str(&v.Relationship, true)
		case "patient":
			ok = p.once(&seen, 4) && p.resource(&v.Patient, d+1)
		case "created":
			ok = p.once(&seen, 5) && p.time(&v.Created)
		default:
			ok = p.unknown(k, profileKeys, d)
		}
		if !ok {
			return false
		}
	}
}

// resource decodes a fhir.Resource object (null leaves it as it is).
func (p *lineParser) resource(v *fhir.Resource, d int) bool {
	if p.null() {
		return true
	}
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "resourceType":
			ok = p.once(&seen, 0) && p.str(&v.Type, true)
		case "id":
			ok = p.once(&seen, 1) && p.str(&v.ID, false)
		case "resource":
			ok = p.once(&seen, 2) && p.raw(&v.JSON, d)
		default:
			ok = p.unknown(k, resourceKeys, d)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) fileInfo(v *record.FileInfo) bool {
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "id":
			ok = p.once(&seen, 0) && p.str(&v.ID, false)
		case "profile":
			ok = p.once(&seen, 1) && p.str(&v.Profile, true)
		case "name":
			ok = p.once(&seen, 2) && p.str(&v.Name, false)
		case "type":
			ok = p.once(&seen, 3) && p.str(&v.Type, true)
		case "size":
			ok = p.once(&seen, 4) && p.int64(&v.Size)
		case "sha256":
			ok = p.once(&seen, 5) && p.str(&v.SHA256, false)
		case "created":
			ok = p.once(&seen, 6) && p.time(&v.Created)
		default:
			ok = p.unknown(k, fileKeys, 2)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) question(v *record.Question) bool {
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "id":
			ok = p.once(&seen, 0) && p.str(&v.ID, false)
		case "profile":
			ok = p.once(&seen, 1) && p.str(&v.Profile, true)
		case "provider":
			ok = p.once(&seen, 2) && p.str(&v.Provider, true)
		case "text":
			ok = p.once(&seen, 3) && p.str(&v.Text, false)
		case "done":
			ok = p.once(&seen, 4) && p.bool(&v.Done)
		case "created":
			ok = p.once(&seen, 5) && p.time(&v.Created)
		default:
			ok = p.unknown(k, questionKeys, 2)
		}
		if !ok {
			return false
		}
	}
}

// entry decodes a record.Entry object at nesting depth d.
func (p *lineParser) entry(e *record.Entry, d int) bool {
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "id":
			ok = p.once(&seen, 0) && p.str(&e.ID, false)
		case "profile":
			ok = p.once(&seen, 1) && p.str(&e.Profile, true)
		case "resource":
			ok = p.once(&seen, 2) && p.resource(&e.Resource, d+1)
		case "kind":
			ok = p.once(&seen, 3) && p.str((*string)(&e.Kind), true)
		case "date":
			ok = p.once(&seen, 4) && p.time(&e.Date)
		case "datePrecision":
			ok = p.once(&seen, 5) && p.str(&e.DatePrecision, true)
		case "end":
			ok = p.once(&seen, 6) && p.time(&e.End)
		case "title":
			ok = p.once(&seen, 7) && p.str(&e.Title, true)
		case "codes":
			ok = p.once(&seen, 8) && p.codes(&e.Codes, d+1)
		case "text":
			ok = p.once(&seen, 9) && p.str(&e.Text, false)
		case "status":
			ok = p.once(&seen, 10) && p.str(&e.Status, true)
		case "value":
			ok = p.once(&seen, 11) && p.floatPtr(&e.Value)
		case "unit":
			ok = p.once(&seen, 12) && p.str(&e.Unit, true)
		case "refLow":
			ok = p.once(&seen, 13) && p.floatPtr(&e.RefLow)
		case "refHigh":
			ok = p.once(&seen, 14) && p.floatPtr(&e.RefHigh)
		case "interp":
			ok = p.once(&seen, 15) && p.str(&e.Interp, true)
		case "who":
			ok = p.once(&seen, 16) && p.str(&e.Who, true)
		case "notes":
			ok = p.once(&seen, 17) && p.notes(&e.Notes, d+1)
		case "flag":
			ok = p.once(&seen, 18) && p.flag(&e.Flag, d+1)
		case "files":
			ok = p.once(&seen, 19) && p.strings(&e.Files, d+1)
		case "provenance":
			ok = p.once(&seen, 20) && p.provenance(&e.Provenance, d+1)
		case "identity":
			ok = p.once(&seen, 21) && p.str(&e.Identity, false)
		case "created":
			ok = p.once(&seen, 22) && p.time(&e.Created)
		case "updated":
			ok = p.once(&seen, 23) && p.time(&e.Updated)
		case "deleted":
			ok = p.once(&seen, 24) && p.time(&e.Deleted)
		case "value2":
			ok = p.once(&seen, 25) && p.floatPtr(&e.Value2)
		case "comparator":
			ok = p.once(&seen, 26) && p.str(&e.Comparator, true)
		default:
			ok = p.unknown(k, entryKeys, d)
		}
		if !ok {
			return false
		}
	}
}

// codes decodes an array of record.Code at depth d (the array's).
func (p *lineParser) codes(v *[]record.Code, d int) bool {
	return parseArray(p, v, func(c *record.Code) bool { return p.code(c, d+1) })
}

func (p *lineParser) code(c *record.Code, d int) bool {
	if p.null() {
		return true
	}
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "system":
			ok = p.once(&seen, 0) && p.str(&c.System, true)
		case "code":
			ok = p.once(&seen, 1) && p.str(&c.Code, true)
		case "display":
			ok = p.once(&seen, 2) && p.str(&c.Display, true)
		default:
			ok = p.unknown(k, codeKeys, d)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) notes(v *[]record.Note, d int) bool {
	return parseArray(p, v, func(n *record.Note) bool { return p.note(n, d+1) })
}

func (p *lineParser) note(v *record.Note, d int) bool {
	if p.null() {
		return true
	}
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "id":
			ok = p.once(&seen, 0) && p.str(&v.ID, false)
		case "text":
			ok = p.once(&seen, 1) && p.str(&v.Text, false)
		case "created":
			ok = p.once(&seen, 2) && p.time(&v.Created)
		default:
			ok = p.unknown(k, noteKeys, d)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) flag(v **record.ErrorFlag, d int) bool {
	if p.null() {
		*v = nil
		return true
	}
	if !p.open('{') {
		return false
	}
	f := new(record.ErrorFlag)
	*v = f
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "note":
			ok = p.once(&seen, 0) && p.str(&f.Note, false)
		case "created":
			ok = p.once(&seen, 1) && p.time(&f.Created)
		case "status":
			ok = p.once(&seen, 2) && p.str(&f.Status, true)
		default:
			ok = p.unknown(k, flagKeys, d)
		}
		if !ok {
			return false
		}
	}
}

func (p *lineParser) provenance(v *record.Provenance, d int) bool {
	if p.null() {
		return true
	}
	if !p.open('{') {
		return false
	}
	var seen uint64
	for n := 0; ; n++ {
		k, ok := p.member(n)
		if !ok {
			return k != nil
		}
		switch string(k) {
		case "source":
			ok = p.once(&seen, 0) && p.str(&v.Source, true)
		case "file":
			ok = p.once(&seen, 1) && p.str(&v.File, true)
		case "system":
			ok = p.once(&seen, 2) && p.str(&v.System, true)
		case "importedAt":
			ok = p.once(&seen, 3) && p.time(&v.ImportedAt)
		case "verified":
			ok = p.once(&seen, 4) && p.boolPtr(&v.Verified)
		default:
			ok = p.unknown(k, provKeys, d)
		}
		if !ok {
			return false
		}
	}
}

// strings decodes an array of strings (null elements are "").
func (p *lineParser) strings(v *[]string, d int) bool {
	return parseArray(p, v, func(x *string) bool { return p.str(x, false) })
}

// parseArray decodes a JSON array (or null, giving nil) into v, each
// element with elem; [] gives an empty slice, not nil, as encoding/json.
func parseArray[T any](p *lineParser, v *[]T, elem func(*T) bool) bool {
	if p.null() {
		*v = nil
		return true
	}
	if !p.open('[') {
		return false
	}
	out := []T{}
	for n := 0; ; n++ {
		more, ok := p.elem(n)
		if !more {
			*v = out
			return ok
		}
		var zero T
		out = append(out, zero)
		if !elem(&out[len(out)-1]) {
			return false
		}
	}
}

// ---- Tokens ----

// open consumes whitespace and c ('{' or '[').
func (p *lineParser) open(c byte) bool {
	p.i = skipSpace(p.b, p.i)
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// member moves to the n-th member of the object being read: it consumes
// the comma before it, its key and the colon, and returns the key. At the
// closing brace (consumed) it returns a non-nil empty key and false; on
// error, nil and false. Keys with escapes are refused.
func (p *lineParser) member(n int) ([]byte, bool) {
	i := skipSpace(p.b, p.i)
	if i >= len(p.b) {
		return nil, false
	}
	if p.b[i] == '}' {
		p.i = i + 1
		return []byte{}, false
	}
	if n > 0 {
		if p.b[i] != ',' {
			return nil, false
		}
		i = skipSpace(p.b, i+1)
	}
	if i >= len(p.b) || p.b[i] != '"' {
		return nil, false
	}
	end, flags := scanStringFlags(p.b, i)
	if end < 0 || flags&strEscape != 0 {
		return nil, false
	}
	k := p.b[i+1 : end-1]
	i = skipSpace(p.b, end)
	if i >= len(p.b) || p.b[i] != ':' {
		return nil, false
	}
	p.i = i + 1
	return k, true
}

// elem moves to the n-th element of the array being read. It returns
// more=false at the closing bracket (consumed; ok=true) or on error.
func (p *lineParser) elem(n int) (more, ok bool) {
	i := skipSpace(p.b, p.i)
	if i >= len(p.b) {
		return false, false
	}
	if p.b[i] == ']' {
		p.i = i + 1
		return false, true
	}
	if n > 0 {
		if p.b[i] != ',' {
			return false, false
		}
		i++
	}
	p.i = i
	return true, true
}

// once records the field bit as seen and reports whether it was new:
// encoding/json merges repeated keys, which this parser leaves to it.
func (p *lineParser) once(seen *uint64, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		return false
	}
	*seen |= 1 << bit
	return true
}

// unknown skips the value of a key that names no field, after checking that
// encoding/json would not match it to one by case folding.
func (p *lineParser) unknown(k []byte, names []string, d int) bool {
	for _, name := range names {
		if bytes.EqualFold(k, []byte(name)) {
			return false
		}
	}
	p.i = skipSpace(p.b, p.i)
	p.i = scanValue(p.b, p.i, d)
	return p.i >= 0
}

// null consumes a null literal if one is next.
func (p *lineParser) null() bool {
	i := skipSpace(p.b, p.i)
	if len(p.b)-i >= 4 && string(p.b[i:i+4]) == "null" {
		p.i = i + 4
		return true
	}
	return false
}

// str decodes a string; null leaves dst as it is. Short strings that
// repeat (kinds, units, code systems) are shared when intern is set.
func (p *lineParser) str(dst *string, intern bool) bool {
	if p.null() {
		return true
	}
	i := skipSpace(p.b, p.i)
	if i >= len(p.b) || p.b[i] != '"' {
		return false
	}
	end, flags := scanStringFlags(p.b, i)
	if end < 0 {
		return false
	}
	p.i = end
	s := p.b[i+1 : end-1]
	if flags&strEscape != 0 || flags&strNonASCII != 0 && !utf8.Valid(s) {
		*dst = unquote(s)
		return true
	}
	if intern && len(s) <= 64 {
		if v, ok := p.intern[string(s)]; ok {
			*dst = v
			return true
		}
		v := string(s)
		if len(p.intern) < 4096 {
			p.intern[v] = v
		}
		*dst = v
		return true
	}
	*dst = string(s)
	return true
}

// time decodes a time as time.Time.UnmarshalJSON does (null: unchanged).
func (p *lineParser) time(dst *time.Time) bool {
	if p.null() {
		return true
	}
	i := skipSpace(p.b, p.i)
	if i >= len(p.b) || p.b[i] != '"' {
		return false
	}
	end := scanString(p.b, i)
	if end < 0 || dst.UnmarshalJSON(p.b[i:end]) != nil {
		return false
	}
	p.i = end
	return true
}

func (p *lineParser) timePtr(dst **time.Time) bool {
	if p.null() {
		*dst = nil
		return true
	}
	t := new(time.Time)
	if !p.time(t) {
		return false
	}
	*dst = t
	return true
}

func (p *lineParser) bool(dst *bool) bool {
	if p.null() {
		return true
	}
	i := skipSpace(p.b, p.i)
	if j := scanLiteral(p.b, i, "true"); j > 0 {
		*dst, p.i = true, j
		return true
	}
	if j := scanLiteral(p.b, i, "false"); j > 0 {
		*dst, p.i = false, j
		return true
	}
	return false
}

func (p *lineParser) boolPtr(dst **bool) bool {
	if p.null() {
		*dst = nil
		return true
	}
	v := new(bool)
	if !p.bool(v) {
		return false
	}
	*dst = v
	return true
}

// number returns the next number literal.
func (p *lineParser) number() ([]byte, bool) {
	i := skipSpace(p.b, p.i)
	if i >= len(p.b) || p.b[i] != '-' && (p.b[i] < '0' || p.b[i] > '9') {
		return nil, false
	}
	end := scanNumber(p.b, i)
	if end < 0 {
		return nil, false
	}
	p.i = end
	return p.b[i:end], true
}

func (p *lineParser) int64(dst *int64) bool {
	if p.null() {
		return true
	}
	s, ok := p.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return false
	}
	*dst = n
	return true
}

func (p *lineParser) int(dst *int) bool {
	if p.null() {
		return true
	}
	var n int64
	if !p.int64(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

func (p *lineParser) floatPtr(dst **float64) bool {
	if p.null() {
		*dst = nil
		return true
	}
	s, ok := p.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return false
	}
	*dst = &f
	return true
}

// raw copies the next JSON value, validated, as json.RawMessage does (null
// gives "null"). d is the depth of the containers around it.
func (p *lineParser) raw(dst *json.RawMessage, d int) bool {
	i := skipSpace(p.b, p.i)
	end := scanValue(p.b, i, d)
	if end < 0 {
		return false
	}
	p.i = end
	*dst = p.keep(p.b[i:end])
	return true
}

// arenaSize is the size of the blocks that resources' JSON is copied to:
// one allocation for many resources.
const arenaSize = 256 << 10

// keep copies b to memory of its own (capacity clamped, so that appends
// to it never write over its neighbour).
func (p *lineParser) keep(b []byte) []byte {
	if len(b) > arenaSize/8 {
		return append([]byte(nil), b...)
	}
	if cap(p.arena)-len(p.arena) < len(b) {
		p.arena = make([]byte, 0, arenaSize)
	}
	n := len(p.arena)
	p.arena = append(p.arena, b...)
	return p.arena[n:len(p.arena):len(p.arena)]
}
