package qr

import (
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// testLink is a share link as the app makes them (share.Link.Encode).
const testLink = "https://backpack.example/view#shlink:/eyJ1cmwiOiJodHRwczovL2JhY2twYWNrLmV4YW1wbGUvYXBpL3NoYXJlL2FiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6Iiwia2V5IjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOCIsImV4cCI6MTc2NzIyNTYwMCwibGFiZWwiOiJQYXJhIGxhIERyYS4gUml2ZXJhIiwiZmxhZyI6IlUifQ"

func TestSVG(t *testing.T) {
	link := testLink
	svg, err := SVG(link, `Code for "Dr. <Rivera>" & co`)
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed XML with the parts the app relies on.
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Role    string   `xml:"role,attr"`
		Label   string   `xml:"aria-label,attr"`
		Title   string   `xml:"title"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.Role != "img" || doc.Title != `Code for "Dr. <Rivera>" & co` || doc.Label != doc.Title {
		t.Fatalf("accessibility: role %q title %q label %q", doc.Role, doc.Title, doc.Label)
	}
	if strings.Contains(svg, "style") {
		t.Fatal("SVG has a style attribute; CSP would block it")
	}

	// The path, replayed onto a grid, is exactly go-qrcode's bitmap.
	q, _ := qrcode.New(link, qrcode.Medium)
	bm := q.Bitmap()
	n := len(bm)
	if doc.ViewBox != fmt.Sprintf("0 0 %d %d", n, n) {
		t.Fatalf("viewBox %q for %d modules", doc.ViewBox, n)
	}
	if doc.Path.D == "" {
		t.Fatal("empty path")
	}
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	re := regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	for d := doc.Path.D; d != ""; {
		m := re.FindStringSubmatch(d)
		if m == nil {
			t.Fatalf("unexpected path data at %q", d[:min(20, len(d))])
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if m[3] != m[4] {
			t.Fatalf("open rectangle %q", m[0])
		}
		for i := x; i < x+w; i++ {
			if grid[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			grid[y][i] = true
		}
		d = d[len(m[0]):]
	}
	for y := range bm {
		for x := range bm[y] {
			if grid[y][x] != bm[y][x] {
				t.Fatalf("module %d,%d differs", x, y)
			}
		}
	}
	// Quiet zone of 4 modules stays light.
	for i := 0; i < n; i++ {
		for j := 0; j < 4; j++ {
			if grid[j][i] || grid[i][j] || grid[n-1-j][i] || grid[i][n-1-j] {
				t.Fatal("quiet zone not empty")
			}
		}
	}
}

func TestSVGErrors(t *testing.T) {
	if _, err := SVG("shlink:/x", ""); err == nil {
		t.Fatal("no title accepted: the image would have no name")
	}
	if _, err := SVG("", "t"); err == nil {
		t.Fatal("empty text accepted")
	}
	if _, err := SVG(strings.Repeat("x", 5000), "t"); !errors.Is(err, ErrTooLong) {
		t.Fatal("text beyond QR capacity accepted")
	}
}

func BenchmarkSVG(b *testing.B) {
	link := testLink
	for b.Loop() {
		if _, err := SVG(link, "t"); err != nil {
			b.Fatal(err)
		}
	}
}
