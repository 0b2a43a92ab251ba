package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// upload is one upload in progress, for the minimum rate and for cutting
// off the slowest when every slot is taken.
type upload struct {
	start time.Time
	n     atomic.Int64 // bytes received
	cut   atomic.Bool  // cut off to free its slot
	rc    *http.ResponseController
	heir  chan struct{} // under Service.mu: the upload its slot goes to when it ends
}

// rate is the upload's average speed in bytes a second.
func (u *upload) rate(now time.Time) float64 {
	return float64(u.n.Load()) / max(now.Sub(u.start).Seconds(), 1e-3)
}

// cutOff ends the upload: its next read (or the one it is blocked in)
// fails.
func (u *upload) cutOff() {
	u.cut.Store(true)
	u.rc.SetReadDeadline(time.Now())
}

var errTooSlow = errors.New("share server: upload too slow")

// rateReader reads an upload's body, which must keep up min bytes a second
// on average once grace is over: each read has until start + grace +
// received/min.
type rateReader struct {
	r     io.ReadCloser
	u     *upload
	min   int64
	grace time.Duration
}

func (r *rateReader) Close() error { return r.r.Close() }

func (r *rateReader) Read(p []byte) (int, error) {
	if r.u.cut.Load() {
		return 0, errTooSlow
	}
	var deadline time.Time
	if r.min > 0 {
		deadline = r.u.start.Add(r.grace + time.Duration(float64(r.u.n.Load())/float64(r.min)*float64(time.Second)))
		r.u.rc.SetReadDeadline(deadline) // without support (tests' recorders), checked after the read
	}
	n, err := r.r.Read(p)
	r.u.n.Add(int64(n))
	if r.u.cut.Load() || errors.Is(err, os.ErrDeadlineExceeded) || r.min > 0 && err == nil && time.Now().After(deadline) {
		return n, errTooSlow
	}
	return n, err
}

// begin takes an upload slot for client: at most MaxClientUploads of its
// own, at most MaxUploads in all. With every slot taken it cuts off the
// slowest upload below 8 × MinUploadRate and takes over its slot (handed
// over, so that no one else's wait comes first), waiting a little for it.
func (s *Service) begin(ctx context.Context, up *upload, client string) bool {
	s.mu.Lock()
	if s.perHost[client] >= s.cfg.MaxClientUploads {
		s.mu.Unlock()
		return false
	}
	s.perHost[client]++
	s.mu.Unlock()
	select {
	case s.uploads <- struct{}{}:
	default:
		heir := make(chan struct{}, 1)
		victim := s.cutSlowest(heir)
		if victim == nil {
			s.drop(client)
			return false
		}
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-heir: // handed over: the slot is ours
		case <-t.C:
			if s.giveUp(victim, heir, client) {
				return false
			}
		case <-ctx.Done():
			if s.giveUp(victim, heir, client) {
				return false
			}
		}
	}
	s.mu.Lock()
	s.running[up] = client
	s.mu.Unlock()
	return true
}

// giveUp stops waiting for victim's slot and reports true, unless the slot
// is being handed over already: then it waits for it and reports false.
func (s *Service) giveUp(victim *upload, heir chan struct{}, client string) bool {
	s.mu.Lock()
	promised := victim.heir == heir
	if promised {
		victim.heir = nil
	}
	s.mu.Unlock()
	if promised {
		s.drop(client)
		return true
	}
	<-heir
	return false
}

// end gives the slot back (or hands it to the upload that cut this one
// off), and the connection its own deadlines: the next request on it is not
// held to this upload's.
func (s *Service) end(up *upload, client string) {
	if !up.cut.Load() {
		up.rc.SetReadDeadline(time.Time{})
	}
	s.mu.Lock()
	delete(s.running, up)
	heir := up.heir
	up.heir = nil
	s.mu.Unlock()
	s.drop(client)
	if heir != nil {
		heir <- struct{}{}
		return
	}
	<-s.uploads
}

func (s *Service) drop(client string) {
	s.mu.Lock()
	if s.perHost[client]--; s.perHost[client] <= 0 {
		delete(s.perHost, client)
	}
	s.mu.Unlock()
}

// cutSlowest cuts off the slowest upload below 8 × MinUploadRate that has
// run for a second (or a quarter of the grace period, if shorter), its slot
// promised to heir, and returns it (nil: none).
func (s *Service) cutSlowest(heir chan struct{}) *upload {
	if s.cfg.MinUploadRate < 0 {
		return nil
	}
	now := time.Now()
	spare := min(time.Second, s.cfg.UploadGrace/4)
	var slowest *upload
	s.mu.Lock()
	for u := range s.running {
		if u.heir != nil || u.cut.Load() || now.Sub(u.start) < spare || u.rate(now) >= 8*float64(s.cfg.MinUploadRate) {
			continue
		}
		if slowest == nil || u.rate(now) < slowest.rate(now) {
			slowest = u
		}
	}
	if slowest != nil {
		slowest.heir = heir
	}
	s.mu.Unlock()
	if slowest != nil {
		slowest.cutOff()
	}
	return slowest
}
