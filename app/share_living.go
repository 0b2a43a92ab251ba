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
// under the link's key, one per person. Attached files are left out: viewers elsewhere
// could not open Backpack's export file that carries them.

// shlWalletTTL is how long a wallet card's code works (the server may cap it).
const shlWalletTTL = 5 * 365 * 24 * time.Hour

// shlChoiceOf keeps a choice in its own terms, for a link kept up to date.
func shlChoiceOf(c *exportChoice) *record.LinkChoice {
	lc := &record.LinkChoice{Scope: c.scope, LastVisit: c.lastVisit, Summary: c.summary}
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
			files: map[string]bool{}, lastVisit: l.Choice.LastVisit, summary: l.Choice.Summary}
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
	default:
		sel = exportdata.Selection{Profiles: []string{"-"}, Entries: []string{}}
	}
	sel.Files = []string{} // files stay out of a manifest link
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

// shlSelected is what a manifest link shares now, headers only, and a
// fingerprint of it: each person and each entry with when it last changed
// (not when it is written), so that a link whose entries did not change is
// not uploaded again, and telling costs no decryption.
func shlSelected(s *session.Session, l record.SharedLink) (exportdata.Data, string) {
	hdr := xpHeaderData(s)
	d := hdr.Select(shlSelection(s, hdr, l))
	d.Entries = append([]record.Entry(nil), d.Entries...)
	d.Profiles = append([]record.Profile(nil), d.Profiles...)
	d.Files, d.Questions = nil, nil
	h := sha256.New()
	for _, p := range d.Profiles {
		h.Write([]byte("\x02" + p.ID + "\x00" + p.Name + "\x00" + p.BirthDate + "\x00"))
		h.Write(p.Patient.JSON)
	}
	for _, e := range d.Entries {
		h.Write([]byte("\x01" + e.ID + "\x00" + e.Profile + "\x00" + e.Updated.UTC().Format(time.RFC3339Nano)))
	}
	return d, hex.EncodeToString(h.Sum(nil))
}

// shlBundles reads the resources of d and writes one FHIR Bundle per
// person, so that no viewer can take one person's entries for another's.
func shlBundles(ctx context.Context, s *session.Session, d exportdata.Data, now time.Time) ([][]byte, error) {
	if err := xpLoadBodies(ctx, s, &d); err != nil {
		return nil, err
	}
	return xpBundles(ctx, d, now) // written in the worker module
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
	plain, hash, err := shlPayload(ctx, s, tmpl, now)
	if err != nil {
		return tmpl, err
	}
	key := share.NewKey()
	files, err := shlSeal(key, plain)
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
	files, err := shlSeal(link.Key, plain)
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
