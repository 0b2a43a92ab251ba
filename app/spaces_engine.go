package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"backpack/internal/session"
)

// spaceBackend is what the pages need of the shared-profiles engine. The
// app's one is spaceEngine (spaces_replica.go); host tests use a fake.
type spaceBackend interface {
	// Spaces lists the people of s that are shared, either way.
	Spaces(ctx context.Context, s *session.Session) ([]spaceInfo, error)
	// Sync syncs every shared person of s; it reports whether anything
	// arrived.
	Sync(ctx context.Context, s *session.Session) (pulled bool, err error)
	// Share opens an invitation to profile with role; ownerName is how the
	// member will see the owner. The code works once, until expires.
	Share(ctx context.Context, s *session.Session, profile string, role spaceRole, ownerName string) (code string, expires time.Time, err error)
	// Members lists who the owner shares profile with.
	Members(ctx context.Context, s *session.Session, profile string) ([]spaceMember, error)
	// RemoveMember stops sharing profile with member: later changes are
	// closed to them.
	RemoveMember(ctx context.Context, s *session.Session, profile, member string) error
	// Look reads an invitation: whose it is and the role it gives.
	Look(ctx context.Context, code string) (spaceInvite, error)
	// Join accepts the invitation into s under name (how the owner sees the
	// member); it returns the person's profile id in s.
	Join(ctx context.Context, s *session.Session, inv spaceInvite, name string) (profile string, err error)
}

// spaceInvite is an invitation read by the member before joining.
type spaceInvite struct {
	Owner  string
	Role   spaceRole
	handle any // the engine's own joining state
}

// Errors the pages tell apart.
var (
	errSpaceBadCode  = errors.New("space: the invitation does not work")
	errSpaceNoSync   = errors.New("space: sync is off on this device")
	errSpaceReadOnly = errors.New("space: this person is read-only here")
	errSpaceRemoved  = errors.New("space: the owner stopped sharing")
)

var spaceBackendMu sync.Mutex
var spaceBackendNow spaceBackend

// spaces is the engine the pages use, nil when there is none.
func spaces() spaceBackend {
	spaceBackendMu.Lock()
	defer spaceBackendMu.Unlock()
	return spaceBackendNow
}

// useSpaces installs b (the app's engine at start; a fake in host tests).
func useSpaces(b spaceBackend) {
	spaceBackendMu.Lock()
	spaceBackendNow = b
	spaceBackendMu.Unlock()
}

// pendingSpace is the invitation code of a link opened before the vault was
// unlocked (or created). It stays in memory only, never in storage or the
// address: the unlock or the first profile goes back to the join page.
var pendingSpace struct {
	mu   sync.Mutex
	code string
}

func setPendingSpace(code string) {
	pendingSpace.mu.Lock()
	pendingSpace.code = code
	pendingSpace.mu.Unlock()
}

func pendingSpaceCode() string {
	pendingSpace.mu.Lock()
	defer pendingSpace.mu.Unlock()
	return pendingSpace.code
}
