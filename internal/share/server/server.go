// Package server is the share API of Backpack's server: it stores encrypted
// blobs it cannot read (the key stays in the link's #fragment) for a limited
// time, serves them to whoever has the link, and deletes them on expiry or
// when the owner revokes them. See backpack/internal/share for the protocol.
//
// Mount the handler on the full path, e.g. mux.Handle("/api/", h); it answers
// under Config.Prefix (default /api/share) and 404s anything else.
//
// Host only: the wasm app never imports this package.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"backpack/internal/share"
)

// Config configures the share service. Only Dir is required.
type Config struct {
	Dir           string        // storage directory, created with mode 0700
	Prefix        string        // URL path of the API; "" → share.APIPath ("/api/share")
	MaxBytes      int64         // largest upload; 0 → 100 MiB
	MaxTotalBytes int64         // all stored shares together; 0 → 10 GiB; < 0 → no cap
	DefaultTTL    time.Duration // lifetime when the upload names none; 0 → 24 h
	MaxTTL        time.Duration // longest lifetime allowed; 0 → 30 days
	MaxUploads    int           // uploads in progress at once; 0 → 8
	RateLimit     RateLimit     // per client

	// Uploads are bounded per client and in speed, so that slow clients
	// cannot hold every slot: one client has at most MaxClientUploads in
	// progress, and after UploadGrace an upload must have sent
	// MinUploadRate bytes a second on average, or it is cut off. When
	// every slot is taken, a new upload cuts off the slowest one running
	// below 8 × MinUploadRate.
	MaxClientUploads int           // 0 → 2
	MinUploadRate    int64         // bytes a second; 0 → 4 KiB/s; < 0 → no minimum
	UploadGrace      time.Duration // 0 → 10 s

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client (see ForwardedClientIP); it is ignored from anyone
	// else. Used when ClientKey is nil.
	TrustedProxies []netip.Prefix
	SweepEvery     time.Duration // how often expired shares are deleted; 0 → 1 min; < 0 → never (call Sweep)
	Now            func() time.Time
	ClientKey      func(*http.Request) string // who a request is from; nil → ClientIP
	Logger         *slog.Logger               // nil → slog.Default(); gets counts and status, never ids, tokens or bodies

	// Links configures manifest links (SMART Health Links without "U",
	// served under share.LinkPath): lifetime, passcode attempts.
	Links LinkConfig
}

const contentTypeJOSE = share.ContentTypeJWE

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		return c, errors.New("share server: Config.Dir is required")
	}
	if c.Prefix == "" {
		c.Prefix = share.APIPath
	}
	c.Prefix = strings.TrimSuffix(c.Prefix, "/")
	if !strings.HasPrefix(c.Prefix, "/") {
		return c, errors.New("share server: Config.Prefix must start with /")
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 100 << 20
	}
	if c.MaxTotalBytes == 0 {
		c.MaxTotalBytes = 10 << 30
	}
	if c.MaxTTL <= 0 {
		c.MaxTTL = share.MaxTTL
	}
	if c.DefaultTTL <= 0 {
		c.DefaultTTL = share.DefaultTTL
	}
	if c.DefaultTTL > c.MaxTTL {
		c.DefaultTTL = c.MaxTTL
	}
	if c.MaxUploads <= 0 {
		c.MaxUploads = 8
	}
	if c.SweepEvery == 0 {
		c.SweepEvery = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxClientUploads <= 0 {
		c.MaxClientUploads = 2
	}
	if c.MinUploadRate == 0 {
		c.MinUploadRate = 4 << 10
	}
	if c.UploadGrace <= 0 {
		c.UploadGrace = 10 * time.Second
	}
	if c.ClientKey == nil {
		c.ClientKey = ClientIP
		if len(c.TrustedProxies) > 0 {
			c.ClientKey = ForwardedClientIP(c.TrustedProxies)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.RateLimit = c.RateLimit.withDefaults()
	c.Links = c.Links.withDefaults()
	return c, nil
}

// Stats are the service's counters since start, safe to log or export.
type Stats struct {
	Items       int   // live shares
	Bytes       int64 // their size on disk
	Created     uint64
	Served      uint64
	Revoked     uint64
	Expired     uint64 // deleted by the sweeper or on access
	NotFound    uint64
	Forbidden   uint64
	TooLarge    uint64
	RateLimited uint64
	Full        uint64 // uploads refused for MaxTotalBytes
	Slow        uint64 // uploads cut off for sending too slowly
	Clients     int    // rate-limit buckets held
	Links       int    // live manifest links
	WrongPass   uint64 // wrong passcodes refused
}

// Service is the share API. It is an http.Handler; Close stops its sweeper.
type Service struct {
	cfg     Config
	log     *slog.Logger
	limit   *limiter
	uploads chan struct{}

	mu       sync.Mutex
	items    map[ID]*item
	total    int64              // bytes of live items on disk
	reserved int64              // bytes promised to uploads in progress
	running  map[*upload]string // uploads in progress → client
	perHost  map[string]int     // uploads in progress by client

	created, served, revoked, expired     atomic.Uint64
	missing, forbidden, tooLarge, limited atomic.Uint64
	full, slow, wrongPass                 atomic.Uint64

	links     map[linkID]*link // manifest links
	ticketKey []byte           // signs manifest file locations
	hashing   chan struct{}    // passcode hashes computed at once

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New opens (creating if needed) the storage directory, indexes the shares
// already there and starts the sweeper.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	s := &Service{
		cfg:     cfg,
		log:     cfg.Logger,
		limit:   newLimiter(cfg.RateLimit),
		uploads: make(chan struct{}, cfg.MaxUploads),
		items:   map[ID]*item{},
		running: map[*upload]string{},
		perHost: map[string]int{},
		links:   map[linkID]*link{},
		done:    make(chan struct{}),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.openLinks(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.sweeper(ctx)
	return s, nil
}

// Handler is New for callers that only need the handler and a way to stop it.
func Handler(cfg Config) (http.Handler, io.Closer, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return s, s, nil
}

// Close stops the sweeper. Requests still being served finish normally.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
	})
	return nil
}

func (s *Service) sweeper(ctx context.Context) {
	defer close(s.done)
	if s.cfg.SweepEvery < 0 {
		return
	}
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Sweep deletes every expired share now and forgets idle rate-limit state.
// It returns how many shares it deleted.
func (s *Service) Sweep() int {
	now := s.cfg.Now()
	var gone []ID
	s.mu.Lock()
	for id, it := range s.items {
		if !now.Before(it.exp) {
			gone = append(gone, id)
			s.total -= it.diskBytes()
			delete(s.items, id)
		}
	}
	live, bytes := len(s.items), s.total
	s.mu.Unlock()
	for _, id := range gone {
		s.removeFile(id)
	}
	nl := s.sweepLinks(now)
	s.expired.Add(uint64(len(gone) + nl))
	s.limit.prune(now)
	if len(gone)+nl > 0 {
		s.log.Info("share sweep", "removed", len(gone)+nl, "live", live, "bytes", bytes)
	}
	return len(gone) + nl
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	n, b, nl := len(s.items), s.total, len(s.links)
	s.mu.Unlock()
	return Stats{Links: nl, WrongPass: s.wrongPass.Load(),
		Items: n, Bytes: b,
		Created: s.created.Load(), Served: s.served.Load(), Revoked: s.revoked.Load(), Expired: s.expired.Load(),
		NotFound: s.missing.Load(), Forbidden: s.forbidden.Load(), TooLarge: s.tooLarge.Load(),
		RateLimited: s.limited.Load(), Full: s.full.Load(), Slow: s.slow.Load(), Clients: s.limit.size(),
	}
}

func (s *Service) removeFile(id ID) {
	if err := os.Remove(sharePath(s.cfg.Dir, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.ioError("remove", err)
	}
}

// ioError logs a storage failure without the path (which holds an id).
func (s *Service) ioError(op string, err error) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	s.log.Error("share storage error", "op", op, "err", err.Error())
}

// ServeHTTP routes:
//
//	POST   {prefix}       create
//	GET    {prefix}/{id}  fetch (HEAD too)
//	DELETE {prefix}/{id}  revoke
//	       /api/shl…      manifest links (links.go, share.LinkPath)
//
// Paths are matched on their escaped form, so "%2F" never becomes a slash,
// and ids are checked by ParseID before anything touches the disk.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	client := s.cfg.ClientKey(r)
	now := s.cfg.Now()
	if ok, wait := s.limit.allow(client, now); !ok {
		s.limited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
		return
	}
	p := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(p, share.LinkPath); ok && (rest == "" || rest[0] == '/') {
		s.serveLinks(w, r, rest, client, now)
		return
	}
	rest, ok := strings.CutPrefix(p, s.cfg.Prefix)
	switch {
	case !ok:
		s.notFound(w)
	case rest == "" || rest == "/":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.fail(w, http.StatusMethodNotAllowed, share.CodeMethod)
			return
		}
		s.create(w, r, client, now)
	case rest[0] == '/':
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodDelete:
		default:
			w.Header().Set("Allow", "GET, HEAD, DELETE")
			s.fail(w, http.StatusMethodNotAllowed, share.CodeMethod)
			return
		}
		id, err := ParseID(rest[1:])
		if err != nil {
			s.notFound(w)
			return
		}
		if r.Method == http.MethodDelete {
			s.revoke(w, r, id, now)
		} else {
			s.fetch(w, r, id, client, now)
		}
	default: // e.g. /api/shares
		s.notFound(w)
	}
}

// notFound is the one answer for unknown, expired, revoked and malformed
// ids, so none can be told from another.
func (s *Service) notFound(w http.ResponseWriter) {
	s.missing.Add(1)
	s.fail(w, http.StatusNotFound, share.CodeNotFound)
}

// fail writes a JSON error body {"error": code}.
func (s *Service) fail(w http.ResponseWriter, status int, code string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, `{"error":"`+code+`"}`+"\n")
}

// ttl reads the requested lifetime from the query or TTLHeader, in seconds.
func (s *Service) ttl(r *http.Request) (time.Duration, bool) {
	v := r.URL.Query().Get(share.TTLQuery)
	if v == "" {
		v = r.Header.Get(share.TTLHeader)
	}
	if v == "" {
		return s.cfg.DefaultTTL, true
	}
	if len(v) > 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	d := time.Duration(n) * time.Second
	if err != nil || d < share.MinTTL || d > s.cfg.MaxTTL {
		return 0, false
	}
	return d, true
}

// create stores an upload: POST {prefix}.
func (s *Service) create(w http.ResponseWriter, r *http.Request, client string, now time.Time) {
	ttl, ok := s.ttl(r)
	if !ok {
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return
	}
	if r.ContentLength > s.cfg.MaxBytes {
		s.tooLarge.Add(1)
		s.fail(w, http.StatusRequestEntityTooLarge, share.CodeTooLarge)
		return
	}
	if r.ContentLength == 0 {
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return
	}
	if ok, wait := s.limit.allowBytes(client, r.ContentLength, now); !ok {
		s.limited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
		return
	}
	up := &upload{start: time.Now(), rc: http.NewResponseController(w)}
	if !s.begin(r.Context(), up, client) {
		w.Header().Set("Retry-After", "5")
		s.fail(w, http.StatusServiceUnavailable, share.CodeBusy)
		return
	}
	defer s.end(up, client)

	// Promise the space before writing, so parallel uploads cannot overshoot.
	want := r.ContentLength
	if want < 0 {
		want = s.cfg.MaxBytes
	}
	want += maxHeader
	if !s.reserve(want) {
		s.full.Add(1)
		s.fail(w, http.StatusInsufficientStorage, share.CodeStorageFull)
		return
	}
	defer s.release(want)

	token := make([]byte, 32)
	rand.Read(token)
	manage := base64.RawURLEncoding.EncodeToString(token)
	it := &item{
		exp: time.Unix(now.Add(ttl).Unix(), 0).UTC(),
		tok: sha256.Sum256([]byte(manage)),
	}
	n, status := s.write(w, r, it, up)
	s.limit.charge(client, n, now)
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge {
			s.tooLarge.Add(1)
			s.fail(w, status, share.CodeTooLarge)
		} else if status == http.StatusRequestTimeout {
			s.slow.Add(1)
			w.Header().Set("Connection", "close")
			s.fail(w, status, share.CodeBadRequest)
		} else if status == http.StatusBadRequest {
			s.fail(w, status, share.CodeBadRequest)
		} else {
			s.fail(w, status, share.CodeInternal)
		}
		return
	}
	s.created.Add(1)
	id := it.id
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", s.cfg.Prefix+"/"+id.String())
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(share.Created{ID: id.String(), ManageToken: manage, Expires: it.exp})
}

func (s *Service) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxTotalBytes > 0 && s.total+s.reserved+n > s.cfg.MaxTotalBytes {
		return false
	}
	s.reserved += n
	return true
}

func (s *Service) release(n int64) {
	s.mu.Lock()
	s.reserved -= n
	s.mu.Unlock()
}

// write streams the upload into a temporary file and renames it into place.
// It returns the bytes read and 0, or an error status.
func (s *Service) write(w http.ResponseWriter, r *http.Request, it *item, up *upload) (int64, int) {
	body := http.MaxBytesReader(w, &rateReader{r: r.Body, u: up, min: s.cfg.MinUploadRate, grace: s.cfg.UploadGrace}, s.cfg.MaxBytes)
	prefix, err := readPrefix(body, 4096)
	k := len(prefix)
	if err != nil {
		return int64(k), readStatus(err)
	}
	if k == 0 {
		return 0, http.StatusBadRequest
	}
	it.jose = sniffJOSE(prefix)
	ct := share.ContentTypeBinary
	if it.jose {
		ct = share.ContentTypeJWE
	}
	hdr, err := encodeHeader(it, ct)
	if err != nil {
		return int64(k), http.StatusInternalServerError
	}
	it.offset = int64(len(hdr))

	f, err := os.CreateTemp(s.cfg.Dir, tmpPrefix+"*")
	if err != nil {
		s.ioError("create", err)
		return int64(k), http.StatusInternalServerError
	}
	tmp := f.Name()
	fail := func(status int) (int64, int) {
		f.Close()
		os.Remove(tmp)
		return it.size, status
	}
	it.size = int64(k)
	if _, err := f.Write(append(hdr, prefix...)); err != nil {
		s.ioError("write", err)
		return fail(writeStatus(err))
	}
	n, err := io.Copy(fileWriter{f}, body)
	it.size += n
	if err != nil {
		var we writeErr
		if errors.As(err, &we) {
			s.ioError("write", we.err)
			return fail(writeStatus(we.err))
		}
		return fail(readStatus(err))
	}
	if err := f.Sync(); err != nil {
		s.ioError("sync", err)
		return fail(writeStatus(err))
	}
	if err := f.Close(); err != nil {
		s.ioError("close", err)
		return fail(writeStatus(err))
	}

	// Pick an unused id and publish: index first, so the id is taken, then
	// the rename that makes the file visible.
	s.mu.Lock()
	for {
		it.id = NewID()
		if _, dup := s.items[it.id]; !dup {
			break
		}
	}
	s.items[it.id] = it
	s.total += it.diskBytes()
	s.mu.Unlock()
	if err := os.Rename(tmp, sharePath(s.cfg.Dir, it.id)); err != nil {
		s.ioError("rename", err)
		s.mu.Lock()
		delete(s.items, it.id)
		s.total -= it.diskBytes()
		s.mu.Unlock()
		os.Remove(tmp)
		return it.size, http.StatusInternalServerError
	}
	syncDir(s.cfg.Dir)
	return it.size, 0
}

// readPrefix reads up to n bytes. Unlike io.ReadFull it tells a short body
// (io.EOF, returned as nil) from a body cut short (io.ErrUnexpectedEOF from
// net/http when fewer bytes arrive than Content-Length promised).
func readPrefix(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	k := 0
	for k < n {
		m, err := r.Read(buf[k:])
		k += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf[:k], err
		}
	}
	return buf[:k], nil
}

// writeErr marks errors from the file side of io.Copy.
type writeErr struct{ err error }

func (e writeErr) Error() string { return e.err.Error() }

// fileWriter wraps its file's errors in writeErr, so a failed disk write is
// not mistaken for a client that went away.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = writeErr{err}
	}
	return n, err
}

func readStatus(err error) int {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return http.StatusRequestEntityTooLarge
	}
	if errors.Is(err, errTooSlow) {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

func writeStatus(err error) int {
	if isNoSpace(err) {
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// sniffJOSE reports whether an upload starts like a compact JWE with a
// "dir"/"A256GCM" protected header; it then is served as application/jose.
func sniffJOSE(prefix []byte) bool {
	i := bytes.IndexByte(prefix, '.')
	if i <= 0 || i+1 >= len(prefix) || prefix[i+1] != '.' {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(string(prefix[:i]))
	if err != nil {
		return false
	}
	var h share.Header
	return json.Unmarshal(raw, &h) == nil && h.Alg == "dir" && h.Enc == "A256GCM"
}

// fetch serves a share: GET or HEAD {prefix}/{id}.
func (s *Service) fetch(w http.ResponseWriter, r *http.Request, id ID, client string, now time.Time) {
	it, ok := s.lookup(id, now)
	if !ok {
		s.notFound(w)
		return
	}
	if r.Method == http.MethodGet {
		if ok, wait := s.limit.allowBytes(client, it.size, now); !ok {
			s.limited.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
			s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
			return
		}
	}
	f, err := os.Open(sharePath(s.cfg.Dir, id))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.ioError("open", err)
		}
		s.notFound(w) // revoked or swept just now
		return
	}
	defer f.Close()
	if _, err := f.Seek(it.offset, io.SeekStart); err != nil {
		s.ioError("seek", err)
		s.fail(w, http.StatusInternalServerError, share.CodeInternal)
		return
	}
	h := w.Header()
	if it.jose {
		h.Set("Content-Type", share.ContentTypeJWE)
	} else {
		h.Set("Content-Type", share.ContentTypeBinary)
	}
	h.Set("Content-Length", strconv.FormatInt(it.size, 10))
	h.Set("Cache-Control", "no-store")
	h.Set("Expires", it.exp.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	s.served.Add(1)
	n, _ := io.Copy(w, io.LimitReader(f, it.size))
	s.limit.charge(client, n, now)
}

// lookup returns a live item; an expired one is deleted on the spot.
func (s *Service) lookup(id ID, now time.Time) (*item, bool) {
	s.mu.Lock()
	it, ok := s.items[id]
	if ok && !now.Before(it.exp) {
		delete(s.items, id)
		s.total -= it.diskBytes()
		s.mu.Unlock()
		s.removeFile(id)
		s.expired.Add(1)
		return nil, false
	}
	s.mu.Unlock()
	return it, ok
}

// revoke deletes a share for its owner: DELETE {prefix}/{id} with
// "Authorization: Bearer <manageToken>".
func (s *Service) revoke(w http.ResponseWriter, r *http.Request, id ID, now time.Time) {
	it, ok := s.lookup(id, now)
	if !ok {
		s.notFound(w)
		return
	}
	if !authorized(r.Header.Get("Authorization"), it.tok) {
		s.forbidden.Add(1)
		s.fail(w, http.StatusForbidden, share.CodeForbidden)
		return
	}
	s.mu.Lock()
	cur, still := s.items[id]
	if still && cur == it {
		delete(s.items, id)
		s.total -= it.diskBytes()
	}
	s.mu.Unlock()
	if !still || cur != it {
		s.notFound(w)
		return
	}
	s.removeFile(id)
	s.revoked.Add(1)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// authorized checks "Bearer <token>" against the stored SHA-256 of the
// manage token in constant time.
func authorized(header string, want [32]byte) bool {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > 256 {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// Disabled answers every share API request with 404 {"error":"disabled"}, for
// a static-only deployment, so the app can say sharing is off rather than
// that a link is gone.
func Disabled() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"`+share.CodeDisabled+`"}`+"\n")
	})
}
