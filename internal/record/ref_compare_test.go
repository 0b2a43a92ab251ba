package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
)

// The projection and identity read resources through a parsed tree
// (tree.go); ref_project_test.go is the earlier implementation over
// encoding/json maps, generated from it. These tests hold the two to the
// same answers, bit for bit.

// checkSameAsReference compares Project, Identity and Derive with the
// reference implementation on one input.
func checkSameAsReference(t *testing.T, where string, r fhir.Resource, prov Provenance) {
	t.Helper()
	want, wantErr := refProject(r)
	got, gotErr := Project(r)
	sinceFreeze(r, got, &want)
	if !sameResult(got, gotErr, want, wantErr) {
		t.Fatalf("%s: Project\n got %s\nwant %s", where, dump(got, gotErr), dump(want, wantErr))
	}
	wantID := refIdentity(r, prov)
	if id := Identity(r, prov); id != wantID {
		t.Fatalf("%s: Identity %s, want %s", where, id, wantID)
	}
	dp, did, derr := Derive(r, prov)
	sinceFreeze(r, dp, &want)
	if !sameResult(dp, derr, want, wantErr) || did != wantID {
		t.Fatalf("%s: Derive\n got %s %s\nwant %s %s", where, dump(dp, derr), did, dump(want, wantErr), wantID)
	}
}

// sinceFreeze applies to the reference's answer the projection changes
// made on purpose after it was frozen: the kinds added for what C-CDA
// documents carry (assessments, family history, medical equipment) and the
// projections of the resource types they come as.
func sinceFreeze(r fhir.Resource, got Projection, want *Projection) {
	switch r.Type {
	case "ServiceRequest", "FamilyMemberHistory", "Device", "DeviceUseStatement":
		if want.Kind == KindOther {
			*want = got
		}
	case "Observation":
		if got.Kind == KindAssessment && want.Kind == KindOther {
			want.Kind = got.Kind
		}
	}
}

func sameResult(a Projection, aerr error, b Projection, berr error) bool {
	if (aerr == nil) != (berr == nil) || aerr != nil && aerr.Error() != berr.Error() {
		return false
	}
	return dump(a, nil) == dump(b, nil)
}

// dump renders a projection with its times' instants and zones exactly.
func dump(p Projection, err error) string {
	ts := func(t time.Time) string {
		name, off := t.Zone()
		return fmt.Sprintf("%s|%s|%d|%v", t.Format(time.RFC3339Nano), name, off, t.IsZero())
	}
	d, e := ts(p.Date), ts(p.End)
	p.Date, p.End = time.Time{}, time.Time{}
	b, _ := json.Marshal(p)
	return fmt.Sprintf("%s date=%s end=%s err=%v", b, d, e, err)
}

// trickyResources exercise the corners of encoding/json the tree parser
// must agree with.
var trickyResources = []string{
	`{"resourceType":"Observation","ID":"x","Identifier":[{"SYSTEM":"s","Value":"v"}]}`,
	`{"resourceType":"Observation","identifier":[{"system":"a","value":"b"}],"IDENTIFIER":[]}`,
	`{"resourceType":"Observation","identifier":[{"system":"a","value":"b"},{"system":"c"}],"identifier":[{"value":" "}]}`,
	`{"resourceType":"Observation","identifier":[{"system":"a","value":""},{"system":"c","value":"d"}],"identifier":[{"value":"x"}],"identifier":[null,null]}`,
	`{"resourceType":"Observation","identifier":[{"system":"a","value":"b"}],"identifier":null,"identifier":[{}]}`,
	`{"resourceType":"Observation","identifier":[{"system":1,"value":"b"}],"id":"i"}`,
	`{"resourceType":"Observation","identifier":[5],"id":"i"}`,
	`{"resourceType":"Observation","identifier":{"system":"a"},"id":"i"}`,
	`{"resourceType":"Observation","id":7}`,
	`{"resourceType":"Observation","id":null,"Id":"q"}`,
	`{"resourceType":"Observation","id":"a"} trailing`,
	`{"resourceType":"Observation","code":{"text":"A"}} {`,
	`{"resourceType":"Observation","Id":"a"} x`,
	`  {"resourceType":"Observation"}  `,
	`{"resourceType":"Observation","code":{"text":"A"},"code":{"coding":[{"code":"1"}]}}`,
	`{"resourceType":"Observation","code":{"text":"caf\u00e9 \"x\"\n"},"valueQuantity":{"value":-0.5e+3,"unit":"mg"}}`,
	"{\"resourceType\":\"Observation\",\"code\":{\"text\":\"bad \xff utf8\"},\"st\xffatus\":\"x\"}",
	"{\"resourceType\":\"Observation\",\"co\\u0064e\":{\"text\":\"escaped key\"}}",
	`{"resourceType":"Observation","valueQuantity":{"value":"  7.5 ","unit":"%"},"valueBoolean":true}`,
	`{"resourceType":"Observation","valueBoolean":false,"category":[null,{"coding":null}]}`,
	`{"resourceType":"Observation","valueQuantity":{"value":01}}`,
	`{"resourceType":"Observation","valueQuantity":{"value":1.}}`,
	`{"resourceType":"Observation","valueQuantity":{"value":.5}}`,
	`{"resourceType":"Observation","valueQuantity":{"value":1e}}`,
	`{"resourceType":"Observation","code":{"text":"\x01"}}`,
	`{"resourceType":"Observation","code":{"text":"\u12"}}`,
	`{"resourceType":"Observation","code":{"text":"\a"}}`,
	`{"resourceType":"Observation",}`,
	`{"resourceType":"Observation","a":[1,]}`,
	`{"resourceType":"Observation","a":tru}`,
	`{"resourceType":"Observation"`,
	`{"resourceType" "Observation"}`,
	`[{"resourceType":"Observation"}]`,
	`null`,
	`"x"`,
	``,
	`{}`,
	`{"resourceType":"Patient"}`,
	`{"resourceType":"Patient","id":"p"}`,
	`{"resourceType":" Observation ","code":{"text":"t"}}`,
	`{"resourceType":"","code":{"text":"t"}}`,
	`{"resourceType":"RelatedPerson","active":false,"name":[{"given":["A",1,null," B "],"family":"C"}]}`,
	`{"resourceType":"Thing","name":"plain name"}`,
	`{"resourceType":"Thing","name":["not","names"]}`,
	`{"resourceType":"Thing","name":[]}`,
	`{"resourceType":"Observation","valueRange":{"low":{"value":1},"high":{"value":2,"unit":"mg"}}}`,
	`{"resourceType":"Observation","valueRange":null,"valueRatio":{"numerator":{"value":1},"denominator":{"value":3}}}`,
	`{"resourceType":"MedicationRequest","medicationReference":{"reference":"#m"},"contained":[{"resourceType":"Medication","id":"m","code":{"text":"Med"}}]}`,
	`{"resourceType":"DocumentReference","content":[{"attachment":{"contentType":"text/plain","data":"aGVsbG8gd29ybGQ="}}]}`,
	`{"resourceType":"Observation","valueQuantity":{"value":1e999}}`,
	strings.Repeat(`{"a":`, 600) + `1` + strings.Repeat(`}`, 600),
	`{"resourceType":"Observation","x":` + strings.Repeat(`[`, 600) + strings.Repeat(`]`, 600) + `}`,
}

func TestTreeMatchesReference(t *testing.T) {
	provs := []Provenance{{}, {System: "Clínica Norte"}}
	for i, s := range trickyResources {
		for _, typ := range []string{"", "Observation", " Observation "} {
			for _, prov := range provs {
				checkSameAsReference(t, fmt.Sprintf("tricky[%d] type %q", i, typ), fhir.Resource{Type: typ, ID: "rid", JSON: []byte(s)}, prov)
				checkSameAsReference(t, fmt.Sprintf("tricky[%d] type %q no id", i, typ), fhir.Resource{Type: typ, JSON: []byte(s)}, prov)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "resources", "*.json"))
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzProject", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkVariants(t, name, b)
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := fuzzSeedBytes(b); ok {
			checkVariants(t, name, v)
		}
	}
}

// fuzzSeedBytes reads the []byte of a "go test fuzz v1" seed file.
func fuzzSeedBytes(b []byte) ([]byte, bool) {
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
		return nil, false
	}
	var s string
	q := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "[]byte("), ")")
	if _, err := fmt.Sscanf(q, "%q", &s); err != nil {
		return nil, false
	}
	return []byte(s), true
}

// checkVariants checks a resource as it is and without its ids (so that
// identity falls back to its content).
func checkVariants(t *testing.T, where string, b []byte) {
	t.Helper()
	r, _ := fhir.Parse(b)
	r.JSON = b
	checkSameAsReference(t, where, r, Provenance{System: "sys"})
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return
	}
	delete(m, "id")
	delete(m, "identifier")
	nb, _ := json.Marshal(m)
	checkSameAsReference(t, where+" (no ids)", fhir.Resource{Type: r.Type, JSON: nb}, Provenance{})
}

// TestTreeMatchesReferenceCorpus runs every resource of the sample corpus.
func TestTreeMatchesReferenceCorpus(t *testing.T) {
	n := 0
	each := func(where string, raw []byte) {
		n++
		if n%7 == 0 {
			checkVariants(t, where, raw)
			return
		}
		r, err := fhir.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		checkSameAsReference(t, where, r, Provenance{System: "sys"})
	}
	for _, sub := range []string{"fhir-r4", "ips"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir(t, sub), "*.json"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			bundleResources(t, name, b, each)
		}
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir(t, "ndjson"), "*.ndjson"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for line := 1; sc.Scan(); line++ {
			if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
				each(fmt.Sprintf("%s:%d", name, line), append([]byte(nil), l...))
			}
		}
	}
	gz, err := os.ReadFile(filepath.Join(corpusDir(t, "large"), "long-history.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	bundleResources(t, "long-history", b, each)
	t.Logf("%d resources", n)
}

func bundleResources(t *testing.T, where string, b []byte, fn func(string, []byte)) {
	var bundle struct {
		ResourceType string
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if bundle.ResourceType != "Bundle" {
		fn(where, b)
		return
	}
	for i, e := range bundle.Entry {
		if len(e.Resource) > 0 {
			bundleResources(t, fmt.Sprintf("%s entry[%d]", where, i), e.Resource, fn)
		}
	}
}

// FuzzTreeMatchesReference holds the tree-based projection and identity
// to the reference on arbitrary input, and the tree parser to
// encoding/json: what it accepts, encoding/json decodes to the same keys.
func FuzzTreeMatchesReference(f *testing.F) {
	for _, s := range trickyResources {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "resources", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSameAsReference(t, "fuzz", fhir.Resource{Type: "Observation", JSON: b}, Provenance{System: "s"})
		checkSameAsReference(t, "fuzz", fhir.Resource{Type: "Thing", ID: "i", JSON: b}, Provenance{})
		tr, root, whole, ok := parseTree(b)
		defer tr.release()
		m, err := decodeObj(b)
		if !ok && err == nil && len(b) <= maxTreeDepth {
			t.Fatal("tree parser declines a valid object that is not nested too deeply")
		}
		if ok && err != nil {
			t.Fatalf("tree accepts what encoding/json rejects: %v", err)
		}
		if ok {
			if whole != json.Valid(b) {
				t.Fatalf("whole=%v, json.Valid=%v", whole, json.Valid(b))
			}
			if !reflect.DeepEqual(treeToAny(root), any(m)) {
				t.Fatalf("tree and encoding/json disagree:\n%#v\n%#v", treeToAny(root), m)
			}
		}
	})
}

// treeToAny converts a tree to what encoding/json decodes (UseNumber).
func treeToAny(v any) any {
	n, ok := v.(*jnode)
	if !ok {
		return v // nil
	}
	switch n.kind {
	case '{':
		m := obj{}
		for j := n.off; j < n.off+n.n; j++ {
			m[n.t.keys[j]] = treeToAny(n.t.kids[j])
		}
		return m
	case '[':
		a := []any{}
		for _, e := range n.elems() {
			a = append(a, treeToAny(e))
		}
		return a
	case '"':
		return n.str()
	case '0':
		return json.Number(n.raw)
	}
	return n.kind == 't'
}
