package envelope

import (
	"container/list"
	"context"
	"crypto/cipher"
	"sync"
	"time"
)

// dataKey is a usable data key: the AEAD built from the plaintext key (whose raw bytes
// are already zeroed) and the encrypted data key that goes into messages.
type dataKey struct {
	aead    cipher.AEAD
	edk     []byte
	created time.Time
}

// entry is a dataKey in one cache, with that cache's bookkeeping.
type entry struct {
	id   string
	key  *dataKey
	uses int
}

// keyCache is a bounded LRU of data keys with an age limit and, optionally, a use limit.
// Misses for the same id are collapsed into one fetch.
type keyCache struct {
	now        func() time.Time
	maxAge     time.Duration
	maxUses    int // 0: unlimited
	maxEntries int

	mu       sync.Mutex
	items    map[string]*list.Element // of *entry
	order    *list.List               // front: most recently used
	inflight map[string]chan struct{}
}

func newKeyCache(now func() time.Time, maxAge time.Duration, maxUses, maxEntries int) *keyCache {
	return &keyCache{
		now:        now,
		maxAge:     maxAge,
		maxUses:    maxUses,
		maxEntries: maxEntries,
		items:      make(map[string]*list.Element),
		order:      list.New(),
		inflight:   make(map[string]chan struct{}),
	}
}

// acquire returns the key cached under id, counting one use, or fetches, caches and returns
// a new one. While one caller fetches, others asking for the same id wait for it and then
// look again, so the use limit holds and a failed fetch is retried by the next caller.
func (c *keyCache) acquire(ctx context.Context, id []byte, fetch func(context.Context) (*dataKey, error)) (*dataKey, error) {
	for {
		c.mu.Lock()
		if e := c.lookupLocked(id); e != nil {
			e.uses++
			c.mu.Unlock()
			return e.key, nil
		}
		if wait, ok := c.inflight[string(id)]; ok {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		sid := string(id)
		done := make(chan struct{})
		c.inflight[sid] = done
		c.mu.Unlock()

		return c.fetchAndInsert(ctx, sid, done, fetch)
	}
}

// fetchAndInsert runs fetch for the caller that won the miss, caches its key with that
// caller's use counted, and releases the waiters even if fetch panics.
func (c *keyCache) fetchAndInsert(ctx context.Context, sid string, done chan struct{}, fetch func(context.Context) (*dataKey, error)) (k *dataKey, err error) {
	defer func() {
		c.mu.Lock()
		delete(c.inflight, sid)
		close(done)
		if err == nil && k != nil {
			c.insertLocked(&entry{id: sid, key: k, uses: 1})
		}
		c.mu.Unlock()
	}()
	return fetch(ctx)
}

// put caches k under id with no use counted, unless id is already cached.
func (c *keyCache) put(id string, k *dataKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lookupLocked([]byte(id)) == nil {
		c.insertLocked(&entry{id: id, key: k})
	}
}

// len is the number of entries, expired ones included until they are swept.
func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *keyCache) lookupLocked(id []byte) *entry {
	el, ok := c.items[string(id)]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if c.expired(e, c.now()) {
		c.removeLocked(el)
		return nil
	}
	c.order.MoveToFront(el)
	return e
}

func (c *keyCache) insertLocked(e *entry) {
	if old, ok := c.items[e.id]; ok {
		c.removeLocked(old)
	}
	c.items[e.id] = c.order.PushFront(e)
	// Misses are rare (each one costs a KMS call), so a full sweep here is cheap and keeps
	// expired keys from lingering in memory until the LRU pushes them out.
	now := c.now()
	for el := c.order.Back(); el != nil; {
		prev := el.Prev()
		if c.expired(el.Value.(*entry), now) {
			c.removeLocked(el)
		}
		el = prev
	}
	for c.order.Len() > c.maxEntries {
		c.removeLocked(c.order.Back())
	}
}

func (c *keyCache) removeLocked(el *list.Element) {
	e := c.order.Remove(el).(*entry)
	delete(c.items, e.id)
	// Drop the reference to the key schedule; the raw key bytes were zeroed at creation.
	e.key = nil
}

func (c *keyCache) expired(e *entry, now time.Time) bool {
	if now.Sub(e.key.created) >= c.maxAge {
		return true
	}
	return c.maxUses > 0 && e.uses >= c.maxUses
}
