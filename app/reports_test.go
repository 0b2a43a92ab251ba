package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"
)

// go-app's Context.Dispatch and Defer (and After, Update, ScrollTo built on
// them) do nothing once the context's element is no longer mounted, and the
// context an event handler gets is the clicked element's. Work a handler
// starts in the background (ctx.Async, a goroutine) that reports back
// through that context is lost when the re-render meanwhile removes the
// element: a Save inside If(!busy), a dialog's Yes, an offer that goes
// once chosen. The screen then stays at "Saving…" forever.
//
// lostReports finds, in the files of one package, every event handler
// (a func literal, a local holding one, a method value or a function given
// to an On<Something> method) whose background work uses the handler's
// context, or a context it passed on, for one of those calls, directly
// or through a function of the package it calls with that context. A
// context the handler has replaced (ctx = p.own(ctx)) before starting the
// work is the component's own, and fine.
func lostReports(fset *token.FileSet, files []*ast.File) []string {
	c := &reportCheck{fset: fset, funcs: map[string][]*ast.FuncDecl{}, seen: map[string]bool{}, reports: map[string]int{}}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				c.funcs[funcKey(fd)] = append(c.funcs[funcKey(fd)], fd)
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			called := map[ast.Expr]bool{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					called[call.Fun] = true
				}
				return true
			})
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				where := func(what string) string {
					return fmt.Sprintf("%s: handler%s", fset.Position(n.Pos()), what)
				}
				switch n := n.(type) {
				case *ast.FuncLit:
					if isHandler(n.Type) {
						c.handler(fd, n.Type, n.Body, 0, where(""), true)
					}
				case *ast.Ident, *ast.SelectorExpr:
					if called[n.(ast.Expr)] {
						return true
					}
					for _, h := range c.resolve(fd, n.(ast.Expr)) {
						if isHandler(h.Type) {
							c.handler(h, h.Type, h.Body, 0, where(" "+h.Name.Name), true)
						}
					}
				}
				return true
			})
		}
	}
	slices.Sort(c.out)
	return slices.Compact(c.out)
}

// isHandler reports whether ft is an event handler's signature:
// func(app.Context, app.Event).
func isHandler(ft *ast.FuncType) bool {
	var ts []string
	for _, f := range ft.Params.List {
		n := max(len(f.Names), 1)
		for range n {
			ts = append(ts, types.ExprString(f.Type))
		}
	}
	return slices.Equal(ts, []string{"app.Context", "app.Event"}) && ft.Results == nil
}

// reportCheck is one run of lostReports.
type reportCheck struct {
	fset    *token.FileSet
	funcs   map[string][]*ast.FuncDecl // by funcKey
	seen    map[string]bool            // handler walks done: function and context parameter
	reports map[string]int             // 1 when a function reports through a context parameter, 2 when not, 0 while it is worked out
	out     []string
}

// reportingCalls are the Context methods that do nothing once the
// context's element is gone.
var reportingCalls = []string{"Dispatch", "Defer", "After", "Update", "ScrollTo", "ResizeContent"}

// funcKey names a function as calls in its package name it: Type.method
// or func.
func funcKey(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if g, ok := t.(*ast.IndexExpr); ok {
		t = g.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// resolve returns the functions of the package e names inside fd: a
// package function f, or a method p.m of fd's receiver p.
func (c *reportCheck) resolve(fd *ast.FuncDecl, e ast.Expr) []*ast.FuncDecl {
	switch e := e.(type) {
	case *ast.Ident:
		if e.Obj == nil || e.Obj.Kind == ast.Fun {
			return c.funcs[e.Name]
		}
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok || fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 ||
			x.Obj == nil || x.Obj != fd.Recv.List[0].Names[0].Obj {
			return nil
		}
		typ := strings.TrimSuffix(funcKey(fd), "."+fd.Name.Name)
		return c.funcs[typ+"."+e.Sel.Name]
	}
	return nil
}

// param returns the object of the i-th parameter of ft, or nil.
func param(ft *ast.FuncType, i int) *ast.Object {
	if ft.Params == nil {
		return nil
	}
	for _, f := range ft.Params.List {
		for _, n := range f.Names {
			if i == 0 {
				return n.Obj
			}
			i--
		}
		if len(f.Names) == 0 {
			if i == 0 {
				return nil
			}
			i--
		}
	}
	return nil
}

// contexts tracks, in one function body, the variables that hold the
// handler's context and where each stops doing so (ctx = p.own(ctx)).
type contexts map[*ast.Object]token.Pos

func (cs contexts) holds(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok || id.Obj == nil {
		return false
	}
	end, ok := cs[id.Obj]
	return ok && (end == token.NoPos || id.Pos() < end)
}

// track adds obj, a variable holding the handler's context in body, and
// notes its first reassignment.
func (cs contexts) track(obj *ast.Object, body ast.Node) {
	if obj == nil {
		return
	}
	if _, ok := cs[obj]; ok {
		return
	}
	cs[obj] = token.NoPos
	ast.Inspect(body, func(n ast.Node) bool {
		a, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for _, l := range a.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Obj == obj && a.Tok == token.ASSIGN &&
				(cs[obj] == token.NoPos || a.Pos() < cs[obj]) {
				cs[obj] = a.Pos()
			}
		}
		return true
	})
}

// handler walks a function body reached from an event handler with the
// handler's context as parameter idx. root is the handler itself: only
// there are deferred calls checked, for the whole call tree (see
// reportsThrough); below it, the walk looks for background work.
func (c *reportCheck) handler(fd *ast.FuncDecl, ft *ast.FuncType, body *ast.BlockStmt, idx int, where string, root bool) {
	key := fmt.Sprintf("%p/%d/%v", body, idx, root)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	cs := contexts{}
	cs.track(param(ft, idx), body)
	if len(cs) == 0 {
		return
	}
	var async [][2]token.Pos
	inAsync := func(p token.Pos) bool {
		return slices.ContainsFunc(async, func(r [2]token.Pos) bool { return p >= r[0] && p < r[1] })
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			async = append(async, [2]token.Pos{n.Call.Pos(), n.Call.End()})
		case *ast.CallExpr:
			if s, ok := n.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Async" && len(n.Args) == 1 {
				async = append(async, [2]token.Pos{n.Args[0].Pos(), n.Args[0].End()})
			}
		}
		return true
	})
	report := func(call *ast.CallExpr, what string) {
		c.out = append(c.out, fmt.Sprintf("%s: %s %s at %s, after its element may be gone",
			where, fd.Name.Name, what, c.fset.Position(call.Pos())))
	}
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if s, ok := call.Fun.(*ast.SelectorExpr); ok && cs.holds(s.X) {
			name := s.Sel.Name
			switch {
			case slices.Contains(reportingCalls, name) && (inAsync(call.Pos()) || name == "After"):
				report(call, "reports through "+exprName(s.X)+"."+name+" from background work")
			case slices.Contains(deferringCalls, name) && root:
				report(call, "defers through "+exprName(s.X)+"."+name+" past the render the event causes")
			}
			cs.callback(call)
			return true
		}
		for i, a := range call.Args {
			if !cs.holds(a) {
				continue
			}
			for _, callee := range c.resolve(fd, call.Fun) {
				switch {
				case inAsync(call.Pos()):
					if c.reportsThrough(callee, i, reportingCalls) {
						report(call, "passes "+exprName(a)+" from background work to "+callee.Name.Name+", which reports through it,")
					}
				default:
					if root && c.reportsThrough(callee, i, deferringCalls) {
						report(call, "passes "+exprName(a)+" to "+callee.Name.Name+", which defers through it past the render the event causes,")
					}
					c.handler(callee, callee.Type, callee.Body, i, where+" "+callee.Name.Name, false)
				}
			}
		}
		return true
	})
}

// deferringCalls are the Context methods that wait for the render an
// event causes, which may remove the event's element.
var deferringCalls = []string{"Defer", "ScrollTo", "ResizeContent"}

// callback tracks the context a Dispatch or Defer on a tracked context
// gives its callback: the same one.
func (cs contexts) callback(call *ast.CallExpr) {
	s, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || (s.Sel.Name != "Dispatch" && s.Sel.Name != "Defer") || len(call.Args) != 1 {
		return
	}
	if lit, ok := call.Args[0].(*ast.FuncLit); ok {
		cs.track(param(lit.Type, 0), lit.Body)
	}
}

// reportsThrough reports whether fd, called with a context as parameter
// idx, uses it for one of calls, itself or through the functions of the
// package it passes it to.
func (c *reportCheck) reportsThrough(fd *ast.FuncDecl, idx int, calls []string) bool {
	key := fmt.Sprintf("%p/%d/%v", fd, idx, calls)
	if r, ok := c.reports[key]; ok {
		return r == 1
	}
	c.reports[key] = 0
	cs := contexts{}
	cs.track(param(fd.Type, idx), fd.Body)
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if s, ok := call.Fun.(*ast.SelectorExpr); ok && cs.holds(s.X) {
			found = slices.Contains(calls, s.Sel.Name)
			cs.callback(call)
			return !found
		}
		for i, a := range call.Args {
			if cs.holds(a) {
				for _, callee := range c.resolve(fd, call.Fun) {
					found = found || c.reportsThrough(callee, i, calls)
				}
			}
		}
		return !found
	})
	c.reports[key] = 2
	if found {
		c.reports[key] = 1
	}
	return found
}

// exprName prints an expression for a finding.
func exprName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

func parseSnippet(t *testing.T, srcs ...string) (*token.FileSet, []*ast.File) {
	t.Helper()
	const head = "package ui\nimport \"github.com/maxence-charriere/go-app/v10/pkg/app\"\n"
	fset := token.NewFileSet()
	var files []*ast.File
	for i, src := range srcs {
		f, err := parser.ParseFile(fset, fmt.Sprintf("snippet%d.go", i), head+src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// The check catches what it is for: each case is the source of a package
// (one file or several) and want names, per finding, the function whose
// background work reports through the handler's context.
func TestLostReportsCatches(t *testing.T) {
	cases := []struct {
		name string
		srcs []string
		want []string
	}{
		{"func literal handler, Async then Dispatch", []string{`
func (p *P) Render() app.UI {
	return app.If(!p.busy, func() app.UI {
		return app.Button().OnClick(func(ctx app.Context, e app.Event) {
			p.busy = true
			ctx.Async(func() { p.work(); ctx.Dispatch(func(app.Context) { p.busy = false }) })
		})
	})
}`}, []string{"Render reports through ctx.Dispatch"}},
		{"method value handler, a goroutine then Defer", []string{`
func (p *P) Render() app.UI { return app.Button().OnClick(p.save) }
func (p *P) save(ctx app.Context, e app.Event) {
	go func() { p.work(); ctx.Defer(func(app.Context) { p.done = true }) }()
}`}, []string{"save reports through ctx.Defer"}},
		{"handler calls a method in another file that starts the work", []string{`
func (p *P) Render() app.UI {
	return app.Button().OnClick(func(c app.Context, e app.Event) { p.remove(p.id, c) }, app.EventScope(p.id))
}`, `
func (p *P) remove(id string, ctx app.Context) {
	ctx.Async(func() { p.del(id); ctx.Update() })
}`}, []string{"remove reports through ctx.Update"}},
		{"background work passes the context to a method that dispatches", []string{`
func (p *P) Render() app.UI { return app.Button().OnClick(p.refresh) }
func (p *P) refresh(ctx app.Context, e app.Event) { ctx.Async(func() { p.load(); p.show(ctx) }) }
func (p *P) show(ctx app.Context) { p.paint(ctx) }
func (p *P) paint(ctx app.Context) { ctx.Dispatch(nil) }`}, []string{"refresh passes ctx from background work"}},
		{"After from a handler", []string{`
func (p *P) Render() app.UI {
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { ctx.After(time.Second, p.tick) })
}`}, []string{"Render reports through ctx.After"}},
		{"a function handler, and the Dispatch callback's context", []string{`
func row() app.UI { return app.Button().OnClick(pick) }
func pick(ctx app.Context, e app.Event) {
	ctx.Dispatch(func(ctx app.Context) { ctx.Async(func() { ctx.Dispatch(nil) }) })
}`}, []string{"pick reports through ctx.Dispatch"}},
		{"a deferred focus, through a helper, from a button the render replaces", []string{`
func (p *P) Render() app.UI {
	return app.If(!p.adding, func() app.UI {
		return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.adding = true; focus(ctx, "name") })
	})
}`, `
func focus(ctx app.Context, id string) { ctx.Defer(func(app.Context) { byID(id).Call("focus") }) }`},
			[]string{"Render passes ctx to focus, which defers"}},
		{"a Defer in the Dispatch callback of a handler", []string{`
func (p *P) Render() app.UI { return app.Form().OnSubmit(p.write) }
func (p *P) write(ctx app.Context, e app.Event) {
	ctx.Dispatch(func(ctx app.Context) { ctx.ScrollTo("letter") })
}`}, []string{"write defers through ctx.ScrollTo"}},
		{"a deferred focus through the component's context", []string{`
func (p *P) Render() app.UI {
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.adding = true; focus(p.own(ctx), "name") })
}
func focus(ctx app.Context, id string) { ctx.Defer(func(app.Context) { byID(id).Call("focus") }) }`}, nil},
		{"replaced by the component's own context", []string{`
func (p *P) OnMount(ctx app.Context) { p.page = ctx }
func (p *P) Render() app.UI { return app.Button().OnClick(p.save) }
func (p *P) save(ctx app.Context, e app.Event) {
	ctx = p.own(ctx)
	ctx.Async(func() { p.work(); ctx.Dispatch(func(app.Context) { p.busy = false }) })
}`}, nil},
		{"another variable for the work", []string{`
func (p *P) Render() app.UI { return app.Button().OnClick(p.save) }
func (p *P) save(ctx app.Context, e app.Event) {
	own := p.own(ctx)
	ctx.Async(func() { p.work(ctx); own.Dispatch(nil) })
}`}, nil},
		{"reporting before the work, not from it", []string{`
func (p *P) Render() app.UI { return app.Button().OnClick(p.save) }
func (p *P) save(ctx app.Context, e app.Event) {
	ctx.Dispatch(nil)
	ctx.Async(func() { p.work(ctx) })
}
func (p *P) work(ctx context.Context) { _ = ctx.Err() }`}, nil},
		{"lifecycle methods are the component's own context", []string{`
func (p *P) OnNav(ctx app.Context) { ctx.Async(func() { p.load(); ctx.Dispatch(nil) }) }
func (p *P) Render() app.UI { return app.Div().Body(app.Button().OnClick(p.clear)) }
func (p *P) clear(ctx app.Context, e app.Event) { p.x = "" }`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := lostReports(parseSnippet(t, tc.srcs...))
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d findings %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("finding %q does not say %q", got[i], w)
				}
			}
		})
	}
}

// unkeptMounts lists the components that embed mounted and declare an
// OnMount of their own that does not call mounted's: their own(ctx) would
// then be the handler's context after all.
func unkeptMounts(fset *token.FileSet, files []*ast.File) []string {
	embeds := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, fl := range st.Fields.List {
					if id, ok := fl.Type.(*ast.Ident); ok && len(fl.Names) == 0 && id.Name == "mounted" {
						embeds[ts.Name.Name] = true
					}
				}
			}
			return true
		})
	}
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv == nil || fd.Name.Name != "OnMount" {
				continue
			}
			typ := strings.TrimSuffix(funcKey(fd), ".OnMount")
			if !embeds[typ] {
				continue
			}
			calls := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok && s.Sel.Name == "OnMount" {
					if x, ok := s.X.(*ast.SelectorExpr); ok && x.Sel.Name == "mounted" {
						calls = true
					}
				}
				return !calls
			})
			if !calls {
				out = append(out, fmt.Sprintf("%s: %s.OnMount does not call mounted.OnMount", fset.Position(fd.Pos()), typ))
			}
		}
	}
	return out
}

func TestUnkeptMountsCatches(t *testing.T) {
	fset, files := parseSnippet(t, `
type A struct {
	app.Compo
	mounted
}
func (a *A) OnMount(ctx app.Context) { a.load(ctx) }
type B struct {
	app.Compo
	mounted
}
func (b *B) OnMount(ctx app.Context) { b.mounted.OnMount(ctx); b.load(ctx) }
type C struct{ app.Compo }
func (c *C) OnMount(ctx app.Context) { c.load(ctx) }`)
	got := unkeptMounts(fset, files)
	if len(got) != 1 || !strings.Contains(got[0], "A.OnMount") {
		t.Errorf("got %q, want A's OnMount only", got)
	}
}

// No event handler in app/ reports from background work through the
// clicked element's context (see lostReports).
func TestHandlersReportThroughOwnContext(t *testing.T) {
	fset, files := appSources(t)
	for _, s := range lostReports(fset, files) {
		t.Error(s)
	}
	for _, s := range unkeptMounts(fset, files) {
		t.Error(s)
	}
}
