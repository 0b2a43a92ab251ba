// Package exportdata is what the page needs of an export without OpenPGP:
// the records an export carries (Data) and the part chosen (Selection),
// an opened export (Archive) and its files in memory (MemFiles), the
// errors an export's writer and reader return with their catalog keys, the
// export's file names, and the generated passphrases. The writer and the
// reader (internal/export, with gopenpgp) run in the worker module.
package exportdata

import (
	"context"
	"io"
	"strings"
	"time"

	"backpack/internal/record"
)

// FileSource gives the bytes of a stored file by its id (record.FileInfo.ID).
// The vault implements it by decrypting the file's chunks as they are read.
type FileSource interface {
	OpenFile(ctx context.Context, id string) (io.ReadCloser, error)
}

// FileSink receives one restored file. r yields the file's bytes; it must be
// read before FileSink returns (what is left unread is discarded). The bytes
// are authenticated only when export.Read returns nil: on error, the caller must
// throw away every file it was given.
type FileSink func(info record.FileInfo, r io.Reader) error

// Data is what a vault holds, as the caller loaded it. export.Write does not change
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
			for _, i := range SummaryIndexes(d.Entries) {
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

// SummaryIndexes returns the indexes of the entries a summary shows: the
// summary kinds, flagged entries, and the latest lab and vital per test.
func SummaryIndexes(entries []record.Entry) []int {
	var idx []int
	latest := LatestPerTest(entries, record.KindLab)
	latestV := LatestPerTest(entries, record.KindVital)
	for i := range entries {
		e := &entries[i]
		if summaryKinds[e.Kind] || e.Flag != nil || latest[i] || latestV[i] {
			idx = append(idx, i)
		}
	}
	return idx
}

// LatestPerTest marks, per profile and test (first code, else title), the
// most recent entry of kind k that is not entered in error.
func LatestPerTest(entries []record.Entry, k record.Kind) map[int]bool {
	best := map[string]int{}
	for i := range entries {
		e := &entries[i]
		if e.Kind != k || InError(e) {
			continue
		}
		key := e.Profile + "\x00" + TestKey(e)
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

// TestKey is what tells one test from another: its first code, else its
// title.
func TestKey(e *record.Entry) string {
	for _, c := range e.Codes {
		if c.Code != "" {
			return c.System + "|" + c.Code
		}
	}
	return strings.ToLower(strings.TrimSpace(e.Title))
}

// InError reports an entry entered in error.
func InError(e *record.Entry) bool { return e.Status == "entered-in-error" }

func toSet(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Archive is an export as export.Read found it.
type Archive struct {
	// Data is everything the export holds, in Backpack's lossless form. Its
	// Files are the files' metadata; their bytes went to the FileSink.
	Data Data
	// Created is when the export was written.
	Created time.Time
	// Name is the literal-data file name (backpack-export-YYYY-MM-DD.zip).
	Name string
	// Partial reports an export of a selection rather than of a whole vault;
	// Summary and IPS whether it has summary.html and IPS documents.
	Partial, Summary, IPS bool
	// Contents lists the archive's paths in order.
	Contents []string
}
