package ccda

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// codeSystems maps HL7 OIDs to FHIR canonical system URIs. Unlisted OIDs
// become urn:oid:<oid>.
var codeSystems = map[string]string{
	"2.16.840.1.113883.6.1":           "http://loinc.org",
	"2.16.840.1.113883.6.96":          "http://snomed.info/sct",
	"2.16.840.1.113883.6.88":          "http://www.nlm.nih.gov/research/umls/rxnorm",
	"2.16.840.1.113883.12.292":        "http://hl7.org/fhir/sid/cvx",
	"2.16.840.1.113883.6.59":          "http://hl7.org/fhir/sid/cvx",
	"2.16.840.1.113883.12.227":        "http://hl7.org/fhir/sid/mvx",
	"2.16.840.1.113883.6.90":          "http://hl7.org/fhir/sid/icd-10-cm",
	"2.16.840.1.113883.6.3":           "http://hl7.org/fhir/sid/icd-10",
	"2.16.840.1.113883.6.103":         "http://hl7.org/fhir/sid/icd-9-cm",
	"2.16.840.1.113883.6.104":         "http://hl7.org/fhir/sid/icd-9-cm",
	"2.16.840.1.113883.6.4":           "http://www.cms.gov/Medicare/Coding/ICD10",
	"2.16.840.1.113883.6.69":          "http://hl7.org/fhir/sid/ndc",
	"2.16.840.1.113883.6.8":           "http://unitsofmeasure.org",
	"2.16.840.1.113883.6.12":          "http://www.ama-assn.org/go/cpt",
	"2.16.840.1.113883.6.285":         "urn:oid:2.16.840.1.113883.6.285",
	"2.16.840.1.113883.6.13":          "http://ada.org/cdt",
	"2.16.840.1.113883.3.26.1.1":      "http://ncimeta.nci.nih.gov",
	"2.16.840.1.113883.4.9":           "http://fdasis.nlm.nih.gov",
	"2.16.840.1.113883.6.238":         "urn:oid:2.16.840.1.113883.6.238",
	"2.16.840.1.113883.5.1":           "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",
	"2.16.840.1.113883.5.2":           "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
	"2.16.840.1.113883.5.4":           "http://terminology.hl7.org/CodeSystem/v3-ActCode",
	"2.16.840.1.113883.5.83":          "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
	"2.16.840.1.113883.5.112":         "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
	"2.16.840.1.113883.5.111":         "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
	"2.16.840.1.113883.5.1008":        "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
	"2.16.840.1.113883.5.1063":        "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
	"2.16.840.1.113883.5.14":          "http://terminology.hl7.org/CodeSystem/v3-ActStatus",
	"2.16.840.1.113883.5.25":          "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
	"2.16.840.1.113883.5.6":           "http://terminology.hl7.org/CodeSystem/v3-ActClass",
	"2.16.840.1.113883.5.1119":        "http://terminology.hl7.org/CodeSystem/v3-AddressUse",
	"2.16.840.1.113883.6.101":         "http://nucc.org/provider-taxonomy",
	"2.16.840.1.113883.11.19465":      "http://nucc.org/provider-taxonomy",
	"2.16.840.1.113883.6.301.3":       "http://www.nubc.org/patient-discharge",
	"2.16.840.1.113883.12.112":        "http://terminology.hl7.org/CodeSystem/v2-0112",
	"2.16.840.1.113883.3.88.12.80.28": "urn:oid:2.16.840.1.113883.3.88.12.80.28",
	"1.0.639.2":                       "urn:ietf:bcp:47",
	"2.16.840.1.113883.6.121":         "urn:ietf:bcp:47",
}

// systemURI turns a codeSystem attribute into a FHIR system URI.
func systemURI(oid string) string {
	oid = strings.TrimSpace(oid)
	if oid == "" {
		return ""
	}
	if u, ok := codeSystems[oid]; ok {
		return u
	}
	if strings.HasPrefix(oid, "urn:") || strings.HasPrefix(oid, "http") {
		return oid
	}
	if isOID(oid) {
		return "urn:oid:" + oid
	}
	if isUUID(oid) {
		return "urn:uuid:" + strings.ToLower(oid)
	}
	return ""
}

var (
	oidRE  = lazyRegexp(`^[0-2](\.(0|[1-9][0-9]*))+$`)
	uuidRE = lazyRegexp(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func isOID(s string) bool  { return oidRE().MatchString(s) }
func isUUID(s string) bool { return uuidRE().MatchString(s) }

// coding builds one FHIR Coding from a CD-like element; nil without a code.
func coding(n *node) map[string]any {
	code := n.get("code")
	if n == nil || code == "" {
		return nil
	}
	c := map[string]any{"code": code}
	if s := systemURI(n.get("codeSystem")); s != "" {
		c["system"] = s
	}
	if d := collapse(n.get("displayName")); d != "" {
		c["display"] = d
	}
	if v := n.get("codeSystemVersion"); v != "" {
		c["version"] = v
	}
	return c
}

// concept builds a CodeableConcept from a CD/CE/CV element: the code and its
// translations as codings, originalText (resolved through the narrative) as
// text. nil when there is nothing at all.
func (c *conv) concept(n *node) map[string]any {
	if n == nil {
		return nil
	}
	var codings []any
	if cd := coding(n); cd != nil && n.nullFlavor() == "" {
		codings = append(codings, cd)
	}
	for _, t := range n.children("translation") {
		if cd := coding(t); cd != nil && t.nullFlavor() == "" {
			codings = append(codings, cd)
		}
	}
	text := c.originalText(n)
	if len(codings) == 0 && text == "" {
		// Some vendors put the name in displayName with a nullFlavor code.
		text = collapse(n.get("displayName"))
	}
	if len(codings) == 0 && text == "" {
		return nil
	}
	cc := map[string]any{}
	if len(codings) > 0 {
		cc["coding"] = codings
	}
	if text != "" {
		cc["text"] = text
	}
	return cc
}

// originalText returns an element's originalText, following a narrative
// reference when the text itself is empty.
func (c *conv) originalText(n *node) string {
	ot := n.child("originalText")
	if ot == nil {
		return ""
	}
	return c.textOf(ot)
}

// textOf reads an ED/ST-like element: its own text, or else the narrative its
// <reference value="#id"/> points at.
func (c *conv) textOf(n *node) string {
	if n == nil {
		return ""
	}
	if t := n.ownText(); t != "" {
		return t
	}
	if r := n.child("reference"); r != nil {
		return c.resolve(r.get("value"))
	}
	return ""
}

// resolve looks up "#id" in the narrative blocks.
func (c *conv) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if !strings.HasPrefix(ref, "#") || len(ref) < 2 {
		return ""
	}
	id := ref[1:]
	n := c.narrativeIDs[id]
	if c.sec != nil && c.sec.ids[id] != nil {
		n = c.sec.ids[id]
	}
	if n == nil {
		return ""
	}
	// Cached: many entries pointing at one large block must stay linear.
	if t, ok := c.resolved[n]; ok {
		return t
	}
	t := n.allText()
	c.resolved[n] = t
	return t
}

// dataAbsent is the CodeableConcept used when a required concept is missing.
func dataAbsent() map[string]any {
	return map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown", "display": "Unknown"}}}
}

func absentExt() map[string]any {
	return map[string]any{"extension": []any{map[string]any{
		"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}}}
}

// --- dates ---

var tsRE = lazyRegexp(`^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d+)?([+-]\d{4}|Z)?$`)

// fhirDate converts an HL7 TS ("20120806", "201208061530-0500") to a FHIR
// dateTime; ok is false when the value is not a readable TS.
func fhirDate(ts string) (string, bool) {
	ts = strings.TrimSpace(ts)
	m := tsRE().FindStringSubmatch(ts)
	if m == nil {
		return "", false
	}
	y, mo, d, h, mi, s, frac, tz := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	if y == "0000" {
		return "", false
	}
	out := y
	if mo == "" || mo == "00" {
		return out, true
	}
	if n, _ := strconv.Atoi(mo); n < 1 || n > 12 {
		return "", false
	}
	out += "-" + mo
	if d == "" || d == "00" {
		return out, true
	}
	if n, _ := strconv.Atoi(d); n < 1 || n > daysIn(y, mo) {
		return "", false
	}
	out += "-" + d
	if h == "" {
		return out, true
	}
	if mi == "" {
		mi = "00"
	}
	if s == "" {
		s = "00"
		frac = ""
	}
	hn, _ := strconv.Atoi(h)
	mn, _ := strconv.Atoi(mi)
	sn, _ := strconv.Atoi(s)
	if hn > 24 || mn > 59 || sn > 60 {
		return "", false
	}
	if hn == 24 { // 24:00 is end of day; FHIR does not allow it
		h, mi, s, frac = "23", "59", "59", ""
	}
	out += "T" + h + ":" + mi + ":" + s
	if frac != "" {
		if len(frac) > 10 {
			frac = frac[:10]
		}
		out += frac
	}
	switch {
	case tz == "Z":
		out += "Z"
	case tz != "":
		th, _ := strconv.Atoi(tz[1:3])
		tm, _ := strconv.Atoi(tz[3:5])
		if th > 14 || tm > 59 {
			return "", false
		}
		out += tz[:3] + ":" + tz[3:5]
	}
	return out, true
}

func daysIn(y, mo string) int {
	yn, _ := strconv.Atoi(y)
	switch mo {
	case "02":
		if yn%4 == 0 && (yn%100 != 0 || yn%400 == 0) {
			return 29
		}
		return 28
	case "04", "06", "09", "11":
		return 30
	}
	return 31
}

// dateOnly cuts a FHIR dateTime to its date part (birthDate is a date).
func dateOnly(dt string) string {
	if i := strings.IndexByte(dt, 'T'); i >= 0 {
		return dt[:i]
	}
	return dt
}

// --- quantities ---

var decRE = lazyRegexp(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// decimal normalises a decimal string into a JSON number FHIR accepts,
// keeping its precision ("5.40" stays 5.40).
func decimal(s string) (json.Number, bool) {
	s = strings.TrimSpace(s)
	if !decRE().MatchString(s) {
		return "", false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	exp := ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp = s[i:]
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	s = intPart
	if hasFrac {
		s += "." + frac
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return json.Number(s + exp), true
}

// ucumFix maps units vendors write loosely to their UCUM code.
var ucumFix = map[string]string{
	"mmHg": "mm[Hg]", "mm Hg": "mm[Hg]", "lbs": "[lb_av]", "lb": "[lb_av]", "in": "[in_i]", "inch": "[in_i]",
	"inches": "[in_i]", "degF": "[degF]", "F": "[degF]", "°F": "[degF]", "deg F": "[degF]", "C": "Cel", "°C": "Cel",
	"degC": "Cel", "bpm": "/min", "beats/min": "/min", "breaths/min": "/min", "BPM": "/min", "kg/m^2": "kg/m2",
	"ft": "[ft_i]", "oz": "[oz_av]",
}

// quantity builds a FHIR Quantity from a PQ element.
func quantity(n *node) (map[string]any, bool) {
	v := n.get("value")
	if v == "" {
		return nil, false
	}
	q := map[string]any{}
	t := strings.TrimSpace(v)
	for _, cmp := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(t, cmp) {
			q["comparator"] = cmp
			t = strings.TrimSpace(t[len(cmp):])
			break
		}
	}
	num, ok := decimal(t)
	if !ok {
		return nil, false
	}
	q["value"] = num
	if u := n.get("unit"); u != "" {
		q["unit"] = u
		code := u
		if f, ok := ucumFix[u]; ok {
			code = f
		}
		if !strings.ContainsAny(code, " \t") {
			q["system"] = "http://unitsofmeasure.org"
			q["code"] = code
		}
	}
	return q, true
}

// --- identifiers ---

// identifier builds a FHIR Identifier from an II element.
func identifier(n *node) map[string]any {
	if n == nil || n.nullFlavor() != "" {
		return nil
	}
	root, ext := n.get("root"), n.get("extension")
	if root == "" {
		return nil
	}
	if ext == "" {
		switch {
		case isUUID(root):
			return map[string]any{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:" + strings.ToLower(root)}
		case isOID(root):
			return map[string]any{"system": "urn:ietf:rfc:3986", "value": "urn:oid:" + root}
		}
		return map[string]any{"value": root}
	}
	sys := ""
	switch root {
	case "2.16.840.1.113883.4.1":
		sys = "http://hl7.org/fhir/sid/us-ssn"
	case "2.16.840.1.113883.4.6":
		sys = "http://hl7.org/fhir/sid/us-npi"
	default:
		sys = systemURI(root)
	}
	id := map[string]any{"value": ext}
	if sys != "" {
		id["system"] = sys
	}
	return id
}

func identifiers(n *node) []any {
	var out []any
	for _, i := range n.children("id") {
		if id := identifier(i); id != nil {
			out = append(out, id)
		}
	}
	return out
}

// idKey is the stable key of an element's <id>s ("" when it has none).
func idKey(n *node) string {
	var parts []string
	for _, i := range n.children("id") {
		if i.nullFlavor() != "" || i.get("root") == "" {
			continue
		}
		parts = append(parts, i.get("root")+"^"+i.get("extension"))
	}
	return strings.Join(parts, "|")
}

// --- demographics ---

func humanName(n *node) map[string]any {
	if n == nil || n.nullFlavor() != "" && len(n.elems()) == 0 {
		return nil
	}
	h := map[string]any{}
	var given, prefix, suffix []any
	for _, k := range n.elems() {
		t := k.allText()
		if t == "" {
			continue
		}
		switch k.name {
		case "given":
			given = append(given, t)
		case "family":
			h["family"] = t
		case "prefix":
			prefix = append(prefix, t)
		case "suffix":
			suffix = append(suffix, t)
		}
	}
	if given != nil {
		h["given"] = given
	}
	if prefix != nil {
		h["prefix"] = prefix
	}
	if suffix != nil {
		h["suffix"] = suffix
	}
	if len(h) == 0 {
		if t := n.ownText(); t != "" {
			h["text"] = t
		} else {
			return nil
		}
	}
	switch firstWord(n.get("use")) {
	case "L", "C":
		h["use"] = "official"
	case "P", "A", "PS":
		h["use"] = "nickname"
	case "ASGN":
		h["use"] = "usual"
	case "OR":
		h["use"] = "official"
	}
	return h
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func address(n *node) map[string]any {
	if n == nil || n.nullFlavor() != "" {
		return nil
	}
	a := map[string]any{}
	var lines []any
	for _, k := range n.elems() {
		t := k.allText()
		if t == "" || k.nullFlavor() != "" {
			continue
		}
		switch k.name {
		case "streetAddressLine":
			lines = append(lines, t)
		case "city":
			a["city"] = t
		case "state":
			a["state"] = t
		case "postalCode":
			a["postalCode"] = t
		case "country":
			a["country"] = t
		case "county":
			a["district"] = t
		}
	}
	if lines != nil {
		a["line"] = lines
	}
	if len(a) == 0 {
		if t := n.ownText(); t != "" {
			a["text"] = t
		} else {
			return nil
		}
	}
	switch firstWord(n.get("use")) {
	case "H", "HP", "HV":
		a["use"] = "home"
	case "WP", "DIR", "PUB":
		a["use"] = "work"
	case "TMP":
		a["use"] = "temp"
	case "OLD", "BAD":
		a["use"] = "old"
	}
	return a
}

func telecom(n *node) map[string]any {
	if n == nil || n.nullFlavor() != "" {
		return nil
	}
	v := n.get("value")
	if v == "" {
		return nil
	}
	t := map[string]any{}
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "tel:"):
		t["system"], v = "phone", v[4:]
	case strings.HasPrefix(lower, "mailto:"):
		t["system"], v = "email", v[7:]
	case strings.HasPrefix(lower, "fax:"):
		t["system"], v = "fax", v[4:]
	case strings.HasPrefix(lower, "http:"), strings.HasPrefix(lower, "https:"):
		t["system"] = "url"
	default:
		t["system"] = "other"
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t["value"] = v
	switch firstWord(n.get("use")) {
	case "HP", "H", "HV":
		t["use"] = "home"
	case "WP", "DIR", "PUB":
		t["use"] = "work"
	case "MC", "PG":
		t["use"] = "mobile"
	case "TMP":
		t["use"] = "temp"
	}
	return t
}

// lazyRegexp compiles expr on first use: the package is linked into the
// page (for its error codes), and compiling at init cost every start.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
