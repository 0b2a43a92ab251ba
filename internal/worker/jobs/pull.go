package jobs

import (
	"context"
	"strings"
	"sync"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/importer"
	"backpack/internal/portal"
	"backpack/internal/portal/relay"
	"backpack/internal/worker"
)

// Origin is the worker's origin (which is the page's), that a request's
// same-origin paths (the relay's) resolve against; cmd/worker sets it. On
// the host it is empty and requests carry absolute addresses.
var Origin string

// servePull runs a pull request (Serve's recover covers it): the record
// fetched as the page fetched it (internal/fetch: the worker has the
// browser's fetch too), read as an imported file, made into entries.
func servePull(msg []byte, post func([]byte)) []byte {
	q, err := worker.DecodePull(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	opt := q.Options
	start, now := time.Now(), q.Now
	if now.IsZero() {
		now = start
	}
	opt.Now = func() time.Time { return now.Add(time.Since(start)) }
	opt.Progress = pullPoster(post)
	res, rep, err := portal.Pull(context.Background(), pullDoer(q), q.Source, q.Token, opt)
	if err != nil {
		return worker.EncodePulled(rep, importer.Result{}, nil, err)
	}
	return worker.EncodePulled(rep, res, importer.ToEntries(res, "", opt.Now()), nil)
}

// pullDoer is the client for the health system: straight, or through the
// deployment's relay for its hosts.
func pullDoer(q worker.PullRequest) fetch.Doer {
	if len(q.RelayHosts) == 0 {
		return fetch.Default
	}
	base := q.RelayBase
	if strings.HasPrefix(base, "/") && Origin != "" {
		base = strings.TrimSuffix(Origin, "/") + base
	}
	return &relay.Client{Base: base, Hosts: q.RelayHosts}
}

// pullPoster posts progress at most every progressEvery; the pull calls
// it from its goroutines. nil when post is.
func pullPoster(post func([]byte)) func(portal.Progress) {
	if post == nil {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(p portal.Progress) {
		mu.Lock()
		due := time.Since(last) >= progressEvery
		if due {
			last = time.Now()
		}
		mu.Unlock()
		if due {
			post(worker.EncodePullProgress(p))
		}
	}
}
