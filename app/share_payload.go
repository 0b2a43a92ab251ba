package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/share"
	"backpack/internal/worker"
)

// What a share link points at: a compact JWE ("dir" + "A256GCM", the SMART
// Health Links form) whose plaintext is a whole Backpack export file,
// encrypted with a passphrase derived from the same link key. The viewer
// thus opens a share exactly like an export file (same checks, same files),
// and the server holds ciphertext it cannot read.
const xpShareCty = "application/vnd.backpack.export"

// Errors of the share viewer and page, each with a catalog message.
var (
	errXPContent  = errors.New("share: not a Backpack share")
	errXPTooBig   = errors.New("file too large")
	errXPShareOff = errors.New("share: sharing is off on this server")
)

// xpSharePassphrase is the inner export's passphrase for a share key.
func xpSharePassphrase(key []byte) string {
	return "backpack-share-" + base64.RawURLEncoding.EncodeToString(key)
}

// xpSealShare writes the chosen part of data as an export and encrypts it
// under key as a JWE.
func xpSealShare(ctx context.Context, data exportdata.Data, sel exportdata.Selection, files exportdata.FileSource, key []byte, progress func(done, total int64)) (string, error) {
	// Written in the worker module, as an export is (xpWrite).
	q := worker.WriteRequest{Data: data.Select(sel), Sel: sel, Pass: xpSharePassphrase(key)}
	b, err := xpWriteBytes(ctx, files, q, progress)
	if err != nil {
		return "", err
	}
	return share.EncryptJWE(key, b, xpShareCty)
}

// xpOpenShare decrypts a share made by xpSealShare into memory.
func xpOpenShare(ctx context.Context, key []byte, jwe string) (a *exportdata.Archive, mem exportdata.MemFiles, err error) {
	if cty, err := share.JWEContentType(jwe); err != nil {
		return nil, nil, err
	} else if cty != xpShareCty {
		return nil, nil, errXPContent
	}
	plain, err := share.DecryptJWE(key, jwe)
	if err != nil {
		return nil, nil, err
	}
	return xpReadShare(ctx, key, plain)
}

// xpReadShare reads the decrypted file of a Backpack share (an export) in
// the worker module: a reader's panic or the worker's death is an error,
// not a dead page.
func xpReadShare(ctx context.Context, key, plain []byte) (*exportdata.Archive, exportdata.MemFiles, error) {
	o, err := xpOpenBytes(ctx, plain, worker.OpenRequest{Pass: xpSharePassphrase(key)})
	if err != nil {
		return nil, nil, err
	}
	return o.Archive, o.Files, nil
}

// shlHostElsewhere is the host of a link's server when it is not origin's
// (the viewer then asks before any request goes there), else "".
func shlHostElsewhere(linkURL, origin string) string {
	u, err := url.Parse(linkURL)
	if err != nil || u.Host == "" {
		return "?"
	}
	if u.Scheme+"://"+u.Host == origin {
		return ""
	}
	return u.Host
}

// xpShareErrorText is the message for an error of sharing or viewing; a
// wrong passcode says how many tries are left.
func xpShareErrorText(err error) string {
	var pe *share.PasscodeError
	if errors.As(err, &pe) && pe.Remaining > 0 {
		return i18n.N("shl.err.passcode", pe.Remaining)
	}
	return i18n.T(xpShareErrorKey(err))
}

// errSHLNothing: a health link held nothing the viewer can show.
var errSHLNothing = errors.New("share: nothing to show")

// shlArchive turns the files of a health link into what the viewer shows:
// a Backpack share is read as the export it is; FHIR JSON and SMART Health
// Cards (from any app) are read by the importer in the worker module (as
// an imported file is), into one profile's entries, kept in memory. notes are catalog keys of what the viewer should say
// (a card's signature not checked, a part it cannot open).
func shlArchive(ctx context.Context, key []byte, files []share.File, now time.Time) (*exportdata.Archive, exportdata.MemFiles, []string, error) {
	var results []worker.Parsed
	var notes []string
	note := func(k string) {
		if !slices.Contains(notes, k) {
			notes = append(notes, k)
		}
	}
	for i, f := range files {
		switch f.ContentType {
		case xpShareCty:
			if len(files) == 1 {
				a, mem, err := xpReadShare(ctx, key, f.Data)
				return a, mem, nil, err
			}
		case share.ContentTypeFHIR, share.ContentTypeSHC, "application/json":
			p, err := xpImportBytes(ctx, "shared-"+strconv.Itoa(i+1)+".json", f.Data)
			if err != nil || p.Result.Total() == 0 {
				continue
			}
			if p.Result.Format == importer.FormatSHC {
				note("shl.view.card")
			}
			results = append(results, p)
		case share.ContentTypeAPIAccess:
			note("shl.view.apiaccess")
		}
	}
	if len(results) == 0 {
		return nil, nil, notes, errSHLNothing
	}
	// Each file is one person's (one subject Patient): each its own profile,
	// with the documents that came inside it (attachment data), attached to
	// the entries of the resources that held them, kept in memory only.
	a := &exportdata.Archive{Created: now, Partial: true}
	mem := exportdata.MemFiles{}
	for _, p := range results {
		res := p.Result
		prof := record.Profile{Name: i18n.T("share.view.title")}
		if res.Patient != nil {
			if p, err := record.ProfileFromPatient(*res.Patient); err == nil {
				prof = p
			}
		}
		prof.ID = record.NewID()
		a.Data.Profiles = append(a.Data.Profiles, prof)
		entries := importDecode(p, now, nil) // one per resource, in order
		for i := range entries {
			entries[i].Profile = prof.ID
		}
		for _, f := range res.Files {
			info := record.FileInfo{ID: record.NewID(), Profile: prof.ID, Name: f.Name, Type: f.Type, Size: f.Size,
				SHA256: f.SHA256, Created: now}
			for _, o := range f.Owners {
				if o >= 0 && o < len(entries) {
					entries[o].Files = append(entries[o].Files, info.ID)
				}
			}
			mem[info.ID] = f.Data
			a.Data.Files = append(a.Data.Files, info)
		}
		a.Data.Entries = append(a.Data.Entries, entries...)
	}
	return a, mem, notes, nil
}

// xpShareErrorKey is the catalog key for an error of sharing or viewing.
func xpShareErrorKey(err error) string {
	switch {
	case errors.Is(err, errXPContent):
		return "ui.view.err.content"
	case errors.Is(err, errXPShareOff):
		return "share.off"
	case errors.Is(err, errSHLNothing):
		return "shl.err.nothing"
	case errors.Is(err, errSHLFilesTooLarge):
		return "shl.files.toobig"
	}
	var api *share.APIError
	var pe *share.PasscodeError
	if errors.As(err, &api) || errors.As(err, &pe) || errors.Is(err, share.ErrPasscodeNeeded) || errors.Is(err, share.ErrManifest) || errors.Is(err, share.ErrLink) || errors.Is(err, share.ErrExpired) ||
		errors.Is(err, share.ErrUnsupportedLink) || errors.Is(err, share.ErrDecrypt) ||
		errors.Is(err, share.ErrMalformed) || errors.Is(err, share.ErrUnsupported) || errors.Is(err, share.ErrTooLarge) {
		return share.MessageKey(err)
	}
	if k := xpOpenErrorKey(err); k != "export.err.other" {
		return k
	}
	return "ui.share.err.network"
}
