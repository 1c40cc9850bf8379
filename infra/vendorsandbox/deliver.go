package vendorsandbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// deliveryTimeout is how long a receiver has to answer one attempt: Sumsub counts no
// answer within 5 s as a failure.
const deliveryTimeout = 5 * time.Second

// delivery is one webhook: a body signed once, sent as is on every attempt, as the vendors
// resend the same bytes.
type delivery struct {
	vendor  string // "sumsub" or "metamap", for the log
	event   string // the webhook type, for the log
	subject string // the applicant or verification id, for the log (never personal data)
	url     string
	header  http.Header
	body    []byte
}

// deliveryQueue sends webhooks in the background, one queue per subject: the deliveries
// of one applicant leave in order, each only after the previous one succeeded or gave up,
// while a receiver failing for one applicant does not hold up the others.
type deliveryQueue struct {
	client *http.Client
	delays []time.Duration
	logf   func(string, ...any)

	mu      sync.Mutex
	queues  map[string][]delivery // a key is present while its worker runs
	closed  bool
	closing chan struct{} // closed by close: retry waits end at once
	workers sync.WaitGroup
}

func newDeliveryQueue(client *http.Client, delays []time.Duration, logf func(string, ...any)) *deliveryQueue {
	return &deliveryQueue{
		client:  client,
		delays:  delays,
		logf:    logf,
		queues:  map[string][]delivery{},
		closing: make(chan struct{}),
	}
}

// enqueue queues d behind the earlier deliveries of key and returns at once.
func (q *deliveryQueue) enqueue(key string, d delivery) {
	if d.url == "" {
		q.logf("vendorsandbox: %s webhook %s for %s not sent: no webhook URL is configured", d.vendor, d.event, d.subject)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.logf("vendorsandbox: %s webhook %s for %s not sent: the sandbox is closed", d.vendor, d.event, d.subject)
		return
	}
	pending, running := q.queues[key]
	q.queues[key] = append(pending, d)
	if !running {
		q.workers.Add(1)
		go q.work(key)
	}
}

// work sends the deliveries of key until its queue is empty.
func (q *deliveryQueue) work(key string) {
	defer q.workers.Done()
	for {
		q.mu.Lock()
		pending := q.queues[key]
		if len(pending) == 0 {
			delete(q.queues, key)
			q.mu.Unlock()
			return
		}
		d := pending[0]
		q.queues[key] = pending[1:]
		q.mu.Unlock()
		q.send(d)
	}
}

// send makes the attempts of one delivery: a 2xx ends them, anything else is retried
// after the next delay until the delays run out or the queue closes.
func (q *deliveryQueue) send(d delivery) {
	attempts := len(q.delays) + 1
	for attempt := 1; ; attempt++ {
		status, err := q.attempt(d)
		switch {
		case err == nil && status/100 == 2:
			q.logf("vendorsandbox: %s webhook %s for %s delivered (attempt %d/%d, HTTP %d)", d.vendor, d.event, d.subject, attempt, attempts, status)
			return
		case err != nil:
			q.logf("vendorsandbox: %s webhook %s for %s failed (attempt %d/%d): %v", d.vendor, d.event, d.subject, attempt, attempts, err)
		default:
			q.logf("vendorsandbox: %s webhook %s for %s failed (attempt %d/%d): HTTP %d", d.vendor, d.event, d.subject, attempt, attempts, status)
		}
		if attempt == attempts {
			q.logf("vendorsandbox: %s webhook %s for %s given up after %d attempts", d.vendor, d.event, d.subject, attempts)
			return
		}
		t := time.NewTimer(q.delays[attempt-1])
		select {
		case <-t.C:
		case <-q.closing:
			t.Stop()
			q.logf("vendorsandbox: %s webhook %s for %s not retried: the sandbox is closing", d.vendor, d.event, d.subject)
			return
		}
	}
}

func (q *deliveryQueue) attempt(d delivery) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	for k, v := range d.header {
		req.Header[k] = v
	}
	resp, err := q.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Read a little of the answer so the connection can be reused; its content is not ours.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// close refuses new deliveries, cuts the retry waits short and waits for every worker.
func (q *deliveryQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.closing)
	}
	q.mu.Unlock()
	q.workers.Wait()
}
