package jobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v2/crypto"

	"backpack/internal/export"
	"backpack/internal/worker"
)

// writeThrough runs a writing request through the worker's messages, as
// the page does: the selected part of d, its files in one Blob in order,
// and the file put together from the parts posted.
func writeThrough(t *testing.T, d export.Data, sel export.Selection, files export.MemFiles, q worker.WriteRequest) (out []byte, progress int, err error) {
	t.Helper()
	q.Data, q.Sel = d.Select(sel), sel
	var blob []byte
	for _, f := range q.Data.Files {
		blob = append(blob, files[f.ID]...)
		q.Sizes = append(q.Sizes, int64(len(files[f.ID])))
	}
	var b bytes.Buffer
	reply := Serve(q.Encode(), bytesOpener(blob), func(msg []byte) {
		if part, ok := worker.OutPart(msg); ok {
			b.Write(part)
		} else if done, total, ok := worker.WriteProgress(msg); ok && done <= total {
			progress++
		} else {
			t.Fatalf("a message that is neither a part nor progress: %x", msg[:min(len(msg), 16)])
		}
	})
	n, err := worker.WriteReply(reply)
	if err == nil && n != int64(b.Len()) {
		t.Fatalf("reply says %d bytes, %d came", n, b.Len())
	}
	return b.Bytes(), progress, err
}

// readBack opens an export as the page's "open a file" does.
func readBack(t *testing.T, file []byte, id export.Identity) (*export.Archive, export.MemFiles) {
	t.Helper()
	mem := export.MemFiles{}
	a, err := export.Read(context.Background(), bytes.NewReader(file), id, mem.Sink())
	if err != nil {
		t.Fatal(err)
	}
	// Written a moment apart, two files may differ in these only.
	a.Created, a.Name = time.Time{}, ""
	return a, mem
}

// The file the worker writes opens to what export.Write of the same
// records, selection and files gives: with a passphrase and a public key,
// everything or a part (with the summary and the IPS).
func TestServeWrite(t *testing.T) {
	d, files := testData(t)
	const pass = "correct horse battery staple"
	key, err := crypto.GenerateKey("Dr Test", "dr@example.org", "x25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.GetArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := key.Armor()
	if err != nil {
		t.Fatal(err)
	}
	byKey, err := export.PrivateKeyIdentity(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		sel  export.Selection
		q    worker.WriteRequest
		id   export.Identity
	}{
		{"everything, passphrase", export.Selection{}, worker.WriteRequest{Pass: pass}, export.PassphraseIdentity(pass)},
		{"part, public key", export.Selection{Profiles: []string{"p1"}, Entries: []string{"e2"}, IncludeSummary: true, IncludeIPS: true},
			worker.WriteRequest{UseKey: true, KeyText: pub}, byKey},
		{"no files", export.Selection{Profiles: []string{"p1"}, Entries: []string{"e1"}, Files: []string{}}, worker.WriteRequest{Pass: pass}, export.PassphraseIdentity(pass)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, progress, err := writeThrough(t, d, tt.sel, files, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if progress == 0 {
				t.Error("no progress reported")
			}
			to, err := export.Passphrase(pass)
			if tt.q.UseKey {
				to, err = export.PublicKey(pub)
			}
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := export.Write(context.Background(), &want, d, tt.sel, files, to, nil); err != nil {
				t.Fatal(err)
			}
			got, gotFiles := readBack(t, out, tt.id)
			wantA, wantFiles := readBack(t, want.Bytes(), tt.id)
			if g, w := asJSON(t, got), asJSON(t, wantA); g != w {
				t.Errorf("archive written in the worker:\n%s\nwant\n%s", g, w)
			}
			if !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("files %d, want %d", len(gotFiles), len(wantFiles))
			}
			if tt.sel.IncludeSummary && !got.Summary {
				t.Error("no summary")
			}
		})
	}
}

// A recipient refused, a Blob shorter than the request says, a reader's
// panic: each a worker.Failure with its catalog key, never the secret.
func TestServeWriteFailures(t *testing.T) {
	d, files := testData(t)
	const pass = "correct horse battery staple"
	for _, tt := range []struct {
		name  string
		q     worker.WriteRequest
		short bool
		want  string
	}{
		{"empty passphrase", worker.WriteRequest{Pass: " "}, false, export.ErrorKey(export.ErrEmptyPassphrase)},
		{"not a key", worker.WriteRequest{UseKey: true, KeyText: "not a key"}, false, export.ErrorKey(export.ErrBadKey)},
		{"short blob", worker.WriteRequest{Pass: pass}, true, export.ErrorKey(io.ErrUnexpectedEOF)},
		{"panic", worker.WriteRequest{Pass: pass, Fault: worker.FaultPanic}, false, worker.KeyWriteCrash},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Data = d
			var blob []byte
			for _, f := range d.Files {
				blob = append(blob, files[f.ID]...)
				q.Sizes = append(q.Sizes, int64(len(files[f.ID])))
			}
			if tt.short {
				blob = blob[:len(blob)/2]
			}
			reply := Serve(q.Encode(), bytesOpener(blob), func([]byte) {})
			_, err := worker.WriteReply(reply)
			var f *worker.Failure
			if !errors.As(err, &f) {
				t.Fatalf("error %v, want a worker.Failure", err)
			}
			if f.Key != tt.want || bytes.Contains(reply, []byte(pass)) {
				t.Errorf("key %q, want %q; reply %q", f.Key, tt.want, reply)
			}
		})
	}
	if _, err := worker.WriteReply([]byte{1, 2, 3}); err == nil {
		t.Error("a malformed reply read as written")
	}
}

// The request comes back as it went, nil and empty id lists apart.
func TestWriteRequestRoundTrip(t *testing.T) {
	d, _ := testData(t)
	q := worker.WriteRequest{Data: d, Sel: export.Selection{Profiles: []string{"p1"}, Entries: nil, Files: []string{}, IncludeIPS: true},
		Sizes: []int64{int64(d.Files[0].Size)}, UseKey: true, KeyText: "key", Pass: "p", SummaryLang: "es"}
	got, err := worker.DecodeWrite(q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Sel, q.Sel) || got.Sel.Files == nil || got.Sel.Entries != nil {
		t.Errorf("selection %#v, want %#v", got.Sel, q.Sel)
	}
	if asJSON(t, got.Data) != asJSON(t, q.Data) || !reflect.DeepEqual(got.Sizes, q.Sizes) {
		t.Errorf("data or sizes differ: %v", got.Sizes)
	}
	if got.UseKey != q.UseKey || got.KeyText != q.KeyText || got.Pass != q.Pass || got.SummaryLang != q.SummaryLang {
		t.Errorf("recipient %+v", got)
	}
}
