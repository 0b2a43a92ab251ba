package ui

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/replica"
	"backpack/internal/session"
)

// Co-managed profiles (a "space" in internal/replica): one person's record
// shared with another Backpack user, who may view it or view and edit it.
// This file holds what the pages decide from a person's sharing: the role,
// what it allows, and the line every page shows about whose profile it is.
// The pages (spaces_share.go for the owner, spaces_join.go for the member)
// reach the engine through spaceBackend (spaces_engine.go).

// spaceRole is what a member may do with a shared person's record.
type spaceRole string

const (
	roleView spaceRole = "view" // can view
	roleEdit spaceRole = "edit" // can view and edit
)

// spaceInfo is what this device knows of a person it shares or was shared.
type spaceInfo struct {
	Profile string    // the person's profile id in this vault
	Mine    bool      // this vault owns the person and shares them with others
	Owner   string    // member side: the owner's name, as the owner gave it
	Role    spaceRole // member side: what this vault may do
	Removed bool      // member side: the owner stopped sharing with this vault
	Synced  time.Time // last sync of this person's record
	Waiting int       // changes here not yet sent
}

// spaceMember is one member of a person the owner shares.
type spaceMember struct {
	ID     string
	Name   string // as the member gave it when joining
	Role   spaceRole
	Joined time.Time
}

// spaceActions is what the person using this device may do with one
// person's record.
type spaceActions struct {
	Change bool // add, edit, delete entries, notes, flags, files, questions; import
	Share  bool // share the person with someone (and see the members)
	Edit   bool // change the person's name, birth date, relationship
	Delete bool // delete the person (for a member: remove what this device has)
}

// actionsFor is what a role allows. ok is false for a person that is not
// shared at all (everything is allowed). A member never shares onwards; a
// read-only member changes nothing; once removed, what is kept is
// read-only and may be removed from this device.
func actionsFor(info spaceInfo, ok bool) spaceActions {
	switch {
	case !ok || info.Mine:
		return spaceActions{Change: true, Share: true, Edit: true, Delete: true}
	case info.Removed:
		return spaceActions{Delete: true}
	case info.Role == roleEdit:
		return spaceActions{Change: true, Edit: true}
	}
	return spaceActions{} // can view, or a role this version does not know: the safe reading
}

// spaceCache is what the last look at the engine said, per profile, so
// that every render knows at once (rendering never waits).
var spaceCache struct {
	mu   sync.Mutex
	sess *session.Session
	by   map[string]spaceInfo
}

// setSpaces replaces what is known of the session's shared people and
// reports whether that changed anything.
func setSpaces(s *session.Session, infos []spaceInfo) bool {
	by := make(map[string]spaceInfo, len(infos))
	for _, in := range infos {
		by[in.Profile] = in
	}
	spaceCache.mu.Lock()
	defer spaceCache.mu.Unlock()
	same := spaceCache.sess == s && len(spaceCache.by) == len(by)
	for k, v := range by {
		same = same && spaceCache.by[k] == v
	}
	spaceCache.sess, spaceCache.by = s, by
	return !same
}

// sharedInfo is what is known of a person's sharing in the current session.
func sharedInfo(profile string) (spaceInfo, bool) {
	s := current()
	spaceCache.mu.Lock()
	defer spaceCache.mu.Unlock()
	if s == nil || spaceCache.sess != s {
		return spaceInfo{}, false
	}
	in, ok := spaceCache.by[profile]
	return in, ok
}

// sharedList is every shared person of the current session.
func sharedList() []spaceInfo {
	s := current()
	spaceCache.mu.Lock()
	defer spaceCache.mu.Unlock()
	if s == nil || spaceCache.sess != s {
		return nil
	}
	out := make([]spaceInfo, 0, len(spaceCache.by))
	for _, in := range spaceCache.by {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// may is what this device may do with a person's record.
func may(profile string) spaceActions { return actionsFor(sharedInfo(profile)) }

// mayChangeCurrent reports whether the person shown may be changed here.
func mayChangeCurrent() bool {
	pr, ok := currentProfile()
	return !ok || may(pr.ID).Change
}

// spaceRoleText is "you can view" or "you can view and edit".
func spaceRoleText(r spaceRole) string {
	if r == roleEdit {
		return i18n.T("space.you.edit")
	}
	return i18n.T("space.you.view")
}

// memberRoleText is "Can view" or "Can view and edit", for the owner's list.
func memberRoleText(r spaceRole) string {
	if r == roleEdit {
		return i18n.T("space.role.edit")
	}
	return i18n.T("space.role.view")
}

// sharedLineText is the line about whose profile it is: "Shared by Ana ·
// you can view", "Ana stopped sharing … with you", or "You share … with 2
// people"; "" for a person that is not shared.
func sharedLineText(info spaceInfo, ok bool, members int) string {
	switch {
	case !ok:
		return ""
	case info.Mine:
		if members == 0 {
			return ""
		}
		return i18n.N("space.line.mine", members)
	case info.Removed:
		return i18n.T("space.line.removed", info.Owner)
	}
	return i18n.T("space.line.shared", info.Owner, spaceRoleText(info.Role))
}

// spaceMembers counts, per profile, the members the owner's last look
// listed (for "You share this profile with 2 people").
var spaceMembers struct {
	mu sync.Mutex
	n  map[string]int
}

func setMemberCount(profile string, n int) {
	spaceMembers.mu.Lock()
	if spaceMembers.n == nil {
		spaceMembers.n = map[string]int{}
	}
	spaceMembers.n[profile] = n
	spaceMembers.mu.Unlock()
}

func memberCount(profile string) int {
	spaceMembers.mu.Lock()
	defer spaceMembers.mu.Unlock()
	return spaceMembers.n[profile]
}

// sharedLine is the line every page shows under its title when the person
// shown is shared: whose profile it is and what this device may do.
func sharedLine() app.UI {
	pr, ok := currentProfile()
	if !ok {
		return nil
	}
	info, shared := sharedInfo(pr.ID)
	text := sharedLineText(info, shared, memberCount(pr.ID))
	if text == "" {
		return nil
	}
	class := "shared-line"
	if info.Removed {
		class += " warn-box"
	}
	return app.P().ID("shared-line").Class(class).Text(text)
}

// personPages show one person's record: they carry the shared line.
var personPages = []string{PathSummary, PathTimeline, PathEntry, PathAdd, PathEdit, PathFiles, PathFlags,
	PathQuestions, PathEmergency, PathWallet, PathTrend}

// personPage reports whether path shows one person's record.
func personPage(path string) bool {
	for _, p := range personPages {
		if path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// readOnlyNote replaces a form the person shown may not use.
func readOnlyNote() app.UI {
	pr, _ := currentProfile()
	info, _ := sharedInfo(pr.ID)
	if info.Removed {
		return app.P().ID("read-only").Class("muted").Text(i18n.T("space.readonly.removed"))
	}
	return app.P().ID("read-only").Class("muted").Text(i18n.T("space.readonly", info.Owner))
}

// refreshSpaces asks the engine what is shared and updates every page.
func refreshSpaces(ctx context.Context, s *session.Session) {
	b := spaces()
	if b == nil || s == nil {
		return
	}
	infos, err := b.Spaces(ctx, s)
	if err != nil {
		return
	}
	if setSpaces(s, infos) {
		updateShell()
	}
}

// sharedSyncCard is the sync status of the shared people, beside the
// device's own on the Devices page; nil when nothing is shared.
func sharedSyncCard(busy bool, onSync app.EventHandler) app.UI {
	s := current()
	list := sharedList()
	if s == nil || len(list) == 0 {
		return nil
	}
	now := time.Now()
	return app.Section().ID("sync-shared").Class("card sync-card").Aria("labelledby", "sync-shared-h").Body(
		app.H2().ID("sync-shared-h").Text(i18n.T("space.sync.title")),
		app.Ul().Class("device-list").Body(app.Range(list).Slice(func(i int) app.UI {
			in := list[i]
			pr, ok := s.Book().Profile(in.Profile)
			if !ok {
				return nil
			}
			who := i18n.T("space.sync.theirs", pr.Name)
			if in.Mine {
				who = i18n.T("space.sync.mine", pr.Name)
			}
			var line string
			if in.Removed {
				line = i18n.T("space.sync.removed")
			} else {
				synced, waiting := syncStatusText(replicaStatus(in), now)
				line = synced
				if waiting != "" {
					line += " · " + waiting
				}
			}
			return app.Li().Class("device shared-sync").DataSet("profile", in.Profile).Body(
				app.Span().Class("device-name").Text(who),
				app.Span().Class("sync-line shared-sync-line").Text(line),
			)
		})),
		app.Div().Class("actions").Body(
			app.Button().ID("shared-sync-now").Class("btn btn-secondary").Disabled(busy).Aria("busy", busy).
				Text(i18n.T("sync.now")).OnClick(onSync),
			app.If(busy, func() app.UI { return busyBar(i18n.T("sync.syncing")) }),
		),
	)
}

// replicaStatus is a shared person's sync state in the vault's terms, for
// the same words ("Synced 2 min ago · 1 change waiting").
func replicaStatus(in spaceInfo) replica.Status {
	return replica.Status{Synced: in.Synced, Waiting: in.Waiting}
}
