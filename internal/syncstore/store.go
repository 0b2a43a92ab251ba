//go:build !wasm

// Package syncstore holds what Backpack's sync server keeps: per vault, the
// append-only log of encrypted envelopes with the vault-signed heads, the
// devices' public keys, open enrollments and encrypted file chunks (see
// backpack/internal/syncproto). Nothing in it can be read without the vault's
// keys, which the server never has.
//
// Two stores share one SQL implementation and one test suite: OpenSQLite, an
// embedded file (pure Go, the default of `serve -data DIR`), and
// OpenPostgres, for several stateless server processes sharing one database.
// Every change is one transaction: a push that fails or a process that dies
// mid-push leaves the log as it was; sequence numbers are assigned under a
// lock of the vault's row, so concurrent processes never interleave a push.
//
// Host only: the wasm app never imports this package.
package syncstore

import (
	"context"
	"time"

	"backpack/internal/syncproto"
)

// Store is the sync server's storage. Methods report protocol outcomes as
// *syncproto.Error (CodeNotFound, CodeExists, CodeConflict with the current
// head, CodeQuota, CodeBadRequest); any other error is the store failing.
type Store interface {
	// CreateVault registers a vault with its first device; CodeQuota when
	// the store already holds maxVaults vaults (0: no limit).
	CreateVault(ctx context.Context, v NewVault, maxVaults int) error
	Vault(ctx context.Context, id string) (Vault, error)
	// DeleteVault removes the vault and everything stored for it.
	DeleteVault(ctx context.Context, id string) error

	// DeviceKey is the public key of a registered device of vault and its
	// role (syncproto.RoleOwner "" unless it joined as a space's member).
	DeviceKey(ctx context.Context, vault, device string) (key []byte, role string, err error)
	// Devices lists vault's devices with their roles, and members' box
	// keys and sealed names.
	Devices(ctx context.Context, vault string) ([]syncproto.Device, error)
	// Enroll opens a one-time enrollment (a member's when e.Role is set);
	// CodeExists when another vault has an enrollment of that key.
	Enroll(ctx context.Context, vault string, e Enrollment) error
	// Peek reads the open member enrollment of enrollKey, in whichever
	// vault has it, without using it up; CodeNotFound when there is none
	// (used, expired, or a device enrollment of a person's own vault).
	Peek(ctx context.Context, enrollKey []byte, now time.Time) (syncproto.Invitation, error)
	// Join uses up the open enrollment of enrollKey in vault (or, vault
	// "", in whichever vault has it) and registers d, returning the
	// vault's id and, for a member's enrollment, its role and blob (which
	// the store then forgets; d's BoxKey and Label are kept with it);
	// CodeNotFound when there is none (or it expired), CodeQuota when the
	// vault has maxDevices devices.
	Join(ctx context.Context, vault string, enrollKey []byte, d syncproto.Device, now time.Time, maxDevices int) (Joined, error)
	// RemoveDevice removes a device with its member row and wrapped keys.
	RemoveDevice(ctx context.Context, vault, device string) error

	// PutKeys stores wrapped profile keys for member devices of vault
	// (replacing a device's wrap of the same epoch); CodeNotFound when one
	// is not a member device of vault.
	PutKeys(ctx context.Context, vault string, keys []syncproto.KeyWrap) error
	// Keys lists device's wrapped keys, oldest epoch first.
	Keys(ctx context.Context, vault, device string) ([]syncproto.KeyWrap, error)

	// Append adds a checked push (syncproto.CheckPush) when p.Base is the
	// vault's head (else CodeConflict), keeping the vault within quota bytes.
	Append(ctx context.Context, vault string, p syncproto.Push, quota int64) error
	// Pull returns the entries after since up to a signed head: at most
	// limit entries and maxBytes of ciphertext, unless one push alone holds
	// more.
	Pull(ctx context.Context, vault string, since uint64, limit int, maxBytes int64) (syncproto.Pull, error)

	// PutChunk stores one chunk of a file, keeping the vault within quota
	// bytes; CodeExists once the file is complete, CodeBadRequest when
	// total differs from the file's.
	PutChunk(ctx context.Context, c Chunk, quota int64) error
	File(ctx context.Context, vault, file string) (syncproto.FileStatus, error)
	Chunk(ctx context.Context, vault, file string, index int) ([]byte, error)
	DeleteFile(ctx context.Context, vault, file string) error

	// Used is the bytes every vault holds together.
	Used(ctx context.Context) (int64, error)
	// Ping checks that the store answers (a load balancer's health check).
	Ping(ctx context.Context) error
	Close() error
}

// NewVault is a vault to register.
type NewVault struct {
	ID     string
	Key    []byte // the vault's Ed25519 public key
	Device syncproto.Device
}

// Vault is what the store holds about a vault besides its log.
type Vault struct {
	ID      string
	Key     []byte
	Head    syncproto.Head
	Used    int64 // bytes of envelopes and chunks
	Devices int
}

// Enrollment is an enrollment to open: a device of the vault's own, or
// (Role set) a member of a shared profile, who receives Blob on joining.
type Enrollment struct {
	Key     []byte // the enrollment's Ed25519 public key
	Expires time.Time
	Role    string
	Blob    []byte
}

// Joined is the outcome of a Join.
type Joined struct {
	Vault string
	Role  string // "" for a device of the vault's own
	Blob  []byte // a member's enrollment's blob
}

// Chunk is one encrypted chunk of a file.
type Chunk struct {
	Vault, File  string
	Index, Total int
	Data         []byte
}

func fail(c syncproto.Code) error { return &syncproto.Error{Code: c} }
