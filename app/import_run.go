package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/worker"
)

// The import pipeline, free of any browser code so it is tested on the host:
// read one file (bounded, streamed) → importer.Result → preview → entries →
// one atomic session.Import per file.

// importMaxBytes is the largest file the import page reads (compressed or
// not); larger files are refused before a byte is read.
const importMaxBytes = worker.MaxBytes

// importNewProfile is the target value meaning "a new person from this
// file's Patient".
const importNewProfile = "new"

// importAccept lists what the file picker offers.
const importAccept = ".json,.ndjson,.jsonl,.xml,.gz,.smart-health-card,.txt,.jws,application/json,application/fhir+json,text/xml,application/xml,application/gzip,text/plain"

// importParsed is p, or for a file that could not be read a result that
// only names it.
func importParsed(name string, p worker.Parsed, err error) (worker.Parsed, error) {
	if err != nil {
		p = worker.Parsed{Result: importer.Result{File: name, Format: importer.FormatUnknown, Counts: map[string]int{}}}
	}
	return p, err
}

// importMaxKeys is the largest file read as SMART Health Card issuer keys.
const importMaxKeys = 64 << 10

// importReadKeys reads a small .json file that is a JSON Web Key Set (a
// health card issuer's public keys, as published at
// <issuer>/.well-known/jwks.json). ok is false for anything else, which is
// then imported as usual. Backpack never fetches keys: the person adds the
// ones they trust, and cards in the same import are checked against them.
func importReadKeys(name string, size int64, open func() io.ReadCloser) (keys importer.JWKS, ok bool) {
	if size <= 0 || size > importMaxKeys || !strings.HasSuffix(strings.ToLower(name), ".json") {
		return importer.JWKS{}, false
	}
	rc := open()
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, importMaxKeys+1))
	if err != nil || len(b) > importMaxKeys || bytes.Contains(b, []byte(`"resourceType"`)) {
		return importer.JWKS{}, false
	}
	k, err := importer.ParseJWKS(b)
	if err != nil {
		return importer.JWKS{}, false
	}
	var usable importer.JWKS
	for _, key := range k.Keys {
		if key.Kty == "EC" && key.Crv == "P-256" && key.X != "" && key.Y != "" {
			usable.Keys = append(usable.Keys, key)
		}
	}
	return usable, len(usable.Keys) > 0
}

// importErrorKey is the catalog key that explains a whole-file import
// error (worker.ErrorKey).
func importErrorKey(err error) string { return worker.ErrorKey(err) }

// importProblemGroup is every problem of one code in one file: a file with
// a thousand skipped lines shows one line saying so, with where they are.
type importProblemGroup struct {
	Severity string
	Code     string
	Count    int
	Where    []string // the first few locations
	Sample   importer.Problem
}

const importMaxWhere = 8

// groupProblems groups problems by code, errors first, in first-seen order.
func groupProblems(ps []importer.Problem) []importProblemGroup {
	var out []importProblemGroup
	idx := map[string]int{}
	for _, p := range ps {
		k := p.Severity + "\x00" + p.Code
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, importProblemGroup{Severity: p.Severity, Code: p.Code, Sample: p})
		}
		g := &out[i]
		g.Count++
		if p.Where != "" && len(g.Where) < importMaxWhere {
			g.Where = append(g.Where, p.Where)
		}
	}
	rank := func(s string) int {
		switch s {
		case importer.SevError:
			return 0
		case importer.SevWarning:
			return 1
		}
		return 2
	}
	// Stable insertion sort by severity (few groups).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j].Severity) < rank(out[j-1].Severity); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// importKindCounts counts prepared entries by kind, in plain words for the
// preview ("12 lab results"): most first, then in the kinds' display order.
func importKindCounts(entries []record.Entry) []importCount {
	n := map[record.Kind]int{}
	for _, e := range entries {
		k := e.Kind
		if !slices.Contains(record.Kinds, k) {
			k = record.KindOther
		}
		n[k]++
	}
	var out []importCount
	for _, k := range record.Kinds {
		if n[k] > 0 {
			out = append(out, importCount{Type: string(k), N: n[k]})
		}
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b importCount) int { return b.N - a.N }
	sort.SliceStable(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out
}

// importCountText is one line of the preview's counts: "12 lab results".
func importCountText(c importCount) string {
	key := "importui.n." + c.Type
	if _, ok := i18n.PluralIn(i18n.English, key); !ok {
		key = "importui.n." + string(record.KindOther)
	}
	return i18n.N(key, c.N)
}

// importDefaultTarget picks where a file goes unless the person says
// otherwise: the profile whose name and birth date match the file's patient,
// else a new profile when there is none yet (and the file names a patient),
// else the current profile.
func importDefaultTarget(profiles []record.Profile, current string, res importer.Result) string {
	if res.Patient != nil {
		name, born := importer.PatientName(*res.Patient)
		for _, p := range profiles {
			if born != "" && p.BirthDate == born && importSameName(p.Name, name) {
				return p.ID
			}
		}
		if len(profiles) == 0 {
			return importNewProfile
		}
	}
	if current == "" && len(profiles) > 0 {
		return profiles[0].ID
	}
	return current
}

func importSameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// importOutcome is what saving one file did.
type importOutcome struct {
	Added, Skipped int
	Profile        string // the profile the entries went to
}

// importStage names a step of saving, for the progress bar.
type importStage int

const (
	stagePrepare importStage = iota // projecting resources into entries
	stageWrite                      // encrypting and writing, in one vault transaction
)

// importChunk is how many resources are turned into entries between two
// progress reports.
const importChunk = 500

// importPrepare turns a file's resources into entries that belong to no
// profile yet (importSave sets it), importChunk at a time; progress, when
// set, is called before each chunk with the records done of total. It is
// the CPU-heavy part of saving (projection, identity), so the page runs it
// while the person reads the preview.
func importPrepare(res importer.Result, now time.Time, progress func(done, total int)) []record.Entry {
	entries, _ := importInParts(len(res.Resources), progress, func(from, to int) ([]record.Entry, error) {
		part := res
		part.Resources = res.Resources[from:to]
		return importer.ToEntries(part, "", now), nil
	})
	return entries
}

// importDecode is importPrepare for entries the worker made: their
// headers decoded, importChunk at a time, progress called before each
// chunk. It falls back to importPrepare if they cannot be read.
func importDecode(p worker.Parsed, now time.Time, progress func(done, total int)) []record.Entry {
	entries, err := importInParts(len(p.Headers), progress, p.Entries)
	if err != nil {
		return importPrepare(p.Result, now, progress)
	}
	return entries
}

// importInParts makes total entries importChunk at a time with part,
// calling progress before each.
func importInParts(total int, progress func(done, total int), part func(from, to int) ([]record.Entry, error)) ([]record.Entry, error) {
	entries := make([]record.Entry, 0, total)
	for i := 0; i < total; i += importChunk {
		if progress != nil {
			progress(i, total)
		}
		es, err := part(i, min(i+importChunk, total))
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	return entries, nil
}

// importSave stores one file's records in one atomic vault write: into the
// profile target, or (target == importNewProfile) into a new profile made
// from the file's Patient, created in the same write. entries are the
// file's prepared entries (importPrepare), or nil to prepare them here.
// progress, when set, is called as the work goes: the stage, and records
// done of total.
func importSave(ctx context.Context, s *session.Session, res importer.Result, entries []record.Entry, target string, now time.Time, progress func(st importStage, done, total int)) (importOutcome, error) {
	if progress == nil {
		progress = func(importStage, int, int) {}
	}
	var prof *record.Profile
	profileID := target
	if target == importNewProfile {
		if res.Patient == nil {
			return importOutcome{}, errImportNoPatient
		}
		p, err := record.ProfileFromPatient(*res.Patient)
		if err != nil {
			return importOutcome{}, errImportNoPatient
		}
		if strings.TrimSpace(p.Name) == "" {
			p.Name = res.File
		}
		p.ID = record.NewID()
		p.Created = now
		if len(s.Book().Profiles()) == 0 {
			p.Relationship = "self"
		}
		prof, profileID = &p, p.ID
	} else if _, ok := s.Book().Profile(target); !ok {
		return importOutcome{}, errImportNoProfile
	}
	if entries == nil {
		entries = importPrepare(res, now, func(done, total int) { progress(stagePrepare, done, total) })
	}
	for i := range entries {
		entries[i].Profile = profileID
		// Prepared before the person added an issuer's keys, perhaps: the
		// provenance says what the last check of the file's cards found.
		entries[i].Provenance.Verified = nil
		if res.Verified != nil {
			v := *res.Verified
			entries[i].Provenance.Verified = &v
		}
	}
	progress(stageWrite, 0, len(entries))
	perfMark("import-write")
	added, skipped, err := s.Import(ctx, prof, entries, importFiles(res, len(entries))...)
	perfMark("import-write-end")
	if err != nil {
		return importOutcome{}, err
	}
	if prof != nil {
		profileID = prof.ID // the same person made meanwhile in another tab
	}
	return importOutcome{Added: added, Skipped: skipped, Profile: profileID}, nil
}

// importFiles are the documents embedded in a file (PDFs, images…), for
// session.Import to store as files attached to their entries: entry i is
// the one of res.Resources[i] (importPrepare keeps the order).
func importFiles(res importer.Result, entries int) []session.ImportFile {
	var out []session.ImportFile
	for _, f := range res.Files {
		var owners []int
		for _, o := range f.Owners {
			if o >= 0 && o < entries {
				owners = append(owners, o)
			}
		}
		out = append(out, session.ImportFile{Name: f.Name, Type: f.Type, SHA256: f.SHA256, Data: f.Data, Entries: owners})
	}
	return out
}

// importFilesText counts documents in plain words: "1 file", "2 files".
func importFilesText(n int) string {
	return i18n.N("importui.files.count", n)
}

// importGC lets the heap grow more between collections while a file is
// read or saved (the browser runs Go on one thread: every collection stops
// the import), within a memory limit; it returns the function that puts the
// previous settings back.
func importGC() (restore func()) {
	pct := debug.SetGCPercent(importGCPercent)
	limit := debug.SetMemoryLimit(importMemoryLimit)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

const (
	importGCPercent   = 400
	importMemoryLimit = 320 << 20 // the heap is collected early enough to stay under the 400 MB budget
)

var (
	errImportNoPatient = errors.New("import: the file names no patient")
	errImportNoProfile = errors.New("import: no such profile")
)

// importSaveErrorKey explains a failed save.
func importSaveErrorKey(err error) string {
	switch {
	case errors.Is(err, errImportNoPatient):
		return "importui.error.nopatient"
	case errors.Is(err, errImportNoProfile):
		return "importui.error.noprofile"
	}
	return "importui.error.save"
}
