package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/replica"
)

// PathDevices is the Devices page: sync on or off, its status, adding and
// removing devices.
const PathDevices = "/devices"

func init() { addPage(PathDevices, false, func() app.Composer { return &Devices{} }) }

// Devices turns sync on, says how it is going ("Synced 2 min ago · 3
// changes waiting"), adds a device (a QR code and a code to type) and
// lists the vault's devices, each removable.
type Devices struct {
	app.Compo

	ready   bool
	busy    string // "on", "sync", "add", "remove": what runs
	err     string
	notice  string
	code    string // the pairing code shown, "" when none
	qr      qrCode // of the pairing link
	expires time.Time
	devices []replica.Device
	confirm string // the device whose removal is being confirmed
	cctx    app.Context
}

func (p *Devices) OnNav(ctx app.Context) {
	p.ready, p.err, p.notice, p.code, p.qr, p.confirm, p.devices = false, "", "", "", qrCode{}, "", nil
	if !requireSession(ctx) {
		return
	}
	p.ready, p.cctx = true, ctx
	if eng := engine(); eng != nil {
		p.listDevices(ctx)
		ctx.Async(func() { // the status as stored, before the loop's next sync
			if st, err := eng.Status(ctx); err == nil {
				syncer.mu.Lock()
				if syncer.eng == eng {
					syncer.status = st
				}
				syncer.mu.Unlock()
				ctx.Dispatch(func(app.Context) {})
			}
		})
	}
}

// do runs job in the background with busy set, then shows its error.
func (p *Devices) do(what string, job func() error, after func()) {
	if p.busy != "" {
		return
	}
	ctx := p.cctx
	p.busy, p.err, p.notice = what, "", ""
	ctx.Async(func() {
		err := job()
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			if err != nil {
				p.err = syncErrorText(err)
				return
			}
			if after != nil {
				after()
			}
		})
	})
}

func (p *Devices) turnOn(ctx app.Context, e app.Event) {
	s := current()
	if s == nil {
		return
	}
	p.do("on", func() error {
		eng, err := replica.Enable(ctx, s, syncOptions())
		if err != nil {
			return err
		}
		useEngine(s, eng)
		runSync(ctx, eng)
		_, err, _ = syncState()
		return err
	}, func() { p.listDevices(ctx) })
}

func (p *Devices) syncNow(ctx app.Context, e app.Event) {
	eng := engine()
	if eng == nil {
		return
	}
	p.do("sync", func() error {
		runSync(ctx, eng)
		_, err, _ := syncState()
		return err
	}, nil)
}

// syncShared syncs the shared profiles now.
func (p *Devices) syncShared(ctx app.Context, e app.Event) {
	b, s := spaces(), current()
	if b == nil || s == nil {
		return
	}
	p.do("shared", func() error {
		var err error
		if !syncExclusive(func() {
			var pulled bool
			if pulled, err = b.Sync(ctx, s); pulled {
				followChange()
			}
		}) {
			return nil // another tab syncs now
		}
		refreshSpaces(ctx, s)
		return err
	}, nil)
}

func (p *Devices) addDevice(ctx app.Context, e app.Event) {
	eng := engine()
	if eng == nil {
		return
	}
	ctx = p.cctx // the button goes once the code shows
	var inv replica.Invite
	p.do("add", func() error {
		var err error
		inv, err = eng.Invite(ctx)
		return err
	}, func() {
		p.code, p.qr, p.expires = inv.Code, qrCode{text: joinLink(inv.Code)}, inv.Expires
		drawQRLater(ctx, p.qr.text, i18n.T("sync.add.qr"), func(q qrCode) {
			if p.code != "" && p.qr.text == q.text {
				p.qr = q
			}
		})
		vaultFocus(ctx, "pair-code")
		p.listDevices(ctx)
	})
}

// joinLink is the address the QR code opens on the new device: the Join
// page with the code in the #fragment, which never reaches a server.
func joinLink(code string) string {
	origin, _ := xpLocation()
	return origin + PathJoin + "#" + code
}

func (p *Devices) listDevices(ctx app.Context) {
	eng := engine()
	if eng == nil {
		return
	}
	// The list loads beside whatever else runs: it never holds a button.
	ctx = p.cctx
	ctx.Async(func() {
		ds, err := eng.Devices(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = syncErrorText(err)
				return
			}
			p.devices = ds
		})
	})
}

func (p *Devices) remove(ctx app.Context, id string) {
	eng := engine()
	if eng == nil {
		return
	}
	this := false
	for _, d := range p.devices {
		this = this || d.ID == id && d.This
	}
	p.do("remove", func() error { return eng.RemoveDevice(ctx, id) }, func() {
		p.confirm = ""
		if this {
			stopSync() // sync is off here now; the records stay
			p.devices = nil
		} else {
			p.listDevices(ctx)
		}
		p.notice = i18n.T("sync.device.removed")
	})
}

func (p *Devices) Render() app.UI {
	if !p.ready {
		return &Shell{Title: i18n.T("sync.title")}
	}
	on := engine() != nil
	return &Shell{Title: i18n.T("sync.title"), Content: []app.UI{
		app.P().Class("lead-left").Text(i18n.T("sync.intro")),
		app.Div().Class("slot").Aria("live", "polite").Body(
			app.If(p.notice != "", func() app.UI { return okBanner(p.notice) }),
		),
		app.Div().Class("slot").Body(app.If(p.err != "", func() app.UI { return errorBanner(p.err) })),
		app.If(!on, func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("sync-on").Class("btn").Disabled(p.busy != "").Aria("busy", p.busy == "on").
					Text(i18n.T("sync.on")).OnClick(p.turnOn),
				app.If(p.busy == "on", func() app.UI { return busyBar(i18n.T("sync.turning")) }),
			)
		}).Else(func() app.UI {
			return app.Div().Body(
				syncStatusCard(p.busy == "sync", p.syncNow),
				renderConflicted(),
				p.renderAdd(),
				p.renderList(),
			)
		}),
		app.Div().Class("slot").Body(sharedSyncCard(p.busy == "shared", p.syncShared)), // shared profiles sync also when the vault does not
	}}
}

// syncStatusCard is the status line and "Sync now".
func syncStatusCard(busy bool, onSync app.EventHandler) app.UI {
	st, err, running := syncState()
	synced, waiting := syncStatusText(st, time.Now())
	return app.Section().ID("sync-status").Class("card sync-card").Aria("labelledby", "sync-status-h").Body(
		app.H2().ID("sync-status-h").Class("sr-only").Text(i18n.T("sync.status.label")),
		app.P().ID("sync-line").Class("sync-line").Role("status").Body(
			app.Span().ID("sync-synced").Text(synced),
			app.If(waiting != "", func() app.UI {
				return app.Span().ID("sync-waiting").Class("sync-waiting").Text(waiting)
			}),
		),
		app.If(err != nil, func() app.UI {
			return app.P().ID("sync-problem").Class("warn-box").Text(syncErrorText(err))
		}),
		app.Div().Class("actions").Body(
			app.Button().ID("sync-now").Class("btn btn-secondary").Disabled(busy || running).Aria("busy", busy || running).
				Text(i18n.T("sync.now")).OnClick(onSync),
			app.If(busy || running, func() app.UI { return busyBar(i18n.T("sync.syncing")) }),
		),
	)
}

func (p *Devices) renderAdd() app.UI {
	return app.Section().ID("sync-add").Class("card sync-card").Aria("labelledby", "sync-add-h").Body(
		app.H2().ID("sync-add-h").Text(i18n.T("sync.add")),
		app.If(p.code == "", func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("sync-add-btn").Class("btn").Disabled(p.busy != "").Aria("busy", p.busy == "add").
					Text(i18n.T("sync.add")).OnClick(p.addDevice),
				app.If(p.busy == "add", func() app.UI { return busyBar(i18n.T("sync.add.making")) }),
			)
		}).Else(func() app.UI {
			return app.Div().Class("pair").Body(append([]app.UI{app.P().Text(i18n.T("sync.add.intro"))},
				pairCode(p.qr, i18n.T("sync.add.code"), "pair-code", p.code, "", i18n.T("sync.add.expires", xpWhen(p.expires)),
					app.Button().ID("sync-add-done").Class("btn btn-secondary").Text(i18n.T("sync.add.done")).
						OnClick(func(ctx app.Context, e app.Event) {
							p.code, p.qr = "", qrCode{}
							p.listDevices(ctx)
						}))...)...,
			)
		}),
	)
}

// pairCode shows a code that works once — to add a device, or to join a
// shared profile: its QR code, the code or link itself (codeID, focused
// when it appears), when it stops working (once, with onceID if any) and
// the button that ends it.
func pairCode(qr qrCode, label, codeID, code, onceID, once string, done app.UI) []app.UI {
	until := app.P().Class("muted").Text(once)
	if onceID != "" {
		until = until.ID(onceID)
	}
	return []app.UI{
		app.Figure().Class("pair-qr").Body(app.Div().Class("qr").Body(qrView(qr))),
		app.P().Class("pair-code-label").Text(label),
		app.P().ID(codeID).Class("pair-code").TabIndex(-1).Text(code),
		until,
		app.Div().Class("actions").Body(done),
	}
}

func (p *Devices) renderList() app.UI {
	return app.Section().ID("sync-devices").Class("card sync-card").Aria("labelledby", "sync-devices-h").Body(
		app.H2().ID("sync-devices-h").Text(i18n.T("sync.devices")),
		app.Ul().Class("device-list").Body(app.Range(p.devices).Slice(func(i int) app.UI {
			d := p.devices[i]
			name := i18n.T("sync.device.other")
			if d.This {
				name = i18n.T("sync.device.this")
			}
			return app.Li().Class("device").DataSet("id", d.ID).Body(
				app.Span().Class("device-name").Text(name),
				app.Span().Class("muted device-id").Text(d.ID[:min(6, len(d.ID))]),
				app.Span().Class("muted device-added").Text(i18n.T("sync.device.added", fileDate(d.Added))),
				app.If(p.confirm == d.ID, func() app.UI {
					return app.Div().Class("confirm-box").Role("alertdialog").Aria("labelledby", "device-confirm-"+d.ID).Body(
						app.P().ID("device-confirm-"+d.ID).Text(i18n.T("sync.device.confirm")),
						app.Div().Class("actions").Body(
							app.Button().Class("btn btn-danger device-remove-yes").Disabled(p.busy != "").
								Text(i18n.T("sync.device.remove")).
								OnClick(func(ctx app.Context, e app.Event) { p.remove(ctx, p.confirm) }, app.EventScope(d.ID)),
							app.Button().Class("btn btn-secondary").Text(i18n.T("sync.device.cancel")).
								OnClick(func(ctx app.Context, e app.Event) { p.confirm = "" }),
						),
					)
				}).Else(func() app.UI {
					id := d.ID
					return app.Button().Class("btn btn-secondary btn-small device-remove").Disabled(p.busy != "").
						Text(i18n.T("sync.device.remove")).
						OnClick(func(ctx app.Context, e app.Event) { p.confirm = id }, app.EventScope(id))
				}),
			)
		})),
	)
}

// syncSettingsCard is the Devices card of Settings: the status line when
// sync is on, and the way to the Devices page.
func syncSettingsCard() app.UI {
	var line app.UI
	if engine() != nil {
		st, _, _ := syncState()
		synced, waiting := syncStatusText(st, time.Now())
		if waiting != "" {
			synced += " · " + waiting
		}
		line = app.P().ID("settings-sync-line").Class("sync-line").Text(synced)
	}
	return app.Section().ID("sync-settings").Class("card settings-card").Aria("labelledby", "sync-settings-h").Body(
		app.H2().ID("sync-settings-h").Text(i18n.T("sync.title")),
		app.P().Class("muted").Text(i18n.T("sync.settings.intro")),
		line,
		app.P().Body(app.A().ID("devices-link").Class("btn btn-secondary").Href(PathDevices).Text(i18n.T("sync.settings"))),
	)
}

// renderConflicted lists the entries edited on two devices, each a link to
// its page, where the person keeps one version; nil when there are none.
func renderConflicted() app.UI {
	s := current()
	if s == nil {
		return nil
	}
	ids := s.Conflicted()
	if len(ids) == 0 {
		return nil
	}
	book := s.Book()
	return app.Section().ID("sync-conflicts").Class("card sync-card conflict-card").Aria("labelledby", "sync-conflicts-h").Body(
		app.H2().ID("sync-conflicts-h").Text(i18n.T("conflict.title")),
		app.P().Class("muted").Text(i18n.N("conflict.count", len(ids))),
		app.Ul().Body(app.Range(ids).Slice(func(i int) app.UI {
			e, ok := book.Get(ids[i])
			if !ok {
				return nil
			}
			return app.Li().Body(app.A().Href(PathEntry + e.ID).Text(recEntryTitle(e)))
		})),
	)
}
