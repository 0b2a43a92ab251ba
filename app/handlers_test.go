package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// go-app v10 keeps the first event handler it rendered for an element:
// it compares handlers by code pointer and EventScope, and every closure
// made by one func literal has the same code. A handler closure that
// captured a render-time value (a loop item, an id, a draft) then keeps
// acting on the value of its first render.
//
// staleHandlers finds every call of a method On<Something> whose handler
// is a func literal (or a local variable holding one) that refers to a
// variable of the function around it, other than the receiver, unless the
// call also passes app.EventScope naming that variable, or naming each
// field of it the handler uses (EventScope(fi.ID) covers a handler that
// uses only fi.ID): go-app then replaces the handler whenever a value it
// acts on changes. A captured callback (a func parameter or local) cannot
// be named in a scope; any EventScope stands for it, and must then say
// what the callback acts on.
func staleHandlers(fset *token.FileSet, f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		var recv *ast.Object
		if fd.Recv != nil && len(fd.Recv.List) > 0 && len(fd.Recv.List[0].Names) > 0 {
			recv = fd.Recv.List[0].Names[0].Obj
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !isOnMethod(sel.Sel.Name) {
				return true
			}
			lit := funcLitOf(call.Args[0])
			if lit == nil {
				return true
			}
			scope := map[string]bool{}
			hasScope := false
			for _, a := range call.Args[1:] {
				if args, ok := eventScopeArgs(a); ok {
					hasScope = true
					for _, x := range args {
						scope[types.ExprString(x)] = true
					}
				}
			}
			var missing []string
			for _, c := range captures(fd, lit, recv) {
				ok := c.isFunc && hasScope
				if !c.isFunc {
					ok = true
					for _, use := range c.uses {
						ok = ok && slices.ContainsFunc(use, func(s string) bool { return scope[s] })
					}
				}
				if !ok {
					missing = append(missing, c.name)
				}
			}
			if len(missing) > 0 {
				what := "without app.EventScope"
				if hasScope {
					what = "with an app.EventScope that does not name it"
				}
				out = append(out, fmt.Sprintf("%s: %s handler captures %s %s",
					fset.Position(call.Pos()), sel.Sel.Name, strings.Join(missing, ", "), what))
			}
			return true
		})
	}
	return out
}

// isOnMethod reports whether name is On followed by an upper-case letter.
func isOnMethod(name string) bool {
	return len(name) > 2 && strings.HasPrefix(name, "On") && name[2] >= 'A' && name[2] <= 'Z'
}

// funcLitOf returns e when it is a func literal, the literal a local
// variable e was set to (h := func(...) {...}), or nil.
func funcLitOf(e ast.Expr) *ast.FuncLit {
	switch e := e.(type) {
	case *ast.FuncLit:
		return e
	case *ast.Ident:
		if r := rhsOf(e); r != nil {
			lit, _ := r.(*ast.FuncLit)
			return lit
		}
	}
	return nil
}

// rhsOf returns the expression the local variable id was declared with
// (id := x or var id = x), or nil.
func rhsOf(id *ast.Ident) ast.Expr {
	if id.Obj == nil || id.Obj.Kind != ast.Var {
		return nil
	}
	switch d := id.Obj.Decl.(type) {
	case *ast.AssignStmt:
		for i, l := range d.Lhs {
			if l, ok := l.(*ast.Ident); ok && l.Obj == id.Obj && len(d.Rhs) == len(d.Lhs) {
				return d.Rhs[i]
			}
		}
	case *ast.ValueSpec:
		for i, n := range d.Names {
			if n.Obj == id.Obj && len(d.Values) == len(d.Names) {
				return d.Values[i]
			}
		}
	}
	return nil
}

// eventScopeArgs returns the arguments of e when e is app.EventScope(...)
// or a local variable set to one.
func eventScopeArgs(e ast.Expr) ([]ast.Expr, bool) {
	if id, ok := e.(*ast.Ident); ok {
		if e = rhsOf(id); e == nil {
			return nil, false
		}
	}
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return nil, false
	}
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != "EventScope" {
		return nil, false
	}
	if x, ok := s.X.(*ast.Ident); !ok || x.Name != "app" {
		return nil, false
	}
	return c.Args, true
}

// capture is a variable of the enclosing function a handler refers to.
type capture struct {
	name   string
	isFunc bool       // a callback: a func parameter or a local set to a func literal
	uses   [][]string // per use, the expressions it is part of: x, x.A, x.A.B
}

// captures lists, by name, the variables lit refers to that are declared
// in fd outside lit, other than the receiver recv.
func captures(fd *ast.FuncDecl, lit *ast.FuncLit, recv *ast.Object) []capture {
	var out []capture
	var stack []ast.Node
	ast.Inspect(lit, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		id, ok := n.(*ast.Ident)
		if !ok || id.Obj == nil || id.Obj.Kind != ast.Var || id.Obj == recv {
			return true
		}
		p := id.Obj.Pos()
		if p < fd.Pos() || p >= fd.End() || (p >= lit.Pos() && p < lit.End()) {
			return true
		}
		// The selector chain this use starts: x, x.A, x.A.B.
		var use []string
		var e ast.Expr = id
		for i := len(stack) - 2; ; i-- {
			use = append(use, types.ExprString(e))
			if i < 0 {
				break
			}
			s, ok := stack[i].(*ast.SelectorExpr)
			if !ok || s.X != e {
				break
			}
			e = s
		}
		i := slices.IndexFunc(out, func(c capture) bool { return c.name == id.Name })
		if i < 0 {
			out = append(out, capture{name: id.Name, isFunc: isFuncVar(id)})
			i = len(out) - 1
		}
		out[i].uses = append(out[i].uses, use)
		return true
	})
	slices.SortFunc(out, func(a, b capture) int { return strings.Compare(a.name, b.name) })
	return out
}

// isFuncVar reports whether id is a parameter of func type (or
// app.EventHandler) or a local set to a func literal.
func isFuncVar(id *ast.Ident) bool {
	if f, ok := id.Obj.Decl.(*ast.Field); ok {
		switch t := f.Type.(type) {
		case *ast.FuncType:
			return true
		case *ast.SelectorExpr:
			return t.Sel.Name == "EventHandler"
		}
		return false
	}
	_, ok := rhsOf(id).(*ast.FuncLit)
	return ok
}

// The check catches what it is for: each snippet is the body of a file
// and want is what staleHandlers says about it.
func TestStaleHandlersCatches(t *testing.T) {
	const head = "package ui\nimport \"github.com/maxence-charriere/go-app/v10/pkg/app\"\nvar pkgVar string\n"
	cases := []struct {
		name, src string
		want      []string // captured names reported, one entry per call
	}{
		{"loop item without scope", `
func (p *P) render() app.UI {
	return app.Range(p.items).Slice(func(i int) app.UI {
		it := p.items[i]
		return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.remove(it.id) })
	})
}`, []string{"it"}},
		{"index of Range without scope", `
func (p *P) render() app.UI {
	return app.Range(p.items).Slice(func(i int) app.UI {
		return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.remove(i) })
	})
}`, []string{"i"}},
		{"parameter without scope", `
func (p *P) renderFile(it *item, busy bool) app.UI {
	return app.Button().
		OnClick(func(ctx app.Context, e app.Event) { p.tie(it, busy) })
}`, []string{"busy, it"}},
		{"local draft without scope", `
func (p *P) render() app.UI {
	draft := p.suggest()
	return app.Input().OnInput(func(ctx app.Context, e app.Event) { p.use(draft) })
}`, []string{"draft"}},
		{"scope that misses one capture", `
func (p *P) render(it *item) app.UI {
	fid := it.id
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.tie(fid, it.draft) }, app.EventScope(fid))
}`, []string{"it"}},
		{"scope on a field of the capture is not enough", `
func (p *P) render(it *item) app.UI {
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.tie(it) }, app.EventScope(it.id))
}`, []string{"it"}},
		{"a function, not a method", `
func row(x item, del func(string)) app.UI {
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { del(x.ID) })
}`, []string{"del, x"}},
		{"a handler held in a local", `
func (p *P) render(name string) app.UI {
	h := func(ctx app.Context, e app.Event) { p.set(name) }
	return app.Input().OnInput(h)
}`, []string{"name"}},
		{"a callback parameter without scope", `
func box(id string, set func(bool)) app.UI {
	return app.Input().OnChange(func(ctx app.Context, e app.Event) { set(true) })
}`, []string{"set"}},
		{"scoped by id", `
func (p *P) render(it *item) app.UI {
	fid := it.id
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.remove(fid) }, app.EventScope(fid))
}`, nil},
		{"scoped by the field it uses", `
func (p *P) render(n note) app.UI {
	return app.Button().OnClick(func(ctx app.Context, e app.Event) { p.deleteNote(ctx, n.ID) }, app.EventScope(n.ID))
}`, nil},
		{"scope held in a local, callback scoped by id", `
func (p *P) render(name string, set func(bool)) app.UI {
	scope := app.EventScope(p.key, name)
	return app.Div().Body(
		app.Input().OnInput(func(ctx app.Context, e app.Event) { p.set(name) }, scope),
		app.Input().OnChange(func(ctx app.Context, e app.Event) { set(true) }, app.EventScope(name)))
}`, nil},
		{"receiver, package level and its own locals", `
func (p *P) render() app.UI {
	return app.Input().OnInput(func(ctx app.Context, e app.Event) {
		v := ctx.JSSrc().Get("value").String()
		p.query, pkgVar = v, v
		p.search(ctx)
	})
}`, nil},
		{"method value and named handler", `
func (p *P) render() app.UI {
	h := p.undo
	return app.Div().Body(app.Button().OnClick(p.clear), app.Button().OnClick(h))
}`, nil},
		{"not an On method", `
func (p *P) render(x string) app.UI {
	return app.Div().Once(func(ctx app.Context, e app.Event) { p.use(x) })
}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "snippet.go", head+c.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := staleHandlers(fset, f)
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %d findings %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], " captures "+w+" ") {
					t.Errorf("finding %q does not name %q", got[i], w)
				}
			}
		})
	}
}

// Every event handler in app/ that captures render-time values is scoped
// by them (see staleHandlers).
func TestHandlersScoped(t *testing.T) {
	fset, files := appSources(t)
	for _, f := range files {
		for _, s := range staleHandlers(fset, f) {
			t.Error(s)
		}
	}
}

// appSources parses the package's non-test files (the checks in this file
// and reports_test.go read them).
func appSources(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) < 10 {
		t.Fatalf("read only %d files of package app", len(files))
	}
	return fset, files
}
