package ui

import (
	"strings"
	"testing"

	"backpack/internal/i18n"
)

// TestSpaceRoleActions: what each role allows. A person that is not shared,
// or that this vault owns, allows everything; a member never shares
// onwards; "can view" changes nothing; "can view and edit" changes the
// record but never deletes the person; once the owner stopped sharing,
// what is kept is read-only and may only be removed from this device; a
// role this version does not know reads as "can view".
func TestSpaceRoleActions(t *testing.T) {
	all := spaceActions{Change: true, Share: true, Edit: true, Delete: true}
	for _, c := range []struct {
		name string
		info spaceInfo
		ok   bool
		want spaceActions
	}{
		{"not shared", spaceInfo{}, false, all},
		{"owner", spaceInfo{Mine: true}, true, all},
		{"can view", spaceInfo{Owner: "Ana", Role: roleView}, true, spaceActions{}},
		{"can view and edit", spaceInfo{Owner: "Ana", Role: roleEdit}, true, spaceActions{Change: true, Edit: true}},
		{"removed, was view", spaceInfo{Owner: "Ana", Role: roleView, Removed: true}, true, spaceActions{Delete: true}},
		{"removed, was edit", spaceInfo{Owner: "Ana", Role: roleEdit, Removed: true}, true, spaceActions{Delete: true}},
		{"unknown role", spaceInfo{Owner: "Ana", Role: "admin"}, true, spaceActions{}},
		{"no role", spaceInfo{Owner: "Ana"}, true, spaceActions{}},
	} {
		if got := actionsFor(c.info, c.ok); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestSharedLine: the line about whose profile it is, in both languages,
// with the owner's count plural.
func TestSharedLine(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	for _, c := range []struct {
		lang    i18n.Lang
		info    spaceInfo
		ok      bool
		members int
		want    string
	}{
		{i18n.English, spaceInfo{}, false, 0, ""},
		{i18n.English, spaceInfo{Owner: "Ana", Role: roleView}, true, 0, "Shared by Ana · you can view"},
		{i18n.English, spaceInfo{Owner: "Ana", Role: roleEdit}, true, 0, "Shared by Ana · you can view and edit"},
		{i18n.English, spaceInfo{Owner: "Ana", Removed: true}, true, 0, "Ana stopped sharing this profile with you"},
		{i18n.English, spaceInfo{Mine: true}, true, 1, "You share this profile with 1 person"},
		{i18n.English, spaceInfo{Mine: true}, true, 2, "You share this profile with 2 people"},
		{i18n.English, spaceInfo{Mine: true}, true, 0, ""},
		{i18n.Spanish, spaceInfo{Owner: "Ana", Role: roleView}, true, 0, "Compartido por Ana · usted puede ver"},
		{i18n.Spanish, spaceInfo{Owner: "Ana", Role: roleEdit}, true, 0, "Compartido por Ana · usted puede ver y editar"},
		{i18n.Spanish, spaceInfo{Mine: true}, true, 3, "Usted comparte este perfil con 3 personas"},
	} {
		i18n.SetLang(c.lang)
		got := sharedLineText(c.info, c.ok, c.members)
		if c.want == "" && got != "" || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %+v %d: %q, want %q", c.lang, c.info, c.members, got, c.want)
		}
	}
}

// TestSpaceCache: what the pages know is per session, and a refresh that
// changes nothing says so (no re-render every few seconds).
func TestSpaceCache(t *testing.T) {
	setSpaces(nil, nil)
	infos := []spaceInfo{{Profile: "p1", Owner: "Ana", Role: roleView}}
	if !setSpaces(nil, infos) {
		t.Error("a new shared person did not count as a change")
	}
	if setSpaces(nil, infos) {
		t.Error("the same list counted as a change")
	}
	infos[0].Removed = true
	if !setSpaces(nil, infos) {
		t.Error("a removal did not count as a change")
	}
	if _, ok := sharedInfo("p1"); ok {
		t.Error("sharing known with no session")
	}
	setSpaces(nil, nil)
}

// TestPersonPages: the shared line shows on the pages of a person's record,
// not on the people, devices or settings pages.
func TestPersonPages(t *testing.T) {
	for path, want := range map[string]bool{
		PathSummary: true, PathTimeline: true, PathEntry + "abc": true, PathAdd: true, PathAdd + "allergy": true,
		PathEdit + "abc": true, PathFiles: true, PathQuestions: true,
		PathProfiles: false, PathDevices: false, PathSettings: false, PathMore: false, PathSpaceJoin: false,
		PathPersonShare + "abc": false, PathHome: false,
	} {
		if got := personPage(path); got != want {
			t.Errorf("personPage(%q) = %v", path, got)
		}
	}
}
