//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// benchProfile starts the page's CPU profiler when BACKPACK_PROFILE is set
// (build the wasm without -s for function names) and returns a function
// that stops it and logs the functions taking most of the time (self
// time, and self plus callees for the Go functions named in
// BACKPACK_PROFILE, comma-separated, or "1" for none), written to
// $TMPDIR/backpack-profile-LABEL.txt.
func benchProfile(t testing.TB, ctx context.Context, label string) func() {
	spec := os.Getenv("BACKPACK_PROFILE")
	if spec == "" {
		return func() {}
	}
	xpRun(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		if err := profiler.Enable().Do(ctx); err != nil {
			return err
		}
		if err := profiler.SetSamplingInterval(200).Do(ctx); err != nil {
			return err
		}
		return profiler.Start().Do(ctx)
	}))
	return func() {
		var p *profiler.Profile
		xpRun(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			p, err = profiler.Stop().Do(ctx)
			return err
		}))
		self := map[string]int64{}
		var total int64
		parent := map[int64]int64{}
		byID := map[int64]*profiler.ProfileNode{}
		for _, n := range p.Nodes {
			byID[n.ID] = n
			for _, c := range n.Children {
				parent[c] = n.ID
			}
		}
		incl := map[string]int64{}
		for _, n := range p.Nodes {
			name := n.CallFrame.FunctionName
			if name == "" {
				name = "(anonymous " + n.CallFrame.URL + ")"
			}
			self[name] += n.HitCount
			total += n.HitCount
			// inclusive: count once per distinct name on the stack
			seen := map[string]bool{}
			for id := n.ID; ; {
				nn := byID[id]
				fn := nn.CallFrame.FunctionName
				if !seen[fn] {
					seen[fn] = true
					incl[fn] += n.HitCount
				}
				pid, ok := parent[id]
				if !ok {
					break
				}
				id = pid
			}
		}
		type kv struct {
			k string
			v int64
		}
		var list []kv
		for k, v := range self {
			list = append(list, kv{k, v})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
		var b strings.Builder
		fmt.Fprintf(&b, "%s profile: %d samples (%.0f ms)\n", label, total, float64(p.EndTime-p.StartTime)/1000)
		for i, e := range list {
			if i == 40 {
				break
			}
			fmt.Fprintf(&b, "  self %5.1f%%  %s\n", float64(e.v)*100/float64(total), e.k)
		}
		list = list[:0]
		for k, v := range incl {
			list = append(list, kv{k, v})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
		for i, e := range list {
			if i == 150 {
				break
			}
			fmt.Fprintf(&b, "  incl %5.1f%%  %s\n", float64(e.v)*100/float64(total), e.k)
		}
		// Callers of the functions named in BACKPACK_PROFILE: the first
		// frame above each sample of them that is not syscall/js or runtime.
		for _, want := range strings.Split(spec, ",") {
			if want == "1" || want == "" {
				continue
			}
			callers := map[string]int64{}
			var n int64
			for _, node := range p.Nodes {
				if !strings.Contains(node.CallFrame.FunctionName, want) || node.HitCount == 0 {
					continue
				}
				n += node.HitCount
				id, name := node.ID, "(root)"
				for {
					pid, ok := parent[id]
					if !ok {
						break
					}
					id = pid
					fn := byID[id].CallFrame.FunctionName
					if fn != "" && !strings.Contains(fn, "syscall") && !strings.HasPrefix(fn, "runtime.") && !strings.Contains(fn, want) && !strings.HasPrefix(fn, "wasm-to-js") {
						name = fn
						break
					}
				}
				callers[name] += node.HitCount
			}
			fmt.Fprintf(&b, "callers of %s (%.1f%%):\n", want, float64(n)*100/float64(total))
			list = list[:0]
			for k, v := range callers {
				list = append(list, kv{k, v})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
			for i, e := range list {
				if i == 12 {
					break
				}
				fmt.Fprintf(&b, "  %5.1f%%  %s\n", float64(e.v)*100/float64(total), e.k)
			}
		}
		out := fmt.Sprintf("%s/backpack-profile-%s.txt", os.TempDir(), label)
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
		t.Logf("%s profile: %s", label, out)
	}
}
