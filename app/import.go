package ui

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/vault"
	"backpack/internal/worker"
)

func init() { addPage(PathImport, false, func() app.Composer { return &ImportPage{} }) }

// ImportPage imports what patient portals hand out: FHIR R4 bundles and
// resources, bulk NDJSON, IPS, C-CDA and SMART Health Cards (also gzipped).
// Files are read here, never uploaded. Each file gets a preview (format,
// patient, counts, every problem, card signature), then lands in the chosen
// profile in one atomic vault write; what was already there is not added
// again.
type ImportPage struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	files    []*importFile
	keys     importer.JWKS // health card issuer keys the person added on this page
	profiles []record.Profile
	current  string // current profile id
	nextID   int

	over    bool // something is dragged over the drop zone
	reading bool // files are being read
	saving  bool // records are being saved
	// checking counts the cards being checked again in the worker (recheck);
	// rechecks numbers the checks, so that only the last one's answer counts.
	checking, rechecks int
	stage              string // what is happening, for the status line
	done               int64  // progress: done of total
	total              int64
	summary            *importSummary // after a save
	bg                 connectBgState // the background refresh's line (a record fetched while this page is open)
}

// importFile is one picked file on its way through the import.
type importFile struct {
	id    int
	name  string
	size  int64
	file  jsFile
	state string // waiting, reading, ready, failed, saving, done, notsaved

	res     importer.Result
	errKey  string        // whole-file error (catalog key)
	nkeys   int           // issuer keys in a key file
	keys    importer.JWKS // a key file's keys, as read (tied to no issuer)
	issuer  string        // the issuer the person tied them to ("" until then)
	draft   string        // the issuer address being typed
	badIss  bool          // the typed address is not an https:// one
	errLine int
	patient string
	born    string
	groups  []importProblemGroup
	counts  []importCount // by FHIR resource type, for the technical details
	kinds   []importCount // by kind, in plain words; nil until the entries are prepared
	target  string        // profile id or importNewProfile
	records int           // resources to add (the Patient aside)
	files   int           // documents embedded in the file, stored as files

	out     importOutcome
	saveErr string // catalog key

	// prep holds the entries prepared while the preview is shown; only
	// touched with importMu held.
	prep []record.Entry

	saved func(ctx context.Context, out importOutcome) // a fetched record's connection notes the pull (connect.go)
}

type importCount struct {
	Type string
	N    int
}

// importSummary totals one save.
type importSummary struct {
	Added, Skipped, Failed int
	Profiles               []record.Profile // where records went
}

const (
	fileWaiting  = "waiting"
	fileReading  = "reading"
	fileReady    = "ready"
	fileFailed   = "failed"
	fileSaving   = "saving"
	fileDone     = "done"
	fileNotSaved = "notsaved"
	fileKeys     = "keys" // issuer keys, used to check health cards
)

// importMu serializes reading and saving: one file at a time, so memory
// holds one file's bytes being parsed.
var importMu sync.Mutex

func (p *ImportPage) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	p.loadProfiles()
	p.takePulled(ctx)
	workerPrewarm() // the reader is ready by the time a file is picked
}

// OnMount takes a record the background refresh fetched while this page
// is on screen (its "Review" link points here, so no navigation happens).
func (p *ImportPage) OnMount(ctx app.Context) {
	p.mounted.OnMount(ctx)
	ctx.ObserveState(connectBgKey, &p.bg).OnChange(p.bgChanged)
}

func (p *ImportPage) bgChanged() {
	if p.bg.Review {
		p.takePulled(p.mounted.ctx)
	}
}

func (p *ImportPage) loadProfiles() {
	s := current()
	if s == nil {
		return
	}
	var list []record.Profile
	for _, pr := range s.Book().Profiles() {
		if may(pr.ID).Change { // a profile shared to view only takes no imports
			list = append(list, pr)
		}
	}
	p.profiles = list
	if cur, ok := currentProfile(); ok {
		p.current = cur.ID
	}
	if !may(p.current).Change && len(p.profiles) > 0 {
		p.current = p.profiles[0].ID
	}
}

// addFiles queues picked or dropped files and reads them one by one.
func (p *ImportPage) addFiles(ctx app.Context, picked []jsFile) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	if len(picked) == 0 || p.saving || p.reading {
		return
	}
	var batch []*importFile
	for _, f := range picked {
		p.nextID++
		it := &importFile{id: p.nextID, name: f.Name(), size: f.Size(), file: f, state: fileWaiting}
		p.files = append(p.files, it)
		batch = append(batch, it)
	}
	p.summary = nil
	p.reading = true
	var total int64
	for _, it := range batch {
		total += min(it.size, importMaxBytes)
	}
	p.done, p.total = 0, total
	profiles, cur, keys := p.profiles, p.current, p.keys
	ctx.Async(func() {
		importMu.Lock()
		defer importMu.Unlock()
		defer importGC()()
		// Issuer keys first, so cards in the same batch are checked.
		isKeys := make([]bool, len(batch))
		for i, it := range batch {
			if k, ok := importReadKeys(it.name, it.size, it.file.Open); ok {
				// Untied, they check no card until the person says
				// whose they are (tieKeys); the cards then say so.
				isKeys[i] = true
				keys = keys.Add(k)
				n := len(k.Keys)
				ctx.Dispatch(func(ctx app.Context) { it.state, it.nkeys, it.keys = fileKeys, n, k })
			}
		}
		ctx.Dispatch(func(ctx app.Context) { p.keys = keys })
		var base int64
		parsed := make([]importPreview, len(batch))
		heads := make([]worker.Parsed, len(batch))
		for i, it := range batch {
			name, size := it.name, it.size
			if isKeys[i] {
				base += min(size, importMaxBytes)
				parsed[i].errKey = fileKeys
				continue
			}
			ctx.Dispatch(func(ctx app.Context) {
				it.state = fileReading
				p.stage = i18n.T("importui.stage.read", name, i+1, len(batch))
			})
			var last time.Time
			parsedFile, err := importRead(ctx, it.file, keys, func(n int64) {
				if time.Since(last) < 80*time.Millisecond && n < size {
					return
				}
				last = time.Now()
				done := base + min(n, size)
				ctx.Dispatch(func(ctx app.Context) {
					p.done = done
					if n >= size {
						p.stage = i18n.T("importui.stage.check", name)
					}
				})
				if n >= size {
					importYield() // show "checking" before the CPU-bound part
				}
			})
			base += min(size, importMaxBytes)
			prev := importPreviewOf(parsedFile.Result, err, profiles, cur)
			parsed[i] = prev
			heads[i] = parsedFile
			done := base
			ctx.Dispatch(func(ctx app.Context) {
				prev.apply(it)
				p.done = done
			})
			importYield()
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.reading = false
			p.stage = ""
		})
		// While the person reads the preview, get the records ready to save
		// (the worker made them: their headers are decoded here), pausing
		// often so the page stays responsive.
		importYield()
		for i, it := range batch {
			if parsed[i].errKey != "" || len(parsed[i].res.Resources) == 0 {
				continue
			}
			painted := time.Now()
			pace := func(done, total int) {
				if time.Since(painted) > 50*time.Millisecond {
					importYield()
					painted = time.Now()
				}
			}
			if len(heads[i].Headers) == len(parsed[i].res.Resources) {
				it.prep = importDecode(heads[i], time.Now(), pace) // made in the worker
			} else {
				it.prep = importPrepare(parsed[i].res, time.Now(), pace)
			}
			heads[i] = worker.Parsed{}
			kinds := importKindCounts(it.prep)
			ctx.Dispatch(func(ctx app.Context) { it.kinds = kinds })
		}
	})
}

// importPreview is what reading one file found, computed off the UI goroutine.
type importPreview struct {
	res     importer.Result
	errKey  string
	errLine int
	patient string
	born    string
	groups  []importProblemGroup
	counts  []importCount
	target  string
}

func importPreviewOf(res importer.Result, err error, profiles []record.Profile, cur string) importPreview {
	pv := importPreview{res: res}
	if err != nil {
		pv.errKey, pv.errLine = importErrorKey(err), worker.ErrorLine(err)
		pv.res = importer.Result{File: res.File, Format: res.Format} // drop anything half-read
		return pv
	}
	if res.Patient != nil {
		pv.patient, pv.born = importer.PatientName(*res.Patient)
	}
	pv.groups = groupProblems(res.Problems)
	for t, n := range res.Counts {
		pv.counts = append(pv.counts, importCount{t, n})
	}
	sort.Slice(pv.counts, func(i, j int) bool {
		if pv.counts[i].N != pv.counts[j].N {
			return pv.counts[i].N > pv.counts[j].N
		}
		return pv.counts[i].Type < pv.counts[j].Type
	})
	pv.target = importDefaultTarget(profiles, cur, res)
	return pv
}

func (pv importPreview) apply(it *importFile) {
	it.res, it.errKey, it.errLine = pv.res, pv.errKey, pv.errLine
	it.patient, it.born, it.groups, it.counts = pv.patient, pv.born, pv.groups, pv.counts
	it.target = pv.target
	it.records = len(pv.res.Resources)
	it.files = len(pv.res.Files)
	switch {
	case pv.errKey != "":
		it.state = fileFailed
	case len(pv.res.Resources) == 0 && pv.res.Patient == nil:
		it.errKey = "import.error.not-fhir"
		it.state = fileFailed
	default:
		it.state = fileReady
	}
}

// importable reports whether a file can be saved as chosen.
func (it *importFile) importable() bool {
	if it.state != fileReady {
		return false
	}
	if it.target == importNewProfile {
		return it.res.Patient != nil
	}
	return it.target != ""
}

func (p *ImportPage) ready() []*importFile {
	var out []*importFile
	for _, it := range p.files {
		if it.importable() {
			out = append(out, it)
		}
	}
	return out
}

// confirm saves every ready file, one atomic write each.
func (p *ImportPage) confirm(ctx app.Context) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	batch := p.ready()
	if len(batch) == 0 || p.saving || p.reading || p.checking > 0 {
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	p.saving = true
	p.summary = nil
	var total int64
	for _, it := range batch {
		it.state = fileSaving
		total += int64(len(it.res.Resources))
	}
	p.done, p.total = 0, total*2 // preparing, then writing
	type job struct {
		it     *importFile
		res    importer.Result
		target string
	}
	jobs := make([]job, len(batch))
	for i, it := range batch {
		jobs[i] = job{it, it.res, it.target}
	}
	p.stage = i18n.T("importui.stage.start")
	clicked := time.Now()
	ctx.Async(func() {
		importMu.Lock()
		defer importMu.Unlock()
		defer importGC()()
		timing := importTiming{Wait: time.Since(clicked)}
		sum := &importSummary{}
		seen := map[string]bool{}
		var base int64
		for _, j := range jobs {
			n := int64(len(j.res.Resources))
			prep := j.it.prep
			j.it.prep = nil
			t0 := time.Now()
			var painted time.Time
			// The write's preparation pauses now and then (vault.WithPause):
			// the bar creeps on through the write stage meanwhile.
			writing, end := base+n, base+2*n
			wctx := vault.WithPause(ctx, importSlice, func() {
				writing += (end - writing) / 8
				done := writing
				ctx.Dispatch(func(ctx app.Context) { p.done = done })
				importYield()
			})
			out, err := importSave(wctx, s, j.res, prep, j.target, time.Now(), func(st importStage, done, total int) {
				now := time.Now()
				switch st {
				case stagePrepare:
					if done > 0 && now.Sub(painted) < 150*time.Millisecond {
						return
					}
					ctx.Dispatch(func(ctx app.Context) {
						p.stage = i18n.N("importui.stage.prepare", total, total, j.it.name)
						p.done = base + int64(done)
					})
				case stageWrite:
					timing.Prepare += now.Sub(t0)
					t0 = now
					ctx.Dispatch(func(ctx app.Context) {
						p.stage = i18n.N("importui.stage.write", total, total, j.it.name)
						p.done = base + n
					})
				}
				painted = now
				importYield()
			})
			timing.Write += time.Since(t0)
			timing.Records += n
			base += 2 * n
			it := j.it
			if err != nil {
				sum.Failed++
				key := importSaveErrorKey(err)
				ctx.Dispatch(func(ctx app.Context) { it.state, it.saveErr = fileNotSaved, key })
				continue
			}
			if j.it.saved != nil {
				j.it.saved(ctx, out)
			}
			sum.Added += out.Added
			sum.Skipped += out.Skipped
			if !seen[out.Profile] {
				seen[out.Profile] = true
				if pr, ok := s.Book().Profile(out.Profile); ok {
					sum.Profiles = append(sum.Profiles, pr)
				}
			}
			ctx.Dispatch(func(ctx app.Context) {
				it.state, it.out = fileDone, out
				it.res = importer.Result{File: it.res.File, Format: it.res.Format, Counts: it.res.Counts,
					Patient: it.res.Patient, Source: it.res.Source, Verified: it.res.Verified, Problems: it.res.Problems}
				p.done = base
			})
		}
		timing.Total = time.Since(clicked)
		recordImportStats(timing)
		ctx.Dispatch(func(ctx app.Context) {
			p.saving = false
			p.stage = ""
			p.summary = sum
			p.loadProfiles()
		})
	})
}

// importTiming is how long saving took (no health data): for the benchmark.
type importTiming struct {
	Wait    time.Duration // for the preparation started at preview to finish
	Prepare time.Duration // entries not prepared yet
	Write   time.Duration // session.Import: one vault write
	Total   time.Duration // confirm → done
	Records int64
}

func (p *ImportPage) clear(ctx app.Context) {
	if p.reading || p.saving {
		return
	}
	p.files, p.summary = nil, nil
}

func (p *ImportPage) remove(ctx app.Context, id int) {
	if p.reading || p.saving {
		return
	}
	for i, it := range p.files {
		if it.id == id {
			p.files = append(p.files[:i], p.files[i+1:]...)
			if it.state == fileKeys { // its keys check nothing any more
				p.keys = importer.JWKS{}
				for _, f := range p.files {
					p.keys = p.keys.Add(f.keys)
					if f.issuer != "" {
						p.keys = p.keys.Add(f.keys.ForIssuer(f.issuer))
					}
				}
				p.recheck(ctx)
			}
			return
		}
	}
}

// recheck checks every card on the page again with p.keys, in the worker
// module (the signature check is there); saving waits for the answers. A
// check that fails leaves the file as its last check left it.
func (p *ImportPage) recheck(ctx app.Context) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	keys := p.keys
	p.rechecks++
	n := p.rechecks
	for _, f := range p.files {
		if len(f.res.Cards) == 0 {
			continue
		}
		p.checking++
		res := f.res
		ctx.Async(func() {
			err := xpCheckCards(ctx, &res, keys)
			ctx.Dispatch(func(ctx app.Context) {
				p.checking--
				if err != nil || n != p.rechecks || p.file(f.id) != f {
					return
				}
				f.res.Problems, f.res.Verified = res.Problems, res.Verified
				f.groups = groupProblems(f.res.Problems)
			})
		})
	}
}

func (p *ImportPage) phase() string {
	switch {
	case p.saving:
		return "saving"
	case p.reading:
		return "reading"
	case p.summary != nil:
		return "done"
	case len(p.files) > 0:
		return "preview"
	}
	return "pick"
}

func (p *ImportPage) Render() app.UI {
	busy := p.reading || p.saving
	ready := len(p.ready())
	pending := 0
	for _, it := range p.files {
		if it.state != fileDone && it.state != fileFailed && it.state != fileKeys {
			pending++
		}
	}
	return &Shell{Title: i18n.T("importui.title"), Content: []app.UI{
		app.Div().ID("import").Class("import").DataSet("phase", p.phase()).Body(
			app.P().Class("muted").Text(i18n.T("importui.intro")),
			p.renderDrop(busy),
			app.P().Class("import-connect").Body(app.A().ID("import-connect").Href(PathConnect).Text(i18n.T("portal.link"))),
			app.Div().ID("import-status").Class("import-status").Role("status").Aria("live", "polite").Body(
				app.If(busy, func() app.UI {
					bar := app.Progress().ID("import-progress").Aria("label", p.stage)
					if p.total > 0 {
						bar = bar.Max(p.total).Value(min(p.done, p.total))
					}
					return app.Div().Class("import-progress").Body(
						app.P().Class("import-stage").Text(p.stage),
						bar,
					)
				}),
				app.If(p.summary != nil, func() app.UI { return p.renderSummary() }),
			),
			app.If(len(p.files) > 0, func() app.UI {
				return app.Ul().ID("import-files-list").Class("list import-list").Body(
					app.Range(p.files).Slice(func(i int) app.UI { return p.renderFile(p.files[i], busy) }),
				)
			}),
			app.If(len(p.files) > 0, func() app.UI {
				return app.Div().Class("actions import-actions").Body(
					app.If(pending > 0, func() app.UI {
						return app.Button().ID("import-confirm").Class("btn").Disabled(busy || ready == 0 || p.checking > 0).
							Text(i18n.N("importui.confirm", ready)).
							OnClick(func(ctx app.Context, e app.Event) { p.confirm(ctx) })
					}),
					app.Button().ID("import-clear").Class("btn btn-secondary").Disabled(busy).
						Text(i18n.T("importui.clear")).
						OnClick(func(ctx app.Context, e app.Event) { p.clear(ctx) }),
				)
			}),
			app.If(pending > 0 && !busy, func() app.UI {
				return app.P().Class("field-hint").Text(i18n.T("importui.atomic"))
			}),
		),
	}}
}

func (p *ImportPage) renderDrop(busy bool) app.UI {
	cls := "dropzone import-drop"
	if p.over {
		cls += " over"
	}
	return app.Div().ID("import-drop").Class(cls).
		OnDragEnter(func(ctx app.Context, e app.Event) { e.PreventDefault(); p.over = true }).
		OnDragOver(func(ctx app.Context, e app.Event) { e.PreventDefault(); p.over = true }).
		OnDragLeave(func(ctx app.Context, e app.Event) { p.over = false }).
		OnDrop(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			p.over = false
			if !p.reading && !p.saving {
				p.addFiles(ctx, filesOf(e))
			}
		}).
		Body(
			app.P().Class("import-drop-text").Text(i18n.T("importui.drop")),
			app.Input().ID("import-files").Type("file").Class("import-input").Multiple(true).
				Accept(importAccept).Disabled(busy).
				OnChange(func(ctx app.Context, e app.Event) {
					files := filesOf(e)
					ctx.JSSrc().Set("value", "") // picking the same file again fires change again
					p.addFiles(ctx, files)
				}),
			app.Label().For("import-files").Class("btn import-choose").Text(i18n.T("importui.choose")),
			app.P().Class("field-hint").Text(i18n.T("importui.formats", i18n.Size(i18n.Current(), importMaxBytes))),
		)
}

func (p *ImportPage) renderFile(it *importFile, busy bool) app.UI {
	id := "import-file-" + strconv.Itoa(it.id)
	return app.Li().ID(id).Class("card import-file").DataSet("state", it.state).Body(
		app.Div().Class("import-file-head").Body(
			app.H2().Class("import-file-name").Text(it.name),
			app.Span().Class("badge "+importStateBadge(it.state)).Text(i18n.T("importui.state."+it.state)),
		),
		app.If(it.state == fileKeys, func() app.UI { return p.renderKeys(it, id, busy) }),
		app.If(it.state == fileFailed, func() app.UI {
			msg := i18n.T(importErrKeyOr(it.errKey))
			if it.errLine > 0 {
				msg += " " + i18n.T("importui.line", it.errLine)
			}
			return app.Div().Class("import-error").Body(
				app.P().Class("import-error-text").Text(msg),
				app.P().Class("field-hint").Text(i18n.T("importui.failed.nothing")),
			)
		}).ElseIf(it.state != fileWaiting && it.state != fileReading && it.state != fileKeys, func() app.UI {
			return p.renderPreview(it, id, busy)
		}),
		app.If(it.state == fileDone, func() app.UI {
			return app.P().Class("import-result ok").Text(i18n.T("importui.result", i18n.N("importui.added", it.out.Added), i18n.N("importui.already", it.out.Skipped)))
		}),
		app.If(it.state == fileNotSaved, func() app.UI {
			return app.P().Class("import-result error").Role("alert").Text(i18n.T(it.saveErr))
		}),
		app.If(!busy && it.state != fileDone, func() app.UI {
			fid := it.id
			return app.Button().Class("btn btn-secondary btn-small import-remove").
				Aria("label", i18n.T("importui.remove.label", it.name)).
				Text(i18n.T("importui.remove")).
				OnClick(func(ctx app.Context, e app.Event) { p.remove(ctx, fid) }, app.EventScope(fid))
		}),
	)
}

// renderKeys shows a key file: its keys check cards only for the issuer the
// person ties them to, as a key id says nothing of who may sign with it.
func (p *ImportPage) renderKeys(it *importFile, id string, busy bool) app.UI {
	if it.issuer != "" {
		return app.P().Class("import-keys import-keys-tied").Text(i18n.N("importui.keys.tied", it.nkeys, it.nkeys, it.issuer))
	}
	draft := it.draft
	if draft == "" {
		draft = p.suggestIssuer(it.keys)
	}
	in := id + "-iss"
	fid := it.id
	return app.Div().Class("import-keys").Body(
		app.P().Text(i18n.N("importui.keys.found", it.nkeys)),
		app.Label().For(in).Text(i18n.T("importui.keys.issuer")),
		app.Input().ID(in).Class("import-keys-iss").Type("url").Value(draft).Placeholder("https://").
			Aria("describedby", in+"-hint").
			OnInput(func(ctx app.Context, e app.Event) {
				if f := p.file(fid); f != nil {
					f.draft, f.badIss = ctx.JSSrc().Get("value").String(), false
				}
			}, app.EventScope(fid)),
		app.P().ID(in+"-hint").Class("field-hint").Text(i18n.T("importui.keys.hint")),
		app.If(it.badIss, func() app.UI {
			return app.P().Class("field-error").Role("alert").Text(i18n.T("importui.keys.bad"))
		}),
		app.Button().Class("btn btn-secondary btn-small import-keys-use").Disabled(busy).Text(i18n.T("importui.keys.use")).
			OnClick(func(ctx app.Context, e app.Event) { p.tieKeys(ctx, fid) }, app.EventScope(fid)),
	)
}

// suggestIssuer is the issuer of a card on the page that names one of
// keys: a suggestion the person confirms, never a tie by itself.
func (p *ImportPage) suggestIssuer(keys importer.JWKS) string {
	for _, f := range p.files {
		for _, c := range f.res.Cards {
			for _, k := range keys.Keys {
				if k.Kid == c.Kid && strings.HasPrefix(c.Issuer, "https://") {
					return c.Issuer
				}
			}
		}
	}
	return ""
}

// file is the file on the page with id fid, or nil once it is removed.
// Handlers look files up by id when they run: go-app keeps the first
// closure it rendered for an element (see EventScope), so one that captured
// a file or a value could act on the wrong one.
func (p *ImportPage) file(fid int) *importFile {
	for _, f := range p.files {
		if f.id == fid {
			return f
		}
	}
	return nil
}

// tieKeys ties a key file's keys to the issuer the person typed, or to the
// suggested one, and checks every card on the page again.
func (p *ImportPage) tieKeys(ctx app.Context, fid int) {
	it := p.file(fid)
	if it == nil {
		return
	}
	iss := it.draft
	if iss == "" {
		iss = p.suggestIssuer(it.keys)
	}
	iss = strings.TrimSpace(iss)
	if u, err := url.Parse(iss); err != nil || u.Scheme != "https" || u.Host == "" || p.saving || p.reading {
		it.badIss = err != nil || u.Scheme != "https" || u.Host == ""
		return
	}
	it.issuer, it.badIss = strings.TrimRight(iss, "/"), false
	p.keys = p.keys.Add(it.keys.ForIssuer(iss))
	p.recheck(ctx)
}

func importErrKeyOr(k string) string {
	if k == "" || !i18n.Has(k) {
		return "import.error.read"
	}
	return k
}

func importStateBadge(state string) string {
	switch state {
	case fileFailed, fileNotSaved:
		return "danger"
	case fileDone, fileKeys:
		return "ok"
	case fileReady:
		return ""
	}
	return "warn"
}

func (p *ImportPage) renderPreview(it *importFile, id string, busy bool) app.UI {
	res := it.res
	patient := i18n.T("importui.nopatient")
	if res.Patient != nil {
		patient = it.patient
		if patient == "" {
			patient = i18n.T("import.inspect.noname")
		}
		if it.born != "" {
			patient += " · " + i18n.T("importui.born", it.born)
		}
	}
	total := it.records
	facts := []app.UI{
		app.Dt().Text(i18n.T("importui.format")),
		app.Dd().Class("import-format").Text(i18n.T("import.format." + string(res.Format))),
		app.Dt().Text(i18n.T("importui.patient")),
		app.Dd().Class("import-patient").Text(patient),
	}
	if res.Source != "" {
		facts = append(facts,
			app.Dt().Text(i18n.T("importui.source")),
			app.Dd().Class("import-source").Text(res.Source))
	}
	if res.Verified != nil {
		cls, key := "badge warn", "import.unverified"
		if *res.Verified {
			cls, key = "badge ok", "import.verified"
		}
		facts = append(facts,
			app.Dt().Text(i18n.T("importui.signature")),
			app.Dd().Body(app.Span().Class(cls+" import-signature").Text(i18n.T(key))))
	}
	facts = append(facts,
		app.Dt().Text(i18n.T("importui.records")),
		app.Dd().Class("import-total").Text(strconv.Itoa(total)))
	if it.files > 0 {
		facts = append(facts,
			app.Dt().Text(i18n.T("importui.files")),
			app.Dd().Class("import-files").Text(importFilesText(it.files)))
	}
	return app.Div().Class("import-preview").Body(
		app.Dl().Class("facts").Body(facts...),
		p.renderKinds(it),
		p.renderProblems(it),
		p.renderTech(it),
		app.If(it.state == fileReady, func() app.UI { return p.renderTarget(it, id, busy) }),
	)
}

// renderKinds says what the file holds in plain words: "12 lab results,
// 3 visits". The kinds come from the prepared entries; until then, a line
// says they are being counted.
func (p *ImportPage) renderKinds(it *importFile) app.UI {
	if it.records == 0 {
		return nil
	}
	if it.kinds == nil {
		return app.P().Class("import-kinds-wait muted").Text(i18n.T("importui.kinds.wait"))
	}
	billing := slices.ContainsFunc(it.kinds, func(c importCount) bool { return c.Type == string(record.KindBilling) })
	return app.Div().Class("import-kinds-wrap").Body(
		app.Ul().Class("import-kinds").Aria("label", i18n.T("importui.kinds")).Body(
			app.Range(it.kinds).Slice(func(i int) app.UI {
				c := it.kinds[i]
				return app.Li().Class("import-kind").DataSet("kind", c.Type).DataSet("n", c.N).Text(importCountText(c))
			}),
		),
		app.If(billing, func() app.UI {
			return app.P().Class("field-hint import-billing").Text(i18n.T("importui.billing.off"))
		}),
	)
}

// renderTech holds what only a technical reader needs: the FHIR resource
// types in the file and where in it each problem was found.
func (p *ImportPage) renderTech(it *importFile) app.UI {
	var where []importProblemGroup
	for _, g := range it.groups {
		if len(g.Where) > 0 {
			where = append(where, g)
		}
	}
	if len(it.counts) == 0 && len(where) == 0 {
		return nil
	}
	return app.Details().Class("import-tech").Body(
		app.Summary().Text(i18n.T("importui.tech")),
		app.If(len(it.counts) > 0, func() app.UI {
			return app.Div().Body(
				app.H3().Text(i18n.T("importui.tech.types")),
				app.Ul().Class("import-counts").Body(
					app.Range(it.counts).Slice(func(i int) app.UI {
						c := it.counts[i]
						return app.Li().Class("import-count").DataSet("type", c.Type).Body(
							app.Span().Class("import-count-type").Text(c.Type),
							app.Text(" "),
							app.Span().Class("import-count-n").Text(strconv.Itoa(c.N)),
						)
					}),
				),
			)
		}),
		app.If(len(where) > 0, func() app.UI {
			return app.Div().Body(
				app.H3().Text(i18n.T("importui.tech.where")),
				app.Ul().Class("import-where").Body(
					app.Range(where).Slice(func(i int) app.UI {
						g := where[i]
						return app.Li().Class("import-problem-where").DataSet("code", g.Code).
							Text(importer.ProblemMessage(g.Sample) + " — " + importJoinWhere(g.Where, g.Count))
					}),
				),
			)
		}),
	)
}

func (p *ImportPage) renderProblems(it *importFile) app.UI {
	if len(it.groups) == 0 {
		return app.P().Class("import-noproblems muted").Text(i18n.T("importui.noproblems"))
	}
	n := len(it.res.Problems)
	hasError := it.groups[0].Severity == importer.SevError
	return app.Details().Class("import-problems").Open(hasError || len(it.groups) <= 3).Body(
		app.Summary().Text(i18n.N("importui.problems", n)),
		app.Ul().Class("import-problem-list").Body(
			app.Range(it.groups).Slice(func(i int) app.UI {
				g := it.groups[i]
				return app.Li().Class("import-problem").DataSet("code", g.Code).Body(
					app.Span().Class("badge "+importSevBadge(g.Severity)).Text(i18n.T("import.severity."+g.Severity)),
					app.Span().Class("import-problem-text").Text(importer.ProblemMessage(g.Sample)),
					app.If(g.Count > 1, func() app.UI {
						return app.Span().Class("import-problem-count").Text(i18n.N("importui.times", g.Count))
					}),
				)
			}),
		),
	)
}

func importJoinWhere(ws []string, count int) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += ", "
		}
		s += w
	}
	if count > len(ws) {
		s += ", …"
	}
	return s
}

func importSevBadge(sev string) string {
	switch sev {
	case importer.SevError:
		return "danger"
	case importer.SevWarning:
		return "warn"
	}
	return ""
}

func (p *ImportPage) renderTarget(it *importFile, id string, busy bool) app.UI {
	sel := id + "-target"
	fid := it.id
	return app.Label().For(sel).Class("import-target").Body(
		app.Span().Text(i18n.T("importui.target")),
		app.Select().ID(sel).Disabled(busy).
			OnChange(func(ctx app.Context, e app.Event) {
				if f := p.file(fid); f != nil {
					f.target = ctx.JSSrc().Get("value").String()
				}
			}, app.EventScope(fid)).
			Body(
				app.If(it.target == "", func() app.UI {
					return app.Option().Value("").Selected(true).Text(i18n.T("importui.target.none"))
				}),
				app.Range(p.profiles).Slice(func(i int) app.UI {
					pr := p.profiles[i]
					label := pr.Name
					if pr.ID == p.current {
						label = i18n.T("importui.target.current", pr.Name)
					}
					return app.Option().Value(pr.ID).Selected(it.target == pr.ID).Text(label)
				}),
				app.If(it.res.Patient != nil, func() app.UI {
					label := i18n.T("importui.target.newnoname")
					if it.patient != "" {
						label = i18n.T("importui.target.new", it.patient)
					}
					return app.Option().Value(importNewProfile).Selected(it.target == importNewProfile).Text(label)
				}),
			),
		app.If(it.target == "", func() app.UI {
			return app.Span().Class("field-error").Text(i18n.T("importui.target.needed"))
		}).ElseIf(p.mismatch(it), func() app.UI {
			return app.Span().ID(sel + "-warn").Class("field-hint import-mismatch").
				Text(i18n.T("importui.target.mismatch", it.patient, p.profileName(it.target)))
		}),
	)
}

// mismatch reports whether the file names a patient other than the chosen
// profile (a nudge to check; family members' files go to their own profile).
func (p *ImportPage) mismatch(it *importFile) bool {
	if it.patient == "" || it.target == "" || it.target == importNewProfile {
		return false
	}
	return !importSameName(it.patient, p.profileName(it.target))
}

func (p *ImportPage) profileName(id string) string {
	for _, pr := range p.profiles {
		if pr.ID == id {
			return pr.Name
		}
	}
	return ""
}

func (p *ImportPage) renderSummary() app.UI {
	s := p.summary
	return app.Div().ID("import-done").Class("card import-done").Body(
		app.P().Class("import-done-text").Text(i18n.T("importui.done", i18n.N("importui.added", s.Added), i18n.N("importui.already", s.Skipped))),
		app.If(s.Failed > 0, func() app.UI {
			return app.P().Class("field-error").Text(i18n.N("importui.done.failed", s.Failed))
		}),
		app.Div().Class("actions").Body(
			app.Range(s.Profiles).Slice(func(i int) app.UI {
				pr := s.Profiles[i]
				return app.Button().Class("btn btn-secondary import-open").
					Text(i18n.T("importui.open", pr.Name)).
					OnClick(func(ctx app.Context, e app.Event) {
						setProfile(pr.ID)
						ctx.Navigate(PathTimeline)
					}, app.EventScope(pr.ID))
			}),
		),
	)
}

// importYield lets the browser paint (progress) between CPU-bound steps: the
// sleep hands control back to the browser's event loop.
func importYield() { time.Sleep(5 * time.Millisecond) }

// importSlice is how long saving works between two yields: well under the
// 200 ms a task may take (issue #12), on a slow phone too.
const importSlice = 40 * time.Millisecond
