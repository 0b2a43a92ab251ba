package replica

import (
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

func mergeEntry(t *testing.T, what string, updated time.Time, notes ...string) item {
	t.Helper()
	r, err := fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"` + what + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := record.Project(r)
	e := record.Entry{ID: "e1", Profile: "p1", Resource: r, Projection: p, Updated: updated}
	for _, n := range notes {
		e.Notes = append(e.Notes, record.Note{ID: n, Text: n, Created: updated})
	}
	h, b := record.EncodeEntry(e)
	return item{ID: "e1", Header: h, Body: b, Time: updated}
}

// The rules of merge, one case each: a deletion wins only when made after
// the other side's change; content changed on both sides keeps both
// versions; notes of both sides are kept; other records keep the later
// change.
func TestMergeRules(t *testing.T) {
	t1 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Minute)
	base := bodyHash(mergeEntry(t, "Penicillin", t1).Body)
	gone := func(at time.Time) item { return item{ID: "e1", Deleted: true, Time: at} }

	if o := merge(gone(t2), mergeEntry(t, "Penicillin V", t1), base, true); !o.keep.Deleted || !o.push {
		t.Errorf("deleted after the edit: %+v", o)
	}
	if o := merge(gone(t1), mergeEntry(t, "Penicillin V", t2), base, true); o.keep.Deleted || o.push {
		t.Errorf("edited after the deletion: kept deleted=%v push=%v", o.keep.Deleted, o.push)
	}
	if o := merge(mergeEntry(t, "Penicillin V", t1), gone(t2), base, true); !o.keep.Deleted || o.push {
		t.Errorf("deleted there after the edit here: %+v", o)
	}
	o := merge(mergeEntry(t, "Penicillin V", t1, "mine"), mergeEntry(t, "Amoxicillin", t2, "theirs"), base, true)
	if len(o.copies) != 1 || !strings.HasPrefix(o.copies[0].ID, record.ConflictPrefix+"e1.") || !o.push {
		t.Fatalf("both changed: %d copies, push %v", len(o.copies), o.push)
	}
	kept, _ := entryOf(o.keep)
	other, _ := entryOf(o.copies[0])
	if kept.Title != "Amoxicillin" || other.Title != "Penicillin V" || len(kept.Notes) != 2 {
		t.Errorf("kept %q (notes %d), other %q", kept.Title, len(kept.Notes), other.Title)
	}
	// Only a note here, the content there: no conflict, both kept.
	o = merge(mergeEntry(t, "Penicillin", t2, "mine"), mergeEntry(t, "Amoxicillin", t1), base, true)
	kept, _ = entryOf(o.keep)
	if len(o.copies) != 0 || kept.Title != "Amoxicillin" || len(kept.Notes) != 1 {
		t.Errorf("note here, content there: copies %d, %q, notes %d", len(o.copies), kept.Title, len(kept.Notes))
	}
	// A question (no entry) changed on both sides: the later one holds.
	q := func(text string, at time.Time) item {
		return item{ID: "q1", Header: record.EncodeQuestion(record.Question{ID: "q1", Text: text}), Time: at}
	}
	if o := merge(q("mine", t2), q("theirs", t1), [8]byte{}, false); !o.push || len(o.copies) != 0 {
		t.Errorf("later question here: %+v", o)
	}
	if o := merge(q("mine", t1), q("theirs", t2), [8]byte{}, false); o.push {
		t.Errorf("later question there: %+v", o)
	}
}
