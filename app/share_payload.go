package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"backpack/internal/export"
	"backpack/internal/share"
)

// What a share link points at: a compact JWE ("dir" + "A256GCM", the SMART
// Health Links form) whose plaintext is a whole Backpack export file,
// encrypted with a passphrase derived from the same link key. The viewer
// thus opens a share exactly like an export file (same checks, same files),
// and the server holds ciphertext it cannot read.
const xpShareCty = "application/vnd.backpack.export"

// Errors of the share viewer and page, each with a catalog message.
var (
	errXPOrigin   = errors.New("share: link points at another server")
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
func xpSealShare(ctx context.Context, data export.Data, sel export.Selection, files export.FileSource, key []byte, progress func(done, total int64)) (string, error) {
	to, err := export.Passphrase(xpSharePassphrase(key))
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := export.Write(ctx, &buf, data, sel, files, to, progress); err != nil {
		return "", err
	}
	return share.EncryptJWE(key, buf.Bytes(), xpShareCty)
}

// xpOpenShare decrypts a share made by xpSealShare into memory.
func xpOpenShare(ctx context.Context, key []byte, jwe string) (a *export.Archive, mem export.MemFiles, err error) {
	defer func() {
		if recover() != nil { // a reader's bug must not take the page down
			a, mem, err = nil, nil, export.ErrCorrupt
		}
	}()
	if cty, err := share.JWEContentType(jwe); err != nil {
		return nil, nil, err
	} else if cty != xpShareCty {
		return nil, nil, errXPContent
	}
	plain, err := share.DecryptJWE(key, jwe)
	if err != nil {
		return nil, nil, err
	}
	mem = export.MemFiles{}
	a, err = export.Read(ctx, bytes.NewReader(plain), export.PassphraseIdentity(xpSharePassphrase(key)), mem.Sink())
	if err != nil {
		return nil, nil, err
	}
	return a, mem, nil
}

// xpShareURL checks that a link's ciphertext URL is on this origin and under
// the share API, and returns it. Backpack never fetches from another origin
// (privacy, and the Content-Security-Policy would refuse it anyway).
func xpShareURL(link share.Link, origin string) (string, error) {
	u, err := url.Parse(link.URL)
	if err != nil {
		return "", share.ErrLink
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return "", errXPOrigin
	}
	if u.Scheme != o.Scheme || u.Host != o.Host || u.User != nil ||
		!strings.HasPrefix(u.EscapedPath(), share.APIPath+"/") || u.RawQuery != "" {
		return "", errXPOrigin
	}
	return u.String(), nil
}

// xpShareErrorKey is the catalog key for an error of sharing or viewing.
func xpShareErrorKey(err error) string {
	switch {
	case errors.Is(err, errXPOrigin):
		return "ui.view.err.origin"
	case errors.Is(err, errXPContent):
		return "ui.view.err.content"
	case errors.Is(err, errXPShareOff):
		return "share.off"
	}
	var api *share.APIError
	if errors.As(err, &api) || errors.Is(err, share.ErrLink) || errors.Is(err, share.ErrExpired) ||
		errors.Is(err, share.ErrUnsupportedLink) || errors.Is(err, share.ErrDecrypt) ||
		errors.Is(err, share.ErrMalformed) || errors.Is(err, share.ErrUnsupported) || errors.Is(err, share.ErrTooLarge) {
		return share.MessageKey(err)
	}
	if k := export.ErrorKey(err); k != "export.err.other" {
		return k
	}
	return "ui.share.err.network"
}
