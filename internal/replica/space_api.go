package replica

import (
	"context"
	"errors"
	"time"
)

// errNotYet is returned by the parts of shared profiles not built yet.
var errNotYet = errors.New("replica: shared profiles are not built yet")

// ShareProfile makes person profileID of this vault a shared profile: it
// registers a new space at the server (its own random keys, see the
// package's "Shared profiles") and returns it; the first Sync pushes the
// person's records (that person's only). ErrNoProfile, ErrAlreadyShared.
func ShareProfile(ctx context.Context, local Local, opt Options, profileID string) (*Space, error) {
	return nil, errNotYet
}

// Invite opens an invitation of role for ttl (0: InviteTTL, at most a day).
// ownerName is how the member's app will name whose profile it is (sealed:
// the server never reads it). Owner only (ErrNotOwner).
func (s *Space) Invite(ctx context.Context, role Role, ownerName string, ttl time.Duration) (SpaceInvite, error) {
	return SpaceInvite{}, errNotYet
}

// JoinSpace joins a shared profile with an invitation code (or the whole
// link) and returns it; memberName is how the owner will see this member
// (sealed to the owner). ErrBadCode: mistyped, used or expired. The caller
// then Syncs to bring the person's records into this vault.
func JoinSpace(ctx context.Context, local Local, opt Options, code, memberName string) (*Space, error) {
	return nil, errNotYet
}

// Sync pulls the space's log into this vault and, for the owner and
// co-managers, pushes this vault's changes of the person. ErrReadOnly: a
// read-only member changed the person (the server refused it; nothing else
// changes). ErrRemoved: the owner removed this device (Info then says
// SpaceRemoved). ErrOffline as Engine.Sync.
func (s *Space) Sync(ctx context.Context) (Result, error) {
	return Result{}, errNotYet
}

// Members lists the space's member devices (owner only: ErrNotOwner).
func (s *Space) Members(ctx context.Context) ([]Member, error) {
	return nil, errNotYet
}

// Revoke removes member device at the server and rotates the profile key:
// what is changed from then on is sealed with a key the removed member
// never gets; the remaining members receive it wrapped. Owner only.
func (s *Space) Revoke(ctx context.Context, device string) error {
	return errNotYet
}

// Leave ends this member device's part in the space (its records stay in
// this vault, no longer synced). For the owner, Leave stops sharing: the
// space is deleted at the server and every member becomes SpaceRemoved.
func (s *Space) Leave(ctx context.Context) error {
	return errNotYet
}
