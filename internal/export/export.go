// Package export writes Backpack's export file and reads it back.
//
// An export is one OpenPGP message in the classic format (a v4 SKESK or v3
// PKESK packet, then a SEIPD v1 packet: what GnuPG 2.2 reads; never RFC 9580
// v6/AEAD). Its literal data is a ZIP archive whose literal-data file name is
// backpack-export-YYYY-MM-DD.zip, so `gpg file.pgp` writes that file. The
// archive holds, in this order:
//
//	README.txt            what is inside and how to open it, English and Spanish
//	backpack/vault.jsonl  Backpack's lossless form: profiles, entries (notes,
//	                      flags, provenance), file metadata, questions
//	summary.html          readable, printable summary (Selection.IncludeSummary)
//	ips.json              International Patient Summary document Bundle
//	                      (Selection.IncludeIPS; ips-N-name.json per profile when
//	                      an export holds several)
//	fhir/bundle.json      FHIR R4 collection Bundle: a Patient per profile, every
//	                      entry's resource verbatim, a DocumentReference per file
//	files/<name>          the original files
//
// Files are not embedded in the Bundle as base64 Binary resources: each
// DocumentReference's attachment.url is the relative path "files/<name>"
// inside the archive. That keeps every file once in the export (no 4/3 base64
// growth, no second copy) and lets a clinician open it directly. Resources
// that came with an embedded document (a PDF in a C-CDA, Attachment.data in
// FHIR) were stored pointing at the file (record.FileURL); in the bundle and
// the IPS that pointer becomes the same "files/<name>" path (fileurl.go).
//
// Everything streams: zip → OpenPGP → the caller's io.Writer on export, and
// OpenPGP → zip → the caller's file callback on restore. Memory stays bounded
// by the records held in Data plus small fixed buffers, whatever the size of
// the files. The archive's entries use Deflate (stored blocks for already
// compressed files such as JPEG or PDF) so that Read can parse it forward
// only, without seeking.
package export

import (
	"context"
	"io"
	"slices"
	"sort"
	"strings"

	"backpack/internal/record"
)

// FileSource gives the bytes of a stored file by its id (record.FileInfo.ID).
// The vault implements it by decrypting the file's chunks as they are read.
type FileSource interface {
	OpenFile(ctx context.Context, id string) (io.ReadCloser, error)
}

// FileSink receives one restored file. r yields the file's bytes; it must be
// read before FileSink returns (what is left unread is discarded). The bytes
// are authenticated only when Read returns nil: on error, the caller must
// throw away every file it was given.
type FileSink func(info record.FileInfo, r io.Reader) error

// Data is what a vault holds, as the caller loaded it. Write does not change
// it. Trashed entries should be left out by the caller.
type Data struct {
	Profiles  []record.Profile
	Entries   []record.Entry
	Files     []record.FileInfo
	Questions []record.Question
}

// Selection says what goes into an export. The zero Selection exports every
// profile with everything, without summary.html and ips.json.
type Selection struct {
	// Profiles are the profile ids to export; empty means every profile.
	Profiles []string `json:"profiles,omitempty"`
	// Entries are the entry ids to export; nil means every entry of the
	// chosen profiles. Entries of profiles not chosen are ignored.
	Entries []string `json:"entries,omitempty"`
	// Files are the file ids to export. nil means: every file of the chosen
	// profiles when Entries is nil, else the files attached to the chosen
	// entries. A non-nil empty slice exports no file.
	Files []string `json:"files,omitempty"`
	// IncludeSummary adds summary.html and the entries a summary shows
	// (allergies, conditions, medications, immunizations, care team, emergency
	// contacts, flagged entries, the latest result of each lab test and vital
	// sign) and the open questions.
	IncludeSummary bool `json:"summary,omitempty"`
	// IncludeIPS adds an International Patient Summary per profile.
	IncludeIPS bool `json:"ips,omitempty"`
}

// Select returns the part of d that sel chooses, in d's order. The result
// shares d's backing arrays when nothing is left out.
func (d Data) Select(sel Selection) Data {
	var out Data
	pset := map[string]bool{}
	if len(sel.Profiles) == 0 {
		out.Profiles = d.Profiles
		for _, p := range d.Profiles {
			pset[p.ID] = true
		}
	} else {
		want := toSet(sel.Profiles)
		for _, p := range d.Profiles {
			if want[p.ID] {
				out.Profiles = append(out.Profiles, p)
				pset[p.ID] = true
			}
		}
	}

	var keep []bool
	n := 0
	if sel.Entries == nil {
		keep = make([]bool, len(d.Entries))
		for i := range d.Entries {
			if pset[d.Entries[i].Profile] {
				keep[i] = true
				n++
			}
		}
	} else {
		want := toSet(sel.Entries)
		keep = make([]bool, len(d.Entries))
		if sel.IncludeSummary {
			for _, i := range summaryIndexes(d.Entries) {
				want[d.Entries[i].ID] = true
			}
		}
		for i := range d.Entries {
			if pset[d.Entries[i].Profile] && want[d.Entries[i].ID] {
				keep[i] = true
				n++
			}
		}
	}
	if n == len(d.Entries) {
		out.Entries = d.Entries
	} else {
		out.Entries = make([]record.Entry, 0, n)
		for i := range d.Entries {
			if keep[i] {
				out.Entries = append(out.Entries, d.Entries[i])
			}
		}
	}

	switch {
	case sel.Files != nil:
		want := toSet(sel.Files)
		for _, f := range d.Files {
			if pset[f.Profile] && want[f.ID] {
				out.Files = append(out.Files, f)
			}
		}
	case sel.Entries == nil:
		for _, f := range d.Files {
			if pset[f.Profile] {
				out.Files = append(out.Files, f)
			}
		}
	default:
		want := map[string]bool{}
		for i := range out.Entries {
			for _, id := range out.Entries[i].Files {
				want[id] = true
			}
		}
		for _, f := range d.Files {
			if pset[f.Profile] && want[f.ID] {
				out.Files = append(out.Files, f)
			}
		}
	}

	if sel.Entries == nil || sel.IncludeSummary {
		for _, q := range d.Questions {
			if pset[q.Profile] && (sel.Entries == nil || !q.Done) {
				out.Questions = append(out.Questions, q)
			}
		}
	}
	return out
}

// summaryKinds are the kinds a summary shows whole.
var summaryKinds = map[record.Kind]bool{
	record.KindAllergy:          true,
	record.KindCondition:        true,
	record.KindMedication:       true,
	record.KindImmunization:     true,
	record.KindCareTeam:         true,
	record.KindEmergencyContact: true,
}

// summaryIndexes returns the indexes of the entries a summary shows: the
// summary kinds, flagged entries, and the latest lab and vital per test.
func summaryIndexes(entries []record.Entry) []int {
	var idx []int
	latest := latestPerTest(entries, record.KindLab)
	latestV := latestPerTest(entries, record.KindVital)
	for i := range entries {
		e := &entries[i]
		if summaryKinds[e.Kind] || e.Flag != nil || latest[i] || latestV[i] {
			idx = append(idx, i)
		}
	}
	return idx
}

// latestPerTest marks, per profile and test (first code, else title), the
// most recent entry of kind k that is not entered in error.
func latestPerTest(entries []record.Entry, k record.Kind) map[int]bool {
	best := map[string]int{}
	for i := range entries {
		e := &entries[i]
		if e.Kind != k || inError(e) {
			continue
		}
		key := e.Profile + "\x00" + testKey(e)
		if j, ok := best[key]; !ok || entries[j].Date.Before(e.Date) {
			best[key] = i
		}
	}
	out := make(map[int]bool, len(best))
	for _, i := range best {
		out[i] = true
	}
	return out
}

func testKey(e *record.Entry) string {
	for _, c := range e.Codes {
		if c.Code != "" {
			return c.System + "|" + c.Code
		}
	}
	return strings.ToLower(strings.TrimSpace(e.Title))
}

func inError(e *record.Entry) bool { return e.Status == "entered-in-error" }

func toSet(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// entriesOf returns the entries of one profile, newest first.
func entriesOf(d Data, profile string) []*record.Entry {
	var out []*record.Entry
	for i := range d.Entries {
		if d.Entries[i].Profile == profile {
			out = append(out, &d.Entries[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out
}

// profileIDs lists the ids of d's profiles.
func profileIDs(d Data) []string {
	ids := make([]string, len(d.Profiles))
	for i, p := range d.Profiles {
		ids[i] = p.ID
	}
	return slices.Clip(ids)
}
