package server

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	id := NewID()
	s := id.String()
	if len(s) != IDLen {
		t.Fatalf("len %d", len(s))
	}
	got, err := ParseID(s)
	if err != nil || got != id {
		t.Fatalf("round trip: %v", err)
	}
	if NewID() == id {
		t.Fatal("NewID repeats")
	}
	for _, bad := range []string{
		"", "a", s[:25], s + "a", strings.ToUpper(s), s[:25] + "1", s[:25] + "8", s[:25] + "=",
		"../../../../etc/passwd....", "..%2F..%2F..%2Fetc%2Fpasswd", s[:24] + "\x00a", s[:25] + "/",
		"aaaaaaaaaaaaaaaaaaaaaaaaab", // non-zero unused bits: not canonical
		"ａaaaaaaaaaaaaaaaaaaaaaaa",   // full-width letter, 26 bytes
	} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseID("aaaaaaaaaaaaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal("all-zero id rejected")
	}
}

// Whatever ParseID accepts names a file directly inside Dir.
func FuzzParseID(f *testing.F) {
	f.Add(NewID().String())
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("../../etc/passwd")
	f.Add("..%2F..%2Fetc%2Fpasswd")
	f.Add(strings.Repeat("7", 26))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if id.String() != s || len(s) != IDLen {
			t.Fatalf("%q is not canonical", s)
		}
		dir := "/srv/backpack/data"
		if p := sharePath(dir, id); filepath.Dir(p) != dir || strings.ContainsAny(s, "./\\%\x00") {
			t.Fatalf("%q escapes Dir: %q", s, p)
		}
	})
}

func TestClientIP(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[::ffff:192.0.2.7]:1234":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":          "fe80::/64",
		"not an address":             "not an address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := ClientIP(r); got != want {
			t.Errorf("%s: %q, want %q", remote, got, want)
		}
	}
}

func TestLimiterBoundsClients(t *testing.T) {
	l := newLimiter(RateLimit{RequestsPerMinute: 60, MaxClients: 10}.withDefaults())
	e := &clock{}
	for i := 0; i < 100; i++ {
		l.allow(strings.Repeat("x", i), e.Now())
	}
	if n := l.size(); n > 11 {
		t.Fatalf("%d buckets for MaxClients 10", n)
	}
	e.Add(2 * time.Minute)
	l.prune(e.Now())
	if n := l.size(); n != 0 {
		t.Fatalf("%d buckets after everyone refilled", n)
	}
}

// Any path, any method: the handler answers 404 or 405 (a CORS preflight
// 204) and the disk stays as it was.
func FuzzRoute(f *testing.F) {
	dir := f.TempDir()
	svc, err := New(Config{Dir: dir, SweepEvery: -1, RateLimit: RateLimit{RequestsPerMinute: -1}, Logger: discard()})
	if err != nil {
		f.Fatal(err)
	}
	defer svc.Close()
	before, _ := os.ReadDir(dir) // the manifest links' folder
	keep := NewID().String()
	for _, s := range []string{"/api/share/" + keep, "/api/share/../x", "/api/share/%2e%2e%2fx", "/api/share", "/x"} {
		f.Add("GET", s)
		f.Add("DELETE", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		if method == "POST" || method == "" {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Method = method
		r.URL.Path = path
		r.URL.RawPath = ""
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, r)
		if w.Code != 404 && w.Code != 405 && !(method == "OPTIONS" && w.Code == 204) {
			t.Fatalf("%s %q: %d", method, path, w.Code)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != len(before) {
			t.Fatalf("%s %q wrote to Dir", method, path)
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
