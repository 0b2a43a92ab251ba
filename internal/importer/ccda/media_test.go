package ccda

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"strings"
	"testing"

	"backpack/internal/record"
)

func deflated(t *testing.T, b []byte) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func convertString(t *testing.T, doc string) Document {
	t.Helper()
	d, err := Convert(strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestObservationMedia(t *testing.T) {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	d := convertString(t, wrapSection(`<title>Photos</title>
<text><renderMultiMedia referencedObject="MM1"><caption>Left arm</caption></renderMultiMedia></text>
<entry><observationMedia ID="MM1"><id root="1.2" extension="m1"/>
<value xsi:type="ED" mediaType="image/png" representation="B64">`+png[:8]+"\n  "+png[8:]+`</value></observationMedia></entry>
<entry><observationMedia ID="MM2"><value xsi:type="ED" mediaType="image/jpeg"><reference value="http://elsewhere/x.jpg"/></value></observationMedia></entry>
<entry><observationMedia ID="MM3"><value xsi:type="ED" mediaType="text/plain" representation="B64" compression="DF">`+deflated(t, []byte("hello"))+`</value></observationMedia></entry>`))
	media := maps(t, d, "Media")
	if len(media) != 2 {
		t.Fatalf("%d Media: %v", len(media), media)
	}
	m := media[0]
	if get(m, "content.contentType") != "image/png" || get(m, "content.title") != "Left arm" ||
		get(m, "status") != "completed" || get(m, "subject.reference") == "" {
		t.Errorf("media: %v", m)
	}
	if len(d.Files) != 1 || string(d.Files[0].Data) != "\x89PNG fake" || d.Files[0].Resource != "Media/"+get(m, "id") ||
		get(m, "content.url") != record.FileURL(d.Files[0].SHA256) {
		t.Errorf("files: %+v", d.Files)
	}
	// Compressed data is unpacked (short text stays inline); the section title names it.
	if got, _ := base64.StdEncoding.DecodeString(get(media[1], "content.data")); string(got) != "hello" || get(media[1], "content.title") != "Photos" {
		t.Errorf("compressed media: %q %v", got, media[1])
	}
	// Only an address: a problem line, no resource.
	if !hasProblem(d, ProblemMediaUnreadable, "observationMedia/value") {
		t.Errorf("problems: %+v", d.Problems)
	}
}

func TestEDValueBecomesMedia(t *testing.T) {
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 tracing"))
	d := convertString(t, wrapSection(`<code code="30954-2" codeSystem="2.16.840.1.113883.6.1"/><title>Results</title>
<entry><observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.2"/><id root="1.2" extension="o1"/>
<code code="11524-6" codeSystem="2.16.840.1.113883.6.1" displayName="EKG study"/><statusCode code="completed"/><effectiveTime value="20240305"/>
<value xsi:type="ED" mediaType="application/pdf" representation="B64">`+pdf+`</value></observation></entry>
<entry><observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.2"/><id root="1.2" extension="o2"/>
<code code="8251-1" codeSystem="2.16.840.1.113883.6.1" displayName="Comment"/><statusCode code="completed"/>
<value xsi:type="ED">plain words</value></observation></entry>`))
	media, obs := maps(t, d, "Media"), maps(t, d, "Observation")
	if len(media) != 1 || len(obs) != 2 {
		t.Fatalf("%d Media, %d Observations", len(media), len(obs))
	}
	if len(d.Files) != 1 || string(d.Files[0].Data) != "%PDF-1.4 tracing" || get(media[0], "content.url") != record.FileURL(d.Files[0].SHA256) ||
		get(media[0], "content.title") != "EKG study" ||
		get(media[0], "partOf.0.reference") != "Observation/"+get(obs[0], "id") {
		t.Errorf("media: %v", media[0])
	}
	if get(obs[0], "derivedFrom.0.reference") != "Media/"+get(media[0], "id") || get(obs[0], "valueString") != "" {
		t.Errorf("observation: %v", obs[0])
	}
	if get(obs[1], "valueString") != "plain words" {
		t.Errorf("a text ED stays the value: %v", obs[1])
	}
}

// Compressed EDs unpack within one budget for the whole document.
func TestMediaUnpackBudget(t *testing.T) {
	big := deflated(t, make([]byte, maxMedia/2+1))
	var b strings.Builder
	for i := 0; i < 3; i++ {
		b.WriteString(`<entry><observationMedia><value xsi:type="ED" mediaType="application/octet-stream" representation="B64" compression="DF">` + big + `</value></observationMedia></entry>`)
	}
	d := convertString(t, wrapSection(b.String()))
	if n := len(maps(t, d, "Media")); n != 1 {
		t.Errorf("%d Media, want 1 within the budget", n)
	}
	if !hasProblem(d, ProblemMediaUnreadable, "observationMedia/value") {
		t.Errorf("no problem for what went over the budget")
	}
}

func TestDecodePieces(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdefghij\x00\xff"), 700) // > 4 KiB of base64
	enc := base64.StdEncoding.EncodeToString(data)
	var pieces []string
	for i := 0; i < len(enc); i += 7 { // split anywhere, with whitespace between
		pieces = append(pieces, enc[i:min(i+7, len(enc))], " \n\t")
	}
	got, err := decodePieces(pieces)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
	if _, err := decodePieces([]string{"aGVsbG8", "!"}); err == nil {
		t.Error("bad base64 decoded")
	}
}
