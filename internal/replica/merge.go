package replica

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"time"

	"backpack/internal/record"
)

// outcome is what merge decided for one record.
type outcome struct {
	keep   item   // what the record becomes on this device (Deleted: it goes)
	push   bool   // keep is not what the log holds: push it
	copies []item // conflict copies to store and push
}

// merge decides what a record becomes when this device changed it (local,
// Deleted when it deleted it; Time when it did) and the log brought another
// change of it (remote) since the two last agreed on its body (base, when
// known). Nothing is lost silently: a deletion wins over an edit only when
// made after it; an entry whose content both sides changed keeps both
// versions (the newer as the entry, the other as a conflict copy); notes,
// flags and attached files of both sides are merged; other records keep the
// later change.
func merge(local, remote item, base [8]byte, hasBase bool) outcome {
	switch {
	case local.Deleted && remote.Deleted:
		return outcome{keep: remote}
	case local.Deleted || remote.Deleted:
		if later(local, remote) {
			return outcome{keep: local, push: true}
		}
		return outcome{keep: remote}
	case bytes.Equal(local.Header, remote.Header) && bytes.Equal(local.Body, remote.Body):
		return outcome{keep: remote}
	}
	le, lok := entryOf(local)
	re, rok := entryOf(remote)
	if !lok || !rok {
		if later(local, remote) {
			return outcome{keep: local, push: true}
		}
		return outcome{keep: remote}
	}
	changed := func(b []byte) bool { return !hasBase || bodyHash(b) != base }
	lch, rch := changed(local.Body), changed(remote.Body)
	var main, other *record.Entry
	var conflict bool
	switch {
	case bytes.Equal(local.Body, remote.Body) || !rch:
		main = le
	case !lch:
		main = re
	default:
		conflict = true
		main, other = le, re
		if re.Updated.After(le.Updated) {
			main, other = re, le
		}
	}
	m := *main
	m.Notes = mergeNotes(le.Notes, re.Notes)
	m.Flag = mergeFlag(le.Flag, re.Flag)
	m.Files = mergeFiles(le.Files, re.Files)
	if re.Updated.After(m.Updated) {
		m.Updated = re.Updated
	}
	if le.Updated.After(m.Updated) {
		m.Updated = le.Updated
	}
	m.Deleted = mergeTrash(le, re)
	h, b := record.EncodeEntry(m)
	keep := item{ID: local.ID, Header: h, Body: b, Time: local.Time}
	if remote.Time.After(keep.Time) {
		keep.Time = remote.Time
	}
	out := outcome{keep: keep, push: !bytes.Equal(h, remote.Header) || !bytes.Equal(b, remote.Body)}
	if conflict {
		c := *other
		c.Notes, c.Flag, c.Files, c.Deleted = nil, nil, nil, time.Time{}
		ch, cb := record.EncodeEntry(c)
		out.copies = append(out.copies, item{ID: record.ConflictPrefix + local.ID + "." + record.NewID(), Header: ch, Body: cb, Time: keep.Time})
	}
	return out
}

// later reports whether local's change wins over remote's: made after it
// (a tie goes to the deletion-free side, then to the larger id of
// content, so both devices decide alike).
func later(local, remote item) bool {
	if !local.Time.Equal(remote.Time) {
		return local.Time.After(remote.Time)
	}
	if local.Deleted != remote.Deleted {
		return remote.Deleted
	}
	return bytes.Compare(local.Header, remote.Header) > 0
}

func entryOf(it item) (*record.Entry, bool) {
	h, err := record.DecodeHeader(it.Header)
	if err != nil || h.Type != record.RecordEntry || h.Entry == nil {
		return nil, false
	}
	e := *h.Entry
	e.Resource.JSON = it.Body
	return &e, true
}

func mergeNotes(a, b []record.Note) []record.Note {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.ContainsFunc(out, func(o record.Note) bool { return o.ID == n.ID }) {
			out = append(out, n)
		}
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(x, y record.Note) int { return x.Created.Compare(y.Created) }
	sort.SliceStable(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out
}

func mergeFiles(a, b []string) []string {
	out := slices.Clone(a)
	for _, f := range b {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// flagRank orders a flag's statuses by how far the amendment went.
func flagRank(s string) int {
	switch strings.ToLower(s) {
	case "requested":
		return 1
	case "corrected", "declined":
		return 2
	}
	return 0
}

func mergeFlag(a, b *record.ErrorFlag) *record.ErrorFlag {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Created.After(a.Created):
		return b
	case a.Created.Equal(b.Created) && flagRank(b.Status) > flagRank(a.Status):
		return b
	}
	return a
}

// mergeTrash: an entry moved to the trash on one side stays there only
// when it was moved after the other side's last change.
func mergeTrash(l, r *record.Entry) time.Time {
	switch {
	case l.Deleted.IsZero() && r.Deleted.IsZero():
		return time.Time{}
	case !l.Deleted.IsZero() && !r.Deleted.IsZero():
		return l.Deleted
	case !l.Deleted.IsZero():
		if l.Deleted.After(r.Updated) {
			return l.Deleted
		}
	default:
		if r.Deleted.After(l.Updated) {
			return r.Deleted
		}
	}
	return time.Time{}
}
