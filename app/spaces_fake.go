//go:build spacefake

package ui

// A stand-in engine for looking at the shared-profile pages in one browser
// before the real one is wired (build with -tags spacefake; never shipped).
// A code starting with "E" invites to co-manage; one containing "R" is
// removed at the next sync.

import (
	"context"
	"strings"
	"sync"
	"time"

	"backpack/internal/record"
	"backpack/internal/session"
)

func init() {
	useSpaces(&fakeSpaces{mine: map[string][]spaceMember{}, theirs: map[string]spaceInfo{}, codes: map[string]string{}})
}

type fakeSpaces struct {
	mu     sync.Mutex
	mine   map[string][]spaceMember
	theirs map[string]spaceInfo
	codes  map[string]string // profile → code joined
}

func (f *fakeSpaces) Spaces(ctx context.Context, s *session.Session) ([]spaceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []spaceInfo
	for p := range f.mine {
		out = append(out, spaceInfo{Profile: p, Mine: true, Synced: time.Now()})
	}
	for _, in := range f.theirs {
		out = append(out, in)
	}
	return out, nil
}

func (f *fakeSpaces) Sync(ctx context.Context, s *session.Session) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, in := range f.theirs {
		if strings.Contains(f.codes[p], "R") {
			in.Removed = true
		}
		in.Synced = time.Now()
		f.theirs[p] = in
	}
	return false, nil
}

func (f *fakeSpaces) Share(ctx context.Context, s *session.Session, profile string, role spaceRole, owner string) (string, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mine[profile] = append(f.mine[profile], spaceMember{ID: "m" + string(rune('a'+len(f.mine[profile]))), Name: "Bea Example", Role: role, Joined: time.Now()})
	return "ABCD-EFGH-JKLM-NPQR", time.Now().Add(15 * time.Minute), nil
}

func (f *fakeSpaces) Members(ctx context.Context, s *session.Session, profile string) ([]spaceMember, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]spaceMember(nil), f.mine[profile]...), nil
}

func (f *fakeSpaces) RemoveMember(ctx context.Context, s *session.Session, profile, member string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ms := f.mine[profile][:0:0]
	for _, m := range f.mine[profile] {
		if m.ID != member {
			ms = append(ms, m)
		}
	}
	f.mine[profile] = ms
	return nil
}

func (f *fakeSpaces) Look(ctx context.Context, code string) (spaceInvite, error) {
	if len(code) < 4 {
		return spaceInvite{}, errSpaceBadCode
	}
	role := roleView
	if strings.HasPrefix(code, "E") {
		role = roleEdit
	}
	return spaceInvite{Owner: "Alex Example", Role: role, handle: code}, nil
}

func (f *fakeSpaces) Join(ctx context.Context, s *session.Session, inv spaceInvite, name string) (string, error) {
	pr, err := s.SaveProfile(ctx, record.Profile{ID: record.NewID(), Name: "Robin Example", BirthDate: "2016-05-04", Relationship: "child"})
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.theirs[pr.ID] = spaceInfo{Profile: pr.ID, Owner: inv.Owner, Role: inv.Role}
	f.codes[pr.ID] = inv.handle.(string)
	return pr.ID, nil
}
