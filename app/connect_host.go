//go:build !(js && wasm)

package ui

import (
	"context"

	"backpack/internal/portal"
	"backpack/internal/worker"
	"backpack/internal/worker/jobs"
)

// connectPullRun pulls a record in this process, through the worker's
// messages (so that the page's side is tested on the host too).
func connectPullRun(_ context.Context, q worker.PullRequest, progress func(portal.Progress)) (worker.Parsed, portal.Report, error) {
	return worker.PullReply(jobs.Serve(q.Encode(), nil, func(msg []byte) {
		if p, ok := worker.PullProgress(msg); ok && progress != nil {
			progress(p)
		}
	}))
}
