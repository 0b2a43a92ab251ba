package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// referenceEntryLine is the entry line as encodeEntry wrote it before
// appendEntryLine: encoding/json with the resource spliced in.
func referenceEntryLine(e *record.Entry) ([]byte, error) {
	var scratch, out bytes.Buffer
	enc := json.NewEncoder(&scratch)
	enc.SetEscapeHTML(false)
	c := *e
	c.Resource.JSON = json.RawMessage("0")
	if err := enc.Encode(&vaultLine{Entry: &c}); err != nil {
		return nil, err
	}
	b := scratch.Bytes()
	i := bytes.Index(b, rawMarker)
	if i < 0 {
		return nil, errors.New("no marker")
	}
	cut := i + len(`"resource":`)
	out.Write(b[:cut])
	raw := e.Resource.JSON
	switch {
	case len(raw) == 0:
		out.WriteString("null")
	case bytes.ContainsAny(raw, "\r\n"):
		if err := json.Compact(&out, raw); err != nil {
			return nil, err
		}
	default:
		out.Write(raw)
	}
	out.Write(b[cut+1:])
	return out.Bytes(), nil
}

// gen makes random entries whose strings, times and numbers probe the
// corners of JSON encoding.
type gen struct{ r *rand.Rand }

var genPieces = []string{
	"a", "Z", " ", "0", "hemoglobin", `"`, `\`, "/", "<", ">", "&", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"é", "ñ", "日本", "😀", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", `\u00e9`, `\ud83d`, "null", "}", "{", "[", ",", ":",
}

func (g gen) str() string {
	if g.r.IntN(4) == 0 {
		return ""
	}
	var b strings.Builder
	for range g.r.IntN(12) {
		b.WriteString(genPieces[g.r.IntN(len(genPieces))])
	}
	return b.String()
}

var genZones = []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("X", -8*3600), time.FixedZone("", 0), time.FixedZone("", -(2*3600 + 17*60))}

func (g gen) time() time.Time {
	switch g.r.IntN(5) {
	case 0:
		return time.Time{}
	case 1:
		return t0
	}
	t := time.Unix(g.r.Int64N(5e9)-1e9, 0).In(genZones[g.r.IntN(len(genZones))])
	switch g.r.IntN(3) {
	case 0:
		t = t.Add(time.Duration(g.r.IntN(1e9)))
	case 1:
		t = t.Add(time.Duration(g.r.IntN(1000)) * time.Millisecond)
	}
	return t
}

var genFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, -3.5e-300}

func (g gen) float() *float64 {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		f := genFloats[g.r.IntN(len(genFloats))]
		return &f
	}
	f := math.Float64frombits(g.r.Uint64())
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = g.r.NormFloat64() * 1e3
	}
	return &f
}

func (g gen) resource() fhir.Resource {
	switch g.r.IntN(6) {
	case 0:
		return fhir.Resource{}
	case 1:
		return fhir.Resource{Type: g.str(), ID: g.str()}
	}
	m := map[string]any{"resourceType": "Observation", "id": g.str(), "status": "final",
		"valueQuantity": map[string]any{"value": g.r.Float64() * 100, "unit": g.str()},
		"note":          []any{map[string]any{"text": g.str()}, nil, true, false, 12, -0.5e-3},
		"code":          map[string]any{"text": g.str(), "coding": []any{map[string]any{"system": "http://loinc.org", "code": g.str()}}}}
	var b []byte
	if g.r.IntN(4) == 0 {
		b, _ = json.MarshalIndent(m, "", "  ") // line breaks: compacted
	} else {
		b, _ = json.Marshal(m)
	}
	return fhir.Resource{Type: "Observation", ID: g.str(), JSON: b}
}

func (g gen) entry() record.Entry {
	e := record.Entry{ID: g.str(), Profile: g.str(), Resource: g.resource(),
		Projection: record.Projection{Kind: record.Kind(g.str()), Date: g.time(), DatePrecision: g.str(), End: g.time(),
			Title: g.str(), Text: g.str(), Status: g.str(), Value: g.float(), Value2: g.float(), Comparator: g.str(), Unit: g.str(), RefLow: g.float(), RefHigh: g.float(),
			Interp: g.str(), Who: g.str()},
		Provenance: record.Provenance{Source: g.str(), File: g.str(), System: g.str(), ImportedAt: g.time()},
		Identity:   g.str(), Created: g.time(), Updated: g.time(), Deleted: g.time()}
	switch g.r.IntN(3) {
	case 1:
		e.Codes = []record.Code{}
	case 2:
		for range 1 + g.r.IntN(3) {
			e.Codes = append(e.Codes, record.Code{System: g.str(), Code: g.str(), Display: g.str()})
		}
	}
	switch g.r.IntN(3) {
	case 1:
		e.Notes = []record.Note{}
	case 2:
		for range 1 + g.r.IntN(3) {
			e.Notes = append(e.Notes, record.Note{ID: g.str(), Text: g.str(), Created: g.time()})
		}
	}
	if g.r.IntN(2) == 0 {
		e.Flag = &record.ErrorFlag{Note: g.str(), Created: g.time(), Status: g.str()}
	}
	switch g.r.IntN(3) {
	case 1:
		e.Files = []string{}
	case 2:
		for range 1 + g.r.IntN(3) {
			e.Files = append(e.Files, g.str())
		}
	}
	if v := g.r.IntN(3); v > 0 {
		b := v == 1
		e.Provenance.Verified = &b
	}
	return e
}

// sameTime reports whether a and b are the same instant with the same UTC
// offset (what JSON keeps of a time).
func sameTime(a, b time.Time) bool {
	_, ao := a.Zone()
	_, bo := b.Zone()
	return a.Equal(b) && ao == bo
}

// The fast encoder writes the bytes encoding/json wrote; both decoders read
// them back to the same entry, which is the original one.
func TestEntryLineRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	var p lineParser
	p.intern = map[string]string{}
	for i := range 3000 {
		e := g.entry()
		want, err := referenceEntryLine(&e)
		if err != nil {
			t.Fatalf("entry %d: reference: %v", i, err)
		}
		got, err := appendEntryLine([]byte("prefix"), &e)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
			t.Fatalf("entry %d:\n got %q\nwant %q", i, got[6:], want)
		}
		if !bytes.ContainsAny(e.Resource.JSON, "\r\n") {
			// Without line breaks, also what encoding/json writes whole.
			var plain bytes.Buffer
			enc := json.NewEncoder(&plain)
			enc.SetEscapeHTML(false)
			enc.Encode(&vaultLine{Entry: &e})
			if !bytes.Equal(plain.Bytes(), want) {
				t.Fatalf("entry %d: encoding/json writes\n%q", i, plain.Bytes())
			}
		}

		var slow, fast vaultLine
		if err := json.Unmarshal(want, &slow); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if n, ok := p.parse(want, &fast); !ok || n != len(want)-1 {
			t.Fatalf("entry %d: fast decoder refused %q", i, want)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("entry %d: decoders differ:\nfast %+v\nslow %+v", i, *fast.Entry, *slow.Entry)
		}

		// Against the original: times keep instant and offset, invalid
		// UTF-8 becomes U+FFFD, empty slices and null resources vanish.
		back := *fast.Entry
		if string(back.Resource.JSON) == "null" {
			back.Resource.JSON = nil
		}
		orig := e
		fixTimes(t, i, &orig, &back)
		fixStrings(&orig)
		if len(orig.Resource.JSON) > 0 {
			var c bytes.Buffer
			json.Compact(&c, orig.Resource.JSON)
			orig.Resource.JSON = c.Bytes()
		}
		if len(orig.Codes) == 0 {
			orig.Codes = nil
		}
		if len(orig.Notes) == 0 {
			orig.Notes = nil
		}
		if len(orig.Files) == 0 {
			orig.Files = nil
		}
		if !reflect.DeepEqual(orig, back) {
			t.Fatalf("entry %d: round trip:\n got %+v\nwant %+v", i, back, orig)
		}
	}
}

// fixTimes checks that b's times are a's and then sets them to a's.
func fixTimes(t *testing.T, i int, a, b *record.Entry) {
	t.Helper()
	pairs := [][2]*time.Time{{&a.Date, &b.Date}, {&a.End, &b.End}, {&a.Provenance.ImportedAt, &b.Provenance.ImportedAt},
		{&a.Created, &b.Created}, {&a.Updated, &b.Updated}, {&a.Deleted, &b.Deleted}}
	if a.Flag != nil && b.Flag != nil {
		pairs = append(pairs, [2]*time.Time{&a.Flag.Created, &b.Flag.Created})
	}
	for j := range min(len(a.Notes), len(b.Notes)) {
		pairs = append(pairs, [2]*time.Time{&a.Notes[j].Created, &b.Notes[j].Created})
	}
	for _, p := range pairs {
		if !sameTime(*p[0], *p[1]) {
			t.Fatalf("entry %d: time %v came back as %v", i, *p[0], *p[1])
		}
		*p[1] = *p[0]
	}
}

// fixStrings makes e's strings valid UTF-8 as JSON makes them.
func fixStrings(e *record.Entry) {
	v := func(s *string) { *s = string([]rune(*s)) } // an invalid byte → U+FFFD
	for _, s := range []*string{&e.ID, &e.Profile, &e.Resource.Type, &e.Resource.ID, (*string)(&e.Kind), &e.DatePrecision, &e.Title,
		&e.Text, &e.Status, &e.Comparator, &e.Unit, &e.Interp, &e.Who, &e.Provenance.Source, &e.Provenance.File, &e.Provenance.System, &e.Identity} {
		v(s)
	}
	for i := range e.Codes {
		v(&e.Codes[i].System)
		v(&e.Codes[i].Code)
		v(&e.Codes[i].Display)
	}
	for i := range e.Notes {
		v(&e.Notes[i].ID)
		v(&e.Notes[i].Text)
	}
	for i := range e.Files {
		v(&e.Files[i])
	}
	if e.Flag != nil {
		v(&e.Flag.Note)
		v(&e.Flag.Status)
	}
}

// Values encoding/json refuses to encode: encodeEntry still gives its error.
func TestEntryLineRefused(t *testing.T) {
	nan := math.NaN()
	for name, e := range map[string]record.Entry{
		"year 10000": {Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year -1":    {Projection: record.Projection{Date: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"NaN":        {Projection: record.Projection{Value: &nan}},
		"bad zone":   {Updated: time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))},
		"bad pretty": {Resource: fhir.Resource{JSON: []byte("{\n\"a\":}")}},
	} {
		if _, err := appendEntryLine(nil, &e); err == nil {
			t.Errorf("%s: accepted", name)
		}
		var scratch bytes.Buffer
		enc := json.NewEncoder(&scratch)
		enc.SetEscapeHTML(false)
		w := bufio.NewWriter(io.Discard)
		if err := encodeEntry(w, &scratch, enc, &e); err == nil {
			t.Errorf("%s: encodeEntry accepted", name)
		}
		if _, err := referenceEntryLine(&e); err == nil {
			t.Errorf("%s: encoding/json accepted", name)
		}
	}
	if _, err := appendEntryLine(nil, &record.Entry{Resource: fhir.Resource{JSON: []byte(`[1]`)}}); err != errNotObject {
		t.Errorf("array resource: %v", err)
	}
}

// result is one Decode of a stream.
type result struct {
	line vaultLine
	err  error
}

func decodeStream(dec interface{ Decode(*vaultLine) error }) []result {
	var out []result
	for range 1000 {
		var l vaultLine
		err := dec.Decode(&l)
		out = append(out, result{l, err})
		if err != nil {
			break
		}
	}
	return out
}

type jsonDecoder struct{ *json.Decoder }

func (d jsonDecoder) Decode(v *vaultLine) error { return d.Decoder.Decode(v) }

// sameErr compares errors as readVault sees them: the same type and text
// (a syntax error's offset counts from where encoding/json started).
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a.Error() == b.Error()
}

// compareStreams decodes b with json.Decoder and with vaultDecoder (reading
// through r) and fails on any difference. It returns how many values the
// vaultDecoder left to encoding/json.
func compareStreams(t testing.TB, name string, b []byte, wrap func(io.Reader) io.Reader) int {
	t.Helper()
	want := decodeStream(jsonDecoder{json.NewDecoder(wrap(bytes.NewReader(b)))})
	vd := newVaultDecoder(wrap(bytes.NewReader(b)))
	got := decodeStream(vd)
	if len(got) != len(want) {
		t.Fatalf("%s: %q: %d values, encoding/json %d (last: %v, %v)", name, b, len(got), len(want), got[len(got)-1].err, want[len(want)-1].err)
	}
	for i := range got {
		if !sameErr(got[i].err, want[i].err) {
			t.Fatalf("%s: %q: value %d: error %v, encoding/json %v", name, b, i+1, got[i].err, want[i].err)
		}
		if !reflect.DeepEqual(got[i].line, want[i].line) {
			t.Fatalf("%s: %q: value %d differs:\n got %s\nwant %s", name, b, i+1, dump(got[i].line), dump(want[i].line))
		}
	}
	return vd.slowN
}

func dump(l vaultLine) string {
	s := fmt.Sprintf("%+v", l)
	if l.Entry != nil {
		s += fmt.Sprintf(" entry=%+v", *l.Entry)
	}
	if l.Profile != nil {
		s += fmt.Sprintf(" profile=%+v", *l.Profile)
	}
	return s
}

func identity(r io.Reader) io.Reader { return r }

// A stream of the usual lines is read without encoding/json, to the same
// values, however the reader splits it.
func TestVaultDecoderStream(t *testing.T) {
	d, _ := sample(t)
	g := gen{rand.New(rand.NewPCG(3, 4))}
	for range 200 {
		d.Entries = append(d.Entries, g.entry())
	}
	d.Questions = append(d.Questions, record.Question{ID: "q\u2028", Profile: "p1", Provider: "\xff", Text: "why?", Done: true, Created: g.time()})
	x := &writer{ctx: context.Background(), now: t0, paths: filePaths(d.Files)}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	if err := x.vaultTo(bw, d, Selection{IncludeIPS: true}); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"whole":    identity,
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	} {
		if n := compareStreams(t, name, buf.Bytes(), wrap); n != 0 {
			t.Errorf("%s: %d values left to encoding/json", name, n)
		}
	}
	// Other spacings, and values encoding/json must decode (upper-case
	// keys) one after another on a line: the same values, in linear time.
	lines := bytes.SplitAfter(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	var pretty bytes.Buffer
	for _, l := range lines {
		json.Indent(&pretty, l, "", "  ")
	}
	for name, c := range map[string]struct {
		b    []byte
		slow bool
	}{
		"CR":          {bytes.ReplaceAll(buf.Bytes(), []byte("\n"), []byte("\r")), false},
		"one line":    {bytes.ReplaceAll(buf.Bytes(), []byte("\n"), nil), false},
		"blank lines": {bytes.ReplaceAll(buf.Bytes(), []byte("\n"), []byte("\n \t\n\n")), false},
		"pretty":      {pretty.Bytes(), true},
		"upper case":  {bytes.ReplaceAll(bytes.ReplaceAll(buf.Bytes(), []byte(`{"entry":`), []byte(`{"Entry":`)), []byte("\n"), nil), true},
	} {
		for wname, wrap := range map[string]func(io.Reader) io.Reader{"": identity, " (half)": iotest.HalfReader} {
			n := compareStreams(t, name+wname, c.b, wrap)
			if c.slow != (n > 0) {
				t.Errorf("%s%s: %d values left to encoding/json", name, wname, n)
			}
		}
	}

	// readVault reads it all.
	var a Archive
	if err := readVault(bytes.NewReader(buf.Bytes()), &a, map[string]*record.FileInfo{}); err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Entries) != len(d.Entries) || len(a.Data.Profiles) != len(d.Profiles) || len(a.Data.Files) != len(d.Files) || len(a.Data.Questions) != len(d.Questions) {
		t.Errorf("read %d entries %d profiles %d files %d questions", len(a.Data.Entries), len(a.Data.Profiles), len(a.Data.Files), len(a.Data.Questions))
	}
}

// Hand-written values: the fast path takes the valid ones it can decode
// exactly (fast), leaves the rest to encoding/json, and both give what
// json.Decoder gives.
func TestVaultDecoderCases(t *testing.T) {
	const hdr = `{"backpack":"export","version":1,"created":"2024-05-06T07:08:09Z","counts":{"profiles":1,"entries":1,"files":0,"questions":0}}` + "\n"
	const ent = `{"entry":{"id":"e1","profile":"p1","resource":{"resourceType":"Observation","id":"o1","resource":{"resourceType":"Observation","id":"o1"}},"kind":"lab","date":"2024-05-06T07:08:09.123456789+05:30","end":"0001-01-01T00:00:00Z","title":"T","value":1.5,"provenance":{"importedAt":"0001-01-01T00:00:00Z"},"created":"2024-05-06T07:08:09Z","updated":"2024-05-06T07:08:09Z","deleted":"0001-01-01T00:00:00Z"}}`
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	cases := []struct {
		name, in string
		fast     bool // decoded without encoding/json
	}{
		{"header", hdr, true},
		{"entry", ent + "\n", true},
		{"no final newline", ent, true},
		{"CRLF and spaces", " \t" + strings.ReplaceAll(ent, ",", " ,\t") + " \r\n\n\n", true},
		{"empty", "", true},
		{"only space", " \n\t\r\n", true},
		{"key order and unknown keys", `{"x":[1,{"a":[true,false,null]},"s\u00e9"],"entry":{"later":{"deep":[[[]]]},"title":"A","id":"B","codes":[],"notes":null,"files":["a",null,"\ud83d\ude00"],"flag":{"note":"n","created":"2024-01-01T00:00:00-08:00"}},"zz":-0.0e+5}`, true},
		{"nulls", `{"entry":{"id":null,"profile":null,"resource":null,"kind":null,"date":null,"codes":null,"value":null,"notes":null,"flag":null,"files":null,"provenance":null,"created":null}}`, true},
		{"null resource JSON", `{"entry":{"resource":{"resourceType":"A","id":"b","resource":null}}}`, true},
		{"non-object resource JSON", `{"entry":{"resource":{"resource":"str"}}}` + "\n" + `{"entry":{"resource":{"resource":[1,2]}}}`, true},
		{"null elements", `{"entry":{"codes":[null,{"system":null}],"notes":[null]}}`, true},
		{"profile", `{"profile":{"id":"p","name":"N\"\\","birthDate":"2019","relationship":"self","patient":{"resourceType":"Patient","id":"x","resource":{"resourceType":"Patient"}},"created":"2024-05-06T07:08:09Z"}}`, true},
		{"file", `{"file":{"id":"f","profile":"p","name":"a.pdf","type":"application/pdf","size":12345,"sha256":"00","created":"2024-05-06T07:08:09Z"},"path":"files/a.pdf"}`, true},
		{"question", `{"question":{"id":"q","profile":"p","provider":"Dr","text":"?","done":true,"created":"2024-05-06T07:08:09Z"}}`, true},
		{"escapes", `{"entry":{"title":"\"\\\/\b\f\n\r\t\u0041\u00e9\u2028\ud83d\ude00\ud83d\u0041\ude00\ud800\ud800x\uDBFF\uDFFF"}}`, true},
		{"raw invalid UTF-8", "{\"entry\":{\"title\":\"a\xffb\xc3\xe2\x82c\xed\xa0\x80\",\"text\":\"\xf0\x9f\x98\x80\"}}", true},
		{"empty line object", `{}`, true},
		{"entry null", `{"entry":null}`, true},
		{"deep resource ok", `{"entry":{"resource":{"resource":` + deep(9997) + `}}}`, true},
		{"deep unknown ok", `{"entry":{"x":` + deep(9998) + `}}`, true},
		{"header unknown keys", `{"backpack":"export","version":2,"future":{"a":1}}`, true},
		{"numbers", `{"entry":{"value":-0,"refLow":1E+2,"refHigh":0.000001e-300}}` + "\n" + `{"file":{"size":-9223372036854775808}}`, true},

		// Left to encoding/json.
		{"deep resource too deep", `{"entry":{"resource":{"resource":` + deep(9998) + `}}}`, false},
		{"deep unknown too deep", `{"entry":{"x":` + deep(9999) + `}}`, false},
		{"case-folded key", `{"Entry":{"ID":"x","refLOW":1}}`, false},
		{"kelvin key", "{\"entry\":{\"\u212aind\":\"lab\"}}", false},
		{"escaped key", `{"entr\u0079":{"id":"x"}}`, false},
		{"repeated key", `{"entry":{"id":"a","id":"b"}}`, false},
		{"repeated entry", `{"entry":{"id":"a"},"entry":{"title":"b"}}`, false},
		{"pretty", "{\n  \"entry\": {\n    \"id\": \"x\"\n  }\n}\n" + ent, false},
		{"two on a line", ent + ent + "\n" + ent + " " + ent, true},
		{"trailing garbage", ent + "x\n", false},
		{"trailing garbage 2", ent + " ]", false},
		{"truncated", ent[:len(ent)-1], false},
		{"truncated mid string", ent[:40], false},
		{"truncated resource", ent[:120] + "\n" + ent, false},
		{"bad escape", `{"entry":{"title":"\x"}}`, false},
		{"bad u escape", `{"entry":{"title":"\u12g4"}}`, false},
		{"control char", "{\"entry\":{\"title\":\"a\tb\"}}", false},
		{"control char in resource", "{\"entry\":{\"resource\":{\"resource\":{\"a\":\"\x01\"}}}}", false},
		{"bad number", `{"entry":{"value":01}}`, false},
		{"bad number 2", `{"entry":{"value":1.}}`, false},
		{"bad number 3", `{"entry":{"value":-}}`, false},
		{"bad number 4", `{"entry":{"resource":{"resource":{"a":1e}}}}`, false},
		{"huge number", `{"entry":{"value":1e400}}`, false},
		{"int as float", `{"file":{"size":1.0}}`, false},
		{"int overflow", `{"file":{"size":9223372036854775808}}`, false},
		{"wrong type string", `{"entry":{"value":"1"}}`, false},
		{"wrong type number", `{"entry":{"id":1}}`, false},
		{"wrong type array", `{"entry":{"codes":{}}}`, false},
		{"wrong type files", `{"entry":{"files":[1]}}`, false},
		{"wrong type bool", `{"question":{"done":0}}`, false},
		{"bad time", `{"entry":{"date":"2024-13-01T00:00:00Z"}}`, false},
		{"time with escape", `{"entry":{"date":"2024-01-01T00:00:00\u005a"}}`, false},
		{"time as number", `{"entry":{"date":0}}`, false},
		{"trailing comma", `{"entry":{"id":"x",}}`, false},
		{"trailing comma array", `{"entry":{"files":["a",]}}`, false},
		{"trailing comma resource", `{"entry":{"resource":{"resource":{"a":[1,]}}}}`, false},
		{"missing colon", `{"entry" {"id":"x"}}`, false},
		{"single quotes", `{'entry':{}}`, false},
		{"bad literal", `{"entry":{"flag":nul}}`, false},
		{"bad literal resource", `{"entry":{"resource":{"resource":{"a":tru}}}}`, false},
		{"not an object", `[1,2]` + "\n" + ent, false},
		{"number value", `42`, false},
		{"string value", `"entry"`, false},
		{"BOM", "\ufeff" + ent, false},
		{"NUL", "\x00", false},
		{"unclosed", `{"entry":{"resource":{"resource":{"a":[1,2}}}}`, false},
	}
	for _, c := range cases {
		for name, wrap := range map[string]func(io.Reader) io.Reader{"": identity, " (one byte)": iotest.OneByteReader} {
			n := compareStreams(t, c.name+name, []byte(c.in), wrap)
			if c.fast && n != 0 {
				t.Errorf("%s%s: left to encoding/json", c.name, name)
			}
			if !c.fast && n == 0 {
				t.Errorf("%s%s: decoded without encoding/json", c.name, name)
			}
		}
	}
}

// A read error surfaces where json.Decoder has it.
func TestVaultDecoderReadError(t *testing.T) {
	d, _ := sample(t)
	x := &writer{ctx: context.Background(), now: t0, paths: filePaths(d.Files)}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	if err := x.vaultTo(bw, d, Selection{}); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	boom := errors.New("boom")
	for cut := 0; cut <= buf.Len(); cut += 1 + cut/20 {
		b := buf.Bytes()[:cut]
		wrap := func(r io.Reader) io.Reader { return io.MultiReader(r, iotest.ErrReader(boom)) }
		compareStreams(t, fmt.Sprintf("cut %d", cut), b, wrap)
		compareStreams(t, fmt.Sprintf("cut %d (EOF)", cut), b, identity)
	}
}

// Damaged lines are refused as encoding/json refuses them.
func TestVaultDecoderMutations(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(5, 6))}
	r := g.r
	var lines [][]byte
	for range 40 {
		e := g.entry()
		b, err := appendEntryLine(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b)
	}
	junk := []byte("{}[]\",:\\ \n\t0123456789-+.eEtrufalsn\x00\x1f\xff\xc3u")
	for i := range 4000 {
		b := append([]byte(nil), lines[i%len(lines)]...)
		for range 1 + r.IntN(3) {
			if len(b) == 0 {
				break
			}
			j := r.IntN(len(b))
			switch r.IntN(4) {
			case 0:
				b = b[:j]
			case 1:
				b = append(b[:j], b[j+1:]...)
			case 2:
				b[j] = junk[r.IntN(len(junk))]
			case 3:
				b = append(b[:j], append([]byte{junk[r.IntN(len(junk))]}, b[j:]...)...)
			}
		}
		b = append(b, lines[(i+1)%len(lines)]...)
		compareStreams(t, fmt.Sprint("mutation ", i), b, identity)
	}
}

// The validator agrees with json.Valid.
func TestValidJSON(t *testing.T) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `1.5e+3`, `true`, `false`, `null`, ` {"a" : [ 1 , 2 ] } `,
		`{"a":}`, `{"a"}`, `{,}`, `[,]`, `[1,]`, `{"a":1,}`, `01`, `1.`, `.5`, `+1`, `1e`, `1e+`, `--1`, `-`, `nul`, `nulll`, `tru`, `"\u00"`, `"\u00zz"`,
		`"\q"`, "\"\x01\"", "\"\x7f\"", "\"\xff\"", `[1 2]`, `{"a":1 "b":2}`, `{"a" 1}`, `{1:2}`, `[`, `]`, `{`, `}`, `"`, `[}`, `{]`, `{"a":[}`,
		`1 2`, `{} {}`, "\ufeff{}", `[[[[[]]]]]`, `{"a":{"b":{"c":[{"d":null}]}}}`, `"\ud800"`, `"\/"`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
		strings.Repeat("[", 10001),
	} {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid %v", s, got, want)
		}
	}
}

// FuzzValidJSON compares the validator with json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e+3,true,false,null,"\u00e9\n"]}`, `[1,]`, `{"a" 1}`, `"\ud83d\ude00"`, "\"\x01\"", `01`, ` [ ] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
	})
}

// FuzzVaultDecoder compares vaultDecoder with json.Decoder on any input.
func FuzzVaultDecoder(f *testing.F) {
	g := gen{rand.New(rand.NewPCG(7, 8))}
	for range 4 {
		e := g.entry()
		b, _ := appendEntryLine(nil, &e)
		f.Add(b)
	}
	f.Add([]byte(`{"backpack":"export","version":1,"counts":{"entries":1}}` + "\n" + `{"file":{"id":"f","size":3},"path":"files/a"}`))
	f.Add([]byte(`{"entry":{"codes":[null,{}],"resource":{"resource":{"a":[1,{"b":"\ud83d"}]}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		compareStreams(t, "fuzz", b, identity)
	})
}

// BenchmarkWriteVault encodes backpack/vault.jsonl of 10,000 entries (the
// export's share of JSON work). MB/s counts the bytes written.
func BenchmarkWriteVault(b *testing.B) {
	d, _ := synthetic(b, 10_000, 0)
	x := &writer{ctx: context.Background(), now: t0, paths: filePaths(d.Files)}
	var out countWriter
	bw := bufio.NewWriterSize(&out, 32<<10)
	if err := x.vaultTo(bw, d, Selection{}); err != nil {
		b.Fatal(err)
	}
	bw.Flush()
	b.SetBytes(out.n)
	b.ReportAllocs()
	for b.Loop() {
		bw.Reset(&out)
		if err := x.vaultTo(bw, d, Selection{}); err != nil {
			b.Fatal(err)
		}
		bw.Flush()
	}
}
