package importer

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// importNDJSON reads bulk FHIR NDJSON: one resource per line. A line that
// is not a resource is reported as a problem naming its line number and is
// skipped; the other lines are kept.
func importNDJSON(res *Result, name string, b []byte) error {
	p := &jsonReader{res: res}
	bad := 0
	for line, rest := 1, b; len(rest) > 0; line++ {
		var l []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		where := name + ":" + strconv.Itoa(line)
		if !validDepth(l, MaxDepth) {
			if off, ok := checkDepth(l, MaxDepth); !ok {
				p.problem(SevError, "too-deep", where, "nested deeper than "+strconv.Itoa(MaxDepth)+" at column "+strconv.Itoa(off+1))
			} else {
				col := 0
				var se *json.SyntaxError
				if err := json.Unmarshal(l, new(discard)); err != nil {
					if ok := asSyntax(err, &se); ok {
						col = int(se.Offset)
					}
				}
				p.problem(SevError, "bad-line", where, "invalid JSON at column "+strconv.Itoa(col+1))
			}
			bad++
			continue
		}
		if l[0] != '{' {
			p.problem(SevError, "not-resource", where, "not a JSON object")
			bad++
			continue
		}
		p.resource(l, 0, where, 0)
	}
	p.done()
	if res.Total() == 0 && bad > 0 {
		return &Error{Code: ErrCodeNotFHIR}
	}
	return nil
}
