//go:build js && wasm

package ui

import (
	"sync"
	"syscall/js"
	"time"
)

var watchOnce sync.Once

// watchIdle starts, once, what the app watches in the page: activity (for
// the auto-lock), leaving the page (note where the person was; ask when a
// draft is not stored yet), clicks on links away from a form with changes,
// and focus (never under the bottom bar).
func watchIdle() {
	watchOnce.Do(func() {
		doc := js.Global().Get("document")
		passive := js.Global().Get("Object").New()
		passive.Set("passive", true)
		touch := js.FuncOf(func(js.Value, []js.Value) any { touched(); return nil })
		for _, ev := range []string{"pointerdown", "keydown", "wheel", "touchstart"} {
			doc.Call("addEventListener", ev, touch, passive)
		}
		go func() {
			for range time.Tick(time.Second) {
				idleCheck()
			}
		}()
		js.Global().Call("addEventListener", "beforeunload", js.FuncOf(func(this js.Value, args []js.Value) any {
			noteWhere()
			if dirtyForm() || unsavedDrafts() {
				args[0].Call("preventDefault")
				args[0].Set("returnValue", "")
			}
			return nil
		}))
		capture := js.Global().Get("Object").New()
		capture.Set("capture", true)
		doc.Call("addEventListener", "click", js.FuncOf(func(this js.Value, args []js.Value) any {
			ev := args[0]
			if !dirtyForm() || ev.Get("defaultPrevented").Bool() || ev.Get("button").Int() != 0 ||
				ev.Get("ctrlKey").Bool() || ev.Get("metaKey").Bool() || ev.Get("shiftKey").Bool() {
				return nil
			}
			t := ev.Get("target")
			if !t.Truthy() || t.Get("closest").IsUndefined() {
				return nil
			}
			a := t.Call("closest", "a[href]")
			if !a.Truthy() || a.Call("hasAttribute", "download").Bool() || a.Get("target").String() == "_blank" {
				return nil
			}
			href := inAppLink(a.Get("href").String())
			if href == "" || pathOnly(href) == js.Global().Get("location").Get("pathname").String() {
				return nil
			}
			ev.Call("preventDefault")
			ev.Call("stopImmediatePropagation")
			askLeave(href)
			return nil
		}), capture)
		// The back and forward buttons: go-app's onpopstate handler is
		// wrapped, so that it does not run (the page stays) while the shell
		// asks. tabs.go's renavigate calls it too, never leaving the page.
		if goPop := js.Global().Get("onpopstate"); goPop.Type() == js.TypeFunction {
			js.Global().Set("onpopstate", js.FuncOf(func(this js.Value, args []js.Value) any {
				if dirtyForm() && leavingByHistory(inAppLink(js.Global().Get("location").Get("href").String())) {
					return nil
				}
				return goPop.Invoke(anys(args)...)
			}))
		}
		doc.Call("addEventListener", "focusin", js.FuncOf(func(this js.Value, args []js.Value) any {
			keepAboveBar(args[0].Get("target"))
			return nil
		}))
	})
}

func anys(vs []js.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// address is the page's path and query.
func address() string {
	loc := js.Global().Get("location")
	return loc.Get("pathname").String() + loc.Get("search").String()
}

// keepAboveBar scrolls a focused control out from under the bottom bar
// (phones; the bar is fixed there).
func keepAboveBar(el js.Value) {
	if !el.Truthy() || el.Get("getBoundingClientRect").IsUndefined() {
		return
	}
	nav := js.Global().Get("document").Call("querySelector", ".nav")
	if !nav.Truthy() || js.Global().Call("getComputedStyle", nav).Get("position").String() != "fixed" {
		return
	}
	if nav.Call("contains", el).Bool() {
		return
	}
	barTop := nav.Call("getBoundingClientRect").Get("top").Float()
	bottom := el.Call("getBoundingClientRect").Get("bottom").Float()
	if bottom > barTop-8 {
		js.Global().Call("scrollBy", 0, bottom-barTop+16)
	}
}
