package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/fetch"
	"backpack/internal/i18n"
	"backpack/internal/portal"
	"backpack/internal/portal/relay"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/worker"
)

// Paths of connecting a health system's patient portal.
const (
	PathConnect         = "/connect"          // search the directory, paste an address, list connections
	PathConnectCallback = "/connect/callback" // where the health system's sign-in comes back
)

func init() {
	addPage(PathConnect, false, func() app.Composer { return &ConnectPage{} })
	addPage(PathConnectCallback, false, func() app.Composer { return &ConnectPage{} })
}

// ConnectPage connects a health system's patient portal with SMART on
// FHIR: the person finds it in the built-in directory (or pastes its FHIR
// address), signs in there, and comes back to PathConnectCallback; the app
// exchanges the code for tokens, fetches the record (internal/portal's
// pull, run in the worker module: connectPullRun) and hands it to the
// import page's preview, so it lands like an imported file: one atomic
// write, nothing added twice. The connection and its tokens live in the
// vault only (record.Connection).
type ConnectPage struct {
	app.Compo

	query   string
	places  []portal.Place
	dirErr  bool
	address string // pasted FHIR base URL

	conns   []record.Connection
	busy    bool
	stage   string
	errKey  string
	errArg  string // the health system an error is about
	again   *record.Connection
	offer   *connectOffer // the deployment's relay can reach this health system
	note    string
	refused []portal.Refusal

	mounted // work started by a button the page then hides (Use the relay, Sign in again) reports through own
}

func (p *ConnectPage) OnNav(ctx app.Context) {
	if ctx.Page().URL().Path == PathConnectCallback {
		p.callback(ctx)
		return
	}
	if !requireSession(ctx) {
		return
	}
	p.load()
	connectDirectory(ctx, func() { ctx.Dispatch(func(app.Context) { p.search(p.query) }) })
}

func (p *ConnectPage) load() {
	if s := current(); s != nil {
		p.conns = s.Connections()
	}
}

// --- the directory

var (
	dirMu     sync.Mutex
	dirLoaded *portal.Directory
	dirFailed bool
)

// connectDirectory loads the built-in directory once (the service worker
// has it cached: it works offline), then calls done.
func connectDirectory(ctx app.Context, done func()) {
	dirMu.Lock()
	loaded := dirLoaded != nil
	dirMu.Unlock()
	if loaded {
		done()
		return
	}
	ctx.Async(func() {
		b, status, err := connectGet(ctx, connectOrigin()+"/web/"+portal.DirectoryFile)
		var d portal.Directory
		if err == nil && status == http.StatusOK {
			d, err = portal.ReadDirectory(b)
		}
		dirMu.Lock()
		if err == nil && status == http.StatusOK {
			dirLoaded = &d
		} else {
			dirFailed = true
		}
		dirMu.Unlock()
		done()
	})
}

func (p *ConnectPage) search(q string) {
	p.query = q
	dirMu.Lock()
	d, failed := dirLoaded, dirFailed
	dirMu.Unlock()
	p.dirErr = failed
	if d == nil {
		p.places = nil
		return
	}
	p.places = d.Search(q, 20)
}

// connectGet GETs a URL of this origin.
func connectGet(ctx context.Context, u string) ([]byte, int, error) {
	resp, err := fetch.Default.Do(ctx, fetch.Request{URL: u, Limit: 16 << 20})
	return resp.Body, resp.Status, err
}

func connectOrigin() string {
	if o := app.Window().Get("location").Get("origin"); o.Truthy() {
		return o.String()
	}
	return ""
}

// --- signing in

// connectLaunch is what survives the redirect, in this tab's
// sessionStorage for the round trip only: the SMART launch (state, PKCE
// verifier, endpoints; no health data), the person the record goes to
// and, for a new sign-in to a known health system, its connection id.
type connectLaunch struct {
	portal.Launch
	Profile string    `json:"profile,omitempty"`
	Conn    string    `json:"conn,omitempty"`
	Relay   bool      `json:"relay,omitempty"`
	Started time.Time `json:"started"`
}

const connectLaunchKey = "backpack.connect"

// connectMaxRoundTrip is how long a sign-in may take before its launch is
// no longer trusted.
const connectMaxRoundTrip = 30 * time.Minute

// signIn discovers the health system's SMART endpoints and sends the
// browser there to sign in.
func (p *ConnectPage) signIn(ctx app.Context, name, fhir, connID string, viaRelay bool) {
	if p.busy {
		return
	}
	ctx = p.own(ctx)
	p.busy, p.errKey, p.note, p.stage, p.offer = true, "", "", i18n.T("portal.checking"), nil
	profile := ""
	if pr, ok := currentProfile(); ok {
		profile = pr.ID
	}
	ctx.Async(func() {
		clients := connectClients(ctx)
		cfg, err := portal.Discover(ctx, connectHTTP(clients, viaRelay), fhir)
		if err != nil {
			ctx.Dispatch(func(app.Context) {
				p.fail(err, name)
				if errors.Is(err, portal.ErrUnreached) && !viaRelay && clients.Relayed(fhir) {
					p.offer = &connectOffer{name: name, fhir: fhir, conn: connID}
				}
			})
			return
		}
		if name == "" {
			name = connectHost(cfg.FHIR)
		}
		l := connectLaunch{Launch: portal.NewLaunch(cfg, clients.For(cfg.FHIR), connectOrigin()+PathConnectCallback, name),
			Profile: profile, Conn: connID, Relay: viaRelay, Started: time.Now()}
		b, _ := json.Marshal(l)
		ctx.Dispatch(func(ctx app.Context) {
			if ss := app.Window().Get("sessionStorage"); ss.Truthy() {
				ss.Call("setItem", connectLaunchKey, string(b))
			}
			noteWhere()
			// In this tab (go-app's Navigate opens other origins in a new window).
			app.Window().Get("location").Set("href", l.URL())
		})
	})
}

// connectOffer is a health system the browser could not reach that the
// person's own Backpack server relays to.
type connectOffer struct{ name, fhir, conn string }

// connectClients reads the deployment's client ids and relayed hosts.
func connectClients(ctx context.Context) portal.Clients {
	if b, status, err := connectGet(ctx, connectOrigin()+portal.ClientsPath); err == nil && status == http.StatusOK {
		c, _ := portal.ParseClients(b)
		return c
	}
	return portal.Clients{}
}

// connectHTTP is the client for a health system: straight from the
// browser, or through the deployment's relay when the person chose it.
func connectHTTP(c portal.Clients, viaRelay bool) fetch.Doer {
	if !viaRelay || len(c.Relay) == 0 {
		return fetch.Default
	}
	return &relay.Client{Base: connectOrigin() + relay.Path, Hosts: c.Relay}
}

func connectHost(u string) string {
	if pu, err := url.Parse(u); err == nil {
		return pu.Host
	}
	return u
}

// connectPending is a sign-in that came back: its tokens wait here, in
// memory only, while the person unlocks the vault.
var connectPending struct {
	sync.Mutex
	launch *connectLaunch
	token  portal.Token
	err    error
	done   bool
}

// callback takes the health system's answer: it removes code and state
// from the address bar at once, checks state, exchanges the code for
// tokens, then (once the vault is unlocked) stores the connection and
// fetches the record.
func (p *ConnectPage) callback(ctx app.Context) {
	loc := app.Window().Get("location")
	if search := loc.Get("search"); search.Truthy() && search.String() != "" {
		q, _ := url.ParseQuery(strings.TrimPrefix(search.String(), "?"))
		app.Window().Get("history").Call("replaceState", nil, "", PathConnectCallback)
		p.answer(ctx, q)
	}
	connectPending.Lock()
	started := connectPending.launch != nil
	connectPending.Unlock()
	if !started {
		p.errKey = "portal.error.nolaunch"
		return
	}
	if current() == nil {
		p.note = i18n.T("portal.unlock")
		wantedWhileLocked(PathConnectCallback)
		ctx.Navigate(PathUnlock)
		return
	}
	p.finish(ctx)
}

// answer checks the redirect's query against the launch kept for the
// round trip (then forgotten) and starts the token exchange.
func (p *ConnectPage) answer(ctx app.Context, q url.Values) {
	var l connectLaunch
	ss := app.Window().Get("sessionStorage")
	if !ss.Truthy() {
		return
	}
	raw := ss.Call("getItem", connectLaunchKey)
	ss.Call("removeItem", connectLaunchKey)
	if !raw.Truthy() || json.Unmarshal([]byte(raw.String()), &l) != nil || time.Since(l.Started) > connectMaxRoundTrip {
		return
	}
	connectPending.Lock()
	connectPending.launch, connectPending.done, connectPending.err = &l, false, nil
	connectPending.Unlock()
	code, err := l.Code(q)
	if err != nil {
		connectPending.Lock()
		connectPending.err, connectPending.done = err, true
		connectPending.Unlock()
		return
	}
	ctx.Async(func() {
		tok, err := l.Exchange(ctx, connectHTTP(connectClients(ctx), l.Relay), code, time.Now())
		connectPending.Lock()
		connectPending.token, connectPending.err, connectPending.done = tok, err, true
		connectPending.Unlock()
		ctx.Dispatch(func(ctx app.Context) {
			if current() != nil && ctx.Page().URL().Path == PathConnectCallback {
				p.finish(ctx)
			}
		})
	})
}

// finish stores the connection once the exchange is done and fetches.
func (p *ConnectPage) finish(ctx app.Context) {
	connectPending.Lock()
	l, tok, err, done := connectPending.launch, connectPending.token, connectPending.err, connectPending.done
	if done {
		connectPending.launch = nil
		connectPending.token = portal.Token{}
	}
	connectPending.Unlock()
	p.load()
	if l == nil {
		return
	}
	if !done {
		p.busy, p.stage = true, i18n.T("portal.back")
		return
	}
	if err != nil {
		p.fail(err, l.Name)
		return
	}
	s := current()
	c := record.Connection{ID: l.Conn, Name: l.Name, FHIR: l.FHIR, Authorize: l.Authorize, TokenURL: l.Launch.Token,
		Revoke: l.Revoke, ClientID: l.ClientID, Scope: tok.Scope, Patient: tok.Patient, Profile: l.Profile, Relay: l.Relay}
	if old, ok := s.Connection(l.Conn); ok {
		c.Created, c.LastPull, c.Profile = old.Created, old.LastPull, old.Profile
	}
	connectSetToken(&c, tok)
	p.busy, p.stage = true, i18n.T("portal.back")
	ctx.Async(func() {
		saved, err := s.SaveConnection(ctx, c)
		if err != nil {
			ctx.Dispatch(func(app.Context) { p.fail(err, c.Name) })
			return
		}
		ctx.Dispatch(func(ctx app.Context) { p.busy = false; p.pull(ctx, saved) })
	})
}

// --- fetching

func connectToken(c record.Connection) portal.Token {
	return portal.Token{Access: c.Access, Refresh: c.Refresh, Expires: c.Expires, Scope: c.Scope, Patient: c.Patient}
}

func connectSetToken(c *record.Connection, t portal.Token) {
	c.Access, c.Refresh, c.Expires = t.Access, t.Refresh, t.Expires
	if t.Scope != "" {
		c.Scope = t.Scope
	}
	if t.Patient != "" {
		c.Patient = t.Patient
	}
}

// conn is the listed connection with id id. Handlers look it up when they
// run: go-app keeps the first handler it rendered for a button, so one that
// captured a connection could act on the one listed there before.
func (p *ConnectPage) conn(id string) (record.Connection, bool) {
	for _, c := range p.conns {
		if c.ID == id {
			return c, true
		}
	}
	return record.Connection{}, false
}

// pull fetches c's record (what changed since the last pull, where there
// was one), keeps the tokens it was given, and hands the record to the
// import page's preview.
func (p *ConnectPage) pull(ctx app.Context, c record.Connection) {
	if p.busy {
		return
	}
	ctx = p.own(ctx)
	s := current()
	if s == nil {
		lockNow()
		return
	}
	p.busy, p.errKey, p.note, p.refused = true, "", "", nil
	p.stage = i18n.N("portal.fetching", 0, c.Name, 0)
	ctx.Async(func() {
		res, rep, err := connectFetch(ctx, s, &c, 150*time.Millisecond, func(n int) {
			ctx.Dispatch(func(app.Context) { p.stage = i18n.N("portal.fetching", n, c.Name, n) })
		})
		ctx.Dispatch(func(ctx app.Context) {
			p.busy, p.stage = false, ""
			p.load()
			if err != nil {
				if errors.Is(err, portal.ErrExpired) || errors.Is(err, portal.ErrToken) {
					cc := c
					p.again = &cc
				}
				p.fail(err, c.Name)
				return
			}
			connectHandOff(res, c, rep.Started)
			ctx.Navigate(PathImport)
		})
	})
}

// connectFetch pulls c's record (what changed since its last pull, where
// there was one) in the worker module, calling progress with the records
// read at most every paint, and keeps at once the tokens the pull was
// given (refresh tokens may rotate): c is updated. What came is an
// import's reply: the result with its entries made.
func connectFetch(ctx context.Context, s *session.Session, c *record.Connection, paint time.Duration, progress func(n int)) (worker.Parsed, portal.Report, error) {
	var mu sync.Mutex // on the host, progress comes from the pull's goroutines
	var painted time.Time
	q := worker.PullRequest{
		Source:  portal.Source{Name: c.Name, FHIR: c.FHIR, TokenURL: c.TokenURL, ClientID: c.ClientID, Patient: c.Patient},
		Token:   connectToken(*c),
		Options: portal.Options{Since: c.LastPull},
		Now:     time.Now(),
	}
	if clients := connectClients(ctx); c.Relay && len(clients.Relay) > 0 {
		// As connectHTTP: the relay is a path of this origin, which is the worker's.
		q.RelayHosts, q.RelayBase = clients.Relay, relay.Path
	}
	res, rep, err := connectPullRun(ctx, q, func(pr portal.Progress) {
		mu.Lock()
		due := time.Since(painted) >= paint
		if due {
			painted = time.Now()
		}
		mu.Unlock()
		if due {
			progress(pr.Resources)
		}
	})
	if rep.Token.Access != "" && rep.Token.Access != c.Access {
		connectSetToken(c, rep.Token)
		if saved, serr := s.SaveConnection(ctx, *c); serr == nil {
			*c = saved
		}
	}
	return res, rep, err
}

// connectPulled is a fetched record waiting for the import page.
var connectPulled struct {
	sync.Mutex
	res     *worker.Parsed
	profile string
	saved   func(ctx context.Context, out importOutcome)
}

func connectHandOff(res worker.Parsed, c record.Connection, started time.Time) {
	connectPulled.Lock()
	defer connectPulled.Unlock()
	connectPulled.res = &res
	connectPulled.profile = c.Profile
	id := c.ID
	connectPulled.saved = func(ctx context.Context, out importOutcome) {
		s := current()
		if s == nil {
			return
		}
		if c, ok := s.Connection(id); ok {
			c.LastPull, c.Profile = started, out.Profile
			s.SaveConnection(ctx, c)
		}
	}
}

// takePulled adds a fetched record to the import page as a file ready to
// preview and save.
func (p *ImportPage) takePulled(ctx app.Context) {
	connectPulled.Lock()
	res, profile, saved := connectPulled.res, connectPulled.profile, connectPulled.saved
	connectPulled.res, connectPulled.saved = nil, nil
	connectPulled.Unlock()
	if res == nil || p.reading || p.saving {
		return
	}
	connectBgCtx.Lock()
	connectBgCtx.last = connectBgState{}
	connectBgCtx.Unlock()
	ctx.SetState(connectBgKey, connectBgState{}) // the line's "ready to review" is done
	p.nextID++
	it := &importFile{id: p.nextID, name: res.Result.File, state: fileReady, saved: saved}
	pv := importPreviewOf(res.Result, nil, p.profiles, p.current)
	for _, pr := range p.profiles {
		if pr.ID == profile {
			pv.target = profile
		}
	}
	pv.apply(it)
	p.files = append(p.files, it)
	p.summary = nil
	r := *res
	ctx.Async(func() {
		importMu.Lock()
		defer importMu.Unlock()
		prep := importDecode(r, time.Now(), nil) // the entries the worker made
		kinds := importKindCounts(prep)
		ctx.Dispatch(func(app.Context) { it.prep, it.kinds = prep, kinds })
	})
}

// disconnect forgets a connection's tokens (revoking them where the server
// allows); the records it brought stay.
func (p *ConnectPage) disconnect(ctx app.Context, c record.Connection) {
	s := current()
	if s == nil || p.busy {
		return
	}
	ctx = p.own(ctx)
	p.busy = true
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		portal.Revoke(rctx, connectHTTP(connectClients(rctx), c.Relay), c.Revoke, c.ClientID, connectToken(c))
		cancel()
		err := s.DeleteConnection(ctx, c.ID)
		ctx.Dispatch(func(app.Context) {
			p.busy = false
			p.load()
			if err != nil {
				p.fail(err, c.Name)
				return
			}
			p.note = i18n.T("portal.disconnected")
		})
	})
}

func (p *ConnectPage) fail(err error, name string) {
	p.busy, p.stage = false, ""
	p.errArg = name
	if code := portal.Code(err); code != "" {
		p.errKey = "portal.error." + code
	} else {
		p.errKey = "portal.error.other"
	}
}

// --- the page

func (p *ConnectPage) Render() app.UI {
	return &Shell{Title: i18n.T("portal.title"), Content: []app.UI{
		app.Div().ID("connect").Class("connect").Body(
			app.P().Class("muted").Text(i18n.T("portal.intro")),
			app.Div().ID("connect-status").Role("status").Aria("live", "polite").Body(
				app.If(p.busy, func() app.UI {
					return app.Div().Class("import-progress").Body(
						app.P().ID("connect-stage").Class("import-stage").Text(p.stage),
						app.Progress().Aria("label", p.stage),
					)
				}),
				app.If(p.note != "", func() app.UI { return app.P().ID("connect-note").Text(p.note) }),
				app.If(p.errKey != "", func() app.UI {
					return app.Div().ID("connect-error").Class("banner error").Role("alert").Body(
						app.P().Text(i18n.T(p.errKey)),
						app.If(p.again != nil, func() app.UI {
							return app.Button().ID("connect-again").Class("btn").Text(i18n.T("portal.signin.to", p.again.Name)).
								OnClick(func(ctx app.Context, e app.Event) {
									if c := p.again; c != nil {
										p.signIn(ctx, c.Name, c.FHIR, c.ID, c.Relay)
									}
								})
						}),
						app.If(p.offer != nil, func() app.UI {
							return app.Div().ID("connect-relay").Body(
								app.P().Text(i18n.T("portal.relay.offer")),
								app.Button().ID("connect-relay-use").Class("btn").Text(i18n.T("portal.relay.use")).
									OnClick(func(ctx app.Context, e app.Event) {
										if o := p.offer; o != nil {
											p.signIn(ctx, o.name, o.fhir, o.conn, true)
										}
									}),
							)
						}),
					)
				}),
			),
			app.If(len(p.conns) > 0, func() app.UI { return p.renderConnections() }),
			p.renderSearch(),
			app.P().Class("field-hint").Text(i18n.T("portal.privacy")),
		),
	}}
}

func (p *ConnectPage) renderConnections() app.UI {
	return app.Section().ID("connect-list").Body(
		app.H2().Text(i18n.T("portal.connections")),
		app.Ul().Class("list").Body(
			app.Range(p.conns).Slice(func(i int) app.UI {
				c := p.conns[i]
				cid := c.ID
				last := i18n.T("portal.never")
				if !c.LastPull.IsZero() {
					last = i18n.T("portal.last", longDate(c.LastPull.Local(), i18n.Current()))
				}
				return app.Li().Class("connect-conn").DataSet("fhir", c.FHIR).Body(
					app.Strong().Text(c.Name),
					app.P().Class("muted").Text(last),
					app.If(c.Relay, func() app.UI { return app.P().Class("field-hint connect-relayed").Text(i18n.T("portal.relay.on")) }),
					app.Div().Class("actions").Body(
						app.Button().Class("btn connect-refresh").Disabled(p.busy).Text(i18n.T("portal.refresh")).
							OnClick(func(ctx app.Context, e app.Event) {
								if c, ok := p.conn(cid); ok {
									p.pull(ctx, c)
								}
							}, app.EventScope(cid)),
						app.Button().Class("btn btn-secondary connect-disconnect").Disabled(p.busy).Text(i18n.T("portal.disconnect")).
							OnClick(func(ctx app.Context, e app.Event) {
								if c, ok := p.conn(cid); ok {
									p.disconnect(ctx, c)
								}
							}, app.EventScope(cid)),
					),
				)
			}),
		),
	)
}

func (p *ConnectPage) renderSearch() app.UI {
	return app.Section().ID("connect-find").Body(
		app.Label().For("connect-search").Text(i18n.T("portal.search.label")),
		app.Input().ID("connect-search").Type("search").Value(p.query).AutoComplete(false).
			Aria("describedby", "connect-search-hint").
			OnInput(func(ctx app.Context, e app.Event) { p.search(ctx.JSSrc().Get("value").String()) }),
		app.P().ID("connect-search-hint").Class("field-hint").Text(i18n.T("portal.search.hint")),
		app.If(strings.TrimSpace(p.query) != "" && len(p.places) == 0, func() app.UI {
			key := "portal.search.none"
			if dirLoaded == nil && !p.dirErr {
				key = "portal.search.loading"
			}
			return app.P().ID("connect-none").Class("muted").Text(i18n.T(key))
		}),
		app.If(len(p.places) > 0, func() app.UI {
			return app.Ul().ID("connect-places").Class("list").Body(
				app.Range(p.places).Slice(func(i int) app.UI {
					pl := p.places[i]
					org := pl.Org
					if strings.EqualFold(org, pl.Name) {
						org = ""
					}
					var parts []string
					for _, x := range []string{org, pl.City, pl.State} {
						if x != "" {
							parts = append(parts, x)
						}
					}
					where := strings.Join(parts, " · ")
					name, fhir := pl.Name, pl.FHIR
					return app.Li().Class("connect-place").Body(
						app.Button().Class("btn btn-secondary connect-choose").Disabled(p.busy).
							Aria("label", i18n.T("portal.signin.to", pl.Name)).
							OnClick(func(ctx app.Context, e app.Event) { p.signIn(ctx, name, fhir, "", false) }, app.EventScope(fhir, name)).
							Body(app.Strong().Text(pl.Name), app.If(where != "", func() app.UI { return app.Span().Class("muted").Text(" " + where) })),
					)
				}),
			)
		}),
		app.Label().For("connect-url").Text(i18n.T("portal.url.label")),
		app.Input().ID("connect-url").Type("url").Value(p.address).Placeholder("https://").
			Aria("describedby", "connect-url-hint").
			OnInput(func(ctx app.Context, e app.Event) { p.address = ctx.JSSrc().Get("value").String() }),
		app.P().ID("connect-url-hint").Class("field-hint").Text(i18n.T("portal.url.hint")),
		app.Button().ID("connect-go").Class("btn").Disabled(p.busy || strings.TrimSpace(p.address) == "").Text(i18n.T("portal.signin")).
			OnClick(func(ctx app.Context, e app.Event) {
				base, err := portal.Base(p.address)
				if err != nil {
					p.fail(err, "")
					return
				}
				p.signIn(ctx, "", base, "", false)
			}),
	)
}

// --- refreshing in the background

// connectStaleAfter is the age of the last pull after which opening the
// app fetches again.
const connectStaleAfter = 24 * time.Hour

// connectStale picks the connection to refresh when the app opens: the
// one fetched longest ago, if more than a day ago (never-fetched ones and
// disconnected ones wait for the person).
func connectStale(cs []record.Connection, now time.Time) (record.Connection, bool) {
	var pick record.Connection
	found := false
	for _, c := range cs {
		if c.LastPull.IsZero() || (c.Access == "" && c.Refresh == "") || now.Sub(c.LastPull) < connectStaleAfter {
			continue
		}
		if !found || c.LastPull.Before(pick.LastPull) {
			pick, found = c, true
		}
	}
	return pick, found
}

// connectBgState is the background refresh's line, shown on every page.
type connectBgState struct {
	Text   string
	Review bool // the record is waiting in the import page
	SignIn bool // the sign-in expired
}

const connectBgKey = "backpack.connect.bg" // a go-app state in memory only (never persisted or broadcast)

var connectBgOnce sync.Map // sessions already refreshed in the background

// connectBackground refreshes, once per unlock, the connection fetched
// longest ago if that was more than a day ago. What comes waits in the
// import page's preview; the line says so.
func connectBackground(ctx app.Context) {
	s := current()
	if s == nil {
		return
	}
	if _, done := connectBgOnce.LoadOrStore(s, true); done {
		return
	}
	c, ok := connectStale(s.Connections(), time.Now())
	if !ok {
		return
	}
	set := func(st connectBgState) {
		connectBgCtx.Lock()
		shown := connectBgCtx.ctx
		connectBgCtx.last = st
		connectBgCtx.Unlock()
		if shown.Context != nil {
			shown.Dispatch(func(ctx app.Context) { ctx.SetState(connectBgKey, st) })
		}
	}
	ctx.Async(func() {
		set(connectBgState{Text: i18n.N("portal.fetching", 0, c.Name, 0)})
		// Not the page's context: the pull goes on while the person moves around.
		bg := context.Background()
		res, rep, err := connectFetch(bg, s, &c, 300*time.Millisecond, func(n int) {
			set(connectBgState{Text: i18n.N("portal.fetching", n, c.Name, n)})
		})
		switch {
		case err != nil:
			set(connectBgState{Text: i18n.T("portal.signedout", c.Name), SignIn: true})
		case len(res.Result.Resources) == 0:
			c.LastPull = rep.Started
			s.SaveConnection(bg, c)
			set(connectBgState{Text: i18n.T("portal.uptodate", c.Name)})
		default:
			connectHandOff(res, c, rep.Started)
			n := len(res.Result.Resources)
			set(connectBgState{Text: i18n.N("portal.ready", n, n, c.Name), Review: true})
		}
	})
}

// connectBgLine shows the background refresh's progress and outcome.
type connectBgLine struct {
	app.Compo
	st connectBgState
}

// connectBgCtx is the line on screen: the background refresh speaks
// through it (a component's Dispatch does nothing once it is gone).
var connectBgCtx struct {
	sync.Mutex
	ctx  app.Context
	last connectBgState
}

func (l *connectBgLine) OnMount(ctx app.Context) {
	connectBgCtx.Lock()
	connectBgCtx.ctx = ctx
	l.st = connectBgCtx.last
	connectBgCtx.Unlock()
	ctx.ObserveState(connectBgKey, &l.st)
}

func (l *connectBgLine) Render() app.UI {
	if l.st.Text == "" {
		return app.Div().ID("connect-bg")
	}
	return app.Div().ID("connect-bg").Class("banner").Role("status").Aria("live", "polite").Body(
		app.Span().Text(l.st.Text),
		app.If(l.st.Review, func() app.UI {
			return app.A().ID("connect-bg-review").Class("btn btn-small").Href(PathImport).Text(i18n.T("portal.review"))
		}),
		app.If(l.st.SignIn, func() app.UI {
			return app.A().ID("connect-bg-signin").Class("btn btn-small").Href(PathConnect).Text(i18n.T("portal.signin"))
		}),
	)
}
