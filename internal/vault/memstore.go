package vault

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
)

// MemStore is an in-memory Store for tests and host tools. It copies values in
// and out, so callers may reuse their buffers. The zero value is not usable:
// call NewMemStore.
type MemStore struct {
	mu      sync.RWMutex
	buckets map[string]map[string][]byte
	// FailWrite, when set, is called before every Write; a non-nil error
	// fails the Write with nothing applied (for tests of failure paths).
	FailWrite func(ops []Op) error
	// OnAnnounce, when set, is called by Announce (tests of tabs).
	OnAnnounce func()

	excl sync.Mutex
}

var _ Shared = (*MemStore)(nil)

// Exclusive implements Shared: vaults opened on one MemStore behave as
// browser tabs on one database.
func (m *MemStore) Exclusive(ctx context.Context, fn func() error) error {
	m.excl.Lock()
	defer m.excl.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn()
}

// Announce implements Shared.
func (m *MemStore) Announce() {
	if m.OnAnnounce != nil {
		m.OnAnnounce()
	}
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	m := &MemStore{buckets: map[string]map[string][]byte{}}
	for _, b := range Buckets {
		m.buckets[b] = map[string][]byte{}
	}
	return m
}

// Get implements Store.
func (m *MemStore) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.buckets[bucket][key]
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(v), nil
}

// GetMany implements BatchGetter.
func (m *MemStore) GetMany(ctx context.Context, bucket string, keys []string) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := m.buckets[bucket][k]; ok {
			out[i] = slices.Clone(v)
		}
	}
	return out, nil
}

// Each implements Store. It walks a snapshot, so fn may write to the store.
func (m *MemStore) Each(ctx context.Context, bucket string, fn func(key string, value []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.RLock()
	b := m.buckets[bucket]
	keys := slices.Sorted(maps.Keys(b))
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		vals[i] = slices.Clone(b[k])
	}
	m.mu.RUnlock()
	for i, k := range keys {
		if err := fn(k, vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// Keys implements KeyLister.
func (m *MemStore) Keys(ctx context.Context, bucket string, fn func(key string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.RLock()
	keys := slices.Sorted(maps.Keys(m.buckets[bucket]))
	m.mu.RUnlock()
	for _, k := range keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// Write implements Store: every op or none.
func (m *MemStore) Write(ctx context.Context, ops []Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := CheckOps(ops); err != nil {
		return err
	}
	if m.FailWrite != nil {
		if err := m.FailWrite(ops); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		b := m.buckets[op.Bucket]
		switch {
		case op.Prefix:
			for k := range b {
				if strings.HasPrefix(k, op.Key) {
					delete(b, k)
				}
			}
		case op.Delete:
			delete(b, op.Key)
		default:
			b[op.Key] = slices.Clone(op.Value)
		}
	}
	return nil
}

// Dump returns a deep copy of every bucket, for tests and test vectors.
func (m *MemStore) Dump() map[string]map[string][]byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]map[string][]byte, len(m.buckets))
	for name, b := range m.buckets {
		c := make(map[string][]byte, len(b))
		for k, v := range b {
			c[k] = slices.Clone(v)
		}
		out[name] = c
	}
	return out
}

// Load replaces the store's content with a copy of d (as returned by Dump).
func (m *MemStore) Load(d map[string]map[string][]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range Buckets {
		m.buckets[b] = map[string][]byte{}
	}
	for name, b := range d {
		if m.buckets[name] == nil {
			m.buckets[name] = map[string][]byte{}
		}
		for k, v := range b {
			m.buckets[name][k] = slices.Clone(v)
		}
	}
}
