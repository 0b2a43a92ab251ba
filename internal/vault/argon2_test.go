package vault

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/argon2"
)

// SetArgon2's function derives the passphrase slot's key on Create and
// Unlock, with the slot's parameters; when it fails the KDF runs here and
// the vault still opens; a wrong key from it is a wrong passphrase.
func TestArgon2Elsewhere(t *testing.T) {
	ctx := context.Background()
	defer SetArgon2(nil)
	var calls int
	var fail, lie bool
	SetArgon2(func(ctx context.Context, secret, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
		calls++
		if time != DefaultKDF.Time || memory != DefaultKDF.Memory || threads != DefaultKDF.Threads || keyLen != keySize || len(salt) != 16 {
			t.Errorf("parameters t=%d m=%d p=%d len=%d salt %d", time, memory, threads, keyLen, len(salt))
		}
		switch {
		case fail:
			return nil, errors.New("the worker could not start")
		case lie:
			return make([]byte, keyLen), nil
		}
		return argon2.IDKey(secret, salt, time, memory, threads, keyLen), nil
	})
	store := NewMemStore()
	v, _, err := Create(ctx, store, "correct horse battery staple")
	if err != nil || calls != 1 {
		t.Fatalf("create: %v, %d calls", err, calls)
	}
	v.Lock()
	if _, err := Unlock(ctx, store, "correct horse battery staple"); err != nil || calls != 2 {
		t.Fatalf("unlock: %v, %d calls", err, calls)
	}
	fail = true
	if _, err := Unlock(ctx, store, "correct horse battery staple"); err != nil || calls != 3 {
		t.Fatalf("unlock with the KDF failing elsewhere: %v, %d calls", err, calls)
	}
	fail, lie = false, true
	if _, err := Unlock(ctx, store, "correct horse battery staple"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("a wrong key from elsewhere: %v", err)
	}
}
