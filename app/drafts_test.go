package ui

import (
	"testing"
	"time"
)

func TestSameValues(t *testing.T) {
	if !sameValues(map[string]string{"a": "", "b": "x"}, map[string]string{"b": "x"}) {
		t.Error("a missing value is an empty one")
	}
	if sameValues(map[string]string{"b": "x"}, map[string]string{"b": "y"}) || sameValues(nil, map[string]string{"c": "z"}) {
		t.Error("different values compared equal")
	}
}

// Only pages a person was reading or filling in are gone back to after an
// unlock; the unlock, set-up and provider-view pages never are.
func TestReturnable(t *testing.T) {
	for path, want := range map[string]bool{
		"": false, PathHome: false, PathUnlock: false, PathSetup: false, PathView: false,
		PathSummary: true, PathEntry + "abc": true, PathAdd + "visit": true, PathSettings: true,
	} {
		if got := returnable(path); got != want {
			t.Errorf("%q: %v", path, got)
		}
	}
	if pathOnly("/timeline?q=x#y") != "/timeline" {
		t.Error(pathOnly("/timeline?q=x#y"))
	}
}

func TestLockWarning(t *testing.T) {
	if lockWarning(10*time.Minute) != time.Minute || lockWarning(time.Minute) != 30*time.Second {
		t.Error(lockWarning(10*time.Minute), lockWarning(time.Minute))
	}
}

// A draft kept in memory is offered by a form opened afresh, and given back
// at once to the same form shown again (the page redrawn).
func TestFormDraftOpen(t *testing.T) {
	t.Cleanup(func() { drafts.live, drafts.dirty = nil, "" })
	keepDraft("note:e1", "p1", map[string]string{"text": "typed"})
	var d formDraft
	if typed := d.open("note:e1", map[string]string{"text": ""}); typed != nil || d.offer == nil || d.offer.Fields["text"] != "typed" {
		t.Fatalf("fresh form: typed %v, offer %+v", typed, d.offer)
	}
	if typed := d.open("note:e1", map[string]string{"text": ""}); typed["text"] != "typed" {
		t.Fatalf("same form again: %v", typed)
	}
	var same formDraft
	if same.open("note:e1", map[string]string{"text": "typed"}); same.offer != nil {
		t.Fatal("a draft equal to the form is offered")
	}
	if !dirtyForm() || !unsavedDrafts() {
		t.Fatal("a kept draft leaves the form clean")
	}
	cleanForm("note:e1")
	if dirtyForm() {
		t.Fatal("still dirty")
	}
}
