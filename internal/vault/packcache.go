package vault

import "sync"

// PackCacheBytes bounds the packs Body keeps in memory (ciphertext, as
// stored), so reading the bodies of many records of one pack, as an export
// does, reads the pack once rather than once per record.
const PackCacheBytes = 16 << 20

// packCache is a small LRU of pack values. gen changes whenever a pack is
// rewritten or deleted, so a Body that read a pack before a write does not
// cache what the write replaced.
type packCache struct {
	mu    sync.Mutex
	gen   uint64
	size  int
	order []string // least recently used first
	vals  map[string][]byte
}

func (c *packCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *packCache) get(key string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	val, ok := c.vals[key]
	if ok {
		c.touch(key)
	}
	return val
}

// put caches val unless a pack changed since generation gen.
func (c *packCache) put(key string, val []byte, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || len(val) > PackCacheBytes/4 {
		return
	}
	if c.vals == nil {
		c.vals = map[string][]byte{}
	}
	if old, ok := c.vals[key]; ok {
		c.size -= len(old)
		c.touch(key)
	} else {
		c.order = append(c.order, key)
	}
	c.vals[key] = val
	c.size += len(val)
	for c.size > PackCacheBytes && len(c.order) > 0 {
		k := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.vals[k])
		delete(c.vals, k)
	}
}

func (c *packCache) touch(key string) {
	for i, k := range c.order {
		if k == key {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), key)
			return
		}
	}
}

// drop forgets the given packs (all of them when keys is nil).
func (c *packCache) drop(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if keys == nil {
		c.vals, c.order, c.size = nil, nil, 0
		return
	}
	for _, k := range keys {
		if val, ok := c.vals[k]; ok {
			c.size -= len(val)
			delete(c.vals, k)
			for i, o := range c.order {
				if o == k {
					c.order = append(c.order[:i:i], c.order[i+1:]...)
					break
				}
			}
		}
	}
}
