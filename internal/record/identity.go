package record

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"backpack/internal/fhir"
)

// Identity is the stable de-duplication key of a resource, so that
// re-importing the same file, or one that overlaps, adds nothing twice:
//
//  1. the resource type and its first business identifier (system|value);
//  2. else the type, the source system (Provenance.System) and the
//     resource's logical id;
//  3. else a hash of type, codes, date, value and title.
//
// The key is a hash ("v1-" + 22 base64url characters): it reveals nothing itself.
func Identity(r fhir.Resource, prov Provenance) string {
	t, root, whole, ok := parseTree(r.JSON)
	defer t.release()
	if !ok {
		return identityMap(r, prov)
	}
	return identityTree(r, prov, root, whole, nil, nil)
}

// Derive returns Project(r) and Identity(r, prov) together, reading the
// resource's JSON once: what importers call for every resource.
func Derive(r fhir.Resource, prov Provenance) (p Projection, identity string, err error) {
	t, root, whole, ok := parseTree(r.JSON)
	defer t.release()
	if !ok {
		p, err = projectMap(r)
		return p, identityMap(r, prov), err
	}
	p, err = projectObj(root, r.Type)
	identity = identityTree(r, prov, root, whole, &p, err)
	p.detach()
	return p, identity, err
}

// identityTree is Identity over a parsed resource. whole reports that the
// JSON holds nothing after the object. proj and projErr, when proj is not
// nil, are projectObj(root, r.Type), reused when they are what Identity
// would compute.
func identityTree(r fhir.Resource, prov Provenance, root *jnode, whole bool, proj *Projection, projErr error) string {
	// What json.Unmarshal into a small struct reads (the historical fast
	// path, kept bit for bit: keys are matched case-insensitively there).
	if whole {
		var buf [4]identPair
		if rtype, rid, idents, ok := structHead(root, buf[:0]); ok {
			typ := firstNonEmpty(rtype, r.Type)
			for _, id := range idents {
				if sys, val := strings.TrimSpace(id.system), strings.TrimSpace(id.value); sys != "" && val != "" {
					return identityHash("ident", typ, sys, val)
				}
			}
			if id := firstNonEmpty(rid, r.ID); id != "" {
				return identityHash("id", typ, prov.System, id)
			}
		}
	}
	rtype := str(root, "resourceType")
	typ := firstNonEmpty(rtype, r.Type)
	for _, id := range arr(root, "identifier") {
		sys, val := strings.TrimSpace(str(id, "system")), strings.TrimSpace(str(id, "value"))
		if sys != "" && val != "" {
			return identityHash("ident", typ, sys, val)
		}
	}
	if id := firstNonEmpty(str(root, "id"), r.ID); id != "" {
		return identityHash("id", typ, prov.System, id)
	}
	var p Projection
	var err error
	if proj != nil && (rtype != "" || typ == r.Type) {
		p, err = *proj, projErr
	} else {
		p, err = projectObj(root, typ)
	}
	if err != nil { // a Patient without id
		return identityHash("raw", typ, string(r.JSON))
	}
	return contentIdentity(typ, p, root)
}

// contentIdentity hashes what a resource says (rule 3 of Identity).
func contentIdentity(typ string, p Projection, m any) string {
	parts := []string{"content", typ, p.Title, p.Date.UTC().Format("2006-01-02T15:04:05"), legacyText(m, p)}
	for _, c := range p.Codes {
		parts = append(parts, c.System+"|"+c.Code)
	}
	if p.Value != nil {
		parts = append(parts, numText(m, "valueQuantity", "value"))
	}
	return identityHash(parts...)
}

// legacyText is the text projections gave a numeric result before
// FormatValue (numbers as written up to 3 decimals, longer ones rounded to
// 2; "7.2%"): content identities hash it, so that they stay what they were
// and a file imported again adds nothing twice.
func legacyText(m any, p Projection) string {
	if p.Value == nil {
		return p.Text
	}
	legacyNum := func(s string) string {
		if dot := strings.IndexByte(s, '.'); dot >= 0 && len(s)-dot-1 > 3 && !strings.ContainsAny(s, "eE") {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
			}
		}
		return s
	}
	unit := func(q any) string { return prettyUnit(firstNonEmpty(str(q, "unit"), str(q, "code"))) }
	quantity := func(q any) string {
		text := legacyNum(numText(q, "value"))
		if c := str(q, "comparator"); c != "" && len(c) <= 2 {
			text = c + " " + text
		}
		switch u := unit(q); u {
		case "":
		case "%":
			text += u
		default:
			text += " " + u
		}
		return text
	}
	var text string
	if v, ok := num(m, "valueQuantity", "value"); ok && finite(v) {
		text = quantity(get(m, "valueQuantity"))
	} else {
		var sys, dia, first any
		for _, c := range arr(m, "component") {
			switch {
			case conceptHas(get(c, "code"), loincSystolic):
				sys = c
			case conceptHas(get(c, "code"), loincDiastolic):
				dia = c
			}
			if v, ok := num(c, "valueQuantity", "value"); ok && finite(v) && first == nil {
				first = c
			}
		}
		switch {
		case p.Value2 != nil && sys != nil && dia != nil:
			text = legacyNum(numText(sys, "valueQuantity", "value")) + "/" + legacyNum(numText(dia, "valueQuantity", "value"))
			if u := unit(get(sys, "valueQuantity")); u != "" {
				text += " " + u
			}
		case first != nil:
			text = quantity(get(first, "valueQuantity"))
			if name := conceptTitle(get(first, "code")); name != "" {
				text = name + ": " + text
			}
		default:
			return p.Text
		}
	}
	if p.RefLow == nil && p.RefHigh == nil {
		if rt := strings.TrimSpace(str(m, "referenceRange", 0, "text")); rt != "" && text != "" {
			text += " (" + rt + ")"
		}
	}
	return clip(oneLine(text), maxText)
}

type identPair struct{ system, value string }

// structHead reads resourceType, id and identifier[].system/value as
// json.Unmarshal into a struct with those fields does: keys match
// case-insensitively, the last one wins, null leaves a string as it was
// (and empties the slice), array elements decode into those a previous
// "identifier" left in the slice's storage, and a value of the wrong type
// anywhere fails it all.
func structHead(root *jnode, buf []identPair) (rtype, rid string, idents []identPair, ok bool) {
	t := root.t
	all, n := buf[:0], 0 // all: the slice's storage as decoded so far
	for j := root.off; j < root.off+root.n; j++ {
		k, v := t.keys[j], t.kids[j]
		switch {
		case strings.EqualFold(k, "resourceType"):
			ok = setString(&rtype, v)
		case strings.EqualFold(k, "id"):
			ok = setString(&rid, v)
		case strings.EqualFold(k, "identifier"):
			if v == nil {
				all, n, ok = all[:0], 0, true
				break
			}
			a := v.(*jnode)
			if ok = a.kind == '['; !ok {
				break
			}
			els := a.elems()
			if len(els) == 0 {
				all, n = all[:0], 0
				break
			}
			for i, e := range els {
				if i >= len(all) {
					all = append(all, identPair{})
				}
				if e == nil {
					continue
				}
				o := e.(*jnode)
				if ok = o.kind == '{'; !ok {
					break
				}
				for m := o.off; m < o.off+o.n && ok; m++ {
					switch mk := t.keys[m]; {
					case strings.EqualFold(mk, "system"):
						ok = setString(&all[i].system, t.kids[m])
					case strings.EqualFold(mk, "value"):
						ok = setString(&all[i].value, t.kids[m])
					}
				}
				if !ok {
					break
				}
			}
			n = len(els)
		default:
			ok = true
		}
		if !ok {
			return "", "", nil, false
		}
	}
	return rtype, rid, all[:n], true
}

// setString stores a JSON string into *dst as decoding into a string
// field does: null changes nothing, anything but a string is an error.
func setString(dst *string, v any) bool {
	if v == nil {
		return true
	}
	n := v.(*jnode)
	if n.kind != '"' {
		return false
	}
	*dst = n.str()
	return true
}

// identityMap is Identity for JSON the tree parser leaves to encoding/json
// (invalid, not an object, or nested very deeply).
func identityMap(r fhir.Resource, prov Provenance) string {

	// Fast path: read only the members needed.
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Identifier   []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	}
	if json.Unmarshal(r.JSON, &head) == nil {
		typ := firstNonEmpty(head.ResourceType, r.Type)
		for _, id := range head.Identifier {
			if sys, val := strings.TrimSpace(id.System), strings.TrimSpace(id.Value); sys != "" && val != "" {
				return identityHash("ident", typ, sys, val)
			}
		}
		if id := firstNonEmpty(head.ID, r.ID); id != "" {
			return identityHash("id", typ, prov.System, id)
		}
	}
	m, err := decodeObj(r.JSON)
	if err != nil {
		return identityHash("raw", r.Type, r.ID, string(r.JSON))
	}
	typ := firstNonEmpty(str(m, "resourceType"), r.Type)
	for _, id := range arr(m, "identifier") {
		sys, val := strings.TrimSpace(str(id, "system")), strings.TrimSpace(str(id, "value"))
		if sys != "" && val != "" {
			return identityHash("ident", typ, sys, val)
		}
	}
	if id := firstNonEmpty(str(m, "id"), r.ID); id != "" {
		return identityHash("id", typ, prov.System, id)
	}
	p, err := projectObj(m, typ)
	if err != nil { // a Patient without id
		return identityHash("raw", typ, string(r.JSON))
	}
	return contentIdentity(typ, p, m)
}

func identityHash(parts ...string) string {
	var buf [512]byte
	b := buf[:0]
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	sum := sha256.Sum256(b)
	var out [3 + 22]byte
	copy(out[:], "v1-")
	base64.RawURLEncoding.Encode(out[3:], sum[:16])
	return string(out[:])
}
