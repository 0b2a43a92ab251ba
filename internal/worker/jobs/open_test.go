package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"backpack/internal/export"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/worker"
)

// anExport writes a small export (testData) with passphrase pass.
func anExport(t *testing.T, pass string) []byte {
	t.Helper()
	d, files := testData(t)
	to, err := export.Passphrase(pass)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := export.Write(context.Background(), &b, d, export.Selection{}, files, to, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testData is a small vault: two profiles (one without its Patient),
// entries with a note and a flag, a file, a question.
func testData(t *testing.T) (export.Data, export.MemFiles) {
	t.Helper()
	t0 := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	parse := func(s string) fhir.Resource {
		r, err := fhir.Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	v := 5.4
	pdf := bytes.Repeat([]byte("%PDF-1.4 letter "), 2000)
	sum := sha256.Sum256(pdf)
	d := export.Data{
		Profiles: []record.Profile{{ID: "p1", Name: "Ana Test", BirthDate: "1980-02-29", Relationship: "self",
			Patient: parse(`{"resourceType":"Patient","id":"p","name":[{"given":["Ana"],"family":"Test"}]}`), Created: t0},
			{ID: "p2", Name: "Leo Test", Relationship: "child", Created: t0}}, // no Patient
		Entries: []record.Entry{
			{ID: "e1", Profile: "p1", Resource: parse(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Glucose"},"valueQuantity":{"value":5.4,"unit":"mmol/L"}}`),
				Projection: record.Projection{Kind: record.KindLab, Title: "Glucose", Value: &v, Unit: "mmol/L", Date: t0},
				Notes:      []record.Note{{ID: "n1", Text: "after breakfast", Created: t0}},
				Flag:       &record.ErrorFlag{Note: "looks high", Created: t0, Status: "open"},
				Provenance: record.Provenance{Source: "fhir", File: "b.json", ImportedAt: t0}, Identity: "Observation/o1",
				Files: []string{"f1"}, Created: t0, Updated: t0.Add(time.Hour)},
			{ID: "e2", Profile: "p1", Resource: parse(`{"resourceType":"Condition","id":"c1","code":{"text":"Asthma"}}`),
				Projection: record.Projection{Kind: record.KindCondition, Title: "Asthma"}, Provenance: record.Provenance{Source: "manual"}, Created: t0, Updated: t0},
		},
		Files:     []record.FileInfo{{ID: "f1", Profile: "p1", Name: "letter.pdf", Type: "application/pdf", Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]), Created: t0}},
		Questions: []record.Question{{ID: "q1", Profile: "p1", Text: "Is the dose right?", Created: t0}},
	}
	return d, export.MemFiles{"f1": pdf}
}

func bytesOpener(b []byte) func() io.ReadCloser {
	return func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Through the worker's messages, the page gets what reading the export in
// place gives: every record and every file's bytes.
func TestServeOpen(t *testing.T) {
	const pass = "correct horse battery staple"
	file := anExport(t, pass)
	q := worker.OpenRequest{Size: int64(len(file)), Pass: pass}
	if got, err := worker.DecodeOpen(q.Encode()); err != nil || got != q {
		t.Fatalf("request came back as %+v, %v", got, err)
	}
	progress := 0
	reply := Serve(q.Encode(), bytesOpener(file), func(msg []byte) {
		if _, ok := worker.Progress(msg); !ok {
			t.Fatalf("a message that is not progress: %x", msg)
		}
		progress++
	})
	got, err := worker.OpenReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	if progress == 0 {
		t.Error("no progress reported")
	}
	mem := export.MemFiles{}
	want, err := export.Read(context.Background(), bytes.NewReader(file), export.PassphraseIdentity(pass), mem.Sink())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Archive.Data.Entries) != 2 || len(got.Archive.Data.Questions) != 1 {
		t.Fatalf("archive %+v", got.Archive.Data)
	}
	if g, w := asJSON(t, got.Archive), asJSON(t, want); g != w {
		t.Errorf("archive through the worker:\n%s\nwant\n%s", g, w)
	}
	if !got.Archive.Created.Equal(want.Created) {
		t.Errorf("created %v, want %v", got.Archive.Created, want.Created)
	}
	for i, e := range got.Archive.Data.Entries {
		if !bytes.Equal(e.Resource.JSON, want.Data.Entries[i].Resource.JSON) || e.Resource.Type != want.Data.Entries[i].Resource.Type {
			t.Errorf("entry %d's resource %s", i, e.Resource.JSON)
		}
	}
	if len(got.Files) != 1 || !bytes.Equal(got.Files["f1"], mem["f1"]) {
		t.Errorf("files %d, f1 %d bytes, want %d", len(got.Files), len(got.Files["f1"]), len(mem["f1"]))
	}
}

// A wrong passphrase, a damaged file, a reader's panic: each a worker.Failure
// with its catalog key, never the secret or the file's content.
func TestServeOpenFailures(t *testing.T) {
	const pass = "correct horse battery staple"
	file := anExport(t, pass)
	damaged := bytes.Clone(file)
	damaged[len(damaged)-40] ^= 0xff
	for _, tt := range []struct {
		name string
		q    worker.OpenRequest
		file []byte
		want string
	}{
		{"wrong passphrase", worker.OpenRequest{Pass: "wrong words"}, file, export.ErrorKey(export.ErrWrongPassphrase)},
		{"damaged", worker.OpenRequest{Pass: pass}, damaged, export.ErrorKey(export.ErrCorrupt)},
		{"not an export", worker.OpenRequest{Pass: pass}, []byte("hello"), export.ErrorKey(export.ErrNotExport)},
		{"bad key", worker.OpenRequest{UseKey: true, KeyText: "not a key"}, file, export.ErrorKey(export.ErrBadKey)},
		{"panic", worker.OpenRequest{Pass: pass, Fault: worker.FaultPanic}, file, worker.KeyCrash},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Size = int64(len(tt.file))
			reply := Serve(tt.q.Encode(), bytesOpener(tt.file), nil)
			_, err := worker.OpenReply(reply)
			var f *worker.Failure
			if !errors.As(err, &f) {
				t.Fatalf("error %v, want a worker.Failure", err)
			}
			if tt.want != "" && f.Key != tt.want {
				t.Errorf("key %q, want %q", f.Key, tt.want)
			}
			if f.Key == "" || bytes.Contains(reply, []byte(pass)) || bytes.Contains(reply, []byte("wrong words")) {
				t.Errorf("reply %q", reply)
			}
		})
	}
	if _, err := worker.OpenReply([]byte{1, 2, 3}); err == nil {
		t.Error("a malformed reply read as an export")
	}
}

// Streamed, the files come as Pieces before the reply, and a Feed hands
// them whole to a FileSink; the reply holds the records only.
func TestServeOpenStream(t *testing.T) {
	const pass = "correct horse battery staple"
	file := anExport(t, pass)
	q := worker.OpenRequest{Size: int64(len(file)), Pass: pass, Stream: true}
	got := export.MemFiles{}
	var infos []record.FileInfo
	feed := worker.NewFeed(func(info record.FileInfo, r io.Reader) error {
		infos = append(infos, info)
		return got.Put(info, r)
	})
	pieces := 0
	reply := Serve(q.Encode(), bytesOpener(file), func(msg []byte) {
		if p, ok := worker.FilePiece(msg); ok {
			pieces++
			feed.Put(p)
		} else if _, ok := worker.Progress(msg); !ok {
			t.Fatalf("a message that is neither progress nor a piece: %x", msg[:min(len(msg), 16)])
		}
	})
	if err := feed.Close(); err != nil {
		t.Fatal(err)
	}
	o, err := worker.OpenReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Files) != 0 || len(o.Archive.Data.Files) != 1 || len(o.Archive.Data.Entries) != 2 {
		t.Fatalf("reply has %d files' bytes, %+v", len(o.Files), o.Archive.Data)
	}
	mem := export.MemFiles{}
	if _, err := export.Read(context.Background(), bytes.NewReader(file), export.PassphraseIdentity(pass), mem.Sink()); err != nil {
		t.Fatal(err)
	}
	if pieces < 3 || len(infos) != 1 || infos[0].ID != "f1" || !bytes.Equal(got["f1"], mem["f1"]) {
		t.Errorf("%d pieces, files %v, f1 %d bytes, want %d", pieces, infos, len(got["f1"]), len(mem["f1"]))
	}

	// A sink's error comes out of Close, and what follows is dropped.
	bad := errors.New("the vault is full")
	feed = worker.NewFeed(func(record.FileInfo, io.Reader) error { return bad })
	Serve(q.Encode(), bytesOpener(file), func(msg []byte) {
		if p, ok := worker.FilePiece(msg); ok {
			feed.Put(p)
		}
	})
	if err := feed.Close(); !errors.Is(err, bad) {
		t.Errorf("Close: %v, want the sink's error", err)
	}
	// A file cut short (the worker died in it) is an error.
	feed = worker.NewFeed(func(info record.FileInfo, r io.Reader) error { _, err := io.ReadAll(r); return err })
	feed.Put(worker.Piece{Info: &record.FileInfo{ID: "f"}})
	feed.Put(worker.Piece{Data: []byte("part")})
	if err := feed.Close(); err == nil {
		t.Error("a file cut short was taken")
	}
}
