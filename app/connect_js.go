//go:build js && wasm

package ui

import (
	"context"

	"backpack/internal/portal"
	"backpack/internal/worker"
)

// connectPullRun pulls a record in the worker module (internal/worker):
// the fetching, and reading what came as an imported FHIR Bundle, run
// there, so the page links neither the pull nor the importer's readers.
// The report's token is the one to keep, also on an error.
func connectPullRun(ctx context.Context, q worker.PullRequest, progress func(portal.Progress)) (worker.Parsed, portal.Report, error) {
	q.Fault = workerFault()
	return worker.Pull(ctx, q, progress)
}
