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
// slowest upload below 8 × MinUploadRate and waits a little for its slot.
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
		if !s.cutSlowest() {
			s.drop(client)
			return false
		}
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case s.uploads <- struct{}{}:
		case <-t.C:
			s.drop(client)
			return false
		case <-ctx.Done():
			s.drop(client)
			return false
		}
	}
	s.mu.Lock()
	s.running[up] = client
	s.mu.Unlock()
	return true
}

// end gives the slot back, and the connection its own deadlines (the next
// request on it is not held to this upload's).
func (s *Service) end(up *upload, client string) {
	if !up.cut.Load() {
		up.rc.SetReadDeadline(time.Time{})
	}
	s.mu.Lock()
	delete(s.running, up)
	s.mu.Unlock()
	s.drop(client)
	<-s.uploads
}

func (s *Service) drop(client string) {
	s.mu.Lock()
	if s.perHost[client]--; s.perHost[client] <= 0 {
		delete(s.perHost, client)
	}
	s.mu.Unlock()
}

// cutSlowest cuts off the slowest upload running for a second or more below
// 8 × MinUploadRate, and reports whether there was one.
func (s *Service) cutSlowest() bool {
	if s.cfg.MinUploadRate < 0 {
		return false
	}
	now := time.Now()
	var slowest *upload
	s.mu.Lock()
	for u := range s.running {
		if u.cut.Load() || now.Sub(u.start) < time.Second || u.rate(now) >= 8*float64(s.cfg.MinUploadRate) {
			continue
		}
		if slowest == nil || u.rate(now) < slowest.rate(now) {
			slowest = u
		}
	}
	s.mu.Unlock()
	if slowest == nil {
		return false
	}
	slowest.cutOff()
	return true
}
