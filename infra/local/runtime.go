package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

// Lambda's limits that the runner enforces.
const (
	initTimeout     = 10 * time.Second // a process must ask for its first event within this
	maxResponseSize = 6 << 20          // synchronous invocation response
	runtimeAPIPath  = "/2018-06-01/runtime"
	extensionPath   = "/2020-01-01/extension"
)

// FunctionError is how Lambda reports a failed invocation: the function's own error
// (from /error), a timeout, or a runtime that died.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Result is the outcome of one invocation.
type Result struct {
	Payload     []byte
	Err         *FunctionError
	Duration    time.Duration
	Cold        bool
	ColdStart   time.Duration // process start to first /next, when Cold
	TimedOut    bool
	Unavailable bool   // the function has no binary (build failed or skipped)
	RequestID   string // the invocation's request id, when it reached a process
}

// function runs one template function: a pool of warm processes, each serving one
// invocation at a time through its own Runtime API endpoint, as Lambda execution
// environments do.
type function struct {
	spec     stack.Function
	binary   string // "" when it could not be built
	why      string // why binary is empty
	env      []string
	con      *console
	slots    chan struct{} // bounds concurrent processes
	mu       sync.Mutex
	idle     []*sandbox
	seq      int
	sandboxs map[*sandbox]bool
}

func newFunction(spec stack.Function, binary, why string, env []string, maxProcs int, con *console) *function {
	return &function{
		spec: spec, binary: binary, why: why, env: env, con: con,
		slots: make(chan struct{}, maxProcs), sandboxs: map[*sandbox]bool{},
	}
}

// invoke runs payload through the function and waits for its result, enforcing the
// template's Timeout: a process that exceeds it is killed and replaced on next use.
func (f *function) invoke(ctx context.Context, payload []byte) Result {
	start := time.Now()
	if f.binary == "" {
		return Result{Unavailable: true, Err: &FunctionError{Type: "Runner.FunctionUnavailable", Message: f.why}}
	}
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{Err: &FunctionError{Type: "Runner.Canceled", Message: ctx.Err().Error()}}
	}
	defer func() { <-f.slots }()

	sb, cold, err := f.take()
	if err != nil {
		return Result{Err: &FunctionError{Type: "Runtime.StartError", Message: err.Error()}, Duration: time.Since(start)}
	}
	inv := &invocation{id: newRequestID(), payload: payload, timeout: f.spec.Timeout, done: make(chan Result, 1)}
	res := sb.run(ctx, inv)
	res.Duration = time.Since(start)
	res.RequestID = inv.id
	res.Cold = cold
	if cold {
		res.ColdStart = sb.coldStart()
	}
	if sb.alive() {
		f.give(sb)
	} else {
		f.drop(sb)
	}
	return res
}

func (f *function) take() (*sandbox, bool, error) {
	f.mu.Lock()
	for len(f.idle) > 0 {
		sb := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if sb.alive() {
			f.mu.Unlock()
			return sb, false, nil
		}
		delete(f.sandboxs, sb)
	}
	f.seq++
	n := f.seq
	f.mu.Unlock()
	sb, err := startSandbox(f, n)
	if err != nil {
		return nil, true, err
	}
	f.mu.Lock()
	f.sandboxs[sb] = true
	f.mu.Unlock()
	return sb, true, nil
}

func (f *function) give(sb *sandbox) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = append(f.idle, sb)
}

func (f *function) drop(sb *sandbox) {
	sb.kill()
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sandboxs, sb)
}

// stop kills every process of the function.
func (f *function) stop() {
	f.mu.Lock()
	all := make([]*sandbox, 0, len(f.sandboxs))
	for sb := range f.sandboxs {
		all = append(all, sb)
	}
	f.sandboxs, f.idle = map[*sandbox]bool{}, nil
	f.mu.Unlock()
	for _, sb := range all {
		sb.kill()
	}
}

// processes reports how many processes the function has (warm or busy).
func (f *function) processes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sandboxs)
}

type invocation struct {
	id      string
	payload []byte
	timeout time.Duration
	done    chan Result
}

// sandbox is one process of a function and the Runtime API endpoint it polls.
type sandbox struct {
	fn      *function
	name    string
	ln      net.Listener
	srv     *http.Server
	cmd     *exec.Cmd
	started time.Time
	next    chan *invocation
	exited  chan struct{}
	stopped chan struct{}

	mu       sync.Mutex
	current  *invocation
	firstAsk time.Duration
	initErr  *FunctionError
	markOnce sync.Once
	stopOnce sync.Once
}

func startSandbox(f *function, n int) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sb := &sandbox{
		fn: f, name: fmt.Sprintf("%s#%d", f.spec.LogicalID, n), ln: ln,
		next: make(chan *invocation), exited: make(chan struct{}), stopped: make(chan struct{}),
		started: time.Now(),
	}
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = sb.srv.Serve(ln) }()

	cmd := exec.Command(f.binary)
	cmd.Dir = dirOf(f.binary)
	cmd.Env = append(append([]string{}, f.env...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+newRequestID(),
	)
	out := f.con.prefixed(f.spec.LogicalID)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, killed with the runner if the runner dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = sb.srv.Close()
		return nil, fmt.Errorf("start %s: %w", f.binary, err)
	}
	sb.cmd = cmd
	go func() {
		err := cmd.Wait()
		close(sb.exited)
		select {
		case <-sb.stopped:
		default:
			f.con.printf("%-20s process %s exited: %v", f.spec.LogicalID, sb.name, err)
		}
		sb.stop()
	}()
	return sb, nil
}

// run hands inv to the process and waits for its answer, the process's death or the
// timeout. The timeout runs from the moment the process takes the event; the process
// gets initTimeout to start and ask for it.
func (sb *sandbox) run(ctx context.Context, inv *invocation) Result {
	initTimer := time.NewTimer(initTimeout)
	defer initTimer.Stop()
	select {
	case sb.next <- inv:
	case <-sb.exited:
		return Result{Err: sb.exitError("Runtime.ExitError")}
	case <-initTimer.C:
		sb.kill()
		return Result{TimedOut: true, Err: &FunctionError{Type: "Runtime.InitTimeout", Message: "the runtime did not ask for an event within " + initTimeout.String()}}
	case <-ctx.Done():
		return Result{Err: &FunctionError{Type: "Runner.Canceled", Message: ctx.Err().Error()}}
	}
	timer := time.NewTimer(inv.timeout)
	defer timer.Stop()
	select {
	case res := <-inv.done:
		return res
	case <-sb.exited:
		return Result{Err: sb.exitError("Runtime.ExitError")}
	case <-timer.C:
		sb.kill()
		return Result{TimedOut: true, Err: &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Task timed out after %.2f seconds", inv.timeout.Seconds())}}
	case <-ctx.Done():
		sb.kill()
		return Result{Err: &FunctionError{Type: "Runner.Canceled", Message: ctx.Err().Error()}}
	}
}

func (sb *sandbox) exitError(typ string) *FunctionError {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.initErr != nil {
		return sb.initErr
	}
	state := "killed"
	if sb.cmd != nil && sb.cmd.ProcessState != nil {
		state = sb.cmd.ProcessState.String()
	}
	return &FunctionError{Type: typ, Message: "Runtime exited: " + state}
}

func (sb *sandbox) alive() bool {
	select {
	case <-sb.exited:
		return false
	case <-sb.stopped:
		return false
	default:
		return true
	}
}

func (sb *sandbox) coldStart() time.Duration {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.firstAsk
}

// kill ends the process the way Lambda does on a timeout: SIGKILL, no grace. The
// Runtime API endpoint closes only once the process is gone: closed first, it would fail
// the process's pending /next, which the runtime reports ("connection refused") before
// the signal lands.
func (sb *sandbox) kill() {
	sb.markStopped()
	if sb.cmd != nil && sb.cmd.Process != nil {
		_ = syscall.Kill(-sb.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-sb.exited:
		case <-time.After(killWait):
		}
	}
	sb.stop()
}

// killWait bounds the wait for a killed process to be reaped.
const killWait = 2 * time.Second

// markStopped tells the process's watchers that its end is expected.
func (sb *sandbox) markStopped() {
	sb.markOnce.Do(func() { close(sb.stopped) })
}

func (sb *sandbox) stop() {
	sb.markStopped()
	sb.stopOnce.Do(func() { _ = sb.srv.Close() })
}

func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPath+"/invocation/next", sb.handleNext)
	mux.HandleFunc("POST "+runtimeAPIPath+"/invocation/{id}/response", sb.handleResponse)
	mux.HandleFunc("POST "+runtimeAPIPath+"/invocation/{id}/error", sb.handleError)
	mux.HandleFunc("POST "+runtimeAPIPath+"/init/error", sb.handleInitError)
	// aws-lambda-go registers an internal extension when asked to forward SIGTERM.
	mux.HandleFunc("POST "+extensionPath+"/register", sb.handleExtensionRegister)
	mux.HandleFunc("GET "+extensionPath+"/event/next", sb.handleExtensionNext)
	return mux
}

func (sb *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	sb.mu.Lock()
	if sb.firstAsk == 0 {
		sb.firstAsk = time.Since(sb.started)
		sb.fn.con.printf("%-20s cold start %s: %d ms (process start to first /next)", sb.fn.spec.LogicalID, sb.name, sb.firstAsk.Milliseconds())
	}
	sb.mu.Unlock()
	select {
	case inv := <-sb.next:
		sb.mu.Lock()
		sb.current = inv
		sb.mu.Unlock()
		deadline := time.Now().Add(inv.timeout)
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", sb.fn.spec.ARN)
		h.Set("Lambda-Runtime-Trace-Id", traceID(inv.id))
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-sb.stopped:
		http.Error(w, "shutting down", http.StatusGone)
	case <-r.Context().Done():
	}
}

// claim returns the invocation id names if it is the one in flight, and clears it, so
// that a response is delivered once.
func (sb *sandbox) claim(id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

func (sb *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := sb.claim(r.PathValue("id"))
	if inv == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorType": "InvalidRequestID", "errorMessage": "unknown or finished invocation"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseSize+1))
	switch {
	case err != nil:
		inv.done <- Result{Err: &FunctionError{Type: "Runtime.ResponseError", Message: err.Error()}}
	case len(body) > maxResponseSize:
		inv.done <- Result{Err: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "response payload exceeds 6 MB"}}
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		// A streamed response that failed midway reports its error in trailers.
		inv.done <- Result{Err: trailerError(r.Trailer)}
	default:
		inv.done <- Result{Payload: body}
	}
	w.WriteHeader(http.StatusAccepted)
}

func trailerError(t http.Header) *FunctionError {
	fe := &FunctionError{Type: t.Get("Lambda-Runtime-Function-Error-Type")}
	if raw, err := base64.StdEncoding.DecodeString(t.Get("Lambda-Runtime-Function-Error-Body")); err == nil {
		_ = json.Unmarshal(raw, fe)
	}
	return fe
}

func (sb *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	inv := sb.claim(r.PathValue("id"))
	if inv == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorType": "InvalidRequestID", "errorMessage": "unknown or finished invocation"})
		return
	}
	inv.done <- Result{Err: readFunctionError(r)}
	w.WriteHeader(http.StatusAccepted)
}

func (sb *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	fe := readFunctionError(r)
	sb.mu.Lock()
	sb.initErr = &FunctionError{Type: "Runtime.InitError", Message: fe.Error()}
	sb.mu.Unlock()
	sb.fn.con.printf("%-20s init error in %s: %s", sb.fn.spec.LogicalID, sb.name, fe.Error())
	w.WriteHeader(http.StatusAccepted)
}

func readFunctionError(r *http.Request) *FunctionError {
	fe := &FunctionError{}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(raw, fe); err != nil || (fe.Type == "" && fe.Message == "") {
		fe.Message = string(raw)
	}
	if fe.Type == "" {
		fe.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

func (sb *sandbox) handleExtensionRegister(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Lambda-Extension-Identifier", newRequestID())
	writeJSON(w, http.StatusOK, map[string]string{
		"functionName": sb.fn.spec.Name, "functionVersion": "$LATEST", "handler": sb.fn.spec.Handler,
	})
}

// handleExtensionNext never delivers an event: the internal extension registers for none.
func (sb *sandbox) handleExtensionNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-sb.stopped:
	case <-r.Context().Done():
	}
	w.WriteHeader(http.StatusGone)
}
