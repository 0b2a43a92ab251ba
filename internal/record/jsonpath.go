package record

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// obj is a decoded JSON object. The helpers below read it defensively: any
// missing key or unexpected type yields a zero value, never a panic, so odd
// resources project to something rather than nothing.
type obj = map[string]any

// decodeObj decodes a JSON object keeping numbers as json.Number, so that a
// re-encoded resource keeps every decimal exactly as written.
func decodeObj(b []byte) (obj, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m obj
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}

// get walks keys (string for objects, int for arrays) and returns what it
// finds, or nil. v is a decoded map (obj, []any, string, json.Number, …)
// or a parsed tree node (*jnode; a JSON null is nil).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			switch m := v.(type) {
			case obj:
				v = m[k]
			case *jnode:
				v = m.member(k)
			default:
				return nil
			}
		case int:
			switch a := v.(type) {
			case []any:
				if k < 0 || k >= len(a) {
					return nil
				}
				v = a[k]
			case *jnode:
				if a.kind != '[' || k < 0 || k >= int(a.n) {
					return nil
				}
				v = a.t.kids[int(a.off)+k]
			default:
				return nil
			}
		default:
			return nil
		}
	}
	return v
}

// str returns the string at path, or "".
func str(v any, path ...any) string {
	s, _ := asStr(get(v, path...))
	return s
}

// asStr returns v as a string, if it is one.
func asStr(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case *jnode:
		return s.str(), s.kind == '"'
	}
	return "", false
}

// boolAt returns the boolean at path, if there is one.
func boolAt(v any, path ...any) (value, ok bool) {
	switch b := get(v, path...).(type) {
	case bool:
		return b, true
	case *jnode:
		return b.kind == 't', b.kind == 't' || b.kind == 'f'
	}
	return false, false
}

// objAt returns the decoded map at path, or nil (forms edit maps).
func objAt(v any, path ...any) obj {
	m, _ := get(v, path...).(obj)
	return m
}

// objAny returns the object (map or tree node) at path, or nil.
func objAny(v any, path ...any) any {
	switch m := get(v, path...).(type) {
	case obj:
		if m != nil {
			return m
		}
	case *jnode:
		if m.kind == '{' {
			return m
		}
	}
	return nil
}

// arr returns the array at path, or nil.
func arr(v any, path ...any) []any {
	switch a := get(v, path...).(type) {
	case []any:
		return a
	case *jnode:
		return a.elems()
	}
	return nil
}

// isArr reports whether v is an array.
func isArr(v any) bool {
	switch a := v.(type) {
	case []any:
		return true
	case *jnode:
		return a.kind == '['
	}
	return false
}

// num returns the number at path.
func num(v any, path ...any) (float64, bool) {
	switch n := get(v, path...).(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	case string: // tolerate numbers written as strings
		return parseFloatText(n)
	case *jnode:
		return n.float()
	}
	return 0, false
}

func parseFloatText(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// numText returns the number at path as it was written ("7.20" stays "7.20").
func numText(v any, path ...any) string {
	switch n := get(v, path...).(type) {
	case json.Number:
		return string(n)
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case *jnode:
		if n.kind == '0' {
			return n.raw
		}
	}
	return ""
}

// conceptTitle names a CodeableConcept: text, then the first coding's
// display, then its code.
func conceptTitle(cc any) string {
	if s := strings.TrimSpace(str(cc, "text")); s != "" {
		return s
	}
	for _, c := range arr(cc, "coding") {
		if s := strings.TrimSpace(str(c, "display")); s != "" {
			return s
		}
	}
	for _, c := range arr(cc, "coding") {
		if s := strings.TrimSpace(str(c, "code")); s != "" {
			return s
		}
	}
	return ""
}

// conceptCodes lists a CodeableConcept's codings.
func conceptCodes(cc any) []Code {
	var out []Code
	for _, c := range arr(cc, "coding") {
		code := Code{System: str(c, "system"), Code: str(c, "code"), Display: str(c, "display")}
		if code.Code == "" && code.Display == "" {
			continue
		}
		out = append(out, code)
	}
	return out
}

// conceptHas reports whether any coding of cc has one of the codes (case-insensitive).
func conceptHas(cc any, codes ...string) bool {
	for _, c := range arr(cc, "coding") {
		for _, want := range codes {
			if strings.EqualFold(str(c, "code"), want) {
				return true
			}
		}
	}
	for _, want := range codes {
		if strings.EqualFold(strings.TrimSpace(str(cc, "text")), want) {
			return true
		}
	}
	return false
}

// refName names a Reference: its display, else nothing (a bare reference
// id means nothing to a person).
func refName(ref any) string {
	return strings.TrimSpace(str(ref, "display"))
}

// humanName renders a HumanName (text, else prefix given family suffix).
func humanName(n any) string {
	if s := strings.TrimSpace(str(n, "text")); s != "" {
		return s
	}
	var parts []string
	for _, k := range []string{"prefix", "given"} {
		for _, p := range arr(n, k) {
			if s, ok := asStr(p); ok && strings.TrimSpace(s) != "" {
				parts = append(parts, strings.TrimSpace(s))
			}
		}
	}
	if s := strings.TrimSpace(str(n, "family")); s != "" {
		parts = append(parts, s)
	}
	for _, p := range arr(n, "suffix") {
		if s, ok := asStr(p); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	return strings.Join(parts, " ")
}

// firstName renders the first usable HumanName of a list (official first).
func firstName(names []any) string {
	for _, n := range names {
		if str(n, "use") == "official" {
			if s := humanName(n); s != "" {
				return s
			}
		}
	}
	for _, n := range names {
		if s := humanName(n); s != "" {
			return s
		}
	}
	return ""
}

// telecom returns the first contact point value of a system ("phone", "email").
func telecom(list []any, system string) string {
	for _, t := range list {
		if str(t, "system") == system {
			if s := strings.TrimSpace(str(t, "value")); s != "" {
				return s
			}
		}
	}
	return ""
}

// addressText renders an Address on one line.
func addressText(a any) string {
	if s := strings.TrimSpace(str(a, "text")); s != "" {
		return s
	}
	var parts []string
	for _, l := range arr(a, "line") {
		if s, ok := asStr(l); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	city := strings.TrimSpace(strings.Join(nonEmpty(str(a, "city"), str(a, "state"), str(a, "postalCode")), " "))
	if city != "" {
		parts = append(parts, city)
	}
	if s := strings.TrimSpace(str(a, "country")); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// setAt writes v at a path of object keys (string) and array indexes
// (int), creating objects and arrays on the way. A node of the wrong type
// on the way is replaced.
func setAt(m obj, v any, path ...any) {
	if len(path) > 0 {
		setIn(m, v, path)
	}
}

func setIn(cur any, v any, path []any) any {
	if len(path) == 0 {
		return v
	}
	switch k := path[0].(type) {
	case string:
		o, ok := cur.(obj)
		if !ok {
			o = obj{}
		}
		o[k] = setIn(o[k], v, path[1:])
		return o
	case int:
		a, _ := cur.([]any)
		if k < 0 {
			k = 0
		}
		for len(a) <= k {
			a = append(a, nil)
		}
		a[k] = setIn(a[k], v, path[1:])
		return a
	}
	return cur
}

// delAt removes what is at path and prunes the objects and arrays that
// become empty on the way up (m itself stays).
func delAt(m obj, path ...any) {
	if len(path) > 0 {
		delIn(m, path)
	}
}

// delIn returns the updated node and whether it is now empty.
func delIn(cur any, path []any) (any, bool) {
	switch k := path[0].(type) {
	case string:
		o, ok := cur.(obj)
		if !ok {
			return cur, false
		}
		if len(path) == 1 {
			delete(o, k)
		} else if child, ok := o[k]; ok {
			if child, empty := delIn(child, path[1:]); empty {
				delete(o, k)
			} else {
				o[k] = child
			}
		}
		return o, len(o) == 0
	case int:
		a, ok := cur.([]any)
		if !ok || k < 0 || k >= len(a) {
			return cur, false
		}
		if len(path) == 1 {
			a = slices.Delete(a, k, k+1)
		} else if child, empty := delIn(a[k], path[1:]); empty {
			a = slices.Delete(a, k, k+1)
		} else {
			a[k] = child
		}
		return a, len(a) == 0
	}
	return cur, false
}
