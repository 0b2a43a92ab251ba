package ui

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/share"
)

func init() { addPage(PathShare, false, func() app.Composer { return &Share{} }) }

// xpShareMax is the largest upload the share server takes by default
// (internal/share/server: 100 MiB); bigger shares fail before uploading.
const xpShareMax = 100 << 20

// xpShareTTLs are the expiry choices; the second is the default.
var xpShareTTLs = []struct {
	d     time.Duration
	label string
}{
	{time.Hour, "share.expiry.1h"},
	{24 * time.Hour, "share.expiry.24h"},
	{7 * 24 * time.Hour, "share.expiry.7d"},
}

// xpShared is a share link as the page shows it. The vault keeps it
// (record.SharedLink), so that it can be copied again or revoked after the
// app was locked or closed; the QR code is drawn for the newest only.
type xpShared struct {
	rec     record.SharedLink
	url     string // the ciphertext on the server
	token   string
	link    string // the whole link, key in the fragment
	qr      qrCode // the newest link's only (drawQRLater)
	label   string
	expires time.Time
	revoked bool
}

// xpShareList returns the session's share links, newest first (the QR
// code of the newest is drawn after: Share.drawNewest).
func xpShareList(s *session.Session) []*xpShared {
	if s == nil {
		return nil
	}
	var out []*xpShared
	for _, l := range s.SharedLinks() {
		out = append(out, &xpShared{rec: l, url: l.URL, token: l.Token, link: l.Link, label: l.Label, expires: l.Expires, revoked: l.Revoked})
	}
	return out
}

// drawNewest has the newest link's QR code drawn, unless it is revoked or
// drawn already; a drawing that comes back after the list changed is
// dropped.
func (sh *Share) drawNewest(ctx app.Context) {
	if len(sh.shares) == 0 {
		return
	}
	sd := sh.shares[0]
	if sd.revoked || sd.qr.text == sd.link {
		return
	}
	sd.qr = qrCode{text: sd.link} // being drawn
	drawQRLater(sh.own(ctx), sd.link, "", func(q qrCode) {
		if len(sh.shares) > 0 && sh.shares[0] == sd && !sd.revoked && sd.link == q.text {
			sd.qr = q
		}
	})
}

// Share makes a share link: the chosen part of the record, encrypted on this
// device, uploaded to this server for a limited time, with a QR code and a
// revoke button.
type Share struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	ready  bool
	choice exportChoice
	api    string // "", "on", "off"

	label string
	ttl   time.Duration

	busy       bool
	uploading  bool
	done       int64
	total      int64
	err        string
	copied     string // url of the link just copied
	confirming string // url of the link whose revoke waits for confirmation
	revoking   string
	shares     []*xpShared
	another    bool // show the form again after a link was made

	// A manifest link (SMART Health Links without "U"): asked for with a
	// passcode the server checks, or kept up to date ("L").
	protect  bool
	passcode string // only until the link is made; never stored here
	living   bool
	status   map[string]share.LinkStatus // by link URL, from the server
	remind   string                      // url of the link whose passcode reminder shows
	tooBig   bool                        // the files do not fit in a manifest link: offer it without them
}

// shlTTLYear is the longest expiry the share page offers, for manifest links.
const shlTTLYear = 365 * 24 * time.Hour

// ttls are the expiry choices: a year too for manifest links.
func (sh *Share) ttls() []struct {
	d     time.Duration
	label string
} {
	if !sh.protect && !sh.living {
		return xpShareTTLs
	}
	return append(xpShareTTLs[:len(xpShareTTLs):len(xpShareTTLs)], struct {
		d     time.Duration
		label string
	}{shlTTLYear, "shl.expiry.1y"})
}

func (sh *Share) OnNav(ctx app.Context) {
	if !requireSession(ctx) || sh.ready {
		return
	}
	sh.choice = newExportChoice(current())
	sh.choice.scope = xpScopeSummary
	sh.ttl = 24 * time.Hour
	sh.shares = xpShareList(current())
	sh.drawNewest(ctx)
	sh.ready = true
	sh.status = map[string]share.LinkStatus{}
	sh.fetchStatus(ctx)
	ctx.Async(func() {
		state := xpShareAPIState()
		ctx.Dispatch(func(ctx app.Context) { sh.api = state })
	})
}

// xpShareAPIState asks for a share that cannot exist: the answer says
// whether the API is there ("on") or sharing is off here ("off": the
// server says "disabled", or a static host has no API at all). Call it
// from ctx.Async.
func xpShareAPIState() string {
	res, err := xpFetch("GET", share.APIPath+"/"+strings.Repeat("a", 26), "", nil)
	if err == nil && xpAPIOff(res) {
		return "off"
	}
	return "on"
}

// fetchStatus asks the server how each live passcode link stands, so that
// one locked by wrong passcodes says so.
func (sh *Share) fetchStatus(ctx app.Context) {
	var ls []record.SharedLink
	for _, sd := range sh.shares {
		if sd.rec.Kind != "" && strings.Contains(sd.rec.Flag, share.FlagPasscode) && !sd.revoked && time.Now().Before(sd.expires) {
			ls = append(ls, sd.rec)
		}
	}
	if len(ls) == 0 {
		return
	}
	ctx.Async(func() {
		got := map[string]share.LinkStatus{}
		for _, l := range ls {
			if st, err := shlStatus(l); err == nil {
				got[l.URL] = st
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			for u, st := range got {
				sh.status[u] = st
			}
		})
	})
}

// xpAPIOff reports whether a share API answer means sharing is off here.
func xpAPIOff(res xpResponse) bool {
	if res.Status >= 200 && res.Status < 300 {
		return false
	}
	api, ok := share.ResponseError(res.Status, res.Body, res.RetryAfter).(*share.APIError)
	switch {
	case !ok:
		return false
	case api.Code == share.CodeDisabled:
		return true
	case api.Code == "" && (res.Status == 404 || res.Status == 405 || res.Status == 501):
		return true // no share API on this host at all
	}
	return false
}

func (sh *Share) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = sh.own(ctx) // what the work reports outlives the element it came from
	if sh.busy || sh.api == "off" {
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	sel := sh.choice.selection()
	label := sh.linkLabel()
	ttl := sh.ttl
	if sh.protect || sh.living {
		sh.createManifest(ctx, s, label, ttl, false)
		return
	}
	sh.busy, sh.uploading, sh.err, sh.done, sh.total = true, false, "", 0, 1
	ctx.Async(func() {
		sd, err := func() (*xpShared, error) {
			data, err := xpData(ctx, s)
			if err != nil {
				return nil, err
			}
			key := share.NewKey()
			last := -1
			jwe, err := xpSealShare(ctx, data, sel, s, key, func(done, total int64) {
				if pct := int(done * 100 / max(total, 1)); pct != last {
					last = pct
					ctx.Dispatch(func(ctx app.Context) { sh.done, sh.total = done, total })
				}
			})
			if err != nil {
				return nil, err
			}
			if len(jwe) > xpShareMax {
				return nil, &share.APIError{Status: 413, Code: share.CodeTooLarge}
			}
			ctx.Dispatch(func(ctx app.Context) { sh.uploading = true })
			res, err := xpFetch("POST", share.APIPath+"?"+share.TTLQuery+"="+strconv.Itoa(int(ttl/time.Second)), jwe,
				map[string]string{"Content-Type": share.ContentTypeJWE})
			if err != nil {
				return nil, err
			}
			if res.Status != 201 && res.Status != 200 {
				if xpAPIOff(res) {
					return nil, errXPShareOff
				}
				return nil, share.ResponseError(res.Status, res.Body, res.RetryAfter)
			}
			var c share.Created
			if err := json.Unmarshal(res.Body, &c); err != nil || c.ID == "" || c.ManageToken == "" {
				return nil, &share.APIError{Status: res.Status}
			}
			origin, _ := xpLocation()
			link := share.Link{URL: origin + share.APIPath + "/" + c.ID, Key: key, Exp: c.Expires, Label: label, Flag: share.FlagDirect}
			text, err := link.Encode(origin)
			if err != nil {
				return nil, err
			}
			rec, err := s.SaveSharedLink(ctx, record.SharedLink{URL: link.URL, Token: c.ManageToken, Link: text, Label: label, Expires: c.Expires})
			if err != nil {
				// The link works but could not be remembered: revoke it
				// rather than leave one the person cannot revoke.
				xpFetch("DELETE", link.URL, "", map[string]string{"Authorization": "Bearer " + c.ManageToken})
				return nil, err
			}
			return &xpShared{rec: rec, url: link.URL, token: c.ManageToken, link: text, label: label, expires: c.Expires}, nil
		}()
		ctx.Dispatch(func(ctx app.Context) { sh.made(ctx, sd, err) })
	})
}

// linkLabel is the label typed, as long as a link's label may be.
func (sh *Share) linkLabel() string {
	label := strings.TrimSpace(sh.label)
	if len([]rune(label)) > share.MaxLabelLen {
		label = string([]rune(label)[:share.MaxLabelLen])
	}
	return label
}

// createManifest makes a manifest link: with the passcode the server will
// check, and/or kept up to date as the record changes; with the files the
// choice shares unless noFiles. When the files would not fit, it makes
// nothing and the form says so, everything typed still in it.
func (sh *Share) createManifest(ctx app.Context, s *session.Session, label string, ttl time.Duration, noFiles bool) {
	sh.tooBig = false
	pass := ""
	if sh.protect {
		var ok bool
		if pass, ok = shlPasscode(sh.passcode); !ok {
			sh.err = i18n.T("shl.err.passcode.short")
			return
		}
	}
	flag := ""
	if sh.living {
		flag += share.FlagLongTerm
	}
	if sh.protect {
		flag += share.FlagPasscode
	}
	tmpl := record.SharedLink{Kind: record.LinkManifest, Flag: flag, Label: label, Choice: shlChoiceOf(&sh.choice)}
	tmpl.Choice.NoFiles = noFiles
	if d, _ := shlSelected(s, tmpl); !shlFilesFit(d) {
		sh.tooBig, sh.err = true, "" // said before anything is read or uploaded
		return
	}
	sh.busy, sh.uploading, sh.err, sh.done, sh.total = true, true, "", 0, 1
	ctx.Async(func() {
		rec, err := shlCreate(ctx, s, tmpl, pass, ttl)
		var sd *xpShared
		if err == nil {
			sd = &xpShared{rec: rec, url: rec.URL, token: rec.Token, link: rec.Link, label: rec.Label, expires: rec.Expires}
		}
		ctx.Dispatch(func(ctx app.Context) {
			if errors.Is(err, errSHLFilesTooLarge) {
				sh.busy, sh.uploading, sh.tooBig = false, false, true // the passcode stays for "without the files"
				return
			}
			sh.made(ctx, sd, err)
			if err == nil && pass != "" {
				sh.remind = rec.URL
			}
			sh.passcode = ""
		})
	})
}

// made shows a link just made, or why it could not be.
func (sh *Share) made(ctx app.Context, sd *xpShared, err error) {
	sh.busy, sh.uploading = false, false
	if err != nil {
		if err == errXPShareOff {
			sh.api = "off"
		}
		sh.err = i18n.T(xpShareErrorKey(err))
		return
	}
	sh.shares = append([]*xpShared{sd}, sh.shares...)
	for _, old := range sh.shares[1:] {
		old.qr = qrCode{} // the QR code is for the newest
	}
	sh.drawNewest(ctx)
	sh.done = sh.total
	sh.another = false
}

// shared is the listed share link stored at url u, or nil. Handlers look it
// up when they run: go-app keeps the first handler it rendered for a
// button, and a new link is listed first, where the previous one was.
func (sh *Share) shared(u string) *xpShared {
	for _, sd := range sh.shares {
		if sd.url == u {
			return sd
		}
	}
	return nil
}

// revoke deletes the share on the server. The confirmation stays on screen
// (its buttons disabled) until the answer comes: go-app drops a dispatch
// whose source element is gone.
func (sh *Share) revoke(ctx app.Context, sd *xpShared) {
	ctx = sh.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil {
		lockNow()
		return
	}
	sh.revoking, sh.err = sd.url, ""
	rec, token := sd.rec, sd.token
	ctx.Async(func() {
		res, err := xpFetch("DELETE", sd.url, "", map[string]string{"Authorization": "Bearer " + token})
		if err == nil && res.Status != 204 && res.Status != 200 && res.Status != 404 {
			err = share.ResponseError(res.Status, res.Body, res.RetryAfter)
		}
		if err == nil {
			rec.Revoked, rec.Token = true, ""
			rec, err = s.SaveSharedLink(ctx, rec)
		}
		ctx.Dispatch(func(ctx app.Context) {
			sh.revoking, sh.confirming = "", ""
			if err != nil {
				sh.err = i18n.T(xpShareErrorKey(err))
				return
			}
			sd.rec, sd.revoked, sd.token, sd.qr = rec, true, "", qrCode{}
		})
	})
}

func (sh *Share) Render() app.UI {
	if !sh.ready {
		return &Shell{Title: i18n.T("share.title")}
	}
	off := sh.api == "off"
	return &Shell{Title: i18n.T("share.title"), Content: []app.UI{
		app.P().Class("xp-lead").Text(i18n.T("share.intro")),
		app.If(off, func() app.UI {
			return app.Div().ID("share-off").Class("card xp-step").Body(
				errorBanner(i18n.T("share.off")),
				app.P().Text(i18n.T("ui.share.off.hint")),
				app.Div().Class("actions").Body(
					app.A().Class("btn").Href(PathExport).Text(i18n.T("more.export")),
				),
			)
		}),
		app.Range(sh.shares).Slice(func(i int) app.UI { return sh.renderShared(sh.shares[i], i == 0) }),
		app.If(!off && (len(sh.shares) == 0 || sh.another || sh.busy || sh.err != ""), func() app.UI {
			return sh.renderForm()
		}).ElseIf(!off, func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("share-another").Type("button").Class("btn btn-secondary").Text(i18n.T("ui.share.another")).
					OnClick(func(ctx app.Context, e app.Event) { sh.another = true }),
			)
		}),
	}}
}

func (sh *Share) renderForm() app.UI {
	return app.Form().ID("share-form").OnSubmit(sh.create).Body(
		app.Section().Class("card xp-step").Body(
			app.H2().Text(i18n.T("ui.share.step.what")),
			sh.choice.render("sh", sh.busy),
		),
		app.Section().Class("card xp-step").Body(
			app.H2().Text(i18n.T("ui.share.step.link")),
			field("sh-label", i18n.T("share.label"), i18n.T("share.label.hint"), "",
				app.Input().Type("text").MaxLength(share.MaxLabelLen).Value(sh.label).Disabled(sh.busy).
					OnInput(func(ctx app.Context, e app.Event) { sh.label = ctx.JSSrc().Get("value").String() })),
			app.Label().For("sh-ttl").Body(
				app.Span().Text(i18n.T("share.expiry")),
				app.Select().ID("sh-ttl").Disabled(sh.busy).
					OnChange(func(ctx app.Context, e app.Event) {
						if n, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil {
							sh.ttl = time.Duration(n) * time.Second
						}
					}).
					Body(app.Range(sh.ttls()).Slice(func(i int) app.UI {
						t := sh.ttls()[i]
						return app.Option().Value(strconv.Itoa(int(t.d / time.Second))).Selected(t.d == sh.ttl).Text(i18n.T(t.label))
					})),
			),
			sh.renderManifestOptions(),
			app.If(sh.err != "", func() app.UI { return errorBanner(sh.err) }),
			app.If(sh.tooBig && (sh.protect || sh.living), func() app.UI {
				return app.Div().ID("shl-toobig").Body(
					errorBanner(i18n.T("shl.files.toobig")),
					app.Div().Class("actions").Body(
						app.Button().ID("shl-nofiles").Type("button").Class("btn btn-secondary").Disabled(sh.busy).
							Text(i18n.T("shl.files.without")).
							OnClick(func(ctx app.Context, e app.Event) {
								if s := current(); s != nil && !sh.busy {
									sh.createManifest(sh.own(ctx), s, sh.linkLabel(), sh.ttl, true)
								}
							}),
					),
				)
			}),
			app.Div().Class("actions").Body(
				app.Button().ID("share-create").Type("submit").Class("btn").
					Disabled(sh.busy || sh.choice.empty() || sh.api == "").
					Text(i18n.T("share.create")),
			),
			app.If(sh.busy, func() app.UI {
				status := i18n.T("share.creating")
				return app.Div().Class("xp-progress").Body(
					app.If(sh.uploading, func() app.UI {
						return app.Progress().ID("share-progress").Aria("label", status)
					}).Else(func() app.UI {
						return app.Progress().ID("share-progress").Max(sh.total).Value(sh.done).Aria("label", status)
					}),
					app.P().Class("muted").Aria("live", "polite").Text(status),
				)
			}),
		),
	)
}

func (sh *Share) renderShared(sd *xpShared, newest bool) app.UI {
	expired := time.Now().After(sd.expires)
	u := sd.url // handlers look the link up by it (see shared)
	return app.Section().Class("card xp-step xp-shared").DataSet("revoked", sd.revoked).Body(
		app.H2().Text(i18n.T("share.link")),
		app.If(sd.label != "", func() app.UI { return app.P().Class("xp-shared-label").Text(sd.label) }),
		app.If(sd.rec.Kind != "", func() app.UI { return sh.renderKinds(sd) }),
		app.If(sd.revoked, func() app.UI {
			return okBanner(i18n.T("share.revoked"))
		}).ElseIf(expired, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("share.err.expired"))
		}).Else(func() app.UI {
			return app.Div().Class("xp-shared-body").Body(
				app.Div().Class("xp-shared-text").Body(
					app.Label().For("share-link-"+xpShortID(sd.url)).Body(
						app.Span().Class("sr-only").Text(i18n.T("share.link")),
						app.Input().Type("text").ID("share-link-"+xpShortID(sd.url)).Class("xp-mono share-link").ReadOnly(true).Value(sd.link).
							OnFocus(func(ctx app.Context, e app.Event) { ctx.JSSrc().Call("select") }),
					),
					app.Div().Class("actions").Body(
						app.Button().Type("button").Class("btn share-copy").Text(i18n.T("share.copy")).
							OnClick(func(ctx app.Context, e app.Event) {
								sd := sh.shared(u)
								if sd == nil {
									return
								}
								link := sd.link
								ctx = sh.own(ctx)
								ctx.Async(func() {
									err := xpCopy(link)
									ctx.Dispatch(func(ctx app.Context) {
										if err == nil {
											sh.copied = u
										}
									})
								})
							}, app.EventScope(u)),
					),
					app.If(sh.copied == sd.url, func() app.UI { return app.P().Class("muted").Role("status").Text(i18n.T("share.copied")) }),
					app.P().Class("share-expires").Text(i18n.T("share.expires", xpWhen(sd.expires))),
					app.P().Class("field-hint").Text(i18n.T(shlWarningKey(sd.rec))),
					app.If(sh.confirming == sd.url, func() app.UI {
						return app.Div().Class("xp-confirm").Role("alertdialog").Body(
							app.P().Text(i18n.T("share.revoke.confirm")),
							app.Div().Class("actions").Body(
								app.Button().Type("button").Class("btn btn-danger share-revoke-yes").Text(i18n.T("share.revoke")).
									Disabled(sh.revoking == sd.url).
									OnClick(func(ctx app.Context, e app.Event) {
										if sd := sh.shared(u); sd != nil {
											sh.revoke(ctx, sd)
										}
									}, app.EventScope(u)),
								app.Button().Type("button").Class("btn btn-secondary").Text(i18n.T("ui.xp.cancel")).
									Disabled(sh.revoking == sd.url).
									OnClick(func(ctx app.Context, e app.Event) { sh.confirming = "" }),
							),
						)
					}).Else(func() app.UI {
						return app.Div().Class("actions").Body(
							app.Button().Type("button").Class("btn btn-danger share-revoke").Disabled(sh.revoking == sd.url).
								Text(i18n.T("share.revoke")).
								OnClick(func(ctx app.Context, e app.Event) { sh.confirming = u }, app.EventScope(u)),
						)
					}),
				),
				app.If(newest && !sd.revoked, func() app.UI {
					return app.Figure().Class("xp-shared-qr").Body(
						app.Div().Class("qr").Body(qrView(sd.qr)),
						app.FigCaption().Class("field-hint").Text(i18n.T("share.qr.hint")),
					)
				}),
			)
		}),
	)
}

// renderManifestOptions are the choices that make a manifest link: a
// passcode the server checks, and a link kept up to date.
func (sh *Share) renderManifestOptions() app.UI {
	box := func(id, label, hint string, checked bool, set func(bool)) app.UI {
		return xpCheckbox(id, label, hint, checked, sh.busy, set)
	}
	offYear := func() {
		if !sh.protect && !sh.living && sh.ttl == shlTTLYear {
			sh.ttl = 24 * time.Hour
		}
		// A manifest link carries the files attached to its entries too:
		// the counts say so.
		sh.choice.attached = sh.protect || sh.living
		sh.tooBig = false
	}
	return app.Div().Class("shl-options").Body(
		box("sh-protect", i18n.T("shl.protect"), i18n.T("shl.protect.hint"), sh.protect, func(v bool) { sh.protect = v; offYear() }),
		app.If(sh.protect, func() app.UI {
			return field("sh-passcode", i18n.T("shl.passcode"), "", "",
				app.Input().Type("text").Attr("autocomplete", "off").Attr("spellcheck", "false").
					MaxLength(64).Value(sh.passcode).Disabled(sh.busy).
					OnInput(func(ctx app.Context, e app.Event) { sh.passcode = ctx.JSSrc().Get("value").String() }))
		}),
		box("sh-living", i18n.T("shl.living"), i18n.T("shl.living.hint"), sh.living, func(v bool) { sh.living = v; offYear() }),
		app.If(sh.protect || sh.living, func() app.UI { return app.P().Class("field-hint").Text(i18n.T("shl.any.viewer")) }),
	)
}

// renderKinds names what kind of link a manifest link is, and how it stands.
func (sh *Share) renderKinds(sd *xpShared) app.UI {
	r := sd.rec
	var tags []app.UI
	if r.Kind == record.LinkWallet {
		tags = append(tags, app.Span().Class("badge").Text(i18n.T("shl.kind.wallet")))
	}
	if strings.Contains(r.Flag, share.FlagPasscode) {
		tags = append(tags, app.Span().Class("badge").Text(i18n.T("shl.kind.passcode")))
	}
	if strings.Contains(r.Flag, share.FlagLongTerm) {
		tags = append(tags, app.Span().Class("badge").Text(i18n.T("shl.kind.living")))
	}
	st, known := sh.status[sd.url]
	return app.Div().Class("shl-kinds").Body(
		app.P().Class("shl-tags").Body(tags...),
		app.If(known && st.Disabled, func() app.UI { return errorBanner(i18n.T("shl.locked")) }),
		app.If(strings.Contains(r.Flag, share.FlagLongTerm) && !r.Uploaded.IsZero(), func() app.UI {
			return app.P().Class("muted shl-updated").Text(i18n.T("shl.updated", xpWhen(r.Uploaded)))
		}),
		app.If(sh.remind == sd.url, func() app.UI { return app.P().Class("field-hint").Role("status").Text(i18n.T("shl.passcode.remind")) }),
	)
}

// shlWarningKey says who can read a link: anyone who has it, or anyone
// who has it and its passcode.
func shlWarningKey(l record.SharedLink) string {
	if strings.Contains(l.Flag, share.FlagPasscode) {
		return "shl.warning.passcode"
	}
	return "share.warning"
}

// xpShortID is the last part of a share URL (its random id), for element ids.
func xpShortID(u string) string {
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		return u[i+1:]
	}
	return u
}
