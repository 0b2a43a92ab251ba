package ui

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// restoreResult counts what a restore brought back and what the vault
// already held.
type restoreResult struct {
	Profiles     int // profiles added (or an empty one filled in)
	Entries      int // entries added
	Skipped      int // entries already in the vault
	Notes        int // personal notes on the added entries, and added to held ones
	Flags        int // error flags on the added entries, and added to held ones
	Updated      int // entries already held that got notes, a flag or files
	Files        int // files added
	FilesSkipped int // files already in the vault
	Questions    int // questions added
}

// Nothing reports whether the restore added nothing at all.
func (r restoreResult) Nothing() bool {
	return r.Profiles+r.Entries+r.Files+r.Questions+r.Updated == 0
}

// restoreOpened restores the export file o holds into the session's
// vault, read in the worker module (o.open): the records come back from
// there, and the files' bytes stream into the vault as the worker reads
// them. progress, when not nil, gets the bytes of the file read so far.
func restoreOpened(ctx context.Context, s *session.Session, o *xpOpener, progress func(n int64)) (restoreResult, error) {
	return restoreWith(ctx, s, func(sink exportdata.FileSink) (*exportdata.Archive, error) {
		op, err := o.open(ctx, progress, sink)
		return op.Archive, err
	})
}

// restoreWith is a restore whose export read calls: it gives each file's
// bytes to sink and returns the records (or an error). Files stream into
// the vault as they are read; everything else is written in one atomic
// vault write at the end, once the whole export has been authenticated.
// On any failure the files already stored are deleted again and the book
// is left as it was: a failed restore leaves nothing.
//
// Restoring is idempotent: profiles are matched by id (or name and birth
// date), entries by identity within their profile, files by id and SHA-256
// (or name and SHA-256), questions by id (or text): restoring the same export
// twice adds nothing the second time.
func restoreWith(ctx context.Context, s *session.Session, read func(sink exportdata.FileSink) (*exportdata.Archive, error)) (restoreResult, error) {
	rs, err := newRestorer(s)
	if err != nil {
		return restoreResult{}, err
	}
	// What an earlier restore cut short left goes first (best effort).
	s.Vault().Reclaim(ctx)
	t0 := time.Now()
	perfMark("restore-read")
	a, err := read(rs.sink(ctx))
	perfMark("restore-read-end")
	if err != nil {
		rs.discard(ctx)
		return restoreResult{}, err
	}
	t1 := time.Now()
	// The merge reads and writes under the lock every tab takes, from the
	// book as the vault holds it then (another tab may have written).
	var res restoreResult
	err = s.Exclusive(ctx, func() (err error) {
		perfMark("restore-commit")
		res, err = rs.commit(ctx, a.Data)
		perfMark("restore-commit-end")
		return err
	})
	if err != nil {
		rs.discard(ctx)
		return restoreResult{}, err
	}
	xpPublishStats("backpackRestoreStats", map[string]float64{
		"readMs":   float64(t1.Sub(t0).Milliseconds()),
		"filesMs":  float64(rs.fileTime.Milliseconds()),
		"commitMs": float64(time.Since(t1).Milliseconds()),
		"putMs":    float64(rs.putTime.Milliseconds()),
		"entries":  float64(res.Entries),
	})
	return res, nil
}

// restorer holds the state of one restore.
type restorer struct {
	s     *session.Session
	taken map[string]bool // every record id in the vault, and ids given out here

	stage   *vault.Stage      // the files whose bytes this restore wrote, until the commit
	fileID  map[string]string // export file id → vault file id
	heldIDs map[string]bool   // export file ids the vault already holds (same bytes)

	fileTime, putTime time.Duration // for the benchmark's breakdown
}

func newRestorer(s *session.Session) (*restorer, error) {
	ids, err := s.Vault().IDs()
	if err != nil {
		return nil, err
	}
	rs := &restorer{s: s, stage: s.Vault().Stage(), taken: make(map[string]bool, len(ids)), fileID: map[string]string{}, heldIDs: map[string]bool{}}
	for _, id := range ids {
		rs.taken[id] = true
	}
	return rs, nil
}

// freeID returns id when no record uses it yet, else a fresh one, and
// reserves it.
func (rs *restorer) freeID(id string) string {
	if id == "" || rs.taken[id] {
		id = record.NewID()
		for rs.taken[id] {
			id = record.NewID()
		}
	}
	rs.taken[id] = true
	return id
}

// sink stores each file's bytes in the vault as it streams by.
func (rs *restorer) sink(ctx context.Context) exportdata.FileSink {
	return func(info record.FileInfo, r io.Reader) error {
		if f, ok := rs.s.Book().File(info.ID); ok && f.SHA256 == info.SHA256 && f.Size == info.Size {
			rs.fileID[info.ID] = f.ID
			rs.heldIDs[info.ID] = true
			return nil // already held: the bytes are skipped
		}
		id := rs.freeID(info.ID)
		start := time.Now()
		_, err := rs.stage.PutFile(ctx, id, r)
		if errors.Is(err, vault.ErrExists) {
			// Bytes under this id are left from a restore cut short
			// (reclaimed later): store these under a new id.
			id = rs.freeID("")
			_, err = rs.stage.PutFile(ctx, id, r)
		}
		rs.fileTime += time.Since(start)
		if err != nil {
			return err
		}
		rs.fileID[info.ID] = id
		return nil
	}
}

// discard deletes the file bytes this restore stored (best effort; what
// is left, the vault reclaims later).
func (rs *restorer) discard(ctx context.Context) {
	rs.stage.Abort(context.WithoutCancel(ctx))
}

func xpProfileKey(name, birth string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " ")) + "\x00" + birth
}

// commit writes profiles, entries, file descriptions and questions in one
// vault write and then shows them in the book.
func (rs *restorer) commit(ctx context.Context, d exportdata.Data) (restoreResult, error) {
	var res restoreResult
	book := rs.s.Book()
	var recs []vault.Record
	if ids, err := rs.s.Vault().IDs(); err == nil {
		for _, id := range ids {
			rs.taken[id] = true // written by another tab since the start
		}
	}

	// Profiles: same id, else same name and birth date, else (for the
	// owner) the empty profile a new vault starts with, else a new one.
	pmap := map[string]string{}
	byKey := map[string]string{}
	var emptySelf *record.Profile
	for _, p := range book.Profiles() {
		byKey[xpProfileKey(p.Name, p.BirthDate)] = p.ID
		if p.Relationship == "self" && emptySelf == nil && rs.profileEmpty(p.ID) {
			p := p
			emptySelf = &p
		}
	}
	var putProfiles []record.Profile
	for _, p := range d.Profiles {
		if _, ok := book.Profile(p.ID); ok {
			pmap[p.ID] = p.ID
			continue
		}
		if id, ok := byKey[xpProfileKey(p.Name, p.BirthDate)]; ok {
			pmap[p.ID] = id
			continue
		}
		np := p
		if p.Relationship == "self" && emptySelf != nil {
			np.ID = emptySelf.ID
			emptySelf = nil
		} else {
			np.ID = rs.freeID(p.ID)
		}
		pmap[p.ID] = np.ID
		if np.Patient.Type == "" && len(np.Patient.JSON) > 0 {
			np.Patient.Type = "Patient"
		}
		putProfiles = append(putProfiles, np)
		h, b := record.EncodeProfile(np)
		recs = append(recs, vault.Record{ID: np.ID, Header: h, Body: b})
		res.Profiles++
	}

	// Files: their bytes are in the vault already (or were held before).
	// A new file whose name and bytes a file of the same profile already has
	// is a duplicate too: its new copy is dropped.
	held := map[string]string{} // profile, name, sha → file id
	for _, p := range book.Profiles() {
		for _, f := range book.Files(p.ID) {
			held[f.Profile+"\x00"+f.Name+"\x00"+f.SHA256] = f.ID
		}
	}
	var putFiles []record.FileInfo
	for _, f := range d.Files {
		vid, ok := rs.fileID[f.ID]
		if !ok {
			continue // not in the archive (Read checks every listed file is)
		}
		if rs.heldIDs[f.ID] {
			res.FilesSkipped++
			continue
		}
		nf := f
		nf.ID = vid
		nf.Profile = pmap[f.Profile]
		if nf.Profile == "" {
			continue
		}
		if old, ok := held[nf.Profile+"\x00"+nf.Name+"\x00"+nf.SHA256]; ok {
			rs.fileID[f.ID] = old // its new copy goes at the commit
			res.FilesSkipped++
			continue
		}
		held[nf.Profile+"\x00"+nf.Name+"\x00"+nf.SHA256] = nf.ID
		putFiles = append(putFiles, nf)
		recs = append(recs, vault.Record{ID: nf.ID, Header: record.EncodeFile(nf)})
		res.Files++
	}

	// Entries: the book de-duplicates by identity within each profile. The
	// loops over them pause now and then (vault.WithPause, restore.go), so
	// the page answers and the bar moves through a large restore; the book
	// is taken back whole if the write fails.
	step := vault.Paced(ctx)
	entries := make([]record.Entry, 0, len(d.Entries))
	bodies := make(map[string][]byte, len(d.Entries))
	for _, e := range d.Entries {
		step()
		pid := pmap[e.Profile]
		if pid == "" {
			continue
		}
		e.Profile = pid
		if e.Identity == "" {
			e.Identity = record.Identity(e.Resource, e.Provenance)
		}
		var files []string
		for _, fid := range e.Files {
			if vid, ok := rs.fileID[fid]; ok {
				files = append(files, vid)
			} else if _, ok := book.File(fid); ok {
				files = append(files, fid)
			}
		}
		e.Files = files
		e.ID = rs.freeID(e.ID)
		bodies[e.ID] = e.Resource.JSON
		e.Resource = fhir.Resource{Type: e.Resource.Type, ID: e.Resource.ID}
		entries = append(entries, e)
	}
	// An entry already held keeps its own data, but gains the notes, the
	// error flag and the attached files it has in the export (added on the
	// other device).
	updates := map[string]record.Entry{} // held entry id → merged
	var order []string
	for _, e := range entries {
		step()
		old, ok := book.Held(e)
		if !ok {
			continue
		}
		if m, ok := updates[old.ID]; ok {
			old = m
		}
		merged, notes, flag := xpMergeInto(old, e)
		if notes == 0 && !flag && len(merged.Files) == len(old.Files) {
			continue
		}
		if _, ok := updates[old.ID]; !ok {
			order = append(order, old.ID)
			res.Updated++
		}
		updates[old.ID] = merged
		res.Notes += notes
		if flag {
			res.Flags++
		}
	}
	var putUpdates []record.Entry
	if len(order) > 0 {
		held, err := rs.s.Vault().Bodies(ctx, order)
		if err != nil {
			return restoreResult{}, err
		}
		for i, id := range order {
			full := updates[id]
			full.Updated = time.Now()
			putUpdates = append(putUpdates, full)
			full.Resource.JSON = held[i]
			h, b := record.EncodeEntry(full)
			recs = append(recs, vault.Record{ID: id, Header: h, Body: b})
		}
	}

	var added []record.Entry
	for i := 0; i < len(entries); i += restoreMergePart {
		step()
		part, skipped := book.Merge(entries[i:min(i+restoreMergePart, len(entries))])
		added = append(added, part...)
		res.Skipped += skipped
	}
	for _, e := range added {
		step()
		full := e
		full.Resource.JSON = bodies[e.ID]
		h, b := record.EncodeEntry(full)
		recs = append(recs, vault.Record{ID: e.ID, Header: h, Body: b})
		res.Entries++
		res.Notes += len(e.Notes)
		if e.Flag != nil {
			res.Flags++
		}
	}
	rollback := func() {
		for _, e := range added {
			book.Purge(e.ID)
		}
	}

	// Questions: same id, or same text in the same profile, is held.
	asked := map[string]bool{}
	for _, p := range book.Profiles() {
		for _, q := range book.Questions(p.ID) {
			asked[q.ID] = true
			asked[q.Profile+"\x00"+strings.TrimSpace(q.Text)] = true
		}
	}
	var putQuestions []record.Question
	for _, q := range d.Questions {
		pid := pmap[q.Profile]
		if pid == "" || asked[q.ID] || asked[pid+"\x00"+strings.TrimSpace(q.Text)] {
			continue
		}
		nq := q
		nq.Profile = pid
		nq.ID = rs.freeID(q.ID)
		asked[nq.ID] = true
		asked[pid+"\x00"+strings.TrimSpace(q.Text)] = true
		putQuestions = append(putQuestions, nq)
		recs = append(recs, vault.Record{ID: nq.ID, Header: record.EncodeQuestion(nq)})
		res.Questions++
	}

	if err := ctx.Err(); err != nil {
		rollback()
		return restoreResult{}, err
	}
	// The records, and the end of the stage: the files they describe are
	// kept, the other copies (duplicates, files of no profile) deleted.
	start := time.Now()
	perfMark("restore-write")
	err := rs.stage.Commit(ctx, recs...)
	perfMark("restore-write-end")
	rs.putTime = time.Since(start)
	if err != nil {
		rollback()
		return restoreResult{}, err
	}
	// The vault holds everything now: show it.
	var errs []error
	for _, p := range putProfiles {
		errs = append(errs, book.PutProfile(p))
	}
	for _, f := range putFiles {
		errs = append(errs, book.PutFile(f))
	}
	for _, q := range putQuestions {
		errs = append(errs, book.PutQuestion(q))
	}
	for _, e := range putUpdates {
		errs = append(errs, book.Update(e))
	}
	return res, errors.Join(errs...)
}

// restoreMergePart is how many entries a restore merges into the book at
// once, between pauses.
const restoreMergePart = 64

// xpMergeInto adds to held the notes (by id, or by text and time), the
// error flag (when held has none) and the attached files of in. It returns
// the merged entry, how many notes it gained and whether it gained a flag.
func xpMergeInto(held, in record.Entry) (record.Entry, int, bool) {
	have := map[string]bool{}
	for _, n := range held.Notes {
		have[n.ID] = true
		have[n.Text+"\x00"+n.Created.UTC().Format(time.RFC3339Nano)] = true
	}
	notes := 0
	for _, n := range in.Notes {
		if have[n.ID] || have[n.Text+"\x00"+n.Created.UTC().Format(time.RFC3339Nano)] {
			continue
		}
		held.Notes = append(held.Notes, n)
		have[n.ID] = true
		notes++
	}
	if notes > 0 {
		sort.SliceStable(held.Notes, func(i, j int) bool { return held.Notes[i].Created.Before(held.Notes[j].Created) })
	}
	flag := false
	if held.Flag == nil && in.Flag != nil {
		f := *in.Flag
		held.Flag = &f
		flag = true
	}
	attached := map[string]bool{}
	for _, id := range held.Files {
		attached[id] = true
	}
	for _, id := range in.Files {
		if !attached[id] {
			held.Files = append(held.Files, id)
			attached[id] = true
		}
	}
	return held, notes, flag
}

// profileEmpty reports whether a profile holds no entries, files or questions.
func (rs *restorer) profileEmpty(id string) bool {
	b := rs.s.Book()
	return b.Len(id) == 0 && len(b.Trash(id)) == 0 && len(b.Files(id)) == 0 && len(b.Questions(id)) == 0
}
