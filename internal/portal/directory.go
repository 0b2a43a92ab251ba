package portal

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Place is one health system of the built-in directory.
type Place struct {
	Name  string // as the vendor lists it
	Org   string // the organisation that runs it, when the list says ("HCA", "OCHIN")
	City  string // when the list says
	State string
	FHIR  string // FHIR R4 base URL
}

// Directory is the built-in list of health systems, searchable offline.
type Directory struct {
	places []Place
	keys   []string // folded "name org city state" of each place
}

// directoryMagic starts the (gunzipped) directory file; the version
// changes with the columns.
const directoryMagic = "backpack-directory 1\n"

// ErrDirectory is a directory file Backpack cannot read.
var ErrDirectory = errors.New("portal: not a directory file")

// BuildDirectory writes the compact directory (gzip of a header line and
// one tab-separated line per place: name, org, city, state, FHIR base URL)
// from public endpoint lists: JSON arrays of objects with name and url
// (Epic, Oracle Health and Healow publish them), and optionally
// managingOrganization, city and state. Entries without a name or an https
// URL, and duplicates of the same URL, are left out. It returns how many
// places it wrote.
func BuildDirectory(w io.Writer, lists ...[]byte) (int, error) {
	var places []Place
	seen := map[string]bool{}
	for i, b := range lists {
		var list []map[string]any
		if err := json.Unmarshal(b, &list); err != nil {
			return 0, fmt.Errorf("list %d: %w", i+1, err)
		}
		for _, e := range list {
			p := Place{Name: field(e, "name"), Org: field(e, "managingOrganization"), City: field(e, "city"), State: field(e, "state")}
			if a, ok := e["address"].(map[string]any); ok {
				p.City, p.State = firstNonEmpty(p.City, field(a, "city")), firstNonEmpty(p.State, field(a, "state"))
			}
			// Oracle Health and Healow list an id, not a name, as the organisation.
			if u := field(e, "url"); strings.HasPrefix(p.Org, "Organization/") || p.Org != "" && strings.Contains(u, p.Org) ||
				len(p.Org) > 8 && strings.Contains(u, p.Org[1:]) {
				p.Org = ""
			}
			base, err := Base(field(e, "url"))
			if p.Name == "" || err != nil || !strings.HasPrefix(base, "https://") || seen[base] {
				continue
			}
			seen[base] = true
			p.FHIR = base
			places = append(places, p)
		}
	}
	slices.SortFunc(places, func(a, b Place) int {
		if c := strings.Compare(fold(a.Name), fold(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.FHIR, b.FHIR)
	})
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(directoryMagic)
	for _, p := range places {
		bw.WriteString(strings.Join([]string{p.Name, p.Org, p.City, p.State, p.FHIR}, "\t"))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return len(places), zw.Close()
}

// field is a string member, cleaned for a one-line, tab-separated file.
func field(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ReadDirectory reads a file BuildDirectory wrote.
func ReadDirectory(b []byte) (Directory, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return Directory{}, ErrDirectory
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil || !bytes.HasPrefix(raw, []byte(directoryMagic)) {
		return Directory{}, ErrDirectory
	}
	var d Directory
	for _, line := range strings.Split(string(raw[len(directoryMagic):]), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			continue
		}
		p := Place{Name: f[0], Org: f[1], City: f[2], State: f[3], FHIR: f[4]}
		d.places = append(d.places, p)
		d.keys = append(d.keys, " "+fold(strings.Join([]string{p.Name, p.Org, p.City, p.State}, " ")))
	}
	return d, nil
}

// Len is the number of places.
func (d Directory) Len() int { return len(d.places) }

// Search returns up to max places whose name, organisation, city or state
// hold every word of q (case and accents aside); places where a word starts
// a word of the name come first.
func (d Directory) Search(q string, max int) []Place {
	words := strings.Fields(fold(q))
	if len(words) == 0 {
		return nil
	}
	var first, rest []Place
	for i, k := range d.keys {
		all, starts := true, true
		for _, w := range words {
			j := strings.Index(k, w)
			if j < 0 {
				all = false
				break
			}
			if !strings.Contains(k, " "+w) {
				starts = false
			}
		}
		if !all {
			continue
		}
		if starts {
			first = append(first, d.places[i])
		} else if len(rest) < max {
			rest = append(rest, d.places[i])
		}
		if len(first) >= max {
			break
		}
	}
	out := append(first, rest...)
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// fold lowers s and strips accents and punctuation, for search.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// DirectoryFile is the directory's file name under /web/.
const DirectoryFile = "directory.dat"
