package server

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"backpack/internal/zxcvbn"
)

// zxcvbn's word lists are served from this origin at this version's URL,
// brotli-compressed and immutable, are precached by the service worker,
// and are the bytes the page accepts (zxcvbn.Parse checks zxcvbn.Sum).
// The static site has them too, with .br and .gz.
func TestWordListsServed(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/v1"+WordListsPath, "Accept-Encoding", "br, gzip")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Cache-Control") != Immutable {
		t.Fatalf("status %d, encoding %q, cache %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
	}
	b := body(t, res)
	if _, err := zxcvbn.Parse(b); err != nil {
		t.Fatal(err)
	}
	if n := len(wordLists().br); n > 400_000 || n*2 > len(b) {
		t.Errorf("brotli %d bytes of %d", n, len(b))
	}
	if res := get(t, h, WordListsPath); res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unversioned: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if !slices.Contains(precached(t, body(t, get(t, h, "/app-worker.js"))), "/v1"+WordListsPath) {
		t.Error("the service worker does not precache the word lists")
	}

	web := testWeb(t)
	out := t.TempDir()
	if err := Static(out, web); err != nil {
		t.Fatal(err)
	}
	v, _ := Version(web)
	for _, ext := range []string{"", ".br", ".gz"} {
		if _, err := os.Stat(filepath.Join(out, v, "web", zxcvbn.File+ext)); err != nil {
			t.Errorf("static site: %v", err)
		}
	}
}
