//go:build !wasm

package syncserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	"backpack/internal/syncproto"
	"backpack/internal/syncstore"
	"backpack/internal/syncstore/pgtest"
)

var bg = context.Background()

func sqliteStore(t testing.TB) (syncstore.Store, string) {
	dir := t.TempDir()
	s, err := syncstore.OpenSQLite(bg, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// serve starts the API over s on a real HTTP server.
func serve(t testing.TB, s syncstore.Store, cfg Config) *httptest.Server {
	cfg.Store = s
	api, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(syncproto.Path+"/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func env(id string, ver uint64, ct string) syncproto.Envelope {
	return syncproto.Envelope{ID: []byte(id), Version: ver, Ciphertext: []byte(ct)}
}

func TestTwoDevices(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	a, b := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	info, err := a.create()
	if err != nil {
		t.Fatal(err)
	}
	if info.Devices != 1 || info.Head.Seq != 0 || info.Device != syncproto.DeviceID(a.dev.Public().(ed25519.PublicKey)) {
		t.Fatalf("%+v", info)
	}
	if _, err := a.create(); err != nil { // a second vault of the same device is its own
		t.Fatal(err)
	}
	if err := a.push([]syncproto.Envelope{env("r1", 1, "sealed one"), env("r2", 1, "sealed two")}); err != nil {
		t.Fatal(err)
	}
	if err := a.pair(b); err != nil {
		t.Fatal(err)
	}
	got, err := b.pull()
	if err != nil || len(got) != 2 || string(got[1].Ciphertext) != "sealed two" {
		t.Fatal(got, err)
	}
	if err := b.push([]syncproto.Envelope{{ID: []byte("r1"), Version: 2, Deleted: true}}); err != nil {
		t.Fatal(err)
	}
	// a has not pulled: its push conflicts, then goes through after a pull.
	if err := a.push([]syncproto.Envelope{env("r3", 1, "three")}); codeOf(err) != syncproto.CodeConflict {
		t.Fatal(err)
	}
	if err := a.sync([]syncproto.Envelope{env("r3", 1, "three")}); err != nil {
		t.Fatal(err)
	}
	got, err = b.pull()
	if err != nil || len(got) != 1 || string(got[0].ID) != "r3" || a.chain.Seq != 4 || !bytes.Equal(a.chain.Hash, b.chain.Hash) {
		t.Fatal(got, err)
	}
	// A third device types a short code: only the secret, no vault id.
	c := newDevice(srv.URL, srv.Client())
	secret := []byte("16 base32 chars!")
	if err := a.do("POST", syncproto.EnrollPath(a.id), syncproto.Enroll{EnrollKey: syncproto.EnrollKey(secret).Public().(ed25519.PublicKey)}, nil, true); err != nil {
		t.Fatal(err)
	}
	if err := c.do("POST", syncproto.JoinPath(), syncproto.NewJoin(a.id, secret, c.dev), nil, false); codeOf(err) != syncproto.CodeBadSignature {
		t.Fatal("a join signed for a vault sent to JoinPath:", err)
	}
	if err := c.do("POST", syncproto.JoinPath(), syncproto.NewJoin("", secret, c.dev), &info, false); err != nil || info.Vault != a.id || syncproto.VaultID(info.VaultKey) != a.id {
		t.Fatalf("%+v %v", info, err)
	}
	var devs syncproto.Devices
	if err := b.do("GET", syncproto.DevicesPath(a.id), nil, &devs, true); err != nil || len(devs.Devices) != 3 {
		t.Fatal(devs, err)
	}
	if err := b.do("GET", syncproto.VaultPath(a.id), nil, &info, true); err != nil || info.Head.Seq != 4 || info.Devices != 3 || info.UsedBytes == 0 {
		t.Fatalf("%+v %v", info, err)
	}
}

func TestFilesResume(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{MaxChunk: 1 << 10})
	a, b := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	a.create()
	a.pair(b)
	chunks := [][]byte{bytes.Repeat([]byte{1}, 1000), bytes.Repeat([]byte{2}, 1000), []byte("end")}
	put := func(i int) error {
		return a.do("PUT", syncproto.ChunkPath(a.id, "file-1", i, len(chunks)), chunks[i], nil, true)
	}
	// The upload stops after chunk 0; the status tells what to send again.
	if err := put(0); err != nil {
		t.Fatal(err)
	}
	var st syncproto.FileStatus
	if err := a.do("GET", syncproto.FilePath(a.id, "file-1"), nil, &st, true); err != nil {
		t.Fatal(err)
	}
	missing := st.Missing(len(chunks))
	if st.Complete || len(missing) != 2 {
		t.Fatalf("%+v", st)
	}
	for _, i := range missing {
		if err := put(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := put(1); codeOf(err) != syncproto.CodeExists {
		t.Fatal("complete file rewritten:", err)
	}
	if err := a.do("PUT", syncproto.ChunkPath(a.id, "file-2", 0, 1), make([]byte, 1025), nil, true); codeOf(err) != syncproto.CodeTooLarge {
		t.Fatal("oversized chunk:", err)
	}
	for _, bad := range []string{
		syncproto.ChunkPath(a.id, "file-3", 2, 2), // index beyond total
		syncproto.ChunkPath(a.id, "file-3", 0, 0), // no total
		syncproto.ChunkPath(a.id, "bad.id", 0, 1),
	} {
		if err := a.do("PUT", bad, []byte("x"), nil, true); statusOf(err) != 400 && statusOf(err) != 404 {
			t.Errorf("%s: %v", bad, err)
		}
	}
	for i, want := range chunks {
		var got []byte
		if err := b.do("GET", syncproto.ChunkPath(a.id, "file-1", i, 0), nil, &got, true); err != nil || !bytes.Equal(got, want) {
			t.Fatal(i, err)
		}
	}
	if err := b.do("DELETE", syncproto.FilePath(a.id, "file-1"), nil, nil, true); err != nil {
		t.Fatal(err)
	}
	if err := b.do("GET", syncproto.FilePath(a.id, "file-1"), nil, &st, true); codeOf(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
}

// A replayed or reordered push never applies, even sent byte for byte by
// someone who saw it.
func TestReplayReorder(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	if err := a.push([]syncproto.Envelope{env("r1", 1, "one")}); err != nil {
		t.Fatal(err)
	}
	if err := a.replay(nil); codeOf(err) != syncproto.CodeConflict {
		t.Fatal("replayed push:", err)
	}
	p1 := a.chain.Push(a.vault, []syncproto.Envelope{env("r2", 1, "two")})
	next := *a.chain
	next.Accept(p1, syncproto.PushResult{Head: p1.Head})
	p2 := next.Push(a.vault, []syncproto.Envelope{env("r3", 1, "three")})
	var r syncproto.PushResult
	if err := a.do("POST", syncproto.LogPath(a.id), p2, &r, true); codeOf(err) != syncproto.CodeConflict {
		t.Fatal("reordered push:", err)
	}
	// A push whose envelopes were changed after signing.
	bad := p1
	bad.Envelopes = []syncproto.Envelope{env("r2", 1, "changed")}
	if err := a.do("POST", syncproto.LogPath(a.id), bad, &r, true); codeOf(err) != syncproto.CodeBadChain {
		t.Fatal("altered push:", err)
	}
	// A device without the vault key cannot sign a head.
	_, other, _ := ed25519.GenerateKey(nil)
	forged := a.chain.Push(other, []syncproto.Envelope{env("r2", 1, "two")})
	if err := a.do("POST", syncproto.LogPath(a.id), forged, &r, true); codeOf(err) != syncproto.CodeBadSignature {
		t.Fatal("forged head:", err)
	}
	if err := a.do("POST", syncproto.LogPath(a.id), p1, &r, true); err != nil {
		t.Fatal(err)
	}
	if err := a.do("POST", syncproto.LogPath(a.id), p2, &r, true); err != nil {
		t.Fatal(err)
	}
	c := newDevice(srv.URL, srv.Client())
	c.id, c.chain = a.id, syncproto.NewChain(a.vault.Public().(ed25519.PublicKey))
	c.dev = a.dev
	got, err := c.pull()
	if err != nil || len(got) != 3 {
		t.Fatal(len(got), err)
	}
}

func TestAuth(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	a, b := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	a.create()
	a.push([]syncproto.Envelope{env("r1", 1, "one")})
	a.pair(b)
	unauth := func(name string, err error) {
		t.Helper()
		if codeOf(err) != syncproto.CodeUnauthorized {
			t.Errorf("%s: %v", name, err)
		}
	}
	var p syncproto.Pull
	unauth("unsigned", a.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, false))
	stranger := newDevice(srv.URL, srv.Client())
	stranger.id = a.id
	unauth("unknown device", stranger.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true))
	unauth("unknown vault", a.do("GET", syncproto.PullPath("AAAAAAAAAAAAAAAAAAAAAA", 0, 0), nil, &p, true))
	old := *a
	old.now = func() time.Time { return time.Now().Add(-time.Hour) }
	err := old.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true)
	unauth("stale signature", err)
	var h *httpError
	if !errors.As(err, &h) || h.body.Now < time.Now().Unix()-5 {
		t.Fatal("no server time to correct the clock with:", err)
	}
	offset := h.body.Now - old.now().Unix()
	old.now = func() time.Time { return time.Now().Add(-time.Hour).Add(time.Duration(offset) * time.Second) }
	if err := old.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true); err != nil {
		t.Fatal("after correcting the clock:", err)
	}
	// A signature for one path does not open another.
	a.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true)
	req, _ := http.NewRequest("GET", srv.URL+syncproto.DevicesPath(a.id), nil)
	req.Header = a.last.Header.Clone()
	unauth("signature of another request", a.send(req, nil))

	// b removes a: a's access ends at once, even replaying what it sent.
	if err := a.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true); err != nil {
		t.Fatal(err)
	}
	aID := syncproto.DeviceID(a.dev.Public().(ed25519.PublicKey))
	if err := b.do("DELETE", syncproto.DevicePath(a.id, aID), nil, nil, true); err != nil {
		t.Fatal(err)
	}
	unauth("replay by removed device", a.replay(nil))
	unauth("removed device pulls", a.do("GET", syncproto.PullPath(a.id, 0, 0), nil, &p, true))
	unauth("removed device pushes", a.push([]syncproto.Envelope{env("x", 1, "x")}))
	unauth("removed device enrolls", a.do("POST", syncproto.EnrollPath(a.id), syncproto.Enroll{EnrollKey: make([]byte, 32)}, nil, true))
	if _, err := b.pull(); err != nil {
		t.Fatal("remaining device:", err)
	}
	// Joining needs an open enrollment: the removed device cannot come back.
	if err := a.do("POST", syncproto.DevicesPath(a.id), syncproto.NewJoin(a.id, []byte("guess"), a.dev), nil, false); codeOf(err) != syncproto.CodeNotFound {
		t.Fatal("join without enrollment:", err)
	}
	j := syncproto.NewJoin(a.id, []byte("s"), a.dev)
	j.Sig[0] ^= 1
	if err := a.do("POST", syncproto.DevicesPath(a.id), j, nil, false); codeOf(err) != syncproto.CodeBadSignature {
		t.Fatal(err)
	}
	// Creating a vault needs the vault key's signature.
	cr := syncproto.NewCreate(a.vault, stranger.dev)
	cr.DeviceKey = b.dev.Public().(ed25519.PublicKey)
	if err := stranger.do("POST", syncproto.VaultsPath(), cr, nil, false); codeOf(err) != syncproto.CodeBadSignature {
		t.Fatal(err)
	}
	// Deleting the vault removes everything; no device gets in after.
	if err := b.do("DELETE", syncproto.VaultPath(a.id), nil, nil, true); err != nil {
		t.Fatal(err)
	}
	unauth("deleted vault", b.do("GET", syncproto.VaultPath(a.id), nil, nil, true))
}

func TestLimits(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{QuotaBytes: 200, MaxEnvelope: 100, MaxPush: 3, MaxPushBytes: 4 << 10, MaxDevices: 2, MaxVaults: 2, CreatesPerHour: 5})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	check := func(name string, err error, want syncproto.Code) {
		t.Helper()
		if codeOf(err) != want {
			t.Errorf("%s: %v, want %s", name, err, want)
		}
	}
	check("envelope too large", a.push([]syncproto.Envelope{env("r", 1, strings.Repeat("x", 101))}), syncproto.CodeTooLarge)
	check("too many envelopes", a.push([]syncproto.Envelope{env("a", 1, ""), env("b", 1, ""), env("c", 1, ""), env("d", 1, "")}), syncproto.CodeTooLarge)
	check("body too large", a.do("POST", syncproto.LogPath(a.id), bytes.Repeat([]byte(" "), 5<<10), nil, true), syncproto.CodeTooLarge)
	check("fits", a.push([]syncproto.Envelope{env("r1", 1, strings.Repeat("x", 100))}), "")
	check("quota", a.push([]syncproto.Envelope{env("r2", 1, strings.Repeat("x", 100))}), syncproto.CodeQuota)
	check("quota for files", a.do("PUT", syncproto.ChunkPath(a.id, "f", 0, 1), make([]byte, 90), nil, true), syncproto.CodeQuota)
	b, c := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	check("second device", a.pair(b), "")
	check("max devices", a.pair(c), syncproto.CodeQuota)
	_, err := c.create()
	check("second vault", err, "")
	_, err = c.create()
	check("max vaults", err, syncproto.CodeQuota)
	for range 3 {
		c.create()
	}
	_, err = c.create()
	check("creates per hour", err, syncproto.CodeRateLimited)
	var h *httpError
	if errors.As(err, &h) && h.body.RetryAfter <= 0 {
		t.Error("no Retry-After")
	}
	check("malformed push", a.do("POST", syncproto.LogPath(a.id), []byte("{"), nil, true), syncproto.CodeBadRequest)
	check("bad cursor", a.do("GET", syncproto.LogPath(a.id)+"?since=-1", nil, nil, true), syncproto.CodeBadRequest)
	check("unknown path", a.do("GET", syncproto.Path+"/nothing", nil, nil, true), syncproto.CodeNotFound)
	check("health", a.do("GET", syncproto.HealthPath(), nil, nil, false), "")
	s.Close()
	check("health without its store", a.do("GET", syncproto.HealthPath(), nil, nil, false), syncproto.CodeUnavailable)
}

// All vaults together stay within MaxTotalBytes.
func TestMaxTotal(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{MaxTotalBytes: 300})
	a, b := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	a.create()
	b.create()
	if err := a.push([]syncproto.Envelope{env("r1", 1, strings.Repeat("x", 150))}); err != nil {
		t.Fatal(err)
	}
	if err := b.push([]syncproto.Envelope{env("r1", 1, strings.Repeat("x", 150))}); codeOf(err) != syncproto.CodeQuota {
		t.Fatal("second vault past the server's cap:", err)
	}
	if err := b.do("PUT", syncproto.ChunkPath(b.id, "f", 0, 1), make([]byte, 150), nil, true); codeOf(err) != syncproto.CodeQuota {
		t.Fatal("chunk past the server's cap:", err)
	}
	if err := b.push([]syncproto.Envelope{env("r1", 1, strings.Repeat("x", 50))}); err != nil {
		t.Fatal("room left:", err)
	}
}

func TestRequestRate(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{RequestsPerMinute: 60, Burst: 3})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	var err error
	for i := 0; i < 4 && err == nil; i++ {
		_, err = a.pull()
	}
	if codeOf(err) != syncproto.CodeRateLimited {
		t.Fatal(err)
	}
	resp, _ := srv.Client().Do(a.last)
	if resp != nil && resp.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After header")
	}
}

// A push cut off mid-body, or abandoned by its client while the store
// works, leaves nothing half-written.
func TestInterruptedPush(t *testing.T) {
	s, _ := sqliteStore(t)
	slow := &slowStore{Store: s, waitCancel: true, gate: make(chan struct{}), entered: make(chan struct{}), returned: make(chan struct{})}
	srv := serve(t, slow, Config{})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	if err := a.push([]syncproto.Envelope{env("r1", 1, "one")}); err != nil {
		t.Fatal(err)
	}
	p := a.chain.Push(a.vault, []syncproto.Envelope{env("r2", 1, "two"), env("r3", 1, "three")})
	body, _ := json.Marshal(p)
	path := syncproto.LogPath(a.id)
	auth := syncproto.SignRequest(a.dev, "POST", path, time.Now().Unix(), body)

	// 1. The connection drops halfway through the body.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n", path, auth, len(body))
	conn.Write(body[:len(body)/2])
	conn.Close()

	// 2. The client gives up while the store is inside the push.
	slow.hold.Store(true)
	ctx, cancel := context.WithCancel(bg)
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	done := make(chan error)
	go func() { _, err := srv.Client().Do(req); done <- err }()
	<-slow.entered
	cancel()
	<-done
	close(slow.gate)
	<-slow.returned

	c := newDevice(srv.URL, srv.Client())
	c.dev, c.id, c.chain = a.dev, a.id, syncproto.NewChain(a.vault.Public().(ed25519.PublicKey))
	got, err := c.pull()
	if err != nil || len(got) != 1 {
		t.Fatalf("%d entries after interrupted pushes: %v", len(got), err)
	}
	slow.hold.Store(false)
	if err := a.push([]syncproto.Envelope{env("r2", 1, "two")}); err != nil {
		t.Fatal("next push:", err)
	}
}

// slowStore holds one Append until gate closes (and with waitCancel, until
// the request's context is cancelled), then runs it.
type slowStore struct {
	syncstore.Store
	waitCancel bool
	hold       atomicBool
	gate       chan struct{}
	entered    chan struct{}
	returned   chan struct{}
}

type atomicBool struct {
	mu sync.Mutex
	v  bool
}

func (b *atomicBool) Store(v bool) { b.mu.Lock(); b.v = v; b.mu.Unlock() }
func (b *atomicBool) Load() bool   { b.mu.Lock(); defer b.mu.Unlock(); return b.v }

func (s *slowStore) Append(ctx context.Context, vault string, p syncproto.Push, quota int64) error {
	if !s.hold.Load() {
		return s.Store.Append(ctx, vault, p, quota)
	}
	close(s.entered)
	<-s.gate
	if s.waitCancel {
		<-ctx.Done()
	}
	err := s.Store.Append(ctx, vault, p, quota)
	close(s.returned)
	return err
}

// tamper is a server in front of the real one that rewrites pull answers.
func tamper(t *testing.T, upstream string, rewrite func(*syncproto.Pull)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(r.Method, upstream+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/log") && resp.StatusCode == 200 {
			var p syncproto.Pull
			json.Unmarshal(b, &p)
			rewrite(&p)
			b, _ = json.Marshal(p)
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A server that alters, drops, reorders, forges or rolls back the log is
// caught by the client's Chain, over real HTTP.
func TestTamperedServerDetected(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	for i := range 3 {
		a.push([]syncproto.Envelope{env(fmt.Sprint("r", i), 1, fmt.Sprint("sealed ", i)), env(fmt.Sprint("s", i), 1, "x")})
	}
	var snapshot syncproto.Pull // what the server answered a fresh device after the first push
	{
		c := newDevice(srv.URL, srv.Client())
		c.dev, c.id, c.chain = a.dev, a.id, syncproto.NewChain(a.vault.Public().(ed25519.PublicKey))
		c.do("GET", syncproto.PullPath(a.id, 0, 2), nil, &snapshot, true)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	cases := []struct {
		name    string
		synced  bool // the device has pulled everything before
		rewrite func(*syncproto.Pull)
		want    error
	}{
		{"changed ciphertext", false, func(p *syncproto.Pull) { p.Entries[2].Ciphertext = []byte("sealed X") }, syncproto.ErrTampered},
		{"dropped entry", false, func(p *syncproto.Pull) { p.Entries = append(p.Entries[:1:1], p.Entries[2:]...) }, syncproto.ErrTampered},
		{"swapped entries", false, func(p *syncproto.Pull) { p.Entries[0], p.Entries[1] = p.Entries[1], p.Entries[0] }, syncproto.ErrTampered},
		{"undeleted", false, func(p *syncproto.Pull) { p.Entries[0].Deleted = !p.Entries[0].Deleted }, syncproto.ErrTampered},
		{"re-signed by another key", false, func(p *syncproto.Pull) {
			p.Entries[0].Ciphertext = []byte("forged")
			h := syncproto.Genesis(a.id)
			for _, e := range p.Entries {
				h = syncproto.ChainHash(h, e.Seq, e.Envelope)
			}
			*p = syncproto.Pull{Entries: p.Entries, Head: syncproto.SignHead(other, a.id, p.Head.Seq, h)}
		}, syncproto.ErrBadSignature},
		{"rolled back", true, func(p *syncproto.Pull) { *p = syncproto.Pull{Head: snapshot.Head} }, syncproto.ErrRollback},
		{"rolled back and replayed", true, func(p *syncproto.Pull) { *p = snapshot }, syncproto.ErrRollback},
		{"forked", true, func(p *syncproto.Pull) { p.Head.Hash = bytes.Repeat([]byte{7}, 32) }, syncproto.ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			proxy := tamper(t, srv.URL, c.rewrite)
			d := newDevice(proxy.URL, proxy.Client())
			d.dev, d.id, d.chain = a.dev, a.id, syncproto.NewChain(a.vault.Public().(ed25519.PublicKey))
			if c.synced {
				*d.chain = *a.chain
			}
			before := *d.chain
			_, err := d.pull()
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if d.chain.Seq != before.Seq {
				t.Fatal("the chain moved on a tampered page")
			}
		})
	}
}

// The server's log and database hold no plaintext, and its log lines hold
// no ids or keys.
func TestNothingLearned(t *testing.T) {
	var logs bytes.Buffer
	s, dir := sqliteStore(t)
	broken := &failingStore{Store: s}
	srv := serve(t, broken, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	a.push([]syncproto.Envelope{env("r1", 1, "ciphertext-marker")})
	broken.fail = true
	err := a.push([]syncproto.Envelope{env("r2", 1, "second-marker")})
	if codeOf(err) != syncproto.CodeUnavailable {
		t.Fatal(err)
	}
	if l := logs.String(); l == "" || strings.Contains(l, a.id) || strings.Contains(l, "marker") || strings.Contains(l, syncproto.DeviceID(a.dev.Public().(ed25519.PublicKey))) {
		t.Fatalf("log: %q", l)
	}
	db, _ := os.ReadFile(filepath.Join(dir, syncstore.SQLiteFile))
	wal, _ := os.ReadFile(filepath.Join(dir, syncstore.SQLiteFile+"-wal"))
	if !bytes.Contains(append(db, wal...), []byte("ciphertext-marker")) {
		t.Fatal("test broken: the marker should be stored as given (the client seals it)")
	}
}

type failingStore struct {
	syncstore.Store
	fail bool
}

func (s *failingStore) Append(ctx context.Context, vault string, p syncproto.Push, quota int64) error {
	if s.fail {
		return fmt.Errorf("database on fire while appending to %s", "<redacted>")
	}
	return s.Store.Append(ctx, vault, p, quota)
}

// Two stateless server processes sharing one PostgreSQL: devices syncing
// through either see one log.
func TestTwoServersOnePostgres(t *testing.T) {
	pg := pgtest.Start(t)
	url := pg.NewDatabase(t)
	var srvs []*httptest.Server
	for range 2 {
		s, err := syncstore.OpenPostgres(bg, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		srvs = append(srvs, serve(t, s, Config{}))
	}
	a, b := newDevice(srvs[0].URL, srvs[0].Client()), newDevice(srvs[1].URL, srvs[1].Client())
	if _, err := a.create(); err != nil {
		t.Fatal(err)
	}
	if err := a.pair(b); err != nil { // enrolled through one, joined through the other
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, c := range []*client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				if err := c.sync([]syncproto.Envelope{env(fmt.Sprint(i, "-", j), 1, "x")}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a.pull()
	b.pull()
	if a.chain.Seq != 20 || !bytes.Equal(a.chain.Hash, b.chain.Hash) {
		t.Fatal(a.chain.Seq, b.chain.Seq)
	}
}

// Strangers cannot use up a vault's request budget; their failed
// signatures are limited by address, before any body is read.
func TestStrangersLimited(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{RequestsPerMinute: 60, Burst: 5, FailuresPerMinute: 4})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	stranger := newDevice(srv.URL, srv.Client())
	stranger.id = a.id
	big := bytes.Repeat([]byte("x"), 64<<20) // over every limit: refused as unauthorized, unread
	var err error
	for i := 0; i < 4; i++ {
		if err = stranger.do("POST", syncproto.LogPath(a.id), big, nil, true); codeOf(err) != syncproto.CodeUnauthorized {
			t.Fatalf("stranger %d: %v", i, err)
		}
	}
	if err = stranger.do("GET", syncproto.PullPath(a.id, 0, 0), nil, nil, true); codeOf(err) != syncproto.CodeRateLimited {
		t.Fatal("stranger not limited:", err)
	}
	if _, err := a.pull(); err != nil {
		t.Fatal("the vault's own device was limited by a stranger:", err)
	}
}

// Pushes and uploads hold their bodies in memory: past MaxBig at once the
// next is refused until one ends.
func TestMaxBig(t *testing.T) {
	s, _ := sqliteStore(t)
	slow := &slowStore{Store: s, gate: make(chan struct{}), entered: make(chan struct{}), returned: make(chan struct{})}
	srv := serve(t, slow, Config{MaxBig: 1})
	a := newDevice(srv.URL, srv.Client())
	a.create()
	slow.hold.Store(true)
	done := make(chan error)
	go func() { done <- a.push([]syncproto.Envelope{env("r1", 1, "one")}) }()
	<-slow.entered
	b := newDevice(srv.URL, srv.Client())
	b.create()
	if err := b.push([]syncproto.Envelope{env("r1", 1, "one")}); codeOf(err) != syncproto.CodeRateLimited {
		t.Fatal("second push while the first holds the only slot:", err)
	}
	if _, err := b.pull(); err != nil {
		t.Fatal("pulls are not held back:", err)
	}
	slow.hold.Store(false)
	close(slow.gate)
	<-slow.returned
	<-done
	if err := b.push([]syncproto.Envelope{env("r1", 1, "one")}); err != nil {
		t.Fatal("after the slot is free:", err)
	}
}
