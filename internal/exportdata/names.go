package exportdata

import (
	"path"
	"strings"
	"time"
	"unicode"
)

// PathSummary is summary.html's path in an export, and its name when
// the viewer saves it alone.
const PathSummary = "summary.html"

// FileName is the literal-data file name of an export written at t: the name
// `gpg --decrypt-files` or `gpg file.pgp` gives the decrypted archive.
func FileName(t time.Time) string { return "backpack-export-" + t.Format("2006-01-02") + ".zip" }

// SafeName makes a file name safe on every system: no path separators or
// reserved characters, no leading dots, no trailing dots or spaces, no
// Windows device name (CON, nul.txt…), no invisible bidi or format
// controls (a right-to-left override makes "xcod.exe" read "exe.docx"), at
// most 100 bytes. An empty result becomes the safe form of fallback, or
// "file".
func SafeName(name, fallback string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteByte('_')
		case invisible(r):
		default:
			b.WriteRune(r)
		}
	}
	s := trimName(b.String())
	if s == "" {
		if s = SafeName(fallback, ""); s == "" {
			s = "file"
		}
	}
	if len(s) > 100 {
		ext := path.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		cut := 100 - len(ext)
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = trimName(s[:cut]) + ext
	}
	if windowsDevice(s) {
		s = "_" + s
	}
	return s
}

// trimName drops spaces and dots at both ends (Windows drops them at the
// end; at the start a dot hides the file).
func trimName(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// invisible reports the bidi and zero-width format controls.
func invisible(r rune) bool {
	switch {
	case r == 0x061C, r == 0xFEFF, r == 0x00AD,
		0x200B <= r && r <= 0x200F,
		0x202A <= r && r <= 0x202E,
		0x2060 <= r && r <= 0x2069:
		return true
	}
	return false
}

// windowsDevice reports a name Windows takes for a device, whatever its
// extensions: CON, PRN, AUX, NUL, COM0–9 and LPT0–9 (also ¹²³).
func windowsDevice(s string) bool {
	base, _, _ := strings.Cut(s, ".")
	base = strings.ToUpper(strings.TrimRightFunc(base, unicode.IsSpace))
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	if r := []rune(base); len(r) == 4 && (string(r[:3]) == "COM" || string(r[:3]) == "LPT") {
		return '0' <= r[3] && r[3] <= '9' || r[3] == '¹' || r[3] == '²' || r[3] == '³'
	}
	return false
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
