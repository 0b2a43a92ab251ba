//go:build !(js && wasm)

package share

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const specKey = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"

func readSpec(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/spec/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func specKeyBytes(t *testing.T) []byte {
	k, err := base64.RawURLEncoding.DecodeString(specKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The specification's example link parses, with and without its viewer
// prefix: a manifest link ("L" and "P") to another server.
func TestSpecExampleLink(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(readSpec(t, "example-link.txt")), "\n")
	for _, s := range lines {
		l, err := ParseLink(s)
		if err != nil {
			t.Fatalf("%.40s…: %v", s, err)
		}
		if l.URL != "https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m" ||
			l.Flag != "LP" || !bytes.Equal(l.Key, specKeyBytes(t)) ||
			l.Label != "Back-to-school immunizations for Oliver Brown" {
			t.Fatalf("parsed %+v", l)
		}
		if err := l.Openable(time.Now()); err != nil {
			t.Fatalf("a manifest link with a passcode must be openable: %v", err)
		}
	}
}

// The specification's example JWE decrypts under its key to a SMART
// Health Card file.
func TestSpecExampleJWE(t *testing.T) {
	jwe := strings.TrimSpace(readSpec(t, "example-file.jwe"))
	plain, err := DecryptJWE(specKeyBytes(t), jwe)
	if err != nil {
		t.Fatal(err)
	}
	if cty, _ := JWEContentType(jwe); cty != ContentTypeSHC {
		t.Fatalf("cty %q", cty)
	}
	var f struct {
		VC []string `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(plain, &f); err != nil || len(f.VC) != 1 || strings.Count(f.VC[0], ".") != 2 {
		t.Fatalf("not a health card file: %v %q", err, plain[:min(len(plain), 80)])
	}
}

// The specification's example manifest has the shape FetchManifest checks.
func TestSpecExampleManifest(t *testing.T) {
	body := readSpec(t, "example-manifest.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	m, err := FetchManifest(context.Background(), HTTPDoer(srv.Client()), Link{URL: srv.URL + "/m", Key: seqKey(0)}, "Dr. Who", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 3 || m.Files[0].Location == "" || m.Files[1].Embedded == "" || m.Files[2].ContentType != ContentTypeFHIR {
		t.Fatalf("%+v", m)
	}
}

// specServer is another SMART Health Links server, written from the
// specification's text: a manifest behind a passcode, one file embedded
// when asked and one at a location that works once.
type specServer struct {
	srv      *httptest.Server
	jwe      string
	passcode string
	left     atomic.Int32
	gets     atomic.Int32
	lastReq  atomic.Value // ManifestRequest
}

func newSpecServer(t *testing.T, jwe, passcode string) *specServer {
	s := &specServer{jwe: jwe, passcode: passcode}
	s.left.Store(3)
	used := atomic.Bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /qr/m", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "content-type", 400)
			return
		}
		var req ManifestRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Recipient == "" {
			http.Error(w, "bad", 400)
			return
		}
		s.lastReq.Store(req)
		if s.left.Load() <= 0 {
			http.NotFound(w, r)
			return
		}
		if req.Passcode != s.passcode {
			n := s.left.Add(-1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			json.NewEncoder(w).Encode(map[string]int{"remainingAttempts": int(n)})
			return
		}
		files := []ManifestFile{{ContentType: ContentTypeSHC, Location: s.srv.URL + "/file1?sas=abc"}}
		if req.EmbeddedLengthMax >= len(s.jwe) {
			files = append(files, ManifestFile{ContentType: ContentTypeSHC, Embedded: s.jwe})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(Manifest{Files: files})
	})
	mux.HandleFunc("GET /file1", func(w http.ResponseWriter, r *http.Request) {
		s.gets.Add(1)
		if used.Swap(true) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jose")
		io.WriteString(w, s.jwe)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// Open speaks the manifest protocol to a server that follows the
// specification: passcode refusals carry the attempts left, the files
// decrypt with the link's key, a location used up is refused.
func TestOpenManifestFromSpecServer(t *testing.T) {
	jwe := strings.TrimSpace(readSpec(t, "example-file.jwe"))
	s := newSpecServer(t, jwe, "1234")
	l := Link{URL: s.srv.URL + "/qr/m", Key: specKeyBytes(t), Flag: "LP"}
	do := HTTPDoer(s.srv.Client())
	ctx := context.Background()

	if _, err := Open(ctx, do, l, "Dr. Rivera", ""); !errors.Is(err, ErrPasscodeNeeded) {
		t.Fatalf("no passcode: %v", err)
	}
	_, err := Open(ctx, do, l, "Dr. Rivera", "0000")
	var pe *PasscodeError
	if !errors.As(err, &pe) || pe.Remaining != 2 {
		t.Fatalf("wrong passcode: %v", err)
	}
	files, err := Open(ctx, do, l, "Dr. Rivera", "1234")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].ContentType != ContentTypeSHC || !bytes.Contains(files[0].Data, []byte("verifiableCredential")) {
		t.Fatalf("files %+v", files)
	}
	if req := s.lastReq.Load().(ManifestRequest); req.Recipient != "Dr. Rivera" || req.Passcode != "1234" {
		t.Fatalf("request %+v", req)
	}
	// The location was single use: asking again without re-fetching fails.
	if _, err := Open(ctx, do, l, "Dr. Rivera", "1234"); err == nil || MessageKey(err) != "share.err.notfound" {
		t.Fatalf("used location: %v", err)
	}
	// Embedded when asked for.
	m, err := FetchManifest(ctx, do, l, "Dr. Rivera", "1234", 1<<20)
	if err != nil || len(m.Files) != 2 || m.Files[1].Embedded != jwe {
		t.Fatalf("embedded: %+v %v", m, err)
	}
}

// A "U" link is one GET of url?recipient=…, never a manifest request.
func TestOpenDirect(t *testing.T) {
	key := seqKey(3)
	jwe, _ := EncryptJWE(key, []byte(`{"resourceType":"Bundle"}`), ContentTypeFHIR)
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "GET" {
			http.Error(w, "method", 405)
			return
		}
		got = r.URL.Query().Get("recipient")
		io.WriteString(w, jwe)
	}))
	defer srv.Close()
	files, err := Open(context.Background(), HTTPDoer(srv.Client()), Link{URL: srv.URL + "/f", Key: key, Flag: "U"}, "Clínica Sur", "")
	if err != nil || len(files) != 1 || files[0].ContentType != ContentTypeFHIR || got != "Clínica Sur" {
		t.Fatalf("%+v %v %q", files, err, got)
	}
}

// Manifests of the wrong shape are refused, not half read.
func TestFetchManifestShape(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `<html>`,
		"both":           `{"files":[{"contentType":"application/fhir+json","embedded":"a","location":"https://x.example/"}]}`,
		"neither":        `{"files":[{"contentType":"application/fhir+json"}]}`,
		"no contentType": `{"files":[{"embedded":"a"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		_, err := FetchManifest(context.Background(), HTTPDoer(srv.Client()), Link{URL: srv.URL, Key: seqKey(0)}, "x", "", 0)
		srv.Close()
		if !errors.Is(err, ErrManifest) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Flags a receiver does not know are ignored; known ones are kept in
// order; "P" with "U" is refused; a newer version is not opened.
func TestLinkFlagsAndVersion(t *testing.T) {
	enc := func(p string) string { return "shlink:/" + base64.RawURLEncoding.EncodeToString([]byte(p)) }
	key := `"` + base64.RawURLEncoding.EncodeToString(seqKey(0)) + `"`
	l, err := ParseLink(enc(`{"url":"https://a.example/x","key":` + key + `,"flag":"LXP"}`))
	if err != nil || l.Flag != "LP" {
		t.Fatalf("%+v %v", l, err)
	}
	if _, err := ParseLink(enc(`{"url":"https://a.example/x","key":` + key + `,"flag":"PU"}`)); !errors.Is(err, ErrLink) {
		t.Fatalf("P with U: %v", err)
	}
	l, err = ParseLink(enc(`{"url":"https://a.example/x","key":` + key + `,"v":2}`))
	if err != nil || !errors.Is(l.Openable(time.Now()), ErrUnsupportedLink) {
		t.Fatalf("v2: %+v %v", l, err)
	}
	if _, err := (Link{URL: "https://a.example/x", Key: seqKey(0), Flag: "PL"}).Encode(""); !errors.Is(err, ErrLink) {
		t.Fatalf("flags out of order must not be written: %v", err)
	}
}

// Another JOSE implementation (go-jose) reads what Backpack encrypts, and
// Backpack reads what it encrypts, compressed or not: a Backpack link opens
// in viewers built on a JOSE library, and theirs open in Backpack.
func TestJWEInteropWithGoJose(t *testing.T) {
	key := NewKey()
	plain := []byte(strings.Repeat(`{"resourceType":"Bundle","type":"collection"}`, 50))

	ours, err := EncryptJWE(key, plain, ContentTypeFHIR)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseEncrypted(ours, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatal(err)
	}
	got, err := obj.Decrypt(key)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("go-jose decrypt: %v", err)
	}
	if obj.Header.ExtraHeaders["cty"] != ContentTypeFHIR {
		t.Fatalf("cty %v", obj.Header.ExtraHeaders)
	}

	for _, zip := range []jose.CompressionAlgorithm{jose.NONE, jose.DEFLATE} {
		enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key},
			(&jose.EncrypterOptions{Compression: zip}).WithContentType(ContentTypeSHC))
		if err != nil {
			t.Fatal(err)
		}
		o, err := enc.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		theirs, _ := o.CompactSerialize()
		got, err := DecryptJWE(key, theirs)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("zip %q: %v", zip, err)
		}
	}
}

// raw DEFLATE as the specification means it (no zlib header) is what
// DecryptJWE inflates.
func TestJWERawDeflate(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write([]byte("hello hello hello"))
	fw.Close()
	if _, err := inflate(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}
