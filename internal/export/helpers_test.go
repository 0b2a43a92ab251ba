package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

type fixture struct {
	Kind     record.Kind     `json:"kind"`
	Title    string          `json:"title"`
	Text     string          `json:"text"`
	Status   string          `json:"status"`
	Date     string          `json:"date"`
	Who      string          `json:"who"`
	Value    *float64        `json:"value"`
	Unit     string          `json:"unit"`
	RefLow   *float64        `json:"refLow"`
	RefHigh  *float64        `json:"refHigh"`
	Codes    []record.Code   `json:"codes"`
	Resource json.RawMessage `json:"resource"`
}

// sample builds two profiles from testdata/resources.json with notes, a
// flag, provenance, files and questions. Files' bytes are in the MemFiles.
func sample(t testing.TB) (Data, MemFiles) {
	t.Helper()
	raw, err := os.ReadFile("testdata/resources.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx []fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	pat, err := fhir.Parse([]byte(`{"resourceType":"Patient","id":"src-pat-1","name":[{"family":"Garcia","given":["Maria"]}],"birthDate":"1970-01-31","gender":"female"}`))
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	d := Data{Profiles: []record.Profile{
		{ID: "p1", Name: "Maria Garcia", BirthDate: "1970-01-31", Relationship: "self", Patient: pat, Created: t0},
		{ID: "p2", Name: "Leo Garcia", BirthDate: "2015-08", Relationship: "child", Created: t0},
	}}
	files := MemFiles{}
	addFile := func(id, profile, name, typ string, b []byte) record.FileInfo {
		sum := sha256.Sum256(b)
		files[id] = b
		f := record.FileInfo{ID: id, Profile: profile, Name: name, Type: typ, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Created: t0}
		d.Files = append(d.Files, f)
		return f
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
	addFile("f1", "p1", "letter.pdf", "application/pdf", randBytes(300<<10))
	addFile("f2", "p1", "notes.txt", "text/plain", bytes.Repeat([]byte("Blood pressure log 120/80\n"), 400))
	addFile("f3", "p1", "letter.pdf", "application/pdf", randBytes(1000))
	addFile("f4", "p2", "x-ray/../evil:name.png", "image/png", randBytes(70<<10))
	addFile("f5", "p2", "empty.txt", "text/plain", nil)

	for i, f := range fx {
		res, err := fhir.Parse(f.Resource)
		if err != nil {
			t.Fatalf("fixture %d: %v", i, err)
		}
		var date time.Time
		if f.Date != "" {
			date, _ = time.Parse("2006-01-02", f.Date)
		}
		e := record.Entry{
			ID: "e" + string(rune('a'+i)), Profile: "p1", Resource: res,
			Projection: record.Projection{Kind: f.Kind, Date: date, Title: f.Title, Codes: f.Codes, Text: f.Text,
				Status: f.Status, Value: f.Value, Unit: f.Unit, RefLow: f.RefLow, RefHigh: f.RefHigh, Who: f.Who},
			Provenance: record.Provenance{Source: "fhir", File: "export.json", System: "Valley Clinic", ImportedAt: t0, Verified: &yes},
			Identity:   res.Type + "/" + res.ID,
			Created:    t0, Updated: t0.Add(time.Hour),
		}
		switch res.ID {
		case "cond-1":
			e.Notes = []record.Note{{ID: "n1", Text: "Ask about <b>diet</b> plan", Created: t0}, {ID: "n2", Text: "Better since March", Created: t0.Add(48 * time.Hour)}}
		case "obs-1":
			e.Flag = &record.ErrorFlag{Note: "Value looks like another patient's", Created: t0, Status: "open"}
		case "doc-1":
			e.Files = []string{"f1", "f3"}
		}
		d.Entries = append(d.Entries, e)
	}
	d.Entries = append(d.Entries,
		record.Entry{ID: "k1", Profile: "p2", Resource: mustParse(t, `{"resourceType":"Immunization","id":"imm-k","status":"completed","vaccineCode":{"text":"MMR"},"patient":{"reference":"Patient/whatever"}}`),
			Projection: record.Projection{Kind: record.KindImmunization, Title: "MMR", Date: t0.AddDate(-5, 0, 0)},
			Provenance: record.Provenance{Source: "manual"}, Created: t0, Updated: t0},
		record.Entry{ID: "k2", Profile: "p2", Resource: mustParse(t, `{"resourceType":"DiagnosticReport","id":"xr","status":"final","code":{"text":"Wrist X-ray"}}`),
			Projection: record.Projection{Kind: record.KindImaging, Title: "Wrist X-ray", Date: t0.AddDate(-1, 0, 0)},
			Files:      []string{"f4"}, Created: t0, Updated: t0},
	)
	d.Questions = []record.Question{
		{ID: "q1", Profile: "p1", Provider: "ek", Text: "Can I stop metformin?", Created: t0},
		{ID: "q2", Profile: "p1", Provider: "Dr. Rivera", Text: "Old question", Done: true, Created: t0},
		{ID: "q3", Profile: "p2", Text: "Is the wrist healed?", Created: t0},
	}
	return d, files
}

func mustParse(t testing.TB, s string) fhir.Resource {
	t.Helper()
	r, err := fhir.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// export writes d with the given recipient and returns the file.
func export(t testing.TB, d Data, sel Selection, files FileSource, to Recipient) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, d, sel, files, to, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func passphrase(t testing.TB, p string) Recipient {
	t.Helper()
	r, err := Passphrase(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sameData fails unless a and b hold the same records.
func sameData(t *testing.T, want, got Data) {
	t.Helper()
	if len(want.Entries) != len(got.Entries) || len(want.Profiles) != len(got.Profiles) ||
		len(want.Files) != len(got.Files) || len(want.Questions) != len(got.Questions) {
		t.Fatalf("counts differ: want %d/%d/%d/%d got %d/%d/%d/%d",
			len(want.Profiles), len(want.Entries), len(want.Files), len(want.Questions),
			len(got.Profiles), len(got.Entries), len(got.Files), len(got.Questions))
	}
	for i := range want.Entries {
		w, g := want.Entries[i], got.Entries[i]
		if !bytes.Equal(w.Resource.JSON, g.Resource.JSON) {
			t.Errorf("entry %s: resource bytes differ", w.ID)
		}
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if !bytes.Equal(wj, gj) {
			t.Errorf("entry %s differs:\nwant %s\ngot  %s", w.ID, wj, gj)
		}
	}
	for _, pair := range [][2]any{{want.Profiles, got.Profiles}, {want.Files, got.Files}, {want.Questions, got.Questions}} {
		wj, _ := json.Marshal(pair[0])
		gj, _ := json.Marshal(pair[1])
		if !bytes.Equal(wj, gj) {
			t.Errorf("differ:\nwant %s\ngot  %s", wj, gj)
		}
	}
}
