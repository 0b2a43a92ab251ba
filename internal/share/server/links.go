package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"backpack/internal/share"
)

// Manifest links (SMART Health Links without "U"): see share.LinkPath.
//
// On disk, under Dir/shl/, each link is <hex id>.json (its state, replaced
// atomically) and its files <hex id>-<gen>-<n>.jwe, written before the state
// that names them, so a crash mid-update leaves the previous version whole.
// The state holds the expiry, the SHA-256 of the manage token, the Argon2id
// hash and salt of the passcode (never the passcode), the wrong-passcode
// attempts left, and each file's content type and size. Nothing there can
// decrypt a file.

const (
	linkDir     = "shl"
	ticketFile  = "ticket.key"
	linkSlack   = 64 << 10 // JSON around the JWEs of an upload
	passSaltLen = 16
	passHashLen = 32
	// Argon2id for passcodes: OWASP's 19 MiB, 2 passes. With the attempt
	// budget this makes an exhaustive search of a short passcode hopeless
	// even for someone holding the disk.
	passTime   = 2
	passMemory = 19 << 10
)

// LinkConfig configures manifest links (inside Config).
type LinkConfig struct {
	MaxTTL   time.Duration // longest life; 0 → share.MaxLinkTTL (a wallet card)
	Attempts int           // wrong passcodes a link takes over its life; 0 → share.DefaultAttempts
	Hashing  int           // passcode hashes computed at once; 0 → 2
}

func (c LinkConfig) withDefaults() LinkConfig {
	if c.MaxTTL <= 0 {
		c.MaxTTL = share.MaxLinkTTL
	}
	if c.Attempts <= 0 {
		c.Attempts = share.DefaultAttempts
	}
	if c.Hashing <= 0 {
		c.Hashing = 2
	}
	return c
}

type linkID [32]byte

func (id linkID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }
func (id linkID) file() string   { return hex.EncodeToString(id[:]) }

// parseLinkID accepts only the canonical 43-character base64url form.
func parseLinkID(s string) (linkID, bool) {
	var id linkID
	if !share.ValidLinkID(s) {
		return id, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, false
	}
	copy(id[:], b)
	return id, id.String() == s
}

// linkState is a link's state file.
type linkState struct {
	Exp     int64       `json:"exp"`
	Tok     string      `json:"tok"`            // hex SHA-256 of the manage token
	Pass    string      `json:"pass,omitempty"` // hex salt || Argon2id hash
	Left    int         `json:"left"`
	Gen     uint64      `json:"gen"`
	Updated int64       `json:"upd"`
	Files   []linkStore `json:"files"`
}

type linkStore struct {
	CT   string `json:"ct"`
	Size int64  `json:"n"`
}

// link is a live manifest link in memory. mu serializes its changes and
// its passcode checks; checking is set while a passcode is being checked,
// so parallel guesses are turned away instead of queued.
type link struct {
	mu       sync.Mutex
	checking atomic.Bool
	id       linkID
	st       linkState
	gone     bool
}

func (l *link) exp() time.Time { return time.Unix(l.st.Exp, 0).UTC() }

func (l *link) bytes() int64 {
	var n int64 = 512
	for _, f := range l.st.Files {
		n += f.Size
	}
	return n
}

func (s *Service) linkPath(name string) string { return filepath.Join(s.cfg.Dir, linkDir, name) }

func (s *Service) filePath(id linkID, gen uint64, n int) string {
	return s.linkPath(id.file() + "-" + strconv.FormatUint(gen, 10) + "-" + strconv.Itoa(n) + ".jwe")
}

// openLinks loads the links at start-up. Their folder and the key that
// signs file locations are made with the first link.
func (s *Service) openLinks() error {
	s.hashing = make(chan struct{}, s.cfg.Links.Hashing)
	dir := filepath.Join(s.cfg.Dir, linkDir)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := s.ticket(); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	keep := map[string]bool{}
	var jwes []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, tmpPrefix):
			os.Remove(filepath.Join(dir, name))
		case strings.HasSuffix(name, ".jwe"):
			jwes = append(jwes, name)
		case strings.HasSuffix(name, ".json"):
			raw, err := hex.DecodeString(strings.TrimSuffix(name, ".json"))
			if err != nil || len(raw) != 32 {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, name))
			var st linkState
			if err != nil || json.Unmarshal(b, &st) != nil {
				continue
			}
			l := &link{st: st}
			copy(l.id[:], raw)
			if !now.Before(l.exp()) {
				s.removeLink(l)
				continue
			}
			for i := range st.Files {
				keep[filepath.Base(s.filePath(l.id, st.Gen, i))] = true
			}
			s.links[l.id] = l
			s.total += l.bytes()
		}
	}
	for _, name := range jwes { // older versions left by a crash
		if !keep[name] {
			os.Remove(filepath.Join(dir, name))
		}
	}
	return nil
}

// ticket returns the key that signs file locations, reading it or making it
// (once, kept in the folder so that every process sharing it agrees).
func (s *Service) ticket() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ticketKey != nil {
		return s.ticketKey, nil
	}
	dir := filepath.Join(s.cfg.Dir, linkDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := os.ReadFile(filepath.Join(dir, ticketFile))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(key) != 32) {
		key = make([]byte, 32)
		rand.Read(key)
		err = writeAtomic(dir, ticketFile, key)
	}
	if err != nil {
		return nil, err
	}
	s.ticketKey = key
	return key, nil
}

// writeAtomic writes dir/name through a temporary file and a rename.
func writeAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(dir)
	return nil
}

// saveState writes l's state; l.mu is held.
func (s *Service) saveState(l *link) error {
	b, err := json.Marshal(l.st)
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.cfg.Dir, linkDir), l.id.file()+".json", b)
}

// removeLink deletes a link's files (state first: without it the rest is
// garbage removed at the next start).
func (s *Service) removeLink(l *link) {
	os.Remove(s.linkPath(l.id.file() + ".json"))
	for i := range l.st.Files {
		os.Remove(s.filePath(l.id, l.st.Gen, i))
	}
}

// sweepLinks deletes expired links; it returns how many.
func (s *Service) sweepLinks(now time.Time) int {
	var gone []*link
	s.mu.Lock()
	for id, l := range s.links {
		if !now.Before(l.exp()) {
			gone = append(gone, l)
			delete(s.links, id)
			s.total -= l.bytes()
		}
	}
	s.mu.Unlock()
	for _, l := range gone {
		l.mu.Lock()
		l.gone = true
		s.removeLink(l)
		l.mu.Unlock()
	}
	return len(gone)
}

// getLink returns a live link.
func (s *Service) getLink(id linkID, now time.Time) (*link, bool) {
	s.mu.Lock()
	l, ok := s.links[id]
	s.mu.Unlock()
	if !ok || !now.Before(l.exp()) {
		return nil, false
	}
	return l, true
}

// cors lets viewers on other origins (any SMART Health Links viewer) make
// manifest and file requests. Nothing is sent with credentials.
func cors(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Retry-After")
}

// serveLinks routes rest, the path after share.LinkPath.
func (s *Service) serveLinks(w http.ResponseWriter, r *http.Request, rest, client string, now time.Time) {
	if rest == "" || rest == "/" {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.fail(w, http.StatusMethodNotAllowed, share.CodeMethod)
			return
		}
		s.createLink(w, r, client, now)
		return
	}
	parts := strings.Split(rest[1:], "/")
	id, ok := parseLinkID(parts[0])
	if !ok || (len(parts) != 1 && (len(parts) != 3 || parts[1] != "file")) {
		s.notFound(w)
		return
	}
	if r.Method == http.MethodOptions { // CORS preflight of a viewer elsewhere
		cors(w)
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "POST, GET")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if len(parts) == 3 {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			s.fail(w, http.StatusMethodNotAllowed, share.CodeMethod)
			return
		}
		cors(w)
		s.linkFile(w, r, id, parts[2], client, now)
		return
	}
	switch r.Method {
	case http.MethodPost:
		cors(w)
		s.manifest(w, r, id, now)
	case http.MethodPut:
		s.updateLink(w, r, id, client, now)
	case http.MethodGet:
		s.linkStatus(w, r, id, now)
	case http.MethodDelete:
		s.revokeLink(w, r, id, now)
	default:
		w.Header().Set("Allow", "POST, PUT, GET, DELETE")
		s.fail(w, http.StatusMethodNotAllowed, share.CodeMethod)
	}
}

// readUpload reads an owner's JSON upload (a NewLink or LinkUpdate) under
// the same limits as a direct share: size, byte quota, upload slots and
// minimum speed. It writes the error answer itself and returns false.
func (s *Service) readUpload(w http.ResponseWriter, r *http.Request, client string, now time.Time, v any) bool {
	limit := s.cfg.MaxBytes + linkSlack
	if r.ContentLength > limit {
		s.tooLarge.Add(1)
		s.fail(w, http.StatusRequestEntityTooLarge, share.CodeTooLarge)
		return false
	}
	if ok, wait := s.limit.allowBytes(client, max(r.ContentLength, 0), now); !ok {
		s.limited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
		return false
	}
	up := &upload{start: time.Now(), rc: http.NewResponseController(w)}
	if !s.begin(r.Context(), up, client) {
		w.Header().Set("Retry-After", "5")
		s.fail(w, http.StatusServiceUnavailable, share.CodeBusy)
		return false
	}
	defer s.end(up, client)
	body := http.MaxBytesReader(w, &rateReader{r: r.Body, u: up, min: s.cfg.MinUploadRate, grace: s.cfg.UploadGrace}, limit)
	b, err := io.ReadAll(body)
	s.limit.charge(client, int64(len(b)), now)
	if err != nil {
		switch st := readStatus(err); st {
		case http.StatusRequestEntityTooLarge:
			s.tooLarge.Add(1)
			s.fail(w, st, share.CodeTooLarge)
		case http.StatusRequestTimeout:
			s.slow.Add(1)
			w.Header().Set("Connection", "close")
			s.fail(w, st, share.CodeBadRequest)
		default:
			s.fail(w, st, share.CodeBadRequest)
		}
		return false
	}
	if json.Unmarshal(b, v) != nil {
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return false
	}
	return true
}

// checkFiles checks an upload's files: 1 to MaxManifestFiles JWEs of a
// content type the specification names, within MaxBytes together.
func (s *Service) checkFiles(files []share.LinkFile) bool {
	if len(files) == 0 || len(files) > share.MaxManifestFiles {
		return false
	}
	var n int64
	for _, f := range files {
		switch f.ContentType {
		case share.ContentTypeFHIR, share.ContentTypeSHC, share.ContentTypeAPIAccess:
		default:
			return false
		}
		if !share.LooksLikeJWE([]byte(f.JWE)) {
			return false
		}
		n += int64(len(f.JWE))
	}
	return n <= s.cfg.MaxBytes
}

// writeFiles writes generation gen of l's files; the caller then saves the
// state that names them. On error nothing it wrote is left.
func (s *Service) writeFiles(id linkID, gen uint64, files []share.LinkFile) ([]linkStore, int) {
	var out []linkStore
	dir := filepath.Join(s.cfg.Dir, linkDir)
	for i, f := range files {
		if err := writeAtomic(dir, filepath.Base(s.filePath(id, gen, i)), []byte(f.JWE)); err != nil {
			s.ioError("write", err)
			for j := range i {
				os.Remove(s.filePath(id, gen, j))
			}
			return nil, writeStatus(err)
		}
		out = append(out, linkStore{CT: f.ContentType, Size: int64(len(f.JWE))})
	}
	return out, 0
}

// reserveFiles promises the space an upload's files take (answering 507
// itself when there is none); release gives it back.
func (s *Service) reserveFiles(w http.ResponseWriter, files []share.LinkFile) (release func(), ok bool) {
	var n int64 = 512
	for _, f := range files {
		n += int64(len(f.JWE))
	}
	if !s.reserve(n) {
		s.full.Add(1)
		s.fail(w, http.StatusInsufficientStorage, share.CodeStorageFull)
		return nil, false
	}
	return func() { s.release(n) }, true
}

// createLink makes a manifest link: POST /api/shl with a NewLink.
func (s *Service) createLink(w http.ResponseWriter, r *http.Request, client string, now time.Time) {
	var req share.NewLink
	if !s.readUpload(w, r, client, now, &req) {
		return
	}
	ttl := time.Duration(req.TTL) * time.Second
	switch {
	case req.TTL < 0 || req.TTL > 1<<40 || !s.checkFiles(req.Files) || len(req.Passcode) > share.MaxPasscodeLen:
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return
	case req.TTL == 0:
		ttl = s.cfg.DefaultTTL
	case ttl < share.MinTTL:
		ttl = share.MinTTL
	}
	ttl = min(ttl, s.cfg.Links.MaxTTL)
	release, ok := s.reserveFiles(w, req.Files)
	if !ok {
		return
	}
	defer release()

	if _, err := s.ticket(); err != nil {
		s.ioError("create", err)
		s.fail(w, writeStatus(err), share.CodeInternal)
		return
	}
	token := make([]byte, 32)
	rand.Read(token)
	manage := base64.RawURLEncoding.EncodeToString(token)
	sum := sha256.Sum256([]byte(manage))
	l := &link{st: linkState{
		Exp: now.Add(ttl).Unix(), Tok: hex.EncodeToString(sum[:]), Left: s.cfg.Links.Attempts, Gen: 1, Updated: now.Unix(),
	}}
	rand.Read(l.id[:])
	if req.Passcode != "" {
		if !s.acquireHash(r) {
			s.fail(w, http.StatusServiceUnavailable, share.CodeBusy)
			return
		}
		salt := make([]byte, passSaltLen)
		rand.Read(salt)
		l.st.Pass = hex.EncodeToString(append(salt, hashPasscode(req.Passcode, salt)...))
		<-s.hashing
	}
	files, status := s.writeFiles(l.id, l.st.Gen, req.Files)
	if status != 0 {
		s.fail(w, status, share.CodeInternal)
		return
	}
	l.st.Files = files
	if err := s.saveState(l); err != nil {
		s.ioError("write", err)
		s.removeLink(l)
		s.fail(w, writeStatus(err), share.CodeInternal)
		return
	}
	s.mu.Lock()
	s.links[l.id] = l
	s.total += l.bytes()
	s.mu.Unlock()
	s.created.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", share.LinkPath+"/"+l.id.String())
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(share.Created{ID: l.id.String(), ManageToken: manage, Expires: l.exp()})
}

func hashPasscode(pass string, salt []byte) []byte {
	return argon2.IDKey([]byte(pass), salt, passTime, passMemory, 1, passHashLen)
}

// acquireHash waits for one of the few passcode-hashing slots.
func (s *Service) acquireHash(r *http.Request) bool {
	select {
	case s.hashing <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	case <-time.After(10 * time.Second):
		return false
	}
}

// owner checks the manage token of a live link, answering 404 or 403 itself.
func (s *Service) owner(w http.ResponseWriter, r *http.Request, id linkID, now time.Time) (*link, bool) {
	l, ok := s.getLink(id, now)
	if !ok {
		s.notFound(w)
		return nil, false
	}
	var want [32]byte
	if b, err := hex.DecodeString(l.st.Tok); err == nil && len(b) == 32 {
		copy(want[:], b)
	}
	if !authorized(r.Header.Get("Authorization"), want) {
		s.forbidden.Add(1)
		s.fail(w, http.StatusForbidden, share.CodeForbidden)
		return nil, false
	}
	return l, true
}

func (s *Service) status(l *link) share.LinkStatus {
	return share.LinkStatus{
		Expires: l.exp(), Updated: time.Unix(l.st.Updated, 0).UTC(), Passcode: l.st.Pass != "",
		RemainingAttempts: l.st.Left, Disabled: l.st.Pass != "" && l.st.Left <= 0,
	}
}

func (s *Service) writeStatus(w http.ResponseWriter, l *link) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(s.status(l))
}

// linkStatus tells the owner how the link stands: GET /api/shl/{id}.
func (s *Service) linkStatus(w http.ResponseWriter, r *http.Request, id linkID, now time.Time) {
	l, ok := s.owner(w, r, id, now)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s.writeStatus(w, l)
}

// updateLink replaces the files of a link (the "L" flag: the record
// changed): PUT /api/shl/{id} with a LinkUpdate. The new version is
// written beside the old one and takes over with the state file.
func (s *Service) updateLink(w http.ResponseWriter, r *http.Request, id linkID, client string, now time.Time) {
	l, ok := s.owner(w, r, id, now)
	if !ok {
		return
	}
	var req share.LinkUpdate
	if !s.readUpload(w, r, client, now, &req) {
		return
	}
	if !s.checkFiles(req.Files) {
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return
	}
	release, ok := s.reserveFiles(w, req.Files)
	if !ok {
		return
	}
	defer release()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		s.notFound(w)
		return
	}
	old := l.st
	files, status := s.writeFiles(l.id, old.Gen+1, req.Files)
	if status != 0 {
		s.fail(w, status, share.CodeInternal)
		return
	}
	l.st.Gen, l.st.Files, l.st.Updated = old.Gen+1, files, now.Unix()
	if err := s.saveState(l); err != nil {
		s.ioError("write", err)
		for i := range files {
			os.Remove(s.filePath(l.id, l.st.Gen, i))
		}
		l.st = old
		s.fail(w, writeStatus(err), share.CodeInternal)
		return
	}
	for i := range old.Files {
		os.Remove(s.filePath(l.id, old.Gen, i))
	}
	oldBytes := (&link{st: old}).bytes()
	s.mu.Lock()
	s.total += l.bytes() - oldBytes
	s.mu.Unlock()
	s.writeStatus(w, l)
}

// revokeLink deletes a link: DELETE /api/shl/{id}.
func (s *Service) revokeLink(w http.ResponseWriter, r *http.Request, id linkID, now time.Time) {
	l, ok := s.owner(w, r, id, now)
	if !ok {
		return
	}
	s.mu.Lock()
	cur, still := s.links[id]
	if still && cur == l {
		delete(s.links, id)
		s.total -= l.bytes()
	}
	s.mu.Unlock()
	if !still || cur != l {
		s.notFound(w)
		return
	}
	l.mu.Lock()
	l.gone = true
	s.removeLink(l)
	l.mu.Unlock()
	s.revoked.Add(1)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// manifest answers a manifest request: POST /api/shl/{id} with a
// share.ManifestRequest. A link with a passcode checks it first, one guess
// at a time, against the stored hash; a wrong one costs an attempt for the
// link's whole life, and with none left the link answers 404 like a link
// that is gone.
func (s *Service) manifest(w http.ResponseWriter, r *http.Request, id linkID, now time.Time) {
	l, ok := s.getLink(id, now)
	if !ok {
		s.notFound(w)
		return
	}
	var req share.ManifestRequest
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err != nil || json.Unmarshal(b, &req) != nil || strings.TrimSpace(req.Recipient) == "" ||
		len(req.Recipient) > share.MaxRecipientLen || len(req.Passcode) > share.MaxPasscodeLen || req.EmbeddedLengthMax < 0 {
		s.fail(w, http.StatusBadRequest, share.CodeBadRequest)
		return
	}
	l.mu.Lock()
	pass, left := l.st.Pass, l.st.Left
	l.mu.Unlock()
	if pass != "" {
		if left <= 0 {
			s.notFound(w)
			return
		}
		if req.Passcode == "" {
			s.passcodeRefused(w, left)
			return
		}
		if !l.checking.CompareAndSwap(false, true) {
			// A guess is being checked: one at a time per link.
			s.limited.Add(1)
			w.Header().Set("Retry-After", "1")
			s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
			return
		}
		good, left, ok := s.checkPasscode(r, l, req.Passcode)
		l.checking.Store(false)
		switch {
		case !ok:
			s.fail(w, http.StatusServiceUnavailable, share.CodeBusy)
			return
		case !good && left <= 0:
			s.passcodeRefused(w, 0)
			return
		case !good:
			s.passcodeRefused(w, left)
			return
		}
	}
	l.mu.Lock()
	if l.gone {
		l.mu.Unlock()
		s.notFound(w)
		return
	}
	st := l.st
	l.mu.Unlock()
	m := share.Manifest{Files: []share.ManifestFile{}}
	updated := time.Unix(st.Updated, 0).UTC().Format(time.RFC3339)
	for i, f := range st.Files {
		mf := share.ManifestFile{ContentType: f.CT, LastUpdated: updated}
		if req.EmbeddedLengthMax > 0 && f.Size <= int64(req.EmbeddedLengthMax) {
			b, err := os.ReadFile(s.filePath(id, st.Gen, i))
			if err != nil {
				mf.Location = s.location(r, id, st.Gen, i, now)
			} else {
				mf.Embedded = string(b)
			}
		} else {
			mf.Location = s.location(r, id, st.Gen, i, now)
		}
		m.Files = append(m.Files, mf)
	}
	s.served.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(m)
}

// checkPasscode compares a guess with the stored hash and, when wrong,
// spends an attempt (written to disk before answering). ok is false when no
// hashing slot came free.
func (s *Service) checkPasscode(r *http.Request, l *link, guess string) (good bool, left int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone || l.st.Left <= 0 {
		return false, 0, true
	}
	stored, err := hex.DecodeString(l.st.Pass)
	if err != nil || len(stored) != passSaltLen+passHashLen {
		return false, 0, true
	}
	if !s.acquireHash(r) {
		return false, l.st.Left, false
	}
	sum := hashPasscode(guess, stored[:passSaltLen])
	<-s.hashing
	if subtle.ConstantTimeCompare(sum, stored[passSaltLen:]) == 1 {
		return true, l.st.Left, true
	}
	l.st.Left--
	if err := s.saveState(l); err != nil {
		s.ioError("write", err) // the count in memory still holds
	}
	s.wrongPass.Add(1)
	return false, l.st.Left, true
}

// passcodeRefused is the specification's 401 {"remainingAttempts": n}.
func (s *Service) passcodeRefused(w http.ResponseWriter, left int) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	io.WriteString(w, `{"remainingAttempts":`+strconv.Itoa(max(left, 0))+`}`+"\n")
}

// location is a short-lived URL of file n of generation gen: signed with
// the ticket key, valid share.LocationTTL, and only for that version.
func (s *Service) location(r *http.Request, id linkID, gen uint64, n int, now time.Time) string {
	exp := now.Add(share.LocationTTL).Unix()
	t := strconv.FormatInt(exp, 10) + "." + strconv.FormatUint(gen, 10) + "." + s.ticketSig(id, gen, n, exp)
	return s.origin(r) + share.LinkPath + "/" + id.String() + "/file/" + strconv.Itoa(n) + "?t=" + t
}

func (s *Service) ticketSig(id linkID, gen uint64, n int, exp int64) string {
	m := hmac.New(sha256.New, s.ticketKey)
	var b [8 + 8 + 8]byte
	binary.BigEndian.PutUint64(b[0:], gen)
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	binary.BigEndian.PutUint64(b[16:], uint64(exp))
	m.Write(id[:])
	m.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// origin is this server's origin as the request reached it: the Host
// header with https, or http for plain connections not from a trusted
// proxy (tests, localhost).
func (s *Service) origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (len(s.cfg.TrustedProxies) > 0 && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, "/\\@ ") {
		host = "localhost"
	}
	return scheme + "://" + host
}

// linkFile serves a file at its location: GET /api/shl/{id}/file/{n}?t=….
func (s *Service) linkFile(w http.ResponseWriter, r *http.Request, id linkID, ns, client string, now time.Time) {
	n, err := strconv.Atoi(ns)
	ticket := strings.Split(r.URL.Query().Get("t"), ".")
	if err != nil || n < 0 || n >= share.MaxManifestFiles || strconv.Itoa(n) != ns || len(ticket) != 3 {
		s.notFound(w)
		return
	}
	exp, err1 := strconv.ParseInt(ticket[0], 10, 64)
	gen, err2 := strconv.ParseUint(ticket[1], 10, 64)
	if err1 != nil || err2 != nil || !now.Before(time.Unix(exp, 0)) || exp > now.Add(share.LocationTTL).Unix()+1 ||
		!hmac.Equal([]byte(ticket[2]), []byte(s.ticketSig(id, gen, n, exp))) {
		s.notFound(w)
		return
	}
	l, ok := s.getLink(id, now)
	if !ok {
		s.notFound(w)
		return
	}
	l.mu.Lock()
	cur, files := l.st.Gen, len(l.st.Files)
	if l.gone || cur != gen || n >= files {
		l.mu.Unlock()
		s.notFound(w) // a newer version: the viewer asks for the manifest again
		return
	}
	b, err := os.ReadFile(s.filePath(id, gen, n))
	l.mu.Unlock()
	if err != nil {
		s.ioError("open", err)
		s.notFound(w)
		return
	}
	if ok, wait := s.limit.allowBytes(client, int64(len(b)), now); !ok {
		s.limited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		s.fail(w, http.StatusTooManyRequests, share.CodeRateLimited)
		return
	}
	h := w.Header()
	h.Set("Content-Type", share.ContentTypeJWE)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	n64, _ := io.Copy(w, bytes.NewReader(b))
	s.limit.charge(client, n64, now)
	s.served.Add(1)
}
