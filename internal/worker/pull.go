package worker

import (
	"strings"
	"time"

	"backpack/internal/frame"
	"backpack/internal/importer"
	"backpack/internal/portal"
	"backpack/internal/record"
)

// OpPull is the portal pull: a person's record fetched from a health
// system (portal.Pull) and read as an imported file, in the worker, so
// that the page links neither the pull nor the importer's readers.
const OpPull = "pull"

// Frame kinds of the pull job.
const (
	kindPull       = 0x40 // the health system, the token, the options, the relay
	kindPullRelay  = 0x41 // one host reached through the relay
	kindPullReport = 0x42 // a reply's first frame: the report and the token to keep; an import's reply, or a failure, follows
)

// PullRequest asks the worker to pull a record. The token goes to our own
// worker only; it is never logged.
type PullRequest struct {
	Source portal.Source
	Token  portal.Token
	// Options' data fields travel (Since and the limits); Now and
	// Progress do not: the worker's pull posts progress messages and
	// reads its clock from Now below.
	Options portal.Options
	// Now is the page's clock when it asked: the pull's clock starts there
	// (the token's expiry, Report.Started, the entries' times are then
	// the page's, as when the page pulled).
	Now time.Time
	// RelayHosts are reached through the deployment's relay at RelayBase
	// (relay.Client); with none, every request goes straight.
	RelayHosts []string
	RelayBase  string // absolute, or a path of the worker's own origin (which is the page's)
	Fault      string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q PullRequest) Encode() []byte {
	w, e := newRequest(512, OpPull, q.Fault)
	s, o := q.Source, q.Options
	e.String(s.Name).String(s.FHIR).String(s.TokenURL).String(s.ClientID).String(s.Patient)
	putToken(e, q.Token)
	putTime(e, o.Since)
	e.Int(int64(o.Parallel)).Int(int64(o.Backoff)).Int(int64(o.Tries)).Int(int64(o.Margin)).Int(o.MaxBytes)
	putTime(e, q.Now)
	e.String(q.RelayBase)
	w.Frame(kindPull, e.Payload())
	for _, h := range q.RelayHosts {
		e.Reset()
		e.String(h)
		w.Frame(kindPullRelay, e.Payload())
	}
	return w.Bytes()
}

// DecodePull reads a pull request.
func DecodePull(msg []byte) (PullRequest, error) {
	var q PullRequest
	r, fault, err := readRequest(msg, OpPull, kindPull)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Source = portal.Source{Name: d.String(), FHIR: d.String(), TokenURL: d.String(), ClientID: d.String(), Patient: d.String()}
	q.Token = getToken(d)
	o := &q.Options
	o.Since = getTime(d)
	o.Parallel, o.Backoff, o.Tries, o.Margin, o.MaxBytes = int(d.Int()), time.Duration(d.Int()), int(d.Int()), time.Duration(d.Int()), d.Int()
	q.Now = getTime(d)
	q.RelayBase = d.String()
	if d.Err() != nil {
		return q, errBadRequest
	}
	for r.Next() {
		if r.Kind() != kindPullRelay {
			return q, errBadRequest
		}
		d := r.Decoder()
		h := d.String()
		if d.Err() != nil {
			return q, errBadRequest
		}
		q.RelayHosts = append(q.RelayHosts, h)
	}
	return q, r.Err()
}

// EncodePullProgress is a pull's progress message: requests done,
// resources read so far. It is a progress message (Progress reads the
// requests), so the page's client never takes it for the reply.
func EncodePullProgress(p portal.Progress) []byte {
	w := frame.NewWriter(24)
	var e frame.Encoder
	e.Int(int64(p.Requests)).Int(int64(p.Resources))
	w.Frame(kindProgress, e.Payload())
	return w.Bytes()
}

// PullProgress reads a pull's progress message; ok is false for any other
// message.
func PullProgress(msg []byte) (p portal.Progress, ok bool) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindProgress {
		return p, false
	}
	d := r.Decoder()
	p.Requests, p.Resources = int(d.Int()), int(d.Int())
	return p, d.Err() == nil
}

// EncodePulled is a pull's reply: rep (with the token to keep, which a
// failed pull may have refreshed too), then what came as an import's reply
// (EncodeImported), or, when err is set, a failure whose key is
// "portal.error.<code>" for the portal's errors (portal.Code) and
// ErrorKey's otherwise — never err's text.
func EncodePulled(rep portal.Report, res importer.Result, entries []record.Entry, err error) []byte {
	size := 256
	for _, x := range res.Resources {
		size += len(x.JSON) + 192
	}
	for _, f := range res.Files {
		size += len(f.Data) + 128
	}
	w := frame.NewWriter(size)
	var e frame.Encoder
	putToken(&e, rep.Token)
	e.Int(int64(rep.Requests)).Int(int64(rep.Retries)).Int(int64(rep.Refreshes))
	putTime(&e, rep.Started)
	e.Uint(uint64(len(rep.Refused)))
	for _, x := range rep.Refused {
		e.String(x.Type).Int(int64(x.Status))
	}
	w.Frame(kindPullReport, e.Payload())
	if err != nil {
		key := ErrorKey(err)
		if code := portal.Code(err); code != "" {
			key = pullKeyPrefix + code
		}
		putFailed(w, &Failure{Key: key, Line: ErrorLine(err)})
		return w.Bytes()
	}
	putImported(w, res, entries)
	return w.Bytes()
}

const pullKeyPrefix = "portal.error."

// PullReply reads a pull's reply: what came (with its entries, as an
// import's), and the report, whose token is the one to keep even when
// the pull failed. The error is the portal's own (portal.ErrExpired…) for
// a failure with its code, else a *Failure.
func PullReply(msg []byte) (Parsed, portal.Report, error) {
	crash := &Failure{Key: KeyCrash}
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return Parsed{}, portal.Report{}, crash
	}
	if r.Kind() == kindFailed { // the job's own failure (a bad request, a panic): no report
		_, err := readImported(r)
		return Parsed{}, portal.Report{}, err
	}
	if r.Kind() != kindPullReport {
		return Parsed{}, portal.Report{}, crash
	}
	var rep portal.Report
	d := r.Decoder()
	rep.Token = getToken(d)
	rep.Requests, rep.Retries, rep.Refreshes = int(d.Int()), int(d.Int()), int(d.Int())
	rep.Started = getTime(d)
	n := d.Uint()
	if n > uint64(d.Rest()) {
		return Parsed{}, portal.Report{}, crash
	}
	for range n {
		rep.Refused = append(rep.Refused, portal.Refusal{Type: d.String(), Status: int(d.Int())})
	}
	if d.Err() != nil || !r.Next() {
		return Parsed{}, portal.Report{}, crash
	}
	p, err := readImported(r)
	if f, ok := err.(*Failure); ok {
		if code, ok := strings.CutPrefix(f.Key, pullKeyPrefix); ok && portal.CodeError(code) != nil {
			err = portal.CodeError(code)
		}
	}
	return p, rep, err
}

func putToken(e *frame.Encoder, t portal.Token) {
	e.String(t.Access).String(t.Refresh).String(t.Scope).String(t.Patient)
	putTime(e, t.Expires)
}

func getToken(d *frame.Decoder) portal.Token {
	t := portal.Token{Access: d.String(), Refresh: d.String(), Scope: d.String(), Patient: d.String()}
	t.Expires = getTime(d)
	return t
}

// putTime writes t to the nanosecond, and whether it is set (a zero time
// stays zero).
func putTime(e *frame.Encoder, t time.Time) {
	e.Bool(!t.IsZero()).Int(t.UnixNano())
}

func getTime(d *frame.Decoder) time.Time {
	set, n := d.Bool(), d.Int()
	if !set {
		return time.Time{}
	}
	return time.Unix(0, n)
}
