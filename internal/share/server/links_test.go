//go:build !(js && wasm)

package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"backpack/internal/share"
)

// newLink makes a manifest link holding plain (as application/fhir+json)
// and returns it as a share.Link (with "L", and "P" when passcode is set)
// and its manage token.
func (e *env) newLink(plain, passcode string, ttl int64) (share.Link, string) {
	e.t.Helper()
	key := share.NewKey()
	jwe, err := share.EncryptJWE(key, []byte(plain), share.ContentTypeFHIR)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := json.Marshal(share.NewLink{Files: []share.LinkFile{{ContentType: share.ContentTypeFHIR, JWE: jwe}}, Passcode: passcode, TTL: ttl})
	r := e.do(nil, "POST", share.LinkPath, bytes.NewReader(body), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c share.Created
	if err := json.Unmarshal(r.body, &c); err != nil {
		e.t.Fatal(err)
	}
	if !share.ValidLinkID(c.ID) {
		e.t.Fatalf("id %q", c.ID)
	}
	flag := "L"
	if passcode != "" {
		flag = "LP"
	}
	l := share.Link{URL: e.srv.URL + share.LinkPath + "/" + c.ID, Key: key, Exp: c.Expires, Flag: flag}
	if _, err := l.Encode(e.srv.URL); err != nil {
		e.t.Fatalf("the link does not make a valid SHLink: %v", err)
	}
	return l, c.ManageToken
}

func (e *env) doer() share.Doer { return share.HTTPDoer(e.client) }

// A manifest link over real HTTP: the manifest request, a file at its
// location (application/jose, CORS open), the same file embedded when
// asked, and a location that stops working after LocationTTL.
func TestManifestLink(t *testing.T) {
	e := newEnv(t, Config{})
	l, _ := e.newLink(`{"resourceType":"Bundle","type":"collection"}`, "", 0)
	ctx := context.Background()

	files, err := share.Open(ctx, e.doer(), l, "Dr. Rivera", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].ContentType != share.ContentTypeFHIR || string(files[0].Data) != `{"resourceType":"Bundle","type":"collection"}` {
		t.Fatalf("%+v", files)
	}

	r := e.do(nil, "POST", share.LinkPath+"/"+id(l), strings.NewReader(`{"recipient":"Dr. Rivera"}`), "Content-Type", "application/json")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("manifest: %d %v", r.status, r.header)
	}
	var m share.Manifest
	json.Unmarshal(r.body, &m)
	if len(m.Files) != 1 || m.Files[0].Location == "" || m.Files[0].Embedded != "" || m.Files[0].LastUpdated == "" {
		t.Fatalf("manifest %s", r.body)
	}
	loc := strings.TrimPrefix(m.Files[0].Location, e.srv.URL)
	f := e.do(nil, "GET", loc, nil)
	if f.status != 200 || f.header.Get("Content-Type") != "application/jose" || !share.LooksLikeJWE(f.body) {
		t.Fatalf("location: %d %v", f.status, f.header)
	}
	// Tampered tickets and expired ones are refused.
	if r := e.do(nil, "GET", loc[:len(loc)-2]+"xx", nil); r.status != 404 {
		t.Fatalf("tampered ticket: %d", r.status)
	}
	e.clk.Add(share.LocationTTL + time.Second)
	if r := e.do(nil, "GET", loc, nil); r.status != 404 {
		t.Fatalf("expired location: %d", r.status)
	}

	m2, err := share.FetchManifest(ctx, e.doer(), l, "Dr. Rivera", "", 1<<20)
	if err != nil || len(m2.Files) != 1 || !share.LooksLikeJWE([]byte(m2.Files[0].Embedded)) {
		t.Fatalf("embedded: %+v %v", m2, err)
	}
	if m3, err := share.FetchManifest(ctx, e.doer(), l, "Dr. Rivera", "", 10); err != nil || m3.Files[0].Location == "" {
		t.Fatalf("embeddedLengthMax smaller than the file: %+v %v", m3, err)
	}

	// A viewer on another origin may ask (CORS preflight).
	pre := e.do(nil, "OPTIONS", share.LinkPath+"/"+id(l), nil, "Origin", "https://viewer.example", "Access-Control-Request-Method", "POST")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	// A manifest request without a recipient is not one.
	if r := e.do(nil, "POST", share.LinkPath+"/"+id(l), strings.NewReader(`{}`), "Content-Type", "application/json"); r.status != 400 {
		t.Fatalf("no recipient: %d", r.status)
	}
}

func id(l share.Link) string { return l.URL[strings.LastIndexByte(l.URL, '/')+1:] }

// The passcode is checked by the server over real HTTP: a wrong one is
// 401 {"remainingAttempts": n}; the count holds over the link's life (a
// right passcode does not reset it) and across a restart; with none left
// the link is gone (404) even for the right passcode. The server stores no
// passcode, only its hash.
func TestPasscodeLockout(t *testing.T) {
	e := newEnv(t, Config{Links: LinkConfig{Attempts: 3}})
	l, tok := e.newLink(`{"resourceType":"Patient"}`, "tulip-42", 0)
	ctx := context.Background()

	if _, err := share.Open(ctx, e.doer(), l, "ER", "tulip-42"); err != nil {
		t.Fatal(err)
	}
	r := e.do(nil, "POST", share.LinkPath+"/"+id(l), strings.NewReader(`{"recipient":"ER"}`), "Content-Type", "application/json")
	if r.status != 401 || strings.TrimSpace(string(r.body)) != `{"remainingAttempts":3}` {
		t.Fatalf("no passcode: %d %s", r.status, r.body)
	}
	for want := 2; want >= 1; want-- {
		_, err := share.Open(ctx, e.doer(), l, "ER", "guess")
		var pe *share.PasscodeError
		if !errors.As(err, &pe) || pe.Remaining != want {
			t.Fatalf("wrong passcode: %v, want %d left", err, want)
		}
	}
	if _, err := share.Open(ctx, e.doer(), l, "ER", "tulip-42"); err != nil {
		t.Fatalf("right passcode after two wrong ones: %v", err)
	}

	// The count survives a restart; nothing on disk holds the passcode.
	e.srv.Close()
	e.svc.Close()
	for name, b := range readDir(t, filepath.Join(e.dir, linkDir)) {
		if bytes.Contains(b, []byte("tulip-42")) {
			t.Fatalf("%s holds the passcode", name)
		}
	}
	e2 := newEnv(t, Config{Dir: e.dir, Now: e.clk.Now, Links: LinkConfig{Attempts: 3}})
	l.URL = e2.srv.URL + share.LinkPath + "/" + id(l)
	_, err := share.Open(ctx, e2.doer(), l, "ER", "guess")
	var pe *share.PasscodeError
	if !errors.As(err, &pe) || pe.Remaining != 0 {
		t.Fatalf("last attempt after restart: %v", err)
	}
	if _, err := share.Open(ctx, e2.doer(), l, "ER", "tulip-42"); share.MessageKey(err) != "share.err.notfound" {
		t.Fatalf("locked link with the right passcode: %v", err)
	}
	// The owner sees why.
	st := e2.do(nil, "GET", share.LinkPath+"/"+id(l), nil, "Authorization", "Bearer "+tok)
	var s share.LinkStatus
	if st.status != 200 || json.Unmarshal(st.body, &s) != nil || !s.Disabled || !s.Passcode || s.RemainingAttempts != 0 {
		t.Fatalf("status %d %s", st.status, st.body)
	}
	if e2.svc.Stats().WrongPass != 1 {
		t.Fatalf("stats %+v", e2.svc.Stats())
	}
}

func readDir(t testing.TB, dir string) map[string][]byte {
	m := map[string][]byte{}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		m[e.Name()] = b
	}
	return m
}

// Parallel guesses cannot beat the budget: one is checked at a time per
// link, the others are turned away (429), and never more wrong passcodes
// are counted than the link allows.
func TestPasscodeParallelGuesses(t *testing.T) {
	e := newEnv(t, Config{Links: LinkConfig{Attempts: 5}, RateLimit: RateLimit{RequestsPerMinute: -1}})
	l, tok := e.newLink(`{}`, "right", 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clientFrom(t, "127.0.0.1")
			body := `{"recipient":"x","passcode":"wrong` + string(rune('a'+i%26)) + `"}`
			req, _ := http.NewRequest("POST", l.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[401] > 5 || codes[401]+codes[429]+codes[404] != 40 {
		t.Fatalf("answers %v", codes)
	}
	st := e.do(nil, "GET", share.LinkPath+"/"+id(l), nil, "Authorization", "Bearer "+tok)
	var s share.LinkStatus
	json.Unmarshal(st.body, &s)
	if s.RemainingAttempts != 5-codes[401] && !(codes[401] == 5 && s.RemainingAttempts == 0) {
		t.Fatalf("remaining %d after %v", s.RemainingAttempts, codes)
	}
}

// "L": the owner replaces the files, the same link then serves the new
// version, and a location handed out for the old one stops working.
// Only the manage token may update, read the status or revoke.
func TestLivingLinkUpdateAndRevoke(t *testing.T) {
	e := newEnv(t, Config{})
	l, tok := e.newLink(`{"v":1}`, "", 0)
	ctx := context.Background()
	m, _ := share.FetchManifest(ctx, e.doer(), l, "x", "", 0)
	oldLoc := strings.TrimPrefix(m.Files[0].Location, e.srv.URL)

	jwe, _ := share.EncryptJWE(l.Key, []byte(`{"v":2}`), share.ContentTypeFHIR)
	body, _ := json.Marshal(share.LinkUpdate{Files: []share.LinkFile{{ContentType: share.ContentTypeFHIR, JWE: jwe}}})
	if r := e.do(nil, "PUT", share.LinkPath+"/"+id(l), bytes.NewReader(body), "Authorization", "Bearer wrong"); r.status != 403 {
		t.Fatalf("update with a wrong token: %d", r.status)
	}
	e.clk.Add(time.Minute)
	r := e.do(nil, "PUT", share.LinkPath+"/"+id(l), bytes.NewReader(body), "Authorization", "Bearer "+tok)
	var st share.LinkStatus
	if r.status != 200 || json.Unmarshal(r.body, &st) != nil || !st.Updated.Equal(e.clk.Now().Truncate(time.Second)) {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	files, err := share.Open(ctx, e.doer(), l, "x", "")
	if err != nil || string(files[0].Data) != `{"v":2}` {
		t.Fatalf("after update: %v %v", files, err)
	}
	if r := e.do(nil, "GET", oldLoc, nil); r.status != 404 {
		t.Fatalf("old version's location: %d", r.status)
	}
	// Exactly one version's files are on disk.
	n := 0
	for name := range readDir(t, filepath.Join(e.dir, linkDir)) {
		if strings.HasSuffix(name, ".jwe") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d .jwe files", n)
	}
	// Bad uploads: not a JWE, a content type the specification does not name.
	for _, f := range []share.LinkFile{{ContentType: share.ContentTypeFHIR, JWE: "plain text"}, {ContentType: "text/html", JWE: jwe}} {
		b, _ := json.Marshal(share.LinkUpdate{Files: []share.LinkFile{f}})
		if r := e.do(nil, "PUT", share.LinkPath+"/"+id(l), bytes.NewReader(b), "Authorization", "Bearer "+tok); r.status != 400 {
			t.Fatalf("bad file %q: %d", f.ContentType, r.status)
		}
	}

	if r := e.do(nil, "DELETE", share.LinkPath+"/"+id(l), nil, "Authorization", "Bearer x"); r.status != 403 {
		t.Fatalf("revoke with a wrong token: %d", r.status)
	}
	if r := e.do(nil, "DELETE", share.LinkPath+"/"+id(l), nil, "Authorization", "Bearer "+tok); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	if _, err := share.Open(ctx, e.doer(), l, "x", ""); share.MessageKey(err) != "share.err.notfound" {
		t.Fatalf("revoked: %v", err)
	}
	if left := readDir(t, filepath.Join(e.dir, linkDir)); len(left) != 1 { // the ticket key
		t.Fatalf("left on disk: %v", len(left))
	}
}

// A wallet card's link lives long (years), capped by the server; expired
// links are swept with their files.
func TestLinkLifetime(t *testing.T) {
	e := newEnv(t, Config{Links: LinkConfig{MaxTTL: 365 * 24 * time.Hour}})
	l, _ := e.newLink(`{}`, "", int64((5 * 365 * 24 * time.Hour).Seconds()))
	if got := l.Exp.Sub(e.clk.Now()); got != 365*24*time.Hour {
		t.Fatalf("lifetime %v", got)
	}
	e.clk.Add(366 * 24 * time.Hour)
	if n := e.svc.Sweep(); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if _, err := share.Open(context.Background(), e.doer(), l, "x", ""); share.MessageKey(err) != "share.err.notfound" {
		t.Fatalf("expired: %v", err)
	}
	if left := readDir(t, filepath.Join(e.dir, linkDir)); len(left) != 1 {
		t.Fatalf("left on disk: %d", len(left))
	}
}

// Ids that are not canonical never reach the disk.
func TestLinkBadIDs(t *testing.T) {
	e := newEnv(t, Config{})
	l, _ := e.newLink(`{}`, "", 0)
	good := id(l)
	for _, p := range []string{
		good[:42], good + "A", strings.ToUpper(good[:1]) + good[1:] + "/x", "..%2F..%2Fsecret", good + "/file/0", good + "/file/x?t=1.1.a",
		strings.Repeat("A", 42) + "B", // non-canonical last character
	} {
		r := e.do(nil, "POST", share.LinkPath+"/"+p, strings.NewReader(`{"recipient":"x"}`), "Content-Type", "application/json")
		if r.status != 404 && r.status != 405 {
			t.Errorf("%q: %d", p, r.status)
		}
	}
}

// Another viewer opens a Backpack link: written from the specification
// only (JSON by hand, net/http, go-jose for the JWE), not with Backpack's
// client. The link decodes as the specification says, the manifest request
// is a plain JSON POST, the location answers application/jose, and the JWE
// carries its cty.
func TestOtherViewerOpensBackpackLink(t *testing.T) {
	e := newEnv(t, Config{})
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[]}`
	l, _ := e.newLink(bundle, "1234", 0)
	text, err := l.Encode(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, frag, _ := strings.Cut(text, "#")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(frag, "shlink:/"))
	if err != nil {
		t.Fatal(err)
	}
	var payload struct {
		URL  string `json:"url"`
		Key  string `json:"key"`
		Flag string `json:"flag"`
		Exp  int64  `json:"exp"`
	}
	if err := json.Unmarshal(raw, &payload); err != nil || len(payload.Key) != 43 || payload.Flag != "LP" || len(payload.URL) > 128 || payload.Exp == 0 {
		t.Fatalf("payload %s: %v", raw, err)
	}
	req, _ := http.NewRequest("POST", payload.URL, strings.NewReader(`{"recipient":"Other viewer","passcode":"1234"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []struct{ ContentType, Location, Embedded string }
	}
	json.NewDecoder(res.Body).Decode(&m)
	res.Body.Close()
	if res.StatusCode != 200 || len(m.Files) != 1 || m.Files[0].ContentType != "application/fhir+json" || m.Files[0].Location == "" {
		t.Fatalf("manifest %d %+v", res.StatusCode, m)
	}
	res, err = e.client.Get(m.Files[0].Location)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "application/jose" {
		t.Fatalf("location content type %q", res.Header.Get("Content-Type"))
	}
	obj, err := jose.ParseEncrypted(string(body), []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := base64.RawURLEncoding.DecodeString(payload.Key)
	plain, err := obj.Decrypt(key)
	if err != nil || string(plain) != bundle || obj.Header.ExtraHeaders["cty"] != "application/fhir+json" {
		t.Fatalf("decrypt: %v %q %v", err, plain, obj.Header.ExtraHeaders)
	}
}

// A manifest request with a passcode, over loopback: the cost of the
// server's Argon2id check (one request at a time).
func BenchmarkManifestWithPasscode(b *testing.B) {
	e := newEnv(b, Config{RateLimit: RateLimit{RequestsPerMinute: -1}})
	l, _ := e.newLink(`{}`, "right-one", 0)
	do := e.doer()
	for b.Loop() {
		if _, err := share.FetchManifest(context.Background(), do, l, "bench", "right-one", 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// Manifest links count against the same storage cap as direct shares.
func TestLinkStorageFull(t *testing.T) {
	e := newEnv(t, Config{MaxTotalBytes: 4096})
	jwe, _ := share.EncryptJWE(share.NewKey(), bytes.Repeat([]byte("x"), 5000), share.ContentTypeFHIR)
	body, _ := json.Marshal(share.NewLink{Files: []share.LinkFile{{ContentType: share.ContentTypeFHIR, JWE: jwe}}})
	if r := e.do(nil, "POST", share.LinkPath, bytes.NewReader(body)); r.status != http.StatusInsufficientStorage {
		t.Fatalf("over the cap: %d %s", r.status, r.body)
	}
	e.newLink(`{}`, "", 0) // a small one fits
	if st := e.svc.Stats(); st.Links != 1 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
}
