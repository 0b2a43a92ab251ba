package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"backpack/internal/record"
)

// plainArchive returns the decrypted archive of a small export.
func plainArchive(t testing.TB) []byte {
	d, files := sample(t)
	// Small files keep fuzz inputs small.
	files["f4"] = files["f4"][:100]
	for i := range d.Files {
		if d.Files[i].ID == "f4" {
			d.Files[i].Size, d.Files[i].SHA256 = 100, sha256Hex(files["f4"])
		}
	}
	var buf bytes.Buffer
	x := &writer{ctx: context.Background(), now: t0, src: files, paths: filePaths(d.Select(Selection{Profiles: []string{"p2"}}).Files)}
	d = d.Select(Selection{Profiles: []string{"p2"}})
	x.zw = zip.NewWriter(&buf)
	x.zw.RegisterCompressor(zip.Deflate, x.compressor)
	x.buf = newBuf()
	for _, step := range []func(Data, Selection) error{x.readme, x.vault, x.bundle, x.files} {
		if err := step(d, Selection{}); err != nil {
			t.Fatal(err)
		}
	}
	x.zw.Close()
	return buf.Bytes()
}

// The forward-only archive reader never panics or hangs on damaged input,
// and reads what it accepts like archive/zip does.
func FuzzReadArchive(f *testing.F) {
	good := plainArchive(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(plainZipBytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Archive
		err := readArchive(context.Background(), bytes.NewReader(b), &a, func(_ record.FileInfo, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err == nil && len(a.Data.Profiles) == 0 && len(a.Data.Entries) > 0 {
			t.Error("entries without profiles accepted")
		}
	})
}

func plainZipBytes() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create(PathVault)
	io.WriteString(w, `{"backpack":"export","version":1}`+"\n")
	zw.Close()
	return b.Bytes()
}

func TestPlainArchiveReads(t *testing.T) {
	var a Archive
	if err := readArchive(context.Background(), bytes.NewReader(plainArchive(t)), &a, nil); err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Entries) != 2 || len(a.Data.Files) != 2 {
		t.Errorf("%d entries %d files", len(a.Data.Entries), len(a.Data.Files))
	}
	// A zip made by archive/zip with plain Create (deflate + data descriptor)
	// is read too.
	a = Archive{}
	if err := readArchive(context.Background(), bytes.NewReader(plainZipBytes()), &a, nil); err != nil {
		t.Fatal(err)
	}
}

// Resources with line breaks are compacted in vault.jsonl (one record per
// line); HTML characters stay unescaped; both restore to the same JSON.
func TestVaultLineResources(t *testing.T) {
	d, files := sample(t)
	d.Entries = d.Entries[:2]
	d.Entries[0].Resource = mustParse(t, "{\n  \"resourceType\": \"Observation\",\n  \"id\": \"pretty\",\n  \"note\": [{\"text\": \"a < b & c > d \\u2028\"}]\n}\n")
	d.Entries[1].Resource.JSON = nil
	d.Entries[1].Resource.Type, d.Entries[1].Resource.ID = "", ""
	out := export(t, d, Selection{Profiles: []string{"p1"}, Files: []string{}}, files, passphrase(t, "p"))
	a, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	json.Unmarshal(d.Entries[0].Resource.JSON, &want)
	json.Unmarshal(a.Data.Entries[0].Resource.JSON, &got)
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if !bytes.Equal(wj, gj) || bytes.ContainsAny(a.Data.Entries[0].Resource.JSON, "\n") {
		t.Errorf("pretty resource: %s", a.Data.Entries[0].Resource.JSON)
	}
	if a.Data.Entries[1].Resource.JSON != nil {
		t.Errorf("empty resource came back as %q", a.Data.Entries[1].Resource.JSON)
	}
	// A resource that is not a JSON object is refused, not written broken.
	d.Entries[1].Resource.JSON = []byte(`[1,2]`)
	if err := Write(context.Background(), io.Discard, d, Selection{Files: []string{}}, nil, passphrase(t, "p"), nil); err == nil {
		t.Error("non-object resource accepted")
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A bad value in vault.jsonl is ErrCorrupt with the line number, and the
// message never quotes the value (it may be health data).
func TestVaultLineErrorsQuoteNothing(t *testing.T) {
	for _, line := range []string{
		`{"entry":{"id":"e1","profile":"p","created":"Secret 1971-13-45"}}`,
		`{"entry":{"id":"e1","profile":"p","title":Secret}}`,
		`{"entry":{"id":"e1","profile":"p","value":"Secret"}}`,
	} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(PathVault)
		io.WriteString(w, `{"backpack":"export","version":1}`+"\n"+line+"\n")
		zw.Close()
		var a Archive
		err := readArchive(context.Background(), bytes.NewReader(b.Bytes()), &a, nil)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "Secret") {
			t.Errorf("%s: %v", line, err)
		}
	}
}
