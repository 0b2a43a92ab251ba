package record

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"backpack/internal/fhir"
)

func TestParseNarrativeKeepsStructure(t *testing.T) {
	div := `<div xmlns="http://www.w3.org/1999/xhtml"><p>Blood pressure <b>well</b> controlled.</p>
	<table><thead><tr><th>Test</th><th>Result</th></tr></thead><tbody><tr><td colspan="2">Panel</td></tr>
	<tr><td>Sodium</td><td>140 mmol/L</td></tr></tbody></table>
	<ul><li>Walk daily</li><li>Low-salt diet</li></ul></div>`
	got := NarrativeHTML(ParseNarrative(div))
	want := `<p>Blood pressure <b>well</b> controlled.</p><table><thead><tr><th>Test</th><th>Result</th></tr></thead>` +
		`<tbody><tr><td colspan="2">Panel</td></tr><tr><td>Sodium</td><td>140 mmol/L</td></tr></tbody></table>` +
		`<ul><li>Walk daily</li><li>Low-salt diet</li></ul>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseNarrativeSanitises(t *testing.T) {
	div := `<div><p style="color:red" onclick="steal()">Call <a href="https://evil.example/x">the clinic</a></p>` +
		`<script>alert(1)</script><style>p{}</style><img src="https://evil.example/t.png"/>` +
		`<p><span class="x">&lt;script&gt;not markup&lt;/script&gt;</span> &amp; more</p>` +
		`<iframe src="x"><p>hidden</p></iframe><td rowspan="onerror">cell</td></div>`
	got := NarrativeHTML(ParseNarrative(div))
	for _, bad := range []string{"style", "onclick", "href", "evil", "<script", "alert", "<img", "<a", "span", "hidden", "onerror", "p{}"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q survived: %s", bad, got)
		}
	}
	for _, good := range []string{"<p>Call the clinic</p>", "&lt;script&gt;not markup&lt;/script&gt; &amp; more", "<td>cell</td>"} {
		if !strings.Contains(got, good) {
			t.Errorf("%q missing: %s", good, got)
		}
	}
}

func TestParseNarrativeNotXML(t *testing.T) {
	bs := ParseNarrative("plain <<< words & more")
	if h := NarrativeHTML(bs); !strings.Contains(h, "plain") || strings.Contains(h, "<<") {
		t.Errorf("got %s", h)
	}
	deep := strings.Repeat("<div>", 500) + "x" + strings.Repeat("</div>", 500)
	_ = ParseNarrative(deep) // bounded, no panic
}

func TestNarrativeOfResources(t *testing.T) {
	res := func(m map[string]any) fhir.Resource {
		b, _ := json.Marshal(m)
		return fhir.Resource{Type: m["resourceType"].(string), JSON: b}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	note := res(map[string]any{"resourceType": "DocumentReference",
		"text":    map[string]any{"status": "additional", "div": `<div xmlns="http://www.w3.org/1999/xhtml"><ul><li>Advance directive on file</li></ul></div>`},
		"content": []any{map[string]any{"attachment": map[string]any{"contentType": "text/plain", "data": b64("Advance directive on file")}}}})
	if h := NarrativeHTML(Narrative(note)); h != "<ul><li>Advance directive on file</li></ul>" {
		t.Errorf("note narrative %s", h)
	}
	legacy := res(map[string]any{"resourceType": "DocumentReference", "content": []any{
		map[string]any{"attachment": map[string]any{"contentType": "text/plain; charset=utf-8", "data": b64("A | B")}},
		map[string]any{"attachment": map[string]any{"contentType": "text/html; charset=utf-8", "data": b64(`<div><table><tbody><tr><td>A</td><td>B</td></tr></tbody></table></div>`)}}}})
	if h := NarrativeHTML(Narrative(legacy)); h != "<table><tbody><tr><td>A</td><td>B</td></tr></tbody></table>" {
		t.Errorf("legacy note narrative %s", h)
	}
	plain := res(map[string]any{"resourceType": "DocumentReference", "content": []any{
		map[string]any{"attachment": map[string]any{"contentType": "text/plain", "data": b64("Line one\n\nLine two")}}}})
	if h := NarrativeHTML(Narrative(plain)); h != "<p>Line one</p><p>Line two</p>" {
		t.Errorf("plain note %s", h)
	}
	generated := res(map[string]any{"resourceType": "Condition", "text": map[string]any{"status": "generated", "div": "<div>Asthma</div>"}})
	if bs := Narrative(generated); bs != nil {
		t.Errorf("generated narrative shown: %v", bs)
	}
}
