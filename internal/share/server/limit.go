package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// RateLimit bounds what one client (by default one IPv4 address or one IPv6
// /64) may ask of the share API. Zero fields take the defaults.
type RateLimit struct {
	RequestsPerMinute int   // sustained request rate; 0 → 30; < 0 → unlimited
	Burst             int   // requests allowed at once; 0 → RequestsPerMinute
	BytesPerHour      int64 // uploaded plus downloaded bytes; 0 → 1 GiB; < 0 → unlimited
	MaxClients        int   // clients tracked at once; 0 → 65536 (the rest share one bucket)
}

func (r RateLimit) withDefaults() RateLimit {
	if r.RequestsPerMinute == 0 {
		r.RequestsPerMinute = 30
	}
	if r.Burst <= 0 {
		r.Burst = r.RequestsPerMinute
	}
	if r.BytesPerHour == 0 {
		r.BytesPerHour = 1 << 30
	}
	if r.MaxClients <= 0 {
		r.MaxClients = 65536
	}
	return r
}

// bucket holds one client's request tokens and byte allowance.
type bucket struct {
	reqs  float64
	bytes float64 // may go negative: a big transfer is charged in full
	last  time.Time
}

// limiter is a map of token buckets. Buckets that have refilled completely
// carry no information and are dropped by prune.
type limiter struct {
	cfg       RateLimit
	reqRate   float64 // tokens per second
	byteRate  float64 // bytes per second
	mu        sync.Mutex
	m         map[string]*bucket
	lastPrune time.Time
}

const overflowKey = "\x00overflow"

func newLimiter(cfg RateLimit) *limiter {
	return &limiter{
		cfg:      cfg,
		reqRate:  float64(cfg.RequestsPerMinute) / 60,
		byteRate: float64(cfg.BytesPerHour) / 3600,
		m:        map[string]*bucket{},
	}
}

// get returns the refilled bucket of key; l.mu is held.
func (l *limiter) get(key string, now time.Time) *bucket {
	b := l.m[key]
	if b == nil {
		if len(l.m) >= l.cfg.MaxClients && now.Sub(l.lastPrune) >= time.Second {
			l.pruneLocked(now)
		}
		if len(l.m) >= l.cfg.MaxClients {
			key = overflowKey
			if b = l.m[key]; b != nil {
				l.refill(b, now)
				return b
			}
		}
		b = &bucket{reqs: float64(l.cfg.Burst), bytes: float64(l.cfg.BytesPerHour), last: now}
		l.m[key] = b
		return b
	}
	l.refill(b, now)
	return b
}

func (l *limiter) refill(b *bucket, now time.Time) {
	dt := now.Sub(b.last).Seconds()
	if dt <= 0 {
		return
	}
	b.last = now
	b.reqs = math.Min(float64(l.cfg.Burst), b.reqs+dt*l.reqRate)
	b.bytes = math.Min(float64(l.cfg.BytesPerHour), b.bytes+dt*l.byteRate)
}

// allow takes one request token. When none is left it returns how long
// until one is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.cfg.RequestsPerMinute < 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.reqs >= 1 {
		b.reqs--
		return true, 0
	}
	return false, seconds((1 - b.reqs) / l.reqRate)
}

// allowBytes reports whether key may move n more bytes now (n < 0: unknown
// size, asks for a positive allowance), and otherwise how long to wait.
func (l *limiter) allowBytes(key string, n int64, now time.Time) (bool, time.Duration) {
	if l.cfg.BytesPerHour < 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	need := float64(max(n, 1))
	if need > float64(l.cfg.BytesPerHour) {
		need = float64(l.cfg.BytesPerHour) // a transfer bigger than the budget needs a full one
	}
	if b.bytes >= need {
		return true, 0
	}
	return false, seconds((need - b.bytes) / l.byteRate)
}

// charge takes n bytes from key's allowance.
func (l *limiter) charge(key string, n int64, now time.Time) {
	if l.cfg.BytesPerHour < 0 || n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(key, now).bytes -= float64(n)
}

// prune drops buckets that are full again.
func (l *limiter) prune(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)
}

func (l *limiter) pruneLocked(now time.Time) {
	l.lastPrune = now
	for k, b := range l.m {
		l.refill(b, now)
		if b.reqs >= float64(l.cfg.Burst) && b.bytes >= float64(l.cfg.BytesPerHour) {
			delete(l.m, k)
		}
	}
}

func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// seconds rounds a wait up to whole seconds, at least 1 and at most 1 hour.
func seconds(s float64) time.Duration {
	if math.IsNaN(s) || s > 3600 {
		return time.Hour
	}
	return time.Duration(max(1, math.Ceil(s))) * time.Second
}

// ClientIP is the default client key: the peer's IP address, with IPv6
// addresses grouped by /64 (one host usually owns a whole /64). Behind a
// reverse proxy, set Config.TrustedProxies to read the proxy's header instead.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	return addrKey(a)
}

func addrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// ForwardedClientIP returns a client key for a server behind the reverse
// proxies in trusted: a request from one of them is from the last address
// of its X-Forwarded-For header that is not itself a trusted proxy (the one
// the nearest proxy saw; what comes before it, the client can write
// itself). A request from anyone else is keyed by ClientIP, whatever its
// header says.
func ForwardedClientIP(trusted []netip.Prefix) func(*http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		peer, err := netip.ParseAddr(host)
		if err != nil || !isTrusted(peer) {
			return ClientIP(r)
		}
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(v, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // garbage: keyed as the proxy itself
			}
			if !isTrusted(a) {
				return addrKey(a)
			}
		}
		return addrKey(peer)
	}
}
