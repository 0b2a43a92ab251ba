package vault

import (
	"context"
	"errors"
	"sync"
)

// Shared is implemented by a Store that several running apps hold open at
// once (browser tabs on one IndexedDB database).
type Shared interface {
	// Exclusive runs fn while no other holder of the store runs an
	// Exclusive fn (the browser's Web Locks; a mutex in MemStore).
	Exclusive(ctx context.Context, fn func() error) error
	// Announce tells the other holders that the records changed. It carries
	// nothing else: no id, no data.
	Announce()
}

// metaRev names the meta record that changes at every write of records: a
// random token, no data. A vault whose cache was read at another token is
// out of date.
const metaRev = "rev"

// revStale is a revision no store holds: the cache must be read again.
const revStale = "stale"

// exclMu orders Exclusive calls on stores that are not Shared.
var exclMu sync.Mutex

// Exclusive runs fn as the store's only writer: no other tab's Exclusive
// runs meanwhile. Before fn, the vault reads the store's revision and, when
// another tab wrote since this vault last looked, reloads every header;
// reloaded says so, so the caller can rebuild what it derived from them.
// A read-modify-write done inside fn therefore starts from what the store
// holds. Exclusive calls must not nest.
func (v *Vault) Exclusive(ctx context.Context, fn func(reloaded bool) error) error {
	run := func() error {
		v.excl.Add(1)
		defer v.excl.Add(-1)
		reloaded, err := v.sync(ctx)
		if err != nil {
			return err
		}
		return fn(reloaded)
	}
	return v.onlyWriter(ctx, run)
}

// onlyWriter runs fn while no other holder of the store writes, without
// taking in what they wrote (the caller's Exclusive would then miss it).
func (v *Vault) onlyWriter(ctx context.Context, fn func() error) error {
	if sh, ok := v.store.(Shared); ok {
		return sh.Exclusive(ctx, fn)
	}
	exclMu.Lock()
	defer exclMu.Unlock()
	return fn()
}

// sync reloads the headers when the store's revision is not the one this
// vault last read or wrote.
func (v *Vault) sync(ctx context.Context) (bool, error) {
	rev, err := readRev(ctx, v.store)
	if err != nil {
		return false, err
	}
	v.mu.RLock()
	locked, same := v.k == nil, v.rev == rev
	v.mu.RUnlock()
	if locked {
		return false, ErrLocked
	}
	if same {
		return false, nil
	}
	if err := v.loadHeaders(ctx); err != nil {
		return false, err
	}
	v.mu.Lock()
	v.rev = rev
	v.mu.Unlock()
	v.pcache.drop()
	return true, nil
}

func readRev(ctx context.Context, store Store) (string, error) {
	b, err := store.Get(ctx, BucketMeta, metaRev)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return string(b), err
}

// revOp is the op that records a new revision with a write of records.
func revOp() (Op, string) {
	rev := NewID()
	return Op{Bucket: BucketMeta, Key: metaRev, Value: []byte(rev)}, rev
}

// wrote notes a successful write of records at revision rev and tells the
// other tabs. Inside Exclusive the cache is up to date at rev; outside, a
// write of another tab may have come between, so the next Exclusive reloads.
func (v *Vault) wrote(ctx context.Context, rev string) {
	v.mu.Lock()
	if v.excl.Load() > 0 {
		v.rev = rev
	} else {
		v.rev = revStale
	}
	v.mu.Unlock()
	if sh, ok := v.store.(Shared); ok && ctx.Value(unannounced{}) == nil {
		sh.Announce()
	}
}

type unannounced struct{}

// Unannounced returns a context whose writes are not announced to the
// other tabs (records no other tab shows, such as drafts). They still change
// the revision, so the other tabs' next write reads them.
func Unannounced(ctx context.Context) context.Context {
	return context.WithValue(ctx, unannounced{}, true)
}
