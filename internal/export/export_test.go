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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/gopenpgp/v2/crypto"

	"backpack/internal/record"
)

// collect is a FileSink keeping files and checking nothing else.
func collect() (MemFiles, FileSink) {
	m := MemFiles{}
	return m, m.Put
}

func TestRoundTripPassphrase(t *testing.T) {
	d, files := sample(t)
	pass := GeneratePassphrase()
	out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, passphrase(t, pass))

	got, sink := collect()
	a, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity(pass), sink)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	sameData(t, d, a.Data)
	for id, b := range files {
		if sha256.Sum256(b) != sha256.Sum256(got[id]) {
			t.Errorf("file %s: bytes differ (%d vs %d)", id, len(b), len(got[id]))
		}
	}
	if a.Partial || !a.Summary || !a.IPS {
		t.Errorf("flags: partial %v summary %v ips %v", a.Partial, a.Summary, a.IPS)
	}
	if a.Created.IsZero() || !strings.HasPrefix(a.Name, "backpack-export-") || !strings.HasSuffix(a.Name, ".zip") {
		t.Errorf("created %v name %q", a.Created, a.Name)
	}
	wantContents := []string{PathReadme, PathVault, PathSummary, "ips-1-maria-garcia.json", "ips-2-leo-garcia.json", PathBundle,
		"files/letter.pdf", "files/notes.txt", "files/letter (2).pdf", "files/x-ray_.._evil_name.png", "files/empty.txt"}
	if !slices.Equal(a.Contents, wantContents) {
		t.Errorf("contents\n got %q\nwant %q", a.Contents, wantContents)
	}
}

func TestRoundTripPublicKey(t *testing.T) {
	d, files := sample(t)
	for _, keyType := range []string{"x25519", "rsa"} {
		t.Run(keyType, func(t *testing.T) {
			pub, priv := genKey(t, keyType, "")
			to, err := PublicKey(pub)
			if err != nil {
				t.Fatalf("PublicKey: %v", err)
			}
			if len(to.Fingerprint()) != 40 || to.IsPassphrase() {
				t.Errorf("fingerprint %q", to.Fingerprint())
			}
			out := export(t, d, Selection{}, files, to)
			id, err := PrivateKeyIdentity(priv, "")
			if err != nil {
				t.Fatal(err)
			}
			got, sink := collect()
			a, err := Read(context.Background(), bytes.NewReader(out), id, sink)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			sameData(t, d, a.Data)
			if len(got) != len(files) {
				t.Errorf("%d files restored, want %d", len(got), len(files))
			}
			// A passphrase does not open it; another key does not either.
			if _, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("x"), nil); !errors.Is(err, ErrNeedsKey) {
				t.Errorf("passphrase on key export: %v", err)
			}
			_, other := genKey(t, keyType, "")
			oid, _ := PrivateKeyIdentity(other, "")
			if _, err := Read(context.Background(), bytes.NewReader(out), oid, nil); !errors.Is(err, ErrWrongKey) {
				t.Errorf("other key: %v", err)
			}
		})
	}
}

func TestLockedPrivateKey(t *testing.T) {
	d, files := sample(t)
	pub, priv := genKey(t, "x25519", "key pass")
	out := export(t, d, Selection{Profiles: []string{"p2"}}, files, mustKey(t, pub))
	if _, err := PrivateKeyIdentity(priv, "wrong"); !errors.Is(err, ErrKeyPassphrase) {
		t.Errorf("wrong key passphrase: %v", err)
	}
	if _, err := PrivateKeyIdentity(priv, ""); !errors.Is(err, ErrKeyPassphrase) {
		t.Errorf("missing key passphrase: %v", err)
	}
	id, err := PrivateKeyIdentity(priv, "key pass")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Read(context.Background(), bytes.NewReader(out), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Profiles) != 1 || a.Data.Profiles[0].ID != "p2" || !a.Partial {
		t.Errorf("profiles %v partial %v", a.Data.Profiles, a.Partial)
	}
}

func mustKey(t *testing.T, armored string) Recipient {
	t.Helper()
	r, err := PublicKey(armored)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// genKey returns an armored public and private key; the private one is
// locked with pass when pass is not empty.
func genKey(t testing.TB, keyType, pass string) (pub, priv string) {
	t.Helper()
	bits := 0
	if keyType == "rsa" {
		bits = 2048
	}
	k, err := crypto.GenerateKey("Dr Test", "dr@example.org", keyType, bits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err = k.GetArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if pass != "" {
		if k, err = k.Lock([]byte(pass)); err != nil {
			t.Fatal(err)
		}
	}
	priv, err = k.Armor()
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestReadErrors(t *testing.T) {
	d, files := sample(t)
	small := Selection{Profiles: []string{"p2"}}
	out := export(t, d, small, files, passphrase(t, "correct-horse"))
	read := func(b []byte, p string) error {
		_, err := Read(context.Background(), bytes.NewReader(b), PassphraseIdentity(p), nil)
		return err
	}
	if err := read(out, "correct-horse"); err != nil {
		t.Fatalf("good file: %v", err)
	}
	if err := read(out, "Correct  Horse"); err != nil {
		t.Errorf("normalized passphrase should open: %v", err)
	}
	if err := read(out, "wrong horse"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	// Many wrong passphrases: none may look like anything but a wrong one.
	for i := range 20 {
		if err := read(out, GeneratePassphrase()); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("wrong passphrase %d: %v", i, err)
		}
	}

	for _, cut := range []int{1, 10, 40, len(out) / 3, len(out) / 2, len(out) - 30, len(out) - 1} {
		if err := read(out[:cut], "correct-horse"); !errors.Is(err, ErrTruncated) && !(cut < 5 && errors.Is(err, ErrNotExport)) {
			t.Errorf("cut at %d of %d: %v", cut, len(out), err)
		}
	}
	for _, at := range []int{len(out) / 3, len(out) / 2, len(out) - 25, len(out) - 2} {
		bad := bytes.Clone(out)
		bad[at] ^= 0x5a
		if err := read(bad, "correct-horse"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("byte %d of %d flipped: %v", at, len(out), err)
		}
	}

	notExports := map[string][]byte{
		"empty":     nil,
		"text":      []byte("hello, this is not an export at all\n"),
		"zip":       plainZip(t),
		"pgp-text":  pgpOf(t, []byte("just some text"), "correct-horse"),
		"pgp-zip":   pgpOf(t, plainZip(t), "correct-horse"),
		"armor-bad": []byte("-----BEGIN PGP MESSAGE-----\n\nnot base64!!\n-----END PGP MESSAGE-----\n"),
	}
	for name, b := range notExports {
		if err := read(b, "correct-horse"); !errors.Is(err, ErrNotExport) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func plainZip(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("hello.txt")
	io.WriteString(w, "hello")
	zw.Close()
	return b.Bytes()
}

func pgpOf(t *testing.T, plain []byte, pass string) []byte {
	var b bytes.Buffer
	w, err := openpgp.SymmetricallyEncrypt(&b, []byte(pass), &openpgp.FileHints{IsBinary: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	return b.Bytes()
}

func TestArmoredInput(t *testing.T) {
	d, files := sample(t)
	out := export(t, d, Selection{Profiles: []string{"p2"}}, files, passphrase(t, "pw pw"))
	var arm bytes.Buffer
	aw, err := armorEncode(&arm)
	if err != nil {
		t.Fatal(err)
	}
	aw.Write(out)
	aw.Close()
	if _, err := Read(context.Background(), &arm, PassphraseIdentity("pw pw"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestBadKeys(t *testing.T) {
	pub, priv := genKey(t, "x25519", "")
	expired := expiredKey(t)
	signOnly := signOnlyKey(t)
	for _, c := range []struct {
		name, key string
		want      error
	}{
		{"empty", "", ErrBadKey},
		{"garbage", "hello doctor", ErrBadKey},
		{"truncated", pub[:len(pub)/2], ErrBadKey},
		{"armored message", "-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----", ErrBadKey},
		{"private", priv, ErrPrivateKey},
		{"expired", expired, ErrKeyExpired},
		{"sign only", signOnly, ErrKeyNoEncryption},
	} {
		if _, err := PublicKey(c.key); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := PrivateKeyIdentity(pub, ""); !errors.Is(err, ErrPublicKeyOnly) {
		t.Errorf("public as private: %v", err)
	}
	if _, err := Passphrase("   "); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("blank passphrase: %v", err)
	}
	if err := Write(context.Background(), io.Discard, Data{}, Selection{}, nil, Recipient{}, nil); !errors.Is(err, ErrNoRecipient) {
		t.Errorf("no recipient: %v", err)
	}
	for _, err := range []error{ErrBadKey, ErrPrivateKey, ErrKeyExpired, ErrWrongPassphrase, ErrTruncated, ErrCorrupt, ErrNotExport} {
		if k := ErrorKey(err); k == "export.err.other" {
			t.Errorf("%v has no message", err)
		}
	}
}

func expiredKey(t *testing.T) string {
	cfg := &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		KeyLifetimeSecs: 3600,
		Time:            func() time.Time { return time.Now().Add(-48 * time.Hour) },
	}
	e, err := openpgp.NewEntity("Old", "", "old@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return armorPublic(t, e)
}

func signOnlyKey(t *testing.T) string {
	e, err := openpgp.NewEntity("Signer", "", "sign@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	e.Subkeys = nil
	return armorPublic(t, e)
}

func armorPublic(t *testing.T, e *openpgp.Entity) string {
	var b bytes.Buffer
	if err := e.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	k, err := crypto.NewKey(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.GetArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSelect(t *testing.T) {
	d, _ := sample(t)
	ids := func(d Data) (es, fs, qs []string) {
		for _, e := range d.Entries {
			es = append(es, e.ID)
		}
		for _, f := range d.Files {
			fs = append(fs, f.ID)
		}
		for _, q := range d.Questions {
			qs = append(qs, q.ID)
		}
		return
	}
	all := d.Select(Selection{})
	if len(all.Entries) != len(d.Entries) || &all.Entries[0] != &d.Entries[0] || len(all.Files) != 5 || len(all.Questions) != 3 {
		t.Errorf("all: %d entries %d files", len(all.Entries), len(all.Files))
	}
	p2 := d.Select(Selection{Profiles: []string{"p2"}})
	es, fs, qs := ids(p2)
	if !slices.Equal(es, []string{"k1", "k2"}) || !slices.Equal(fs, []string{"f4", "f5"}) || !slices.Equal(qs, []string{"q3"}) {
		t.Errorf("p2: %v %v %v", es, fs, qs)
	}
	// Last visit + a document: its files come along, not the others.
	some := d.Select(Selection{Profiles: []string{"p1"}, Entries: []string{"ej", "en", "k1"}})
	es, fs, qs = ids(some)
	if !slices.Equal(es, []string{"ej", "en"}) || !slices.Equal(fs, []string{"f1", "f3"}) || qs != nil {
		t.Errorf("some: %v %v %v", es, fs, qs)
	}
	// Explicit files, none of them attached.
	some = d.Select(Selection{Entries: []string{"ej"}, Files: []string{"f2"}})
	if _, fs, _ = ids(some); !slices.Equal(fs, []string{"f2"}) {
		t.Errorf("files: %v", fs)
	}
	if _, fs, _ = ids(d.Select(Selection{Files: []string{}})); fs != nil {
		t.Errorf("no files: %v", fs)
	}
	// Summary + last visit: the summary's entries come along, with open questions.
	sum := d.Select(Selection{Profiles: []string{"p1"}, Entries: []string{"ej"}, IncludeSummary: true})
	es, _, qs = ids(sum)
	want := []string{"ea", "eb", "ec", "ee", "ef", "eg", "eh", "ei", "ej", "ek", "el", "em"}
	if !slices.Equal(es, want) || !slices.Equal(qs, []string{"q1"}) {
		t.Errorf("summary selection:\n got %v %v\nwant %v", es, qs, want)
	}
}

func TestProgressAndCancel(t *testing.T) {
	d, files := sample(t)
	var calls [][2]int64
	err := Write(context.Background(), io.Discard, d, Selection{}, files, passphrase(t, "p"), func(done, total int64) {
		calls = append(calls, [2]int64{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 3 {
		t.Fatalf("%d progress calls", len(calls))
	}
	for i, c := range calls {
		if c[0] > c[1] || (i > 0 && c[0] < calls[i-1][0]) || c[1] != calls[0][1] {
			t.Fatalf("bad progress %v", calls)
		}
	}
	if last := calls[len(calls)-1]; last[0] != last[1] {
		t.Errorf("last progress %v", last)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, io.Discard, d, Selection{}, files, passphrase(t, "p"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := Write(context.Background(), io.Discard, d, Selection{}, nil, passphrase(t, "p"), nil); !errors.Is(err, ErrNoFileSource) {
		t.Errorf("no source: %v", err)
	}
}

// A sink error stops Read and comes back as is; a missing or changed file
// is damage.
func TestSinkAndFileChecks(t *testing.T) {
	d, files := sample(t)
	out := export(t, d, Selection{}, files, passphrase(t, "p"))
	boom := errors.New("disk full")
	_, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("p"), func(record.FileInfo, io.Reader) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("sink error: %v", err)
	}
	// Partial reads by the sink are fine: the rest is drained and checked.
	_, err = Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("p"), func(_ record.FileInfo, r io.Reader) error {
		_, err := r.Read(make([]byte, 10))
		if err == io.EOF {
			err = nil
		}
		return err
	})
	if err != nil {
		t.Errorf("partial sink: %v", err)
	}

	// The metadata says another hash than the bytes have.
	d2 := d
	d2.Files = slices.Clone(d.Files)
	d2.Files[1].SHA256 = strings.Repeat("0", 64)
	out = export(t, d2, Selection{}, files, passphrase(t, "p"))
	if _, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("p"), nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("hash mismatch: %v", err)
	}
	// The file source gives fewer bytes than the metadata says.
	d2.Files = slices.Clone(d.Files)
	d2.Files[0].Size++
	if err := Write(context.Background(), io.Discard, d2, Selection{}, files, passphrase(t, "p"), nil); err == nil {
		t.Error("short file source accepted")
	}
}

// The plaintext archive opens with archive/zip, holds the promised files,
// and the bundle is valid JSON with every entry's resource verbatim.
func TestArchiveLayout(t *testing.T) {
	d, files := sample(t)
	out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, passphrase(t, "p"))
	zr, name := decryptZip(t, out, "p")
	if !strings.HasPrefix(name, "backpack-export-") {
		t.Errorf("literal name %q", name)
	}
	checkArchive(t, zr, d, files)
}

func decryptZip(t *testing.T, out []byte, pass string) (*zip.Reader, string) {
	t.Helper()
	md, err := openpgp.ReadMessage(bytes.NewReader(out), nil, func([]openpgp.Key, bool) ([]byte, error) { return []byte(pass), nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(md.UnverifiedBody)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(plain), int64(len(plain)))
	if err != nil {
		t.Fatal(err)
	}
	return zr, md.LiteralData.FileName
}

func checkArchive(t *testing.T, zr *zip.Reader, d Data, files MemFiles) {
	t.Helper()
	got := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		got[f.Name] = b
	}
	for _, p := range []string{PathReadme, PathVault, PathSummary, PathBundle} {
		if len(got[p]) == 0 {
			t.Errorf("%s missing", p)
		}
	}
	readme := string(got[PathReadme])
	if !strings.Contains(readme, "Contents:") || !strings.Contains(readme, "Contenido:") {
		t.Errorf("README lacks a language:\n%s", readme)
	}
	paths := filePaths(d.Files)
	for _, f := range d.Files {
		b, ok := got[paths[f.ID]]
		sum := sha256.Sum256(b)
		if !ok || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("file %s at %s: bytes differ", f.ID, paths[f.ID])
		}
	}
	var bundle struct {
		ResourceType, Type string
		Entry              []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		}
	}
	if err := json.Unmarshal(got[PathBundle], &bundle); err != nil {
		t.Fatalf("bundle.json: %v", err)
	}
	if bundle.ResourceType != "Bundle" || bundle.Type != "collection" {
		t.Errorf("bundle head %q %q", bundle.ResourceType, bundle.Type)
	}
	want := len(d.Profiles) + len(d.Entries) + len(d.Files)
	if len(bundle.Entry) != want {
		t.Fatalf("bundle has %d entries, want %d", len(bundle.Entry), want)
	}
	for i, e := range d.Entries {
		if be := bundle.Entry[len(d.Profiles)+i]; !bytes.Equal(be.Resource, e.Resource.JSON) || be.FullURL != entryURL(e.ID) {
			t.Errorf("entry %s not verbatim", e.ID)
		}
	}
	seenURL := map[string]bool{}
	for _, be := range bundle.Entry {
		if seenURL[be.FullURL] {
			t.Errorf("duplicate fullUrl %s", be.FullURL)
		}
		seenURL[be.FullURL] = true
	}
	for _, be := range bundle.Entry[len(d.Profiles)+len(d.Entries):] {
		var dr struct {
			ResourceType string
			Subject      struct{ Reference string }
			Content      []struct{ Attachment struct{ URL string } }
		}
		json.Unmarshal(be.Resource, &dr)
		if dr.ResourceType != "DocumentReference" || len(dr.Content) != 1 || got[dr.Content[0].Attachment.URL] == nil && !strings.HasSuffix(dr.Content[0].Attachment.URL, "empty.txt") {
			t.Errorf("document reference %s", be.Resource)
		}
		if !seenURL[dr.Subject.Reference] {
			t.Errorf("subject %s does not resolve", dr.Subject.Reference)
		}
	}
}

func TestPassphraseGenerator(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range Words {
		if seen[w] {
			t.Errorf("duplicate word %q", w)
		}
		seen[w] = true
		if len(w) < 2 || len(w) > 8 || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("bad word %q", w)
		}
	}
	if PassphraseBits < 60 {
		t.Errorf("only %.1f bits", PassphraseBits)
	}
	// Words that sound like others must not be in the list.
	for _, w := range strings.Fields("sea see sun son night knight hour our right write tail tale meat meet weak week pair pear flower flour hole whole bear bare road rode sail sale plain plane mail male wait weight berry bury board bored medal metal idol idle") {
		if seen[w] {
			t.Errorf("homophone %q in list", w)
		}
	}
	p := GeneratePassphrase()
	parts := strings.Split(p, "-")
	if len(parts) != PassphraseWords {
		t.Fatalf("%q", p)
	}
	for _, w := range parts {
		if !seen[w] {
			t.Errorf("%q not in list", w)
		}
	}
	if GeneratePassphrase() == p {
		t.Error("two equal passphrases")
	}
	for in, want := range map[string]string{
		"Maple Orbit  cactus": "maple-orbit-cactus",
		"maple-orbit":         "maple-orbit",
		"p4ss word":           "p4ss word",
		"single":              "single",
	} {
		if got := normalizePassphrase(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeNames(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                     "report.pdf",
		"../../etc/passwd":               "_.._etc_passwd",
		"a:b*c?.png":                     "a_b_c_.png",
		"  ":                             "id1",
		".hidden":                        "hidden",
		strings.Repeat("é", 80) + ".pdf": strings.Repeat("é", 48) + ".pdf",
		// Safe on Windows and showing what they are: no device names,
		// no trailing dots or spaces, no bidi controls.
		"CON":                         "_CON",
		"nul.txt":                     "_nul.txt",
		"Com1.tar.gz":                 "_Com1.tar.gz",
		"lpt²":                        "_lpt²",
		"aux .pdf":                    "_aux .pdf",
		"console.txt":                 "console.txt",
		"com10.txt":                   "com10.txt",
		"report. . ":                  "report",
		"invoice\u202Efdp.exe":        "invoicefdp.exe",
		"a\u2066b\u2069c\u200F\u061C": "abc",
		"\u202E":                      "id1",
	} {
		if got := SafeName(in, "id1"); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	if s := slug("Ana María  O'Neil", "x"); s != "ana-mar-a-o-neil" {
		t.Errorf("slug %q", s)
	}
	if s := slug("李", "p-1"); s != "p-1" {
		t.Errorf("slug fallback %q", s)
	}
}

func armorEncode(w io.Writer) (io.WriteCloser, error) { return armor.Encode(w, "PGP MESSAGE", nil) }
