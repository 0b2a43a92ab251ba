package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/share"
)

// Manifest links (SMART Health Links without "U"): what the share page
// makes when the person asks for a passcode or for a link kept up to date,
// and what a wallet card's QR code holds. The server keeps one file per
// link, FHIR R4 collection Bundles (application/fhir+json, which every
// SMART Health Links viewer reads) of the chosen entries, encrypted here
// under the link's key, one per person. The files the link shares travel
// inside their person's Bundle (export.InlineBundle): the bytes in the
// attachment of the resource that points at them, an upload as a
// DocumentReference, which every viewer reads. The files a link shares are
// those its choice takes and those attached to the entries it shares; a
// wallet card's link shares none (the emergency information only).

// shlWalletTTL is how long a wallet card's code works (the server may cap it).
const shlWalletTTL = 5 * 365 * 24 * time.Hour

// shlChoiceOf keeps a choice in its own terms, for a link kept up to date.
func shlChoiceOf(c *exportChoice) *record.LinkChoice {
	lc := &record.LinkChoice{Scope: c.scope, LastVisit: c.lastVisit, Summary: c.summary}
	if c.scope == xpScopeCustom {
		for _, f := range c.hdr.Files {
			if c.files[f.ID] {
				lc.Files = append(lc.Files, f.ID)
			}
		}
	}
	all := true
	for _, p := range c.hdr.Profiles {
		if c.profiles[p.ID] {
			lc.Profiles = append(lc.Profiles, p.ID)
		} else {
			all = false
		}
	}
	if all {
		lc.Profiles = nil
	}
	for _, k := range record.Kinds {
		if c.kinds[k] {
			lc.Kinds = append(lc.Kinds, k)
		}
	}
	return lc
}

// shlSelection is what a manifest link shares as the record is now.
func shlSelection(s *session.Session, hdr exportdata.Data, l record.SharedLink) exportdata.Selection {
	var sel exportdata.Selection
	switch {
	case l.Kind == record.LinkWallet:
		sel = exportdata.Selection{Profiles: []string{l.Profile}, Entries: shlEmergencyIDs(s, l.Profile)}
	case l.Choice != nil:
		c := exportChoice{hdr: hdr, scope: l.Choice.Scope, profiles: map[string]bool{}, kinds: map[record.Kind]bool{},
			files: map[string]bool{}, lastVisit: l.Choice.LastVisit, summary: l.Choice.Summary, attached: !l.Choice.NoFiles}
		for _, f := range l.Choice.Files {
			c.files[f] = true
		}
		want := map[string]bool{}
		for _, p := range l.Choice.Profiles {
			want[p] = true
		}
		for _, p := range hdr.Profiles {
			c.profiles[p.ID] = len(want) == 0 || want[p.ID]
		}
		for _, k := range l.Choice.Kinds {
			c.kinds[k] = true
		}
		sel = c.selection()
		if l.Choice.NoFiles {
			sel.Files = []string{}
		}
		return sel
	default:
		sel = exportdata.Selection{Profiles: []string{"-"}, Entries: []string{}}
	}
	sel.Files = []string{} // the emergency information only
	return sel
}

// shlEmergencyIDs are the entries the emergency card shows for a profile:
// allergies, conditions, medications, emergency contacts and blood type.
func shlEmergencyIDs(s *session.Session, profile string) []string {
	sum := s.Book().Summary(profile)
	ids := []string{}
	for _, list := range [][]record.Entry{sum.Allergies, sum.Conditions, sum.Medications, sum.EmergencyContacts} {
		for _, e := range list {
			ids = append(ids, e.ID)
		}
	}
	if e, ok := bloodType(sum.Labs); ok {
		ids = append(ids, e.ID)
	}
	return ids
}

// shlPayload is the files of a manifest link as the record is now (see
// shlSelected and shlBundles) and the fingerprint of what they hold.
func shlPayload(ctx context.Context, s *session.Session, l record.SharedLink, now time.Time) ([][]byte, string, error) {
	d, fp := shlSelected(s, l)
	files, err := shlBundles(ctx, s, d, now)
	return files, fp, err
}

// errSHLFilesTooLarge: the files a manifest link would carry do not fit
// what the share server takes; the share page offers the link without them.
var errSHLFilesTooLarge = errors.New("share: the files do not fit in a health link")

// shlFilesFit reports, before any file is read, whether d's files fit in
// a manifest link: the server takes xpShareMax bytes of JWEs per link, and
// a file's bytes are base64 inside the bundle, which the JWE encodes as
// base64 again (16/9 of the file). The records themselves are checked when
// sealed (shlSeal).
func shlFilesFit(d exportdata.Data) bool {
	var n int64
	for _, f := range d.Files {
		n += shlB64Len(shlB64Len(max(f.Size, 0)))
	}
	return n <= xpShareMax
}

// shlB64Len is the length of n bytes in base64.
func shlB64Len(n int64) int64 { return (n + 2) / 3 * 4 }

// shlSealed is shlSeal saying errSHLFilesTooLarge when what is too large
// carries files: without them it might fit.
func shlSealed(key []byte, plain [][]byte, d exportdata.Data) ([]share.LinkFile, error) {
	files, err := shlSeal(key, plain)
	var api *share.APIError
	if len(d.Files) > 0 && errors.As(err, &api) && api.Code == share.CodeTooLarge {
		err = errSHLFilesTooLarge
	}
	return files, err
}

// shlSelected is what a manifest link shares now, headers only, and a
// fingerprint of it: each person and each entry with when it last changed
// (not when it is written), so that a link whose entries did not change is
// not uploaded again, and telling costs no decryption.
func shlSelected(s *session.Session, l record.SharedLink) (exportdata.Data, string) {
	hdr := xpHeaderData(s)
	d := hdr.Select(shlSelection(s, hdr, l))
	d.Entries = append([]record.Entry(nil), d.Entries...)
	d.Profiles = append([]record.Profile(nil), d.Profiles...)
	d.Files = append([]record.FileInfo(nil), d.Files...)
	d.Questions = nil
	h := sha256.New()
	for _, p := range d.Profiles {
		h.Write([]byte("\x02" + p.ID + "\x00" + p.Name + "\x00" + p.BirthDate + "\x00"))
		h.Write(p.Patient.JSON)
	}
	for _, e := range d.Entries {
		h.Write([]byte("\x01" + e.ID + "\x00" + e.Profile + "\x00" + e.Updated.UTC().Format(time.RFC3339Nano)))
	}
	for _, f := range d.Files {
		h.Write([]byte("\x03" + f.ID + "\x00" + f.Profile + "\x00" + f.SHA256 + "\x00" + f.Name))
	}
	return d, hex.EncodeToString(h.Sum(nil))
}

// shlBundles reads the resources and files of d and has the worker module
// write one FHIR Bundle per person (with their files inline), so that no
// viewer can take one person's entries for another's.
func shlBundles(ctx context.Context, s *session.Session, d exportdata.Data, now time.Time) ([][]byte, error) {
	if !shlFilesFit(d) {
		return nil, errSHLFilesTooLarge // said before anything is read
	}
	if err := xpLoadBodies(ctx, s, &d); err != nil {
		return nil, err
	}
	files := exportdata.MemFiles{}
	for _, f := range d.Files {
		r, err := s.OpenFile(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		err = files.Put(f, r)
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	return xpBundles(ctx, d, files, now) // written in the worker module
}

// shlSeal encrypts a link's files under its key, as the server takes them.
func shlSeal(key []byte, files [][]byte) ([]share.LinkFile, error) {
	var out []share.LinkFile
	n := 0
	for _, f := range files {
		jwe, err := share.EncryptJWE(key, f, share.ContentTypeFHIR)
		if err != nil {
			return nil, err
		}
		if n += len(jwe); n > xpShareMax {
			return nil, &share.APIError{Status: 413, Code: share.CodeTooLarge}
		}
		out = append(out, share.LinkFile{ContentType: share.ContentTypeFHIR, JWE: jwe})
	}
	if len(out) == 0 {
		return nil, errSHLNothing
	}
	return out, nil
}

// shlDoer is the browser's fetch as a share.Doer.
func shlDoer(ctx context.Context, r share.Request) (share.Response, error) {
	res, err := xpFetch(r.Method, r.URL, string(r.Body), r.Header)
	if err != nil {
		return share.Response{}, err
	}
	return share.Response{Status: res.Status, Body: res.Body, RetryAfter: res.RetryAfter}, nil
}

// shlOwner makes one request of the owner's side of the manifest-link API.
func shlOwner(method, url string, body any, token string) (xpResponse, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return xpResponse{}, err
		}
	}
	h := map[string]string{"Content-Type": share.ContentTypeJSON}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	res, err := xpFetch(method, url, string(b), h)
	if err == nil && res.Status >= 300 {
		if xpAPIOff(res) {
			return res, errXPShareOff
		}
		err = share.ResponseError(res.Status, res.Body, res.RetryAfter)
	}
	return res, err
}

// shlCreate makes a manifest link for tmpl (Kind, Flag, Choice, Profile,
// Label set): the file now, encrypted under a new key, uploaded with the
// passcode (which only the server's slow hash keeps), and remembered in
// the vault with its manage token.
func shlCreate(ctx context.Context, s *session.Session, tmpl record.SharedLink, passcode string, ttl time.Duration) (record.SharedLink, error) {
	now := time.Now()
	d, hash := shlSelected(s, tmpl)
	plain, err := shlBundles(ctx, s, d, now)
	if err != nil {
		return tmpl, err
	}
	key := share.NewKey()
	files, err := shlSealed(key, plain, d)
	if err != nil {
		return tmpl, err
	}
	res, err := shlOwner("POST", share.LinkPath, share.NewLink{Files: files, Passcode: passcode, TTL: int64(ttl / time.Second)}, "")
	if err != nil {
		return tmpl, err
	}
	var c share.Created
	if err := json.Unmarshal(res.Body, &c); err != nil || !share.ValidLinkID(c.ID) || c.ManageToken == "" {
		return tmpl, &share.APIError{Status: res.Status}
	}
	origin, _ := xpLocation()
	link := share.Link{URL: origin + share.LinkPath + "/" + c.ID, Key: key, Exp: c.Expires, Label: tmpl.Label, Flag: tmpl.Flag}
	text, err := link.Encode(origin)
	if err != nil {
		return tmpl, err
	}
	l := tmpl
	l.URL, l.Token, l.Link, l.Expires, l.Hash, l.Uploaded = link.URL, c.ManageToken, text, c.Expires, hash, now
	saved, err := s.SaveSharedLink(ctx, l)
	if err != nil {
		// A link the person could not revoke later must not stay.
		shlOwner("DELETE", link.URL, nil, c.ManageToken)
		return tmpl, err
	}
	return saved, nil
}

// shlUpdate uploads l's file again when what it shares changed since the
// last upload ("L": same link, same key). It reports whether it did.
func shlUpdate(ctx context.Context, s *session.Session, l record.SharedLink) (bool, error) {
	link, err := share.ParseLink(l.Link)
	if err != nil {
		return false, err
	}
	d, hash := shlSelected(s, l)
	if hash == l.Hash {
		return false, nil // nothing shared changed: no decryption, no upload
	}
	now := time.Now()
	plain, err := shlBundles(ctx, s, d, now)
	if err != nil {
		return false, err
	}
	files, err := shlSealed(link.Key, plain, d)
	if err != nil {
		return false, err
	}
	if _, err := shlOwner("PUT", l.URL, share.LinkUpdate{Files: files}, l.Token); err != nil {
		return false, err
	}
	l.Hash, l.Uploaded = hash, now
	_, err = s.SaveSharedLink(ctx, l)
	return err == nil, err
}

// shlPasscode checks a passcode the person chose: at least 4 characters.
func shlPasscode(raw string) (string, bool) {
	p := strings.TrimSpace(raw)
	return p, len([]rune(p)) >= 4 && len(p) <= share.MaxPasscodeLen
}

// shlLiving reports whether l is a manifest link kept up to date that
// still works.
func shlLiving(l record.SharedLink, now time.Time) bool {
	return l.Kind != "" && strings.Contains(l.Flag, share.FlagLongTerm) && !l.Revoked && l.Token != "" && now.Before(l.Expires)
}

// shlFollowing runs the updates of links kept up to date one pass at a
// time; a request during a pass asks for another.
var shlFollowing struct {
	mu      sync.Mutex
	running bool
	again   bool
	passes  int // finished passes, for tests and the share page
}

// shlFollow brings every link kept up to date in line with the record, in
// the background. Pages call it when they show (after an edit the app
// shows a page), so a change reaches the link while Backpack is open; a
// failed update (offline, server away) is tried again at the next one.
func shlFollow() {
	shlFollowing.mu.Lock()
	if shlFollowing.running {
		shlFollowing.again = true
		shlFollowing.mu.Unlock()
		return
	}
	shlFollowing.running = true
	shlFollowing.mu.Unlock()
	go func() {
		for {
			if s := current(); s != nil {
				for _, l := range s.SharedLinks() {
					if shlLiving(l, time.Now()) {
						shlUpdate(context.Background(), s, l)
					}
				}
			}
			shlFollowing.mu.Lock()
			shlFollowing.passes++
			if !shlFollowing.again {
				shlFollowing.running = false
				shlFollowing.mu.Unlock()
				return
			}
			shlFollowing.again = false
			shlFollowing.mu.Unlock()
		}
	}()
}

// shlStatus asks the server how a manifest link stands (the owner's view).
func shlStatus(l record.SharedLink) (share.LinkStatus, error) {
	var st share.LinkStatus
	res, err := shlOwner("GET", l.URL, nil, l.Token)
	if err != nil {
		return st, err
	}
	if json.Unmarshal(res.Body, &st) != nil {
		return st, errors.New("share: bad status")
	}
	return st, nil
}
