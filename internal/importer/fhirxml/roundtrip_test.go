package fhirxml

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// toXML writes a JSON resource in FHIR XML, the way the specification maps
// the two, knowing nothing of the R4 definitions: arrays are repeated
// elements, "_name" members are the primitive's id and extensions, objects
// with a resourceType are resources. Converting its output back must give
// the JSON it started from, which checks the generated table on every
// element the JSON holds.
func toXML(t testing.TB, js []byte) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	xmlResource(&b, m, true)
	return []byte(b.String())
}

func xmlResource(b *strings.Builder, m map[string]any, root bool) {
	rt := m["resourceType"].(string)
	b.WriteString("<" + rt)
	if root {
		b.WriteString(` xmlns="` + NamespaceFHIR + `"`)
	}
	b.WriteString(">")
	xmlMembers(b, m, true)
	b.WriteString("</" + rt + ">")
}

// xmlMembers writes an object's members as child elements. Element ids
// (and extension urls) are attributes, written by the caller.
func xmlMembers(b *strings.Builder, m map[string]any, resource bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		switch {
		case k == "resourceType" && resource, strings.HasPrefix(k, "_"):
			continue
		case !resource && k == "id":
			continue
		}
		ext := m["_"+k]
		if a, ok := v.([]any); ok {
			ea, _ := ext.([]any)
			for i, x := range a {
				var e any
				if i < len(ea) {
					e = ea[i]
				}
				xmlElement(b, k, x, e)
			}
			continue
		}
		xmlElement(b, k, v, ext)
	}
	// A "_name" without a value.
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, "_"); ok {
			if _, has := m[name]; !has {
				if a, ok := m[k].([]any); ok {
					for _, e := range a {
						xmlElement(b, name, nil, e)
					}
				} else {
					xmlElement(b, name, nil, m[k])
				}
			}
		}
	}
}

func xmlElement(b *strings.Builder, name string, v, ext any) {
	switch x := v.(type) {
	case map[string]any:
		// A resource, except ExampleScenario.instance, whose resourceType
		// is an element of its own.
		if _, ok := x["resourceType"]; ok && name != "instance" {
			b.WriteString("<" + name + ">")
			xmlResource(b, x, false)
			b.WriteString("</" + name + ">")
			return
		}
		b.WriteString("<" + name)
		xmlAttr(b, "id", x["id"])
		if name == "extension" || name == "modifierExtension" {
			xmlAttr(b, "url", x["url"])
			delete(x, "url")
		}
		b.WriteString(">")
		xmlMembers(b, x, false)
		b.WriteString("</" + name + ">")
		return
	case string:
		if name == "div" && strings.HasPrefix(x, "<div") {
			b.WriteString(x)
			return
		}
	}
	e, _ := ext.(map[string]any)
	b.WriteString("<" + name)
	xmlAttr(b, "id", e["id"])
	if v != nil {
		xmlAttr(b, "value", v)
	}
	if len(e) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	xmlMembers(b, e, false)
	b.WriteString("</" + name + ">")
}

func xmlAttr(b *strings.Builder, name string, v any) {
	if v == nil {
		return
	}
	var s strings.Builder
	escapeXML(&s, fmt.Sprint(v), true)
	b.WriteString(" " + name + `="` + attrSpace.Replace(s.String()) + `"`)
}

// attrSpace keeps whitespace other than spaces, which an XML reader would
// normalise in an attribute.
var attrSpace = strings.NewReplacer("\n", "&#10;", "\r", "&#13;", "\t", "&#9;")

// roundTrip checks JSON → XML → JSON gives back the same JSON.
func roundTrip(t *testing.T, name string, js []byte) {
	t.Helper()
	x := toXML(t, js)
	got, ps, err := Convert(x, Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, p := range ps {
		t.Errorf("%s: problem %+v", name, p)
	}
	want := decode(t, js)
	normalizeDivs(want)
	if g := decode(t, got); !reflect.DeepEqual(g, want) {
		t.Errorf("%s: round trip differs: %s", name, firstDiff(g, want, ""))
	}
}

// normalizeDivs writes every narrative div of v the way the converter
// writes XHTML, so that two spellings of the same markup (<h2/> and
// <h2></h2>, &quot; and ") compare equal.
func normalizeDivs(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "div" {
				d := xml.NewDecoder(strings.NewReader(s))
				d.Entity = xml.HTMLEntity
				if tok, err := d.Token(); err == nil {
					if se, ok := tok.(xml.StartElement); ok {
						if n, err := xhtmlString(d, se, 1); err == nil {
							x[k] = n
						}
					}
				}
				continue
			}
			normalizeDivs(c)
		}
	case []any:
		for _, c := range x {
			normalizeDivs(c)
		}
	}
}

// firstDiff describes where two decoded JSON values first differ.
func firstDiff(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %T vs %T", path, a, b)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return fmt.Sprintf("%s.%s missing", path, k)
			}
		}
		for k := range x {
			if d := firstDiff(x[k], y[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		for i := range x {
			if d := firstDiff(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a, b)
	}
	return ""
}

// The IPS example: XML → JSON → XML → JSON is stable.
func TestRoundTripIPS(t *testing.T) {
	js, _, err := Convert(fixture(t, "ips-bundle-01.xml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "ips-bundle-01", js)
}

// Every element of the sample records (Synthea bundles, the IPS example,
// the long history) survives JSON → XML → JSON.
func TestRoundTripCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "fhir-r4", "*.json"))
	ips, _ := filepath.Glob(filepath.Join(dir, "ips", "*.json"))
	files = append(files, ips...)
	if !testing.Short() && runtime.GOOS != "js" { // in the browser, too slow for the suite
		files = append(files, filepath.Join(dir, "large", "long-history.json.gz"))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		roundTrip(t, filepath.Base(f), b)
	}
}

// corpusDir finds the shared sample records (never copied here), or skips.
func corpusDir(t *testing.T) string {
	d := findCorpus()
	if d == "" {
		t.Skip("sample corpus not present")
	}
	return d
}

// findCorpus is the shared sample records' folder, "" when absent.
func findCorpus() string {
	for _, d := range []string{os.Getenv("BACKPACK_CORPUS"), "../../../../shared/corpus", "/work/shared/corpus"} {
		if d == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(d, "fhir-r4")); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// TestRoundTripExamples runs the round trip over the specification's own
// examples (the hl7.fhir.r4.examples 4.0.1 package, every resource type)
// when FHIR_R4_EXAMPLES names its folder; skipped otherwise.
func TestRoundTripExamples(t *testing.T) {
	dir := os.Getenv("FHIR_R4_EXAMPLES")
	if dir == "" {
		t.Skip("FHIR_R4_EXAMPLES not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no examples in %s", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ ResourceType string }
		if json.Unmarshal(b, &head) != nil || head.ResourceType == "" {
			continue // package.json, index files
		}
		roundTrip(t, filepath.Base(f), b)
	}
}
