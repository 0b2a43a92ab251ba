package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
)

// vectorEntry uses every header field.
func vectorEntry() Entry {
	est := time.FixedZone("EST", -5*3600)
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	v, lo, hi := 7.2, 4.0, 5.6
	yes := true
	return Entry{
		ID: "e1", Profile: "p1", Resource: fhir.Resource{Type: "Observation", ID: "obs-1", JSON: []byte(`{"resourceType":"Observation","id":"obs-1"}`)},
		Projection: Projection{Kind: KindLab, Date: time.Date(2022, 6, 1, 9, 30, 0, 0, est), DatePrecision: "",
			End: time.Date(2022, 6, 2, 0, 0, 0, 0, time.UTC), Title: "Hemoglobin A1c",
			Codes: []Code{{System: sysLOINC, Code: "4548-4", Display: "Hemoglobin A1c"}, {System: "#odd", Code: "x", Display: "=eq"}, {System: "urn:oid:1.2", Code: "7"}},
			Text:  "7.2% · “high”", Status: "final", Value: &v, Unit: "%", RefLow: &lo, RefHigh: &hi, Interp: "H", Who: "Clínica Norte"},
		Notes:      []Note{{ID: "n1", Text: "ask about diet\nand sleep", Created: created.Add(time.Hour)}},
		Flag:       &ErrorFlag{Note: "wrong unit", Created: created.Add(2 * time.Hour), Status: "open"},
		Files:      []string{"f1", "f2"},
		Provenance: Provenance{Source: "fhir", File: "record.json", System: "Clínica Norte", ImportedAt: created, Verified: &yes},
		Identity:   "v1-abcdefghijklmnopqrstuv",
		Created:    created,
		Updated:    created.Add(24 * time.Hour),
		Deleted:    time.Date(2025, 1, 1, 0, 0, 0, 5, time.UTC),
	}
}

// Header test vectors: a version 1 (JSON) header written before the binary
// form, which must keep decoding, and the binary form of the same entry.
const (
	headerVectorV1 = "\x01E{\"i\":\"e1\",\"p\":\"p1\",\"rt\":\"Observation\",\"ri\":\"obs-1\",\"k\":\"lab\",\"d\":\"2022-06-01T09:30:00-05:00\",\"e\":\"2022-06-02\",\"t\":\"Hemoglobin A1c\",\"c\":[{\"s\":\"#L\",\"c\":\"4548-4\",\"d\":\"=\"},{\"s\":\"##odd\",\"c\":\"x\",\"d\":\"==eq\"},{\"s\":\"urn:oid:1.2\",\"c\":\"7\"}],\"x\":\"7.2% · “high”\",\"s\":\"final\",\"v\":7.2,\"u\":\"%\",\"lo\":4,\"hi\":5.6,\"in\":\"H\",\"w\":\"Clínica Norte\",\"n\":[{\"id\":\"n1\",\"text\":\"ask about diet\\nand sleep\",\"created\":\"2024-05-06T08:08:09.123456789Z\"}],\"f\":{\"note\":\"wrong unit\",\"created\":\"2024-05-06T09:08:09.123456789Z\",\"status\":\"open\"},\"fl\":[\"f1\",\"f2\"],\"pv\":{\"s\":\"fhir\",\"f\":\"record.json\",\"y\":\"Clínica Norte\",\"v\":true},\"id\":\"v1-abcdefghijklmnopqrstuv\",\"cr\":\"2024-05-06T07:08:09.123456789Z\",\"up\":\"2024-05-07T07:08:09.123456789Z\",\"dl\":\"2025-01-01T00:00:00.000000005Z\"}"
	headerVectorV3 = "\x03E\x02e1\x02p1\vObservation\x05obs-1\x03lab\x00\x0eHemoglobin A1c\x127.2% · “high”\x05final\x01%\x01H\x0eClínica Norte\x19v1-abcdefghijklmnopqrstuv\x01\xd0\u07fb\xa9\f\x00\x9f\x99\x02\x01\x80\xf6\xbf\xa9\f\x00\x00\x01\xb2\x87\xc4\xe3\f\x95\x9a\xef:\x00\x01\xb2\xcd\xce\xe3\f\x95\x9a\xef:\x00\x01\x80\x96\xa4\xf7\f\x05\x00\a\xcd\xcc\xcc\xcc\xcc\xcc\x1c@\x00\x00\x00\x00\x00\x00\x10@ffffff\x16@\x03\x02#L\x064548-4\x01=\x05##odd\x01x\x04==eq\vurn:oid:1.2\x017\x00\x01\x02n1\x18ask about diet\nand sleep\x01ҿ\xc4\xe3\f\x95\x9a\xef:\x00\x01\nwrong unit\x04open\x01\xf2\xf7\xc4\xe3\f\x95\x9a\xef:\x00\x02\x02f1\x02f2\x01\x04fhir\vrecord.json\x0eClínica Norte\x02\x02"
)

// headerVectorV4 is vectorEntry with a comparator and a second value.
const headerVectorV4 = "\x04E\x02e1\x02p1\vObservation\x05obs-1\x03lab\x00\x0eHemoglobin A1c\x127.2% · “high”\x05final\x01%\x01H\x0eClínica Norte\x19v1-abcdefghijklmnopqrstuv\x01<\x01\xd0\u07fb\xa9\f\x00\x9f\x99\x02\x01\x80\xf6\xbf\xa9\f\x00\x00\x01\xb2\x87\xc4\xe3\f\x95\x9a\xef:\x00\x01\xb2\xcd\xce\xe3\f\x95\x9a\xef:\x00\x01\x80\x96\xa4\xf7\f\x05\x00\x0f\xcd\xcc\xcc\xcc\xcc\xcc\x1c@\x00\x00\x00\x00\x00\x00\x10@ffffff\x16@\x00\x00\x00\x00\x00\x00\x14@\x03\x02#L\x064548-4\x01=\x05##odd\x01x\x04==eq\vurn:oid:1.2\x017\x00\x01\x02n1\x18ask about diet\nand sleep\x01ҿ\xc4\xe3\f\x95\x9a\xef:\x00\x01\nwrong unit\x04open\x01\xf2\xf7\xc4\xe3\f\x95\x9a\xef:\x00\x02\x02f1\x02f2\x01\x04fhir\vrecord.json\x0eClínica Norte\x02\x02"

func TestHeaderVectors(t *testing.T) {
	want := vectorEntry()
	want.Resource.JSON = nil
	if got := encodeEntryV1(want); string(got) != headerVectorV1 {
		t.Errorf("version 1 encoding changed:\n%q", got)
	}
	if got := encodeEntryV3(want); string(got) != headerVectorV3 {
		t.Errorf("version 3 encoding changed:\n%q", got)
	}
	want4 := cloneEntryV(want)
	five := 5.0
	want4.Comparator, want4.Value2 = "<", &five
	if got, _ := EncodeEntry(want4); string(got) != headerVectorV4 {
		t.Errorf("binary encoding changed:\n%q", got)
	}
	if dh, err := DecodeHeader([]byte(headerVectorV4)); err != nil || !sameEntry(cloneEntryV(want4), *dh.Entry) {
		t.Errorf("version 4 decodes to %+v, %v", dh.Entry, err)
	}
	for _, h := range []string{headerVectorV1, headerVectorV3} {
		dh, err := DecodeHeader([]byte(h))
		if err != nil {
			t.Fatalf("version %d: %v", h[0], err)
		}
		if !sameEntry(cloneEntryV(want), *dh.Entry) {
			t.Errorf("version %d decodes to\n%+v\nwant\n%+v", h[0], *dh.Entry, want)
		}
	}
}

// Binary headers decode exactly as their version 1 form did: same
// values, same time zones (also when Local is not UTC).
func TestHeaderBinaryMatchesV1(t *testing.T) {
	t.Run("UTC", testHeaderBinaryMatchesV1)
	local := time.Local
	defer func() { time.Local = local }()
	time.Local = time.FixedZone("CET", 3600)
	t.Run("CET", testHeaderBinaryMatchesV1)
}

func testHeaderBinaryMatchesV1(t *testing.T) {
	entries := append([]Entry{vectorEntry()}, testSynth()...)
	local := time.Now() // in Local, with a monotonic reading
	e := vectorEntry()
	e.Created, e.Updated, e.Provenance.ImportedAt = local, local, local.Add(time.Second)
	e.End = time.Date(2021, 7, 1, 10, 0, 0, 0, time.FixedZone("", 3600))
	e.Date = time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("zero", 0))
	e.Flag, e.Provenance.Verified, e.Notes, e.Files, e.Codes = nil, nil, []Note{}, nil, nil
	nan := math.NaN()
	e.Value, e.RefLow = &nan, nil
	entries = append(entries, e, Entry{ID: "bare", Projection: Projection{Kind: KindOther}})
	n1, n3 := 0, 0
	for i, e := range entries {
		h1 := encodeEntryV1(e)
		h3, _ := EncodeEntry(e)
		d1, err1 := DecodeHeader(h1)
		d3, err3 := DecodeHeader(h3)
		if err1 != nil || err3 != nil {
			t.Fatalf("entry %d: %v %v", i, err1, err3)
		}
		if a, b := describeEntry(*d1.Entry), describeEntry(*d3.Entry); a != b {
			t.Fatalf("entry %d:\nv1 %s\nv3 %s", i, a, b)
		}
		n1, n3 = n1+len(h1), n3+len(h3)
	}
	t.Logf("headers: JSON %d bytes, binary %d bytes", n1, n3)
	if n3 > n1 {
		t.Errorf("binary headers take %d bytes, JSON %d", n3, n1)
	}
}

// encodeEntryV3 is EncodeEntry as it was for binary version 3: no
// Comparator after Identity, no Value2 (bit 3 of the value byte).
func encodeEntryV3(e Entry) []byte {
	e.Comparator, e.Value2 = "", nil
	b, _ := EncodeEntry(e)
	at := 2
	for _, s := range [...]string{e.ID, e.Profile, e.Resource.Type, e.Resource.ID, string(e.Kind), e.DatePrecision,
		e.Title, e.Text, e.Status, e.Unit, e.Interp, e.Who, e.Identity} {
		at += len(binary.AppendUvarint(nil, uint64(len(s)))) + len(s)
	}
	b[0] = headerBinaryV3
	return append(b[:at:at], b[at+1:]...) // drop the empty Comparator
}

// Headers written before pairs and comparators (binary version 3, JSON
// version 1) decode with both, read from the text their value made.
func TestHeaderUpgrade(t *testing.T) {
	sys, lt := 118.50735146589886, 5.4
	bp := Entry{ID: "bp", Profile: "p", Projection: Projection{Kind: KindVital, Title: "Blood Pressure",
		Text: "118.51/85.45 mmHg", Value: &sys, Unit: "mmHg"}}
	lab := Entry{ID: "lab", Profile: "p", Projection: Projection{Kind: KindLab, Title: "CRP",
		Text: "< 5.4 mg/L", Value: &lt, Unit: "mg/L"}}
	other := Entry{ID: "o", Profile: "p", Projection: Projection{Kind: KindLab, Title: "Ratio",
		Text: "3/4 (by eye)", Value: &lt}}
	for name, enc := range map[string]func(Entry) []byte{"v1": encodeEntryV1, "v3": encodeEntryV3} {
		h, err := DecodeHeader(enc(bp))
		if err != nil || h.Entry.Value2 == nil || *h.Entry.Value2 != 85.45 {
			t.Fatalf("%s: blood pressure decodes without its diastolic: %+v %v", name, h.Entry, err)
		}
		if got := h.Entry.ValueText(); got != "119/85 mmHg" {
			t.Errorf("%s: blood pressure shows %q", name, got)
		}
		h, err = DecodeHeader(enc(lab))
		if err != nil || h.Entry.Comparator != "<" || h.Entry.ValueText() != "< 5.4 mg/L" {
			t.Errorf("%s: comparator lost: %+v %v", name, h.Entry, err)
		}
		b := NewBook()
		if err := b.Load(mustDecode(t, enc(bp))); err != nil || len(b.Stale()) != 1 || b.Stale()[0] != "bp" {
			t.Errorf("%s: a result of an older header is not listed stale: %v %v", name, b.Stale(), err)
		}
		h, err = DecodeHeader(enc(other))
		if err != nil || h.Entry.Value2 != nil || h.Entry.Comparator != "" {
			t.Errorf("%s: text that is not the value was read as one: %+v %v", name, h.Entry, err)
		}
	}
}

func mustDecode(t *testing.T, b []byte) Header {
	t.Helper()
	h, err := DecodeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// describeEntry renders an entry with its times' instants and zones.
func describeEntry(e Entry) string {
	var b strings.Builder
	ts := func(t time.Time) {
		name, off := t.Zone()
		fmt.Fprintf(&b, "%s|%s|%d|%s ", t.Format(time.RFC3339Nano), name, off, t.Location())
	}
	for _, t := range []*time.Time{&e.Date, &e.End, &e.Created, &e.Updated, &e.Deleted, &e.Provenance.ImportedAt} {
		ts(*t)
		*t = time.Time{}
	}
	e.Notes = slices.Clone(e.Notes)
	for i := range e.Notes {
		ts(e.Notes[i].Created)
		e.Notes[i].Created = time.Time{}
	}
	if e.Flag != nil {
		f := *e.Flag
		ts(f.Created)
		f.Created = time.Time{}
		fmt.Fprintf(&b, "flag %#v ", f)
		e.Flag = nil
	}
	for _, f := range []**float64{&e.Value, &e.RefLow, &e.RefHigh, &e.Value2} {
		if *f != nil {
			fmt.Fprintf(&b, "%v ", **f)
			*f = nil
		} else {
			b.WriteString("nil ")
		}
	}
	if v := e.Provenance.Verified; v != nil {
		fmt.Fprintf(&b, "verified %v ", *v)
		e.Provenance.Verified = nil
	}
	fmt.Fprintf(&b, "%#v", e)
	return b.String()
}

func TestDecodeHeaderBinaryErrors(t *testing.T) {
	good, _ := EncodeEntry(vectorEntry())
	for n := 2; n < len(good); n++ {
		if _, err := DecodeHeader(good[:n]); !errors.Is(err, ErrHeader) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := DecodeHeader(append(good[:len(good):len(good)], 0)); !errors.Is(err, ErrHeader) {
		t.Fatalf("trailing byte: %v", err)
	}
	if _, err := DecodeHeader([]byte{headerBinary, 'P', 0}); !errors.Is(err, ErrHeaderType) {
		t.Fatalf("binary profile: %v", err)
	}
}

// FuzzDecodeHeader: any bytes decode or fail cleanly; a decoded binary
// entry encodes back to the same bytes.
func FuzzDecodeHeader(f *testing.F) {
	f.Add([]byte(headerVectorV1))
	f.Add([]byte(headerVectorV3))
	for _, e := range testSynth()[:20] {
		h, _ := EncodeEntry(e)
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil || len(b) == 0 || b[0] != headerBinary {
			return
		}
		again, _ := EncodeEntry(*h.Entry)
		h2, err := DecodeHeader(again)
		if err != nil {
			t.Fatalf("re-encoded header does not decode: %v", err)
		}
		if describeEntry(*h.Entry) != describeEntry(*h2.Entry) {
			t.Fatal("re-encoded header decodes differently")
		}
	})
}
