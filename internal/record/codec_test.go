package record

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"backpack/internal/fhir"
)

// sameEntry compares entries with time.Equal semantics.
func sameEntry(a, b Entry) bool {
	for _, p := range [][2]*time.Time{{&a.Date, &b.Date}, {&a.End, &b.End}, {&a.Created, &b.Created}, {&a.Updated, &b.Updated},
		{&a.Deleted, &b.Deleted}, {&a.Provenance.ImportedAt, &b.Provenance.ImportedAt}} {
		if !p[0].Equal(*p[1]) {
			return false
		}
		*p[0], *p[1] = time.Time{}, time.Time{}
	}
	for i := range a.Notes {
		if i >= len(b.Notes) || !a.Notes[i].Created.Equal(b.Notes[i].Created) {
			return false
		}
		a.Notes[i].Created, b.Notes[i].Created = time.Time{}, time.Time{}
	}
	if (a.Flag == nil) != (b.Flag == nil) || a.Flag != nil && (!a.Flag.Created.Equal(b.Flag.Created) || a.Flag.Note != b.Flag.Note || a.Flag.Status != b.Flag.Status) {
		return false
	}
	a.Flag, b.Flag = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestEncodeEntryRoundTrip(t *testing.T) {
	entries := slices.Clone(testSynth()[:300])
	e := cloneEntryV(entries[0])
	e.Deleted = time.Date(2025, 3, 3, 1, 2, 3, 4, time.FixedZone("x", 3600))
	e.Codes = append(e.Codes, Code{System: "#odd", Code: "1", Display: "=odd"}, Code{System: "urn:x", Display: e.Title})
	v := true
	e.Provenance.Verified = &v
	entries = append(entries, e)
	for _, e := range entries {
		h, body := EncodeEntry(e)
		dh, err := DecodeHeader(h)
		if err != nil || dh.Type != RecordEntry || dh.Entry == nil {
			t.Fatalf("DecodeHeader: %v", err)
		}
		if dh.Entry.Resource.JSON != nil || dh.Entry.Resource.ID != e.Resource.ID || dh.Entry.Resource.Type != e.Resource.Type {
			t.Fatal("header carries the resource")
		}
		r, err := DecodeBody(body)
		if err != nil {
			t.Fatal(err)
		}
		got := *dh.Entry
		got.Resource = r
		if !sameEntry(cloneEntryV(e), got) {
			t.Fatalf("round trip differs:\n%+v\n%+v", e, got)
		}
		if bytes.Contains(h, []byte(`"resourceType"`)) {
			t.Fatal("header holds FHIR JSON")
		}
	}
}

func cloneEntryV(e Entry) Entry { return *cloneEntry(e) }

func TestEncodeOthers(t *testing.T) {
	p := Profile{ID: "p", Name: "Jane", BirthDate: "1980", Relationship: "self", Created: time.Unix(100, 0).UTC()}
	pr, _ := fhir.Parse([]byte(`{"resourceType":"Patient","id":"pat"}`))
	p.Patient = pr
	h, body := EncodeProfile(p)
	dh, err := DecodeHeader(h)
	if err != nil || dh.Type != RecordProfile || dh.Profile.Name != "Jane" || dh.Profile.Patient.ID != "pat" || dh.Profile.Patient.JSON != nil {
		t.Fatalf("profile header %+v %v", dh.Profile, err)
	}
	if r, err := DecodeBody(body); err != nil || r.ID != "pat" {
		t.Fatal("profile body")
	}
	f := FileInfo{ID: "f", Profile: "p", Name: "x-ray.png", Type: "image/png", Size: 12, SHA256: "ab", Created: time.Unix(5, 0).UTC()}
	if dh, err := DecodeHeader(EncodeFile(f)); err != nil || dh.Type != RecordFile || *dh.File != f {
		t.Fatalf("file %+v %v", dh.File, err)
	}
	q := Question{ID: "q", Profile: "p", Provider: "doc", Text: "Why?", Created: time.Unix(5, 0).UTC()}
	if dh, err := DecodeHeader(EncodeQuestion(q)); err != nil || dh.Type != RecordQuestion || *dh.Question != q {
		t.Fatalf("question %+v %v", dh.Question, err)
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want error
	}{
		{nil, ErrHeader}, {[]byte{1}, ErrHeader}, {[]byte{2, 'E', '{', '}'}, ErrHeaderVersion},
		{[]byte{1, 'Z', '{', '}'}, ErrHeaderType}, {[]byte{1, 'E', '{'}, ErrHeader}, {[]byte{1, 'E', '{', '"', 'd', '"', ':', '"', 'x', '"', '}'}, ErrHeader},
	} {
		if _, err := DecodeHeader(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("DecodeHeader(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
	if _, err := DecodeBody([]byte("{oops")); err == nil {
		t.Error("DecodeBody accepted garbage")
	}
}

// The Book built from headers alone answers like the one built from full entries.
func TestBookFromHeaders(t *testing.T) {
	entries := testSynth()
	full, light := NewBook(), NewBook()
	for _, e := range entries {
		full.Add(e)
		h, _ := EncodeEntry(e)
		dh, err := DecodeHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := light.Load(dh); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range [][]byte{EncodeFile(FileInfo{ID: "f", Profile: SyntheticProfile}), EncodeQuestion(Question{ID: "q", Profile: SyntheticProfile})} {
		dh, _ := DecodeHeader(h)
		if err := light.Load(dh); err != nil {
			t.Fatal(err)
		}
	}
	if len(light.Files(SyntheticProfile)) != 1 || len(light.Questions(SyntheticProfile)) != 1 {
		t.Error("Load of file or question")
	}
	for _, q := range []string{"glucose", "emile", "anaphylaxis", "cholesterol ldl"} {
		a, b := full.Search(SyntheticProfile, q), light.Search(SyntheticProfile, q)
		if len(a) != len(b) || len(a) > 0 && a[0].ID != b[0].ID {
			t.Errorf("search %q differs: %d vs %d", q, len(a), len(b))
		}
	}
	sa, sb := full.SummaryAt(SyntheticProfile, day("2026-01-01")), light.SummaryAt(SyntheticProfile, day("2026-01-01"))
	if len(sa.Labs) != len(sb.Labs) || len(sa.Medications) != len(sb.Medications) || len(sa.Labs) == 0 {
		t.Error("summary differs")
	}
}

func TestHeaderSize(t *testing.T) {
	entries := testSynth()
	var total, body, maxH int
	for _, e := range entries {
		h, b := EncodeEntry(e)
		total += len(h)
		body += len(b)
		maxH = max(maxH, len(h))
	}
	avg := total / len(entries)
	t.Logf("header: average %d bytes, max %d; body average %d bytes", avg, maxH, body/len(entries))
	if avg > 450 {
		t.Errorf("average header %d bytes, want ≤ 450", avg)
	}
}

// testSynth is 2,000 synthetic entries shared by tests (do not modify).
var testSynth = sync.OnceValue(func() []Entry { return Synthetic(2000, 1) })
