// Package qr draws QR codes as SVG. Only the worker module links it (with
// go-qrcode and, through it, image/png: 43 KB of the page's brotli); the
// page asks the worker for a drawing (internal/worker's QRRequest).
package qr

import (
	"errors"
	"html"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// SVG returns a QR code for text as a standalone SVG element: one <path>
// of dark modules over a light square, a 4-module quiet zone, a viewBox in
// module units (so it scales crisply to any size through CSS) and no style
// attributes (a strict Content-Security-Policy allows it). It is an image
// for assistive technology, named by title, which the caller gives in the
// person's language.
//
// Level M (15% recovery) keeps a typical share link near version 10.
func SVG(text, title string) (string, error) {
	if text == "" {
		return "", errors.New("qr: empty text")
	}
	if title == "" {
		return "", errors.New("qr: no title")
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", ErrTooLong
	}
	bm := q.Bitmap() // includes the quiet zone
	n := strconv.Itoa(len(bm))

	var b strings.Builder
	b.Grow(64 * len(bm) * 4)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 `)
	b.WriteString(n + " " + n)
	b.WriteString(`" role="img" aria-label="`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`" shape-rendering="crispEdges"><title>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	b.WriteString(qrPath(bm))
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// ErrTooLong: the text is beyond what a QR code at level M holds.
var ErrTooLong = errors.New("qr: text too long for a QR code")

// qrPath draws each horizontal run of dark modules as one closed rectangle,
// "M x y h w v 1 h -w z", in module units.
func qrPath(bm [][]bool) string {
	var b strings.Builder
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			w := strconv.Itoa(x - start)
			b.WriteString("M" + strconv.Itoa(start) + " " + strconv.Itoa(y) + "h" + w + "v1h-" + w + "z")
		}
	}
	return b.String()
}
