//go:build !spacefake

// The app's shared-profiles engine: internal/replica's spaces over this
// page's own server (a build with -tags spacefake has a stand-in instead).

package ui

import (
	"context"
	"errors"
	"time"

	"backpack/internal/replica"
	"backpack/internal/session"
)

// spaceEngine is the app's shared-profiles engine: internal/replica's
// spaces, over this page's own server.
type spaceEngine struct{}

func init() { useSpaces(spaceEngine{}) }

// roleOf and roleTo translate between the engine's roles and the pages'.
func roleOf(r replica.Role) spaceRole {
	if r == replica.RoleCoManage {
		return roleEdit
	}
	return roleView
}

func roleTo(r spaceRole) replica.Role {
	if r == roleEdit {
		return replica.RoleCoManage
	}
	return replica.RoleRead
}

// spaceErr gives the engine's errors the pages' names.
func spaceErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, replica.ErrBadCode):
		return errors.Join(errSpaceBadCode, err)
	case errors.Is(err, replica.ErrReadOnly):
		return errors.Join(errSpaceReadOnly, err)
	case errors.Is(err, replica.ErrRemoved):
		return errors.Join(errSpaceRemoved, err)
	}
	return err
}

func (spaceEngine) Spaces(ctx context.Context, s *session.Session) ([]spaceInfo, error) {
	all, err := replica.Spaces(ctx, s, syncOptions())
	if err != nil {
		return nil, err
	}
	out := make([]spaceInfo, 0, len(all))
	for _, sp := range all {
		i, err := sp.Info(ctx)
		if err != nil {
			continue
		}
		out = append(out, spaceInfo{Profile: i.Profile, Mine: i.Owner, Owner: i.OwnerName, Role: roleOf(i.Role),
			Removed: i.State == replica.SpaceRemoved, Synced: i.Synced, Waiting: i.Waiting})
	}
	return out, nil
}

func (spaceEngine) Sync(ctx context.Context, s *session.Session) (pulled bool, err error) {
	all, err := replica.Spaces(ctx, s, syncOptions())
	if err != nil {
		return false, err
	}
	var first error
	for _, sp := range all {
		res, err := sp.Sync(ctx)
		pulled = pulled || res.Pulled > 0
		if err != nil && !errors.Is(err, replica.ErrRemoved) && first == nil {
			first = err
		}
	}
	return pulled, spaceErr(first)
}

func (spaceEngine) space(ctx context.Context, s *session.Session, profile string) (*replica.Space, error) {
	sp, err := replica.SpaceOf(ctx, s, syncOptions(), profile)
	if err == nil && sp == nil {
		err = replica.ErrNoProfile
	}
	return sp, err
}

func (e spaceEngine) Share(ctx context.Context, s *session.Session, profile string, role spaceRole, owner string) (string, time.Time, error) {
	if engine() == nil {
		return "", time.Time{}, errSpaceNoSync
	}
	// The person's space may be this device's or another owner device's
	// (its keys came with the vault's sync): then it only invites.
	sp, err := replica.SpaceOf(ctx, s, syncOptions(), profile)
	if err == nil && sp == nil {
		sp, err = replica.ShareProfile(ctx, s, syncOptions(), profile)
		if errors.Is(err, replica.ErrAlreadyShared) && sp != nil {
			err = nil // shared meanwhile (another tab)
		}
	}
	if err != nil {
		return "", time.Time{}, spaceErr(err)
	}
	inv, err := sp.Invite(ctx, roleTo(role), owner, 0)
	return inv.Code, inv.Expires, spaceErr(err)
}

func (e spaceEngine) Members(ctx context.Context, s *session.Session, profile string) ([]spaceMember, error) {
	sp, err := replica.SpaceOf(ctx, s, syncOptions(), profile)
	if err != nil || sp == nil {
		return nil, spaceErr(err) // not shared yet: nobody
	}
	ms, err := sp.Members(ctx)
	if err != nil {
		return nil, spaceErr(err)
	}
	out := make([]spaceMember, 0, len(ms))
	for _, m := range ms {
		out = append(out, spaceMember{ID: m.Device, Name: m.Name, Role: roleOf(m.Role), Joined: m.Joined})
	}
	return out, nil
}

func (e spaceEngine) RemoveMember(ctx context.Context, s *session.Session, profile, member string) error {
	sp, err := e.space(ctx, s, profile)
	if err != nil {
		return spaceErr(err)
	}
	return spaceErr(sp.Revoke(ctx, member))
}

func (spaceEngine) Look(ctx context.Context, code string) (spaceInvite, error) {
	j, err := replica.StartJoinSpace(ctx, code, syncOptions())
	if err != nil {
		return spaceInvite{}, spaceErr(err)
	}
	return spaceInvite{Owner: j.OwnerName(), Role: roleOf(j.Role()), handle: j}, nil
}

func (spaceEngine) Join(ctx context.Context, s *session.Session, inv spaceInvite, name string) (string, error) {
	j, ok := inv.handle.(*replica.SpaceJoining)
	if !ok {
		return "", errSpaceBadCode
	}
	sp, err := j.Join(ctx, s, name)
	if err != nil {
		return "", spaceErr(err)
	}
	i, err := sp.Info(ctx)
	return i.Profile, spaceErr(err)
}
