package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"backpack/internal/qr"
	"backpack/internal/share"
)

// clock is a fake time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

type env struct {
	t      testing.TB
	svc    *Service
	srv    *httptest.Server
	clk    *clock
	root   string // parent of Dir: must never change
	dir    string
	logs   *syncBuffer
	client *http.Client // from 127.0.0.1
}

// newEnv starts the service behind a real loopback HTTP server, mounted the
// way internal/server mounts it (mux.Handle("/api/", h)).
func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	e := &env{t: t, clk: &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}, logs: &syncBuffer{}}
	e.root = t.TempDir()
	e.dir = filepath.Join(e.root, "data")
	if err := os.WriteFile(filepath.Join(e.root, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg.Dir == "" {
		cfg.Dir = e.dir
	}
	if cfg.Now == nil {
		cfg.Now = e.clk.Now
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = -1
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	mux := http.NewServeMux()
	mux.Handle("/api/", svc)
	e.srv = httptest.NewServer(mux)
	e.client = clientFrom(t, "127.0.0.1")
	t.Cleanup(func() {
		e.srv.Close()
		svc.Close()
	})
	return e
}

// clientFrom returns an HTTP client whose connections come from ip (any
// 127.0.0.0/8 address works on Linux loopback).
func clientFrom(t testing.TB, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
	}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(c *http.Client, method, path string, body io.Reader, hdr ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = e.client
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) upload(body []byte, hdr ...string) share.Created {
	e.t.Helper()
	r := e.do(nil, "POST", "/api/share", bytes.NewReader(body), hdr...)
	if r.status != http.StatusCreated {
		e.t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var c share.Created
	if err := json.Unmarshal(r.body, &c); err != nil {
		e.t.Fatal(err)
	}
	if r.header.Get("Location") != "/api/share/"+c.ID {
		e.t.Fatalf("Location %q", r.header.Get("Location"))
	}
	return c
}

// files lists every file under root with its size, to prove nothing outside
// Dir changes.
func files(t testing.TB, root string) map[string]int64 {
	m := map[string]int64{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			st, _ := d.Info()
			m[p] = st.Size()
		}
		return nil
	})
	return m
}

func (e *env) outside() map[string]int64 {
	m := files(e.t, e.root)
	for p := range m {
		if strings.HasPrefix(p, e.dir+string(filepath.Separator)) {
			delete(m, p)
		}
	}
	return m
}

func jwe(t *testing.T, n int) []byte {
	c, err := share.EncryptJWE(share.NewKey(), bytes.Repeat([]byte("x"), n), "application/fhir+json")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(c)
}

func TestUploadGetRevoke(t *testing.T) {
	e := newEnv(t, Config{})
	body := jwe(t, 5000)
	c := e.upload(body)
	if _, err := ParseID(c.ID); err != nil {
		t.Fatalf("id %q: %v", c.ID, err)
	}
	if len(c.ManageToken) < 40 {
		t.Fatalf("manage token too short: %d", len(c.ManageToken))
	}
	if want := e.clk.Now().Add(24 * time.Hour); !c.Expires.Equal(want) {
		t.Fatalf("expires %v, want %v", c.Expires, want)
	}

	r := e.do(nil, "GET", "/api/share/"+c.ID, nil)
	if r.status != 200 || !bytes.Equal(r.body, body) {
		t.Fatalf("get: %d, %d bytes", r.status, len(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/jose" {
		t.Fatalf("content type %q", ct)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatal("cacheable")
	}
	if h := e.do(nil, "HEAD", "/api/share/"+c.ID, nil); h.status != 200 || len(h.body) != 0 || h.header.Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Fatalf("head: %d %v", h.status, h.header)
	}

	// The disk holds the body and the token's hash, never the token.
	raw, err := os.ReadFile(filepath.Join(e.dir, c.ID+".share"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(c.ManageToken)) || !bytes.HasSuffix(raw, body) {
		t.Fatal("stored file holds the token or lost the body")
	}

	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Basic " + c.ManageToken, "Bearer " + c.ManageToken + "x", "Bearer " + strings.Repeat("a", 5000)} {
		if r := e.do(nil, "DELETE", "/api/share/"+c.ID, nil, "Authorization", auth); r.status != http.StatusForbidden {
			t.Fatalf("auth %.20q: %d", auth, r.status)
		}
	}
	if r := e.do(nil, "DELETE", "/api/share/"+c.ID, nil, "Authorization", "bearer "+c.ManageToken); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.do(nil, "GET", "/api/share/"+c.ID, nil); r.status != 404 {
		t.Fatalf("after revoke: %d", r.status)
	}
	if r := e.do(nil, "DELETE", "/api/share/"+c.ID, nil, "Authorization", "Bearer "+c.ManageToken); r.status != 404 {
		t.Fatalf("second revoke: %d", r.status)
	}
	if len(files(t, e.dir)) != 0 {
		t.Fatalf("files left: %v", files(t, e.dir))
	}
	st := e.svc.Stats()
	if st.Created != 1 || st.Revoked != 1 || st.Served != 1 || st.Items != 0 || st.Bytes != 0 || st.Forbidden != 7 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOpaqueUploadServedAsBinary(t *testing.T) {
	e := newEnv(t, Config{})
	body := []byte("\x00\x01 not a JWE \xff<script>")
	c := e.upload(body, "Content-Type", "text/html")
	r := e.do(nil, "GET", "/api/share/"+c.ID, nil)
	if r.status != 200 || !bytes.Equal(r.body, body) || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("%d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
}

func TestTTL(t *testing.T) {
	e := newEnv(t, Config{MaxTTL: 48 * time.Hour})
	now := e.clk.Now()
	if c := e.upload([]byte("a"), "Backpack-Share-TTL", "3600"); !c.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("header ttl: %v", c.Expires)
	}
	r := e.do(nil, "POST", "/api/share?ttl=120", strings.NewReader("a"))
	var c share.Created
	json.Unmarshal(r.body, &c)
	if r.status != 201 || !c.Expires.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("query ttl: %d %v", r.status, c.Expires)
	}
	for _, bad := range []string{"0", "-5", "59", "abc", "1e9", "172801", "99999999999999999999", "3600.5", " 60"} {
		r := e.do(nil, "POST", "/api/share?ttl="+strings.ReplaceAll(bad, " ", "%20"), strings.NewReader("a"))
		if r.status != 400 {
			t.Errorf("ttl %q: %d", bad, r.status)
		}
	}
	if r := e.do(nil, "POST", "/api/share?ttl=172800", strings.NewReader("a")); r.status != 201 {
		t.Fatalf("max ttl: %d", r.status)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.upload([]byte("a"), "Backpack-Share-TTL", "60")
	b := e.upload([]byte("b"), "Backpack-Share-TTL", "60")
	keep := e.upload([]byte("c"), "Backpack-Share-TTL", "3600")
	e.clk.Add(59 * time.Second)
	if r := e.do(nil, "GET", "/api/share/"+a.ID, nil); r.status != 200 {
		t.Fatalf("before expiry: %d", r.status)
	}
	e.clk.Add(time.Second)
	expired := e.do(nil, "GET", "/api/share/"+a.ID, nil)
	unknown := e.do(nil, "GET", "/api/share/"+NewID().String(), nil)
	if expired.status != 404 || !bytes.Equal(expired.body, unknown.body) || expired.header.Get("Content-Type") != unknown.header.Get("Content-Type") {
		t.Fatalf("expired %d %q vs unknown %d %q", expired.status, expired.body, unknown.status, unknown.body)
	}
	// Looking at the expired share deleted it; b waits for the sweeper.
	if _, err := os.Stat(filepath.Join(e.dir, a.ID+".share")); !os.IsNotExist(err) {
		t.Fatal("lazily expired file still on disk")
	}
	if _, err := os.Stat(filepath.Join(e.dir, b.ID+".share")); err != nil {
		t.Fatal(err)
	}
	if n := e.svc.Sweep(); n != 1 {
		t.Fatalf("sweep removed %d", n)
	}
	if _, err := os.Stat(filepath.Join(e.dir, b.ID+".share")); !os.IsNotExist(err) {
		t.Fatal("swept file still on disk")
	}
	if r := e.do(nil, "DELETE", "/api/share/"+b.ID, nil, "Authorization", "Bearer "+b.ManageToken); r.status != 404 {
		t.Fatalf("revoke expired: %d", r.status)
	}
	if r := e.do(nil, "GET", "/api/share/"+keep.ID, nil); r.status != 200 {
		t.Fatalf("live share: %d", r.status)
	}
	if st := e.svc.Stats(); st.Expired != 2 || st.Items != 1 {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(e.logs.String(), "removed=1") {
		t.Fatalf("sweep not logged: %s", e.logs.String())
	}
}

func TestBackgroundSweeper(t *testing.T) {
	e := newEnv(t, Config{SweepEvery: 5 * time.Millisecond})
	c := e.upload([]byte("a"), "Backpack-Share-TTL", "60")
	e.clk.Add(time.Hour)
	path := filepath.Join(e.dir, c.ID+".share")
	for i := 0; i < 400; i++ { // ≤ 2 s
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("sweeper did not delete the expired share")
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	e.svc.Close() // twice is fine
}

func TestRestartKeepsShares(t *testing.T) {
	e := newEnv(t, Config{})
	live := e.upload([]byte("live"), "Backpack-Share-TTL", "7200")
	old := e.upload([]byte("old"), "Backpack-Share-TTL", "60")
	os.WriteFile(filepath.Join(e.dir, ".tmp-123"), []byte("half an upload"), 0o600)
	os.WriteFile(filepath.Join(e.dir, "README"), []byte("not ours"), 0o600)
	os.WriteFile(filepath.Join(e.dir, NewID().String()+".share"), []byte("garbage header"), 0o600)
	e.svc.Close()

	e.clk.Add(time.Hour)
	svc, err := New(Config{Dir: e.dir, Now: e.clk.Now, SweepEvery: -1, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	get := func(id string) int {
		res, err := http.Get(srv.URL + "/api/share/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if get(live.ID) != 200 || get(old.ID) != 404 {
		t.Fatal("restart lost a live share or kept an expired one")
	}
	if _, err := os.Stat(filepath.Join(e.dir, old.ID+".share")); !os.IsNotExist(err) {
		t.Fatal("expired file kept at start-up")
	}
	if _, err := os.Stat(filepath.Join(e.dir, ".tmp-123")); !os.IsNotExist(err) {
		t.Fatal("temporary file kept at start-up")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "README")); err != nil {
		t.Fatal("foreign file removed")
	}
	if st := svc.Stats(); st.Items != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The revoke token still works after the restart.
	req, _ := http.NewRequest("DELETE", srv.URL+"/api/share/"+live.ID, nil)
	req.Header.Set("Authorization", "Bearer "+live.ManageToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("revoke after restart: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
}

func TestOversize(t *testing.T) {
	e := newEnv(t, Config{MaxBytes: 1024})
	before := e.outside()
	if r := e.do(nil, "POST", "/api/share", bytes.NewReader(make([]byte, 1025))); r.status != 413 {
		t.Fatalf("content-length over: %d", r.status)
	}
	// Chunked (no Content-Length): caught while reading.
	if r := e.do(nil, "POST", "/api/share", io.MultiReader(bytes.NewReader(make([]byte, 3000)))); r.status != 413 {
		t.Fatalf("chunked over: %d %s", r.status, r.body)
	}
	if r := e.do(nil, "POST", "/api/share", io.MultiReader(strings.NewReader(""))); r.status != 400 {
		t.Fatalf("empty chunked: %d", r.status)
	}
	if r := e.do(nil, "POST", "/api/share", nil); r.status != 400 {
		t.Fatalf("empty: %d", r.status)
	}
	e.upload(make([]byte, 1024))
	if n := len(files(t, e.dir)); n != 1 {
		t.Fatalf("%d files in Dir, want 1 (no temporary leftovers)", n)
	}
	if fmt.Sprint(e.outside()) != fmt.Sprint(before) {
		t.Fatal("files outside Dir changed")
	}
	if e.svc.Stats().TooLarge != 2 {
		t.Fatalf("stats %+v", e.svc.Stats())
	}
}

// A client that promises more bytes than it sends stores nothing.
func TestTruncatedUpload(t *testing.T) {
	e := newEnv(t, Config{})
	for _, n := range []int{10, 10000} {
		c, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/share HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s", n+100, strings.Repeat("x", n))
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
		c.Close()
	}
	for i := 0; i < 100 && e.svc.Stats().Items == 0; i++ {
		time.Sleep(5 * time.Millisecond) // let the handler finish
	}
	if st := e.svc.Stats(); st.Items != 0 || st.Created != 0 {
		t.Fatalf("truncated upload stored: %+v", st)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(files(t, e.dir)); n != 0 {
		t.Fatalf("%d files left", n)
	}
}

// raw sends one request exactly as written, bypassing every client-side
// path cleaning, and returns the status.
func raw(t *testing.T, addr, method, target string, hdr ...string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n", method, target)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(c, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	fmt.Fprint(c, "\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", target, err)
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	res.Body.Close()
	return res.StatusCode, string(b)
}

func TestBadIDsAndPathTricks(t *testing.T) {
	// The handler straight on the listener: no ServeMux cleaning in front.
	e := newEnv(t, Config{RateLimit: RateLimit{RequestsPerMinute: -1}})
	direct := httptest.NewServer(e.svc)
	defer direct.Close()
	c := e.upload([]byte("keep me"))
	os.WriteFile(filepath.Join(e.root, "x.share"), []byte("outside"), 0o600)
	before, inside := e.outside(), files(t, e.dir)

	valid := c.ID
	upper := strings.ToUpper(valid)
	targets := []string{
		"/api/share/abc",
		"/api/share/" + valid[:25],
		"/api/share/" + valid + "a",
		"/api/share/" + upper,
		"/api/share/" + valid[:25] + "1",
		"/api/share/" + valid[:25] + "=",
		"/api/share/" + valid + "%00",
		"/api/share/%00",
		"/api/share/" + valid + "/",
		"/api/share/" + valid + "/x",
		"/api/share/" + valid + ".share",
		"/api/share/../../etc/passwd",
		"/api/share/../secret",
		"/api/share/..%2F..%2Fetc%2Fpasswd",
		"/api/share/..%2fsecret",
		"/api/share/%2e%2e%2fsecret",
		"/api/share/%2e%2e%2f%2e%2e%2fx",
		"/api/share/..\\secret",
		"/api/share//etc/passwd",
		"/api/share/" + strings.Repeat("a", 4000),
		"/api/share/x%2F" + valid,
		"/api/shares/" + valid,
		"/api/sharex",
		"/api/share/" + NewID().String(), // well formed, unknown
	}
	for _, srv := range []struct {
		url      string
		redirect bool // the outer ServeMux redirects ".." and "//" paths to their clean form
	}{{e.srv.URL, true}, {direct.URL, false}} {
		for _, target := range targets {
			for _, m := range []string{"GET", "DELETE"} {
				status, body := raw(t, strings.TrimPrefix(srv.url, "http://"), m, target, "Authorization", "Bearer "+c.ManageToken)
				// 404 from us; 400 from net/http for unparsable request lines.
				if status != 404 && status != 400 && !(srv.redirect && status == 307) {
					t.Errorf("%s %s: %d %s", m, target, status, body)
				}
			}
		}
	}
	if fmt.Sprint(e.outside()) != fmt.Sprint(before) {
		t.Fatal("files outside Dir changed")
	}
	if fmt.Sprint(files(t, e.dir)) != fmt.Sprint(inside) {
		t.Fatal("files inside Dir changed")
	}
	if r := e.do(nil, "GET", "/api/share/"+c.ID, nil); r.status != 200 {
		t.Fatal("share lost")
	}
}

func TestMethods(t *testing.T) {
	e := newEnv(t, Config{})
	id := NewID().String()
	for _, tt := range []struct{ method, path, allow string }{
		{"GET", "/api/share", "POST"},
		{"PUT", "/api/share", "POST"},
		{"DELETE", "/api/share/", "POST"},
		{"POST", "/api/share/" + id, "GET, HEAD, DELETE"},
		{"PUT", "/api/share/" + id, "GET, HEAD, DELETE"},
		{"OPTIONS", "/api/share/" + id, "GET, HEAD, DELETE"},
	} {
		r := e.do(nil, tt.method, tt.path, strings.NewReader("x"))
		if r.status != 405 || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d allow %q", tt.method, tt.path, r.status, r.header.Get("Allow"))
		}
	}
	if r := e.do(nil, "POST", "/api/share/", strings.NewReader("x")); r.status != 201 {
		t.Fatalf("POST with slash: %d", r.status)
	}
}

func TestFloodIsolatesClients(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{RequestsPerMinute: 30}})
	other := clientFrom(t, "127.0.0.2")
	if _, err := other.Get(e.srv.URL + "/api/share/x"); err != nil {
		t.Skipf("cannot connect from 127.0.0.2: %v", err)
	}
	e.clk.Add(time.Hour) // refill what the probe used

	var ok, limited int
	var retry string
	for i := 0; i < 100; i++ {
		r := e.do(nil, "GET", "/api/share/"+NewID().String(), nil)
		switch r.status {
		case 404:
			ok++
		case 429:
			limited++
			retry = r.header.Get("Retry-After")
		default:
			t.Fatalf("flood: %d", r.status)
		}
	}
	if ok != 30 || limited != 70 || retry != "2" {
		t.Fatalf("flood: %d through, %d limited, Retry-After %q", ok, limited, retry)
	}
	// Another client is unaffected.
	c := e.do(other, "POST", "/api/share", strings.NewReader("from b"))
	if c.status != 201 {
		t.Fatalf("other client: %d", c.status)
	}
	// After Retry-After, the first client gets one more request.
	e.clk.Add(2 * time.Second)
	if r := e.do(nil, "GET", "/api/share/x", nil); r.status != 404 {
		t.Fatalf("after wait: %d", r.status)
	}
	if st := e.svc.Stats(); st.RateLimited != 70 {
		t.Fatalf("stats %+v", st)
	}
}

func TestByteBudget(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{BytesPerHour: 10000}})
	c := e.upload(make([]byte, 6000))
	if r := e.do(nil, "POST", "/api/share", bytes.NewReader(make([]byte, 6000))); r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("over byte budget: %d", r.status)
	}
	// Downloads count too.
	if r := e.do(nil, "GET", "/api/share/"+c.ID, nil); r.status != 429 {
		t.Fatalf("download over budget: %d", r.status)
	}
	other := clientFrom(t, "127.0.0.2")
	if r := e.do(other, "GET", "/api/share/"+c.ID, nil); r.status != 200 {
		t.Skipf("other client: %d", r.status)
	}
	e.clk.Add(time.Hour)
	if r := e.do(nil, "GET", "/api/share/"+c.ID, nil); r.status != 200 {
		t.Fatalf("after an hour: %d", r.status)
	}
}

func TestStorageFull(t *testing.T) {
	e := newEnv(t, Config{MaxBytes: 1000, MaxTotalBytes: 5000, RateLimit: RateLimit{RequestsPerMinute: -1}})
	var made []share.Created
	for i := 0; i < 20; i++ {
		r := e.do(nil, "POST", "/api/share", bytes.NewReader(make([]byte, 1000)))
		if r.status == 507 {
			break
		}
		if r.status != 201 {
			t.Fatalf("upload %d: %d", i, r.status)
		}
		var c share.Created
		json.Unmarshal(r.body, &c)
		made = append(made, c)
	}
	if len(made) == 0 || len(made) >= 5 {
		t.Fatalf("%d uploads before full", len(made))
	}
	if st := e.svc.Stats(); st.Bytes > 5000 || st.Full != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Revoking frees space.
	if r := e.do(nil, "DELETE", "/api/share/"+made[0].ID, nil, "Authorization", "Bearer "+made[0].ManageToken); r.status != 204 {
		t.Fatal(r.status)
	}
	e.upload(make([]byte, 1000))
}

func TestBusy(t *testing.T) {
	e := newEnv(t, Config{MaxUploads: 1})
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/share", pr)
		res, err := e.client.Do(req)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	pw.Write([]byte("first part"))
	var r resp
	// Until the first upload holds the slot: on a loaded machine its request
	// can take over a second to arrive.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if r = e.do(clientFrom(t, "127.0.0.1"), "POST", "/api/share", strings.NewReader("second")); r.status == 503 {
			break
		}
		time.Sleep(10 * time.Millisecond)
		e.clk.Add(time.Minute)
	}
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("second upload: %d", r.status)
	}
	pw.Close()
	if s := <-done; s != 201 {
		t.Fatalf("first upload: %d", s)
	}
}

func TestConcurrent(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{RequestsPerMinute: -1}, MaxClientUploads: 8})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				body := []byte(fmt.Sprintf("g%d-%d", g, i))
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/share", bytes.NewReader(body))
				res, err := e.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				var c share.Created
				json.NewDecoder(res.Body).Decode(&c)
				res.Body.Close()
				res, err = e.client.Get(e.srv.URL + "/api/share/" + c.ID)
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !bytes.Equal(got, body) {
					t.Errorf("got %q want %q", got, body)
				}
				req, _ = http.NewRequest("DELETE", e.srv.URL+"/api/share/"+c.ID, nil)
				req.Header.Set("Authorization", "Bearer "+c.ManageToken)
				if res, err = e.client.Do(req); err == nil {
					res.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	if st := e.svc.Stats(); st.Items != 0 || st.Bytes != 0 || st.Created != 80 || st.Revoked != 80 {
		t.Fatalf("stats %+v", st)
	}
}

// Logs carry counts and status only: never ids, tokens or bodies.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t, Config{})
	body := []byte("SECRET-BODY-" + strings.Repeat("z", 100))
	c := e.upload(body, "Backpack-Share-TTL", "60")
	e.do(nil, "GET", "/api/share/"+c.ID, nil)
	e.clk.Add(time.Hour)
	e.svc.Sweep()
	d := e.upload(body)
	e.do(nil, "DELETE", "/api/share/"+d.ID, nil, "Authorization", "Bearer "+d.ManageToken)
	logs := e.logs.String()
	if logs == "" {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{c.ID, c.ManageToken, d.ID, d.ManageToken, "SECRET-BODY"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log holds a secret:\n%s", logs)
		}
	}
}

func TestDisabled(t *testing.T) {
	srv := httptest.NewServer(Disabled())
	defer srv.Close()
	res, err := http.Post(srv.URL+"/api/share", "application/jose", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	err = share.ResponseError(res.StatusCode, b, "")
	if res.StatusCode != 404 || share.MessageKey(err) != "share.err.disabled" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}

// End to end: encrypt, upload, build the link, parse it, download, decrypt.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, Config{})
	key := share.NewKey()
	plain := []byte(`{"resourceType":"Bundle","type":"collection","entry":[]}`)
	c, err := share.EncryptJWE(key, plain, "application/fhir+json")
	if err != nil {
		t.Fatal(err)
	}
	created := e.upload([]byte(c))
	link, err := share.Link{URL: e.srv.URL + "/api/share/" + created.ID, Key: key, Exp: created.Expires, Flag: share.FlagDirect, Label: "For Dr. Rivera"}.Encode(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := share.ParseLink(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Openable(e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := e.client.Get(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	out, err := share.DecryptJWE(l.Key, string(got))
	if err != nil || !bytes.Equal(out, plain) {
		t.Fatalf("%v", err)
	}
	if _, err := qr.SVG(link, "t"); err != nil {
		t.Fatal(err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("empty Dir accepted")
	}
	if _, err := New(Config{Dir: t.TempDir(), Prefix: "api"}); err == nil {
		t.Fatal("relative prefix accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, _, err := Handler(Config{Dir: f}); err == nil {
		t.Fatal("Dir that is a file accepted")
	}
}

// Upload then download 1 MiB over loopback HTTP.
func BenchmarkUploadGet1MiB(b *testing.B) {
	dir := b.TempDir()
	svc, err := New(Config{Dir: dir, SweepEvery: -1, MaxTotalBytes: -1, RateLimit: RateLimit{RequestsPerMinute: -1, BytesPerHour: -1}, Logger: discard()})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	body := bytes.Repeat([]byte("A"), 1<<20)
	b.SetBytes(2 << 20)
	for b.Loop() {
		res, err := http.Post(srv.URL+"/api/share", "application/jose", bytes.NewReader(body))
		if err != nil || res.StatusCode != 201 {
			b.Fatal(err)
		}
		var c share.Created
		json.NewDecoder(res.Body).Decode(&c)
		res.Body.Close()
		res, err = http.Get(srv.URL + "/api/share/" + c.ID)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
