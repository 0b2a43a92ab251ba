package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backpack/internal/share"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// slowUpload starts an upload from the client at xff that sends one byte
// every gap until ctx ends; it returns the status (0: cut off).
func slowUpload(ctx context.Context, e *env, c *http.Client, xff string, gap time.Duration) int {
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		t := time.NewTicker(gap)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := pw.Write([]byte{'x'}); err != nil {
					return
				}
			}
		}
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/share", pr)
	req.ContentLength = 1 << 20
	req.Header.Set("X-Forwarded-For", xff)
	res, err := c.Do(req)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// send makes one request from the client at xff (through the trusted
// proxy) and returns the status and body.
func send(e *env, c *http.Client, method, path, xff string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("X-Forwarded-For", xff)
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, nil
}

func post(e *env, c *http.Client, xff string, body []byte) (int, error) {
	s, _, err := send(e, c, "POST", "/api/share", xff, body)
	return s, err
}

// Eight uploads sending one byte every 2 s held every slot (everyone else
// got 503): now a new upload cuts off the slowest at once…
func TestSlowUploadsDoNotHoldSlots(t *testing.T) {
	e := newEnv(t, Config{MaxUploads: 8, MinUploadRate: 1000, UploadGrace: time.Minute,
		TrustedProxies: loopback, RateLimit: RateLimit{RequestsPerMinute: -1}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 8 {
		go slowUpload(ctx, e, clientFrom(t, "127.0.0.1"), fmt.Sprintf("198.51.100.%d", i+1), 2*time.Second)
	}
	waitFor(t, "8 slow uploads running", func() bool { e.svc.mu.Lock(); defer e.svc.mu.Unlock(); return len(e.svc.running) == 8 })
	time.Sleep(time.Second) // past the second a running upload is spared
	if s, err := post(e, e.client, "192.0.2.1", []byte("honest")); err != nil || s != 201 {
		t.Fatalf("honest upload beside 8 slow ones: %d %v", s, err)
	}
	if st := e.svc.Stats(); st.Slow != 1 {
		t.Errorf("%d slow uploads cut off, want the slowest one", st.Slow)
	}
}

// …and after the grace period an upload below the minimum rate is cut off.
func TestMinUploadRate(t *testing.T) {
	e := newEnv(t, Config{MinUploadRate: 1000, UploadGrace: 300 * time.Millisecond,
		TrustedProxies: loopback, RateLimit: RateLimit{RequestsPerMinute: -1}})
	start := time.Now()
	var wg sync.WaitGroup
	var statuses [2]int
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = slowUpload(context.Background(), e, clientFrom(t, "127.0.0.1"), fmt.Sprintf("198.51.100.%d", i+1), 100*time.Millisecond)
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > 3*time.Second || e.svc.Stats().Slow != 2 {
		t.Errorf("slow uploads ended after %v with %v; stats %+v", took, statuses, e.svc.Stats())
	}
	// A fast upload is not affected.
	if s, _ := post(e, e.client, "192.0.2.1", make([]byte, 1<<20)); s != 201 {
		t.Errorf("1 MiB upload: %d", s)
	}
}

// One client has at most MaxClientUploads uploads in progress.
func TestClientUploadConcurrency(t *testing.T) {
	e := newEnv(t, Config{MaxUploads: 8, MaxClientUploads: 2, TrustedProxies: loopback, RateLimit: RateLimit{RequestsPerMinute: -1}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		go slowUpload(ctx, e, clientFrom(t, "127.0.0.1"), "198.51.100.7", 50*time.Millisecond)
	}
	waitFor(t, "2 uploads running", func() bool { e.svc.mu.Lock(); defer e.svc.mu.Unlock(); return len(e.svc.running) == 2 })
	if s, _ := post(e, e.client, "198.51.100.7", []byte("third")); s != 503 {
		t.Errorf("third upload of one client: %d", s)
	}
	if s, _ := post(e, e.client, "198.51.100.8", []byte("another")); s != 201 {
		t.Errorf("another client's upload: %d", s)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// X-Forwarded-For counts only from a trusted proxy, read from the right.
func TestForwardedClientIP(t *testing.T) {
	key := ForwardedClientIP([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")})
	for _, c := range []struct{ peer, xff, want string }{
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"}, // not a proxy: its header is ignored
		{"10.0.0.2:5000", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.2:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},  // the client wrote 6.6.6.6 itself
		{"10.0.0.2:5000", "198.51.100.1, 10.0.0.3", "198.51.100.1"}, // two proxies
		{"10.0.0.2:5000", "", "10.0.0.2"},
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
		{"[fd00::1]:443", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := key(r); got != c.want {
			t.Errorf("peer %s X-Forwarded-For %q: %q, want %q", c.peer, c.xff, got, c.want)
		}
	}
}

// Over loopback, with 50 slow and 500 fast abusers hammering the API, an
// honest client still uploads and fetches its share. Bounded: a few seconds.
func TestLoadHonestClientServed(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	e := newEnv(t, Config{MaxUploads: 8, MinUploadRate: 2000, UploadGrace: 300 * time.Millisecond,
		TrustedProxies: loopback, RateLimit: RateLimit{RequestsPerMinute: 30, Burst: 5}})
	// Bounded in count (50 + 500 abusers, 40 honest tries) and, as a last
	// resort, in time; on a loaded machine (CI with -race) each try can take
	// long, so no try is held to a wall-clock budget.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tr := &http.Transport{MaxConnsPerHost: 600, MaxIdleConnsPerHost: 600}
	defer tr.CloseIdleConnections()
	pool := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var slowRuns, fastReqs atomic.Int64
	for i := range 50 { // slow: one byte every 100 ms, again when cut off
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				slowUpload(ctx, e, pool, fmt.Sprintf("198.51.100.%d", i+1), 100*time.Millisecond)
				slowRuns.Add(1)
			}
		}()
	}
	for i := range 500 { // fast: small uploads and fetches of unknown ids, as fast as allowed
		wg.Add(1)
		go func() {
			defer wg.Done()
			xff := fmt.Sprintf("203.0.%d.%d", 113+i/250, i%250+1)
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				if j%2 == 0 {
					post(e, pool, xff, []byte("junk"))
				} else {
					send(e, pool, "GET", "/api/share/"+NewID().String(), xff, nil)
				}
				fastReqs.Add(1)
			}
		}()
	}
	// The abusers are at it: wait until both kinds are being held back (the
	// rate limit and the minimum body rate have each refused some), however
	// fast or slow the machine runs them.
	for st := e.svc.Stats(); (st.RateLimited == 0 || st.Slow == 0) && ctx.Err() == nil; st = e.svc.Stats() {
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	honest := clientFrom(t, "127.0.0.1")
	body := bytes.Repeat([]byte("honest "), 10<<10)
	var id string
	// Like the app, the honest client tries again after a refusal (503
	// while every slot is taken, the connection closed on it).
	for try := 0; id == "" && try < 40 && ctx.Err() == nil; try++ {
		status, b, err := send(e, honest, "POST", "/api/share", "192.0.2.1", body)
		if err != nil {
			t.Logf("honest upload, try %d: %v", try+1, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if status == 201 {
			var c share.Created
			json.Unmarshal(b, &c)
			id = c.ID
			break
		}
		t.Logf("honest upload, try %d: %d", try+1, status)
		time.Sleep(200 * time.Millisecond)
	}
	if id == "" {
		t.Fatal("the honest client never got its upload in")
	}
	status, got, err := send(e, honest, "GET", "/api/share/"+id, "192.0.2.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	close(stop)
	cancel()
	wg.Wait()
	if status != 200 || !bytes.Equal(got, body) {
		t.Fatalf("honest fetch: %d, %d bytes", status, len(got))
	}
	st := e.svc.Stats()
	t.Logf("honest client served in %v beside %d slow uploads and %d fast requests; stats %+v", took, slowRuns.Load(), fastReqs.Load(), st)
	if st.RateLimited == 0 || st.Slow == 0 {
		t.Errorf("abusers were not held back: %+v", st)
	}
	// Every slot comes back: none leaks in a handover.
	waitFor(t, "every slot free", func() bool {
		e.svc.mu.Lock()
		defer e.svc.mu.Unlock()
		return len(e.svc.uploads) == 0 && len(e.svc.running) == 0 && len(e.svc.perHost) == 0
	})
}
