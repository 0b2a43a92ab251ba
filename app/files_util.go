package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"io"
	"regexp"
	"strings"
	"time"

	"backpack/internal/record"
)

// Helpers shared by the files, summary, emergency and flags pages. Pure Go,
// tested on the host.

// Types that may be shown inline. Anything else is only downloaded, so a
// stored file can never run as a page of Backpack's origin (an HTML or SVG
// document opened from a blob: URL would).
var previewTypes = map[string]string{
	"image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
	"image/avif": "image", "image/bmp": "image", "application/pdf": "pdf",
}

// normType lower-cases a MIME type and drops its parameters.
func normType(mime string) string {
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return strings.ToLower(strings.TrimSpace(mime))
}

// previewKind is "image", "pdf" or "" (not shown inline).
func previewKind(mime string) string { return previewTypes[normType(mime)] }

// blobType is the type given to an object URL: the file's own type when it
// is safe to show, else application/octet-stream.
func blobType(mime string) string {
	if previewKind(mime) != "" {
		return normType(mime)
	}
	return "application/octet-stream"
}

// downloadType is the type of a downloaded file (its own, or a generic one).
func downloadType(mime string) string {
	if t := normType(mime); t != "" && !strings.ContainsAny(t, " \"\\") {
		return t
	}
	return "application/octet-stream"
}

// typeLabelKey is the catalog key naming a file's type for people.
func typeLabelKey(mime, name string) string {
	t := normType(mime)
	switch {
	case t == "application/pdf":
		return "files.type.pdf"
	case strings.HasPrefix(t, "image/"):
		return "files.type.image"
	case strings.HasPrefix(t, "text/"):
		return "files.type.text"
	case strings.HasPrefix(t, "video/"):
		return "files.type.video"
	case strings.HasPrefix(t, "audio/"):
		return "files.type.audio"
	case strings.Contains(t, "dicom"):
		return "files.type.dicom"
	case strings.Contains(t, "xml") || strings.Contains(t, "json"):
		return "files.type.data"
	}
	if strings.HasSuffix(strings.ToLower(name), ".dcm") {
		return "files.type.dicom"
	}
	return "files.type.other"
}

// fileDate is the day a file was added, as YYYY-MM-DD in local time.
func fileDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateOnly)
}

// sumDate is an entry's date as people read it ("" when undated).
func sumDate(e record.Entry) string { return record.FormatDate(e.Date, e.DatePrecision) }

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ().\-]{4,}[0-9]$`)

// phoneIn finds a phone number among the " · "-separated parts of an
// entry's one-line text (how care-team and contact entries carry theirs).
func phoneIn(text string) string {
	for _, part := range strings.Split(text, " · ") {
		part = strings.TrimSpace(part)
		if phoneRE.MatchString(part) && digitCount(part) >= 5 {
			return part
		}
	}
	return ""
}

// withoutPart drops one " · "-separated part from text.
func withoutPart(text, part string) string {
	if part == "" {
		return text
	}
	var kept []string
	for _, p := range strings.Split(text, " · ") {
		if strings.TrimSpace(p) != part {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " · ")
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// telHref is a tel: link for a phone number as written.
func telHref(phone string) string {
	var b strings.Builder
	b.WriteString("tel:")
	for i, r := range phone {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// allergyBadges reads an allergy's risk from its one-line text: "high"
// when its criticality is high, then its reaction severity ("severe",
// "moderate", "mild") when given. Each is a summary.severity.* message.
func allergyBadges(text string) []string {
	var out []string
	lower := strings.ToLower(text)
	if strings.Contains(lower, "criticality high") {
		out = append(out, "high")
	}
	for _, part := range strings.Split(lower, " · ") {
		switch p := strings.TrimSpace(part); p {
		case "severe", "moderate", "mild":
			return append(out, p)
		}
	}
	return out
}

// reactionsOf is an allergy's text without its severity and criticality
// (shown as a badge instead).
func reactionsOf(text string) string {
	var kept []string
	for _, part := range strings.Split(text, " · ") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "severe", "moderate", "mild", "criticality high":
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, " · ")
}

// Blood type observations: LOINC ABO+Rh group, ABO group, Rh type.
var bloodCodes = map[string]bool{"882-1": true, "883-9": true, "10331-7": true, "34474-7": true}

// bloodType finds the latest recorded blood type among a summary's labs
// (headers only). It returns the entry, or false.
func bloodType(labs []record.Entry) (record.Entry, bool) {
	for _, e := range labs {
		for _, c := range e.Codes {
			if bloodCodes[c.Code] {
				return e, true
			}
		}
		t := strings.ToLower(e.Title)
		if strings.Contains(t, "blood type") || strings.Contains(t, "blood group") ||
			strings.Contains(t, "grupo sanguíneo") || strings.Contains(t, "abo") && strings.Contains(t, "rh") {
			return e, true
		}
	}
	return record.Entry{}, false
}

// byteCounter counts bytes read and reports progress at most every step
// bytes (and at the end, from the caller).
type byteCounter struct {
	r     io.Reader
	n     int64
	last  int64
	step  int64
	onAdd func(n int64)
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.onAdd != nil && c.n-c.last >= c.step {
		c.last = c.n
		c.onAdd(c.n)
	}
	return n, err
}

// focusElem moves keyboard focus to an element (after a render).
func focusElem(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
