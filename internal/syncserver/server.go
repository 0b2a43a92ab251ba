//go:build !wasm

// Package syncserver is the HTTP API of Backpack's sync (protocol:
// backpack/internal/syncproto) over a syncstore.Store. It keeps no state that
// matters in the process: any number of servers may share one PostgreSQL
// store behind a load balancer (only the request limits are per process).
//
// It learns no names, kinds, dates or sizes beyond ciphertext lengths and
// logs no ids, keys or bodies: only store failures, without data.
//
// Mount it on syncproto.Path + "/".
package syncserver

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	shareserver "backpack/internal/share/server"
	"backpack/internal/syncproto"
	"backpack/internal/syncstore"
)

// Config configures the API. Only Store is required; zero limits take the
// defaults named.
type Config struct {
	Store      syncstore.Store
	QuotaBytes int64 // envelopes and chunks of one vault; 0 → 2 GiB
	// MaxTotalBytes caps all vaults together (checked before each push
	// and chunk; concurrent ones may pass it by their size); 0 → no cap
	// but MaxVaults × QuotaBytes.
	MaxTotalBytes int64
	MaxVaults     int   // vaults on this server; 0 → 1000; < 0 → no limit
	MaxDevices    int   // devices of one vault; 0 → 10
	MaxEnvelope   int64 // ciphertext of one envelope; 0 → 4 MiB
	MaxPush       int   // envelopes of one push; 0 → 2000
	MaxPushBytes  int64 // body of one push; 0 → 32 MiB
	MaxChunk      int64 // one file chunk; 0 → 2 MiB
	MaxPullBytes  int64 // ciphertext of one pull page (one push may exceed it); 0 → 8 MiB
	// MaxBig bounds the pushes and chunk uploads in progress at once (their
	// bodies are held in memory); past it they are refused (429) until one
	// ends. 0 → 16.
	MaxBig int

	// Request limits, per vault for signed requests and per client address
	// for the unsigned ones (creating a vault, joining one).
	RequestsPerMinute int // per vault; 0 → 600; < 0 → unlimited
	Burst             int // 0 → RequestsPerMinute
	CreatesPerHour    int // vaults one client address may create or join; 0 → 20
	FailuresPerMinute int // refused signatures of one client address before it is refused outright; 0 → 30

	Now       func() time.Time
	ClientKey func(*http.Request) string // the client address of unsigned requests; nil → the share API's ClientIP (IPv6 by /64)
	Logger    *slog.Logger               // nil → slog.Default()
}

func (c *Config) defaults() {
	def := func(p *int64, v int64) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.QuotaBytes, 2<<30)
	def(&c.MaxEnvelope, 4<<20)
	def(&c.MaxPushBytes, 32<<20)
	def(&c.MaxChunk, 2<<20)
	def(&c.MaxPullBytes, 8<<20)
	if c.MaxVaults == 0 {
		c.MaxVaults = 1000
	}
	if c.MaxDevices <= 0 {
		c.MaxDevices = 10
	}
	if c.MaxBig <= 0 {
		c.MaxBig = 16
	}
	if c.MaxPush <= 0 {
		c.MaxPush = 2000
	}
	if c.RequestsPerMinute == 0 {
		c.RequestsPerMinute = 600
	}
	if c.Burst <= 0 {
		c.Burst = max(c.RequestsPerMinute, 1)
	}
	if c.CreatesPerHour <= 0 {
		c.CreatesPerHour = 20
	}
	if c.FailuresPerMinute <= 0 {
		c.FailuresPerMinute = 30
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ClientKey == nil {
		c.ClientKey = shareserver.ClientIP
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// API is the sync API handler.
type API struct {
	cfg      Config
	mux      *http.ServeMux
	vaults   *limits // signed requests, by vault
	clients  *limits // unsigned requests, by client address
	failures *limits // failed signature checks, by client address
	big      chan struct{}
}

// New returns the API over cfg.Store.
func New(cfg Config) (*API, error) {
	if cfg.Store == nil {
		return nil, errors.New("syncserver: Config.Store is required")
	}
	cfg.defaults()
	a := &API{cfg: cfg, mux: http.NewServeMux()}
	perMinute := rate.Inf
	if cfg.RequestsPerMinute > 0 {
		perMinute = rate.Limit(float64(cfg.RequestsPerMinute) / 60)
	}
	a.vaults = newLimits(perMinute, cfg.Burst)
	a.big = make(chan struct{}, cfg.MaxBig)
	a.clients = newLimits(rate.Limit(float64(cfg.CreatesPerHour)/3600), cfg.CreatesPerHour)
	a.failures = newLimits(rate.Limit(float64(cfg.FailuresPerMinute)/60), cfg.FailuresPerMinute)

	v := syncproto.VaultPath("{vault}")
	a.mux.HandleFunc("POST "+syncproto.VaultsPath(), a.unsigned(4<<10, a.create))
	// Joins and enrollments may carry a member's sealed blob or name
	// (syncproto.MaxBlob each), base64 in JSON.
	const withBlob = 4<<10 + 2*syncproto.MaxBlob
	a.mux.HandleFunc("POST "+syncproto.DevicesPath("{vault}"), a.unsigned(withBlob, a.join))
	a.mux.HandleFunc("POST "+syncproto.JoinPath(), a.unsigned(withBlob, a.join))
	a.mux.HandleFunc("POST "+syncproto.PeekPath(), a.unsigned(4<<10, a.peek))
	a.mux.HandleFunc("GET "+v, a.signed(0, a.info))
	a.mux.HandleFunc("DELETE "+v, a.signed(0, owner(a.deleteVault)))
	a.mux.HandleFunc("POST "+syncproto.LogPath("{vault}"), a.signed(cfg.MaxPushBytes, writer(a.push)))
	a.mux.HandleFunc("GET "+syncproto.LogPath("{vault}"), a.signed(0, a.pull))
	a.mux.HandleFunc("POST "+syncproto.EnrollPath("{vault}"), a.signed(withBlob, owner(a.enroll)))
	a.mux.HandleFunc("GET "+syncproto.DevicesPath("{vault}"), a.signed(0, owner(a.devices)))
	a.mux.HandleFunc("DELETE "+syncproto.DevicePath("{vault}", "{device}"), a.signed(0, a.removeDevice))
	a.mux.HandleFunc("GET "+syncproto.KeysPath("{vault}"), a.signed(0, a.keys))
	a.mux.HandleFunc("PUT "+syncproto.KeysPath("{vault}"), a.signed(4<<10+syncproto.MaxWraps*(2<<10), owner(a.putKeys)))
	a.mux.HandleFunc("GET "+syncproto.FilePath("{vault}", "{file}"), a.signed(0, a.fileStatus))
	a.mux.HandleFunc("DELETE "+syncproto.FilePath("{vault}", "{file}"), a.signed(0, writer(a.deleteFile)))
	a.mux.HandleFunc("PUT "+syncproto.FilePath("{vault}", "{file}")+"/{index}", a.signed(cfg.MaxChunk, writer(a.putChunk)))
	a.mux.HandleFunc("GET "+syncproto.FilePath("{vault}", "{file}")+"/{index}", a.signed(0, a.getChunk))
	a.mux.HandleFunc("GET "+syncproto.HealthPath(), func(w http.ResponseWriter, r *http.Request) {
		if err := a.cfg.Store.Ping(r.Context()); err != nil {
			a.fail(w, "health", err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			OK bool `json:"ok"`
		}{true})
	})
	a.mux.HandleFunc(syncproto.Path+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &syncproto.Error{Code: syncproto.CodeNotFound})
	})
	return a, nil
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

// Disabled answers every sync request that sync is off on this server.
func Disabled() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeError(w, &syncproto.Error{Code: syncproto.CodeUnavailable})
	})
}

// request is one request as a handler sees it: checked, its body read.
type request struct {
	*http.Request
	vault  string
	device string // the signing device; "" for unsigned requests
	role   string // the signing device's role (syncproto.RoleOwner "" unless a space's member)
	body   []byte
}

type handler func(w http.ResponseWriter, r *request) error

var forbidden = &syncproto.Error{Code: syncproto.CodeForbidden}

// owner lets only a vault's own devices (a space's owner) through to h:
// members of a shared profile may not invite, list or remove devices,
// hand out keys or delete it.
func owner(h handler) handler {
	return func(w http.ResponseWriter, r *request) error {
		if r.role != syncproto.RoleOwner {
			return forbidden
		}
		return h(w, r)
	}
}

// writer lets only devices that may change the log and files through to h
// (owners and co-managers; read-only members are refused).
func writer(h handler) handler {
	return func(w http.ResponseWriter, r *request) error {
		if !syncproto.CanWrite(r.role) {
			return forbidden
		}
		return h(w, r)
	}
}

// bigBody is the body limit above which a request counts against MaxBig.
const bigBody = 64 << 10

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// readBody reads at most limit bytes (0: none expected).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &syncproto.Error{Code: syncproto.CodeTooLarge}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max(limit, 0)))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &syncproto.Error{Code: syncproto.CodeTooLarge}
	}
	if err != nil {
		return nil, &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	return body, nil
}

// signed checks a device's signature before h. The device is looked up
// before the body is read (a stranger cannot make the server read a big
// body); refusals are limited by client address (past the limit they are
// 429s), and the vault's request limit applies to its own devices only, so
// no one else can use it up.
func (a *API) signed(limit int64, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		refuse := func() {
			if ok, wait := a.failures.allow(a.cfg.ClientKey(r)); !ok {
				writeError(w, &syncproto.Error{Code: syncproto.CodeRateLimited, RetryAfter: wait})
				return
			}
			writeError(w, &syncproto.Error{Code: syncproto.CodeUnauthorized, Now: a.cfg.Now().Unix()})
		}
		vault := r.PathValue("vault")
		auth, err := syncproto.ParseAuth(r.Header.Get("Authorization"))
		if err != nil || !idPattern.MatchString(vault) {
			refuse()
			return
		}
		key, role, err := a.cfg.Store.DeviceKey(r.Context(), vault, auth.Device)
		if code(err) == syncproto.CodeNotFound {
			// An unknown vault looks like an unknown device: no one learns
			// which vaults exist.
			refuse()
			return
		}
		if err != nil {
			a.fail(w, "auth", err)
			return
		}
		if limit > bigBody {
			select {
			case a.big <- struct{}{}:
				defer func() { <-a.big }()
			default:
				writeError(w, &syncproto.Error{Code: syncproto.CodeRateLimited, RetryAfter: 1})
				return
			}
		}
		body, err := readBody(w, r, limit)
		if err != nil {
			writeError(w, err)
			return
		}
		if !auth.Verify(ed25519.PublicKey(key), r.Method, r.URL.RequestURI(), body, a.cfg.Now().Unix()) {
			refuse()
			return
		}
		if ok, wait := a.vaults.allow(vault); !ok {
			writeError(w, &syncproto.Error{Code: syncproto.CodeRateLimited, RetryAfter: wait})
			return
		}
		if err := h(w, &request{Request: r, vault: vault, device: auth.Device, role: role, body: body}); err != nil {
			a.fail(w, r.Pattern, err)
		}
	}
}

// unsigned is for requests signed by a vault or enrollment key instead of a
// device: limited per client address.
func (a *API) unsigned(limit int64, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := a.clients.allow(a.cfg.ClientKey(r)); !ok {
			writeError(w, &syncproto.Error{Code: syncproto.CodeRateLimited, RetryAfter: wait})
			return
		}
		body, err := readBody(w, r, limit)
		if err != nil {
			writeError(w, err)
			return
		}
		vault := r.PathValue("vault")
		if vault != "" && !idPattern.MatchString(vault) {
			writeError(w, &syncproto.Error{Code: syncproto.CodeNotFound})
			return
		}
		if err := h(w, &request{Request: r, vault: vault, body: body}); err != nil {
			a.fail(w, r.Pattern, err)
		}
	}
}

func code(err error) syncproto.Code {
	var e *syncproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// fail answers err: a protocol outcome as itself, anything else as the store
// being unavailable (logged without data).
func (a *API) fail(w http.ResponseWriter, op string, err error) {
	if code(err) == "" {
		a.cfg.Logger.Error("sync: store failed", "op", op, "err", err)
		err = &syncproto.Error{Code: syncproto.CodeUnavailable}
	}
	writeError(w, err)
}

func writeError(w http.ResponseWriter, err error) {
	var e *syncproto.Error
	if !errors.As(err, &e) {
		e = &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.Code.Status(), e)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return nil
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	return nil
}

// maxBuckets bounds the keys limits tracks at once.
const maxBuckets = 1 << 16

// limits is a token bucket per key; idle buckets are dropped.
type limits struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	swept time.Time
}

func newLimits(every rate.Limit, burst int) *limits {
	return &limits{every: every, burst: burst, m: map[string]*rate.Limiter{}}
}

// allow takes a token of key, or says in how many seconds one is due.
func (l *limits) allow(key string) (bool, int) {
	if l.every == rate.Inf {
		return true, 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.m {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	b := l.m[key]
	if b == nil {
		if len(l.m) >= maxBuckets {
			key = "\x00overflow" // too many keys at once: the rest share one bucket
			if b = l.m[key]; b != nil {
				return b.AllowN(now, 1), 1
			}
		}
		b = rate.NewLimiter(l.every, l.burst)
		l.m[key] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	wait := (1 - b.TokensAt(now)) / float64(l.every)
	return false, max(1, int(wait+0.999))
}
