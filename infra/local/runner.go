package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
)

// Options configure a runner.
type Options struct {
	Template  string            // path to template.yaml
	Addr      string            // HTTP API and control endpoints, e.g. 127.0.0.1:3000
	Stage     string            // the template's Stage parameter
	NoBuild   bool              // reuse the bootstraps under BuildDir
	BuildDir  string            // default <template dir>/.local/build
	StateDir  string            // credentials.json goes here; default <template dir>/.local
	MaxProcs  int               // processes per function, default 4
	Seed      bool              // create the demo tenant and staff users
	Schedules bool              // fire schedules on their timers (they can always be fired on demand)
	Params    map[string]string // template parameter overrides (Stage comes from Stage)
	// FireAtStart names schedules to fire once, in order, before Start returns (make run
	// fires the list refresh, so that screening answers from the first request).
	FireAtStart []string
	Out         io.Writer
}

// Runner is the local stack: emulator, provisioned resources, function processes, the
// HTTP API, queue pollers and schedules.
type Runner struct {
	opts        Options
	con         *console
	root        string
	srv         *emulator.Server
	cfg         aws.Config
	dep         *stack.Deployment
	fns         map[string]*function
	router      *router
	authorizers map[string]*jwtAuthorizer // by "<api logical id>/<authorizer>"
	schedules   []stack.Schedule          // template schedules, and those functions create (schedMu)
	schedMu     sync.Mutex
	records     *recordLog
	builds      []buildResult
	credentials *credentialsFile
	vendors     *vendors // the identity vendors' sandbox, on the runner's server
	warnings    []string // repeated in the banner

	ln      net.Listener
	http    *http.Server
	handler atomic.Pointer[http.ServeMux] // nil while starting: the server answers 503
	runCtx  context.Context               // lives until Close: invocations are not tied to a client's request
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started time.Time
	ready   time.Duration
}

// Start brings the whole stack up and returns once the HTTP API listens, the demo data is
// written and the FireAtStart schedules have run: what a caller does next works.
func Start(ctx context.Context, opts Options) (*Runner, error) {
	rn := &Runner{opts: withDefaults(opts), started: time.Now(), records: newRecordLog(1000)}
	rn.con = newConsole(rn.opts.Out)
	if err := rn.start(ctx); err != nil {
		rn.Close()
		return nil, err
	}
	rn.ready = time.Since(rn.started)
	return rn, nil
}

func withDefaults(o Options) Options {
	if o.Template == "" {
		o.Template = "template.yaml"
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:3000"
	}
	if o.Stage == "" {
		o.Stage = "local"
	}
	root := filepath.Dir(o.Template)
	if o.BuildDir == "" {
		o.BuildDir = filepath.Join(root, ".local", "build")
	}
	if o.StateDir == "" {
		o.StateDir = filepath.Join(root, ".local")
	}
	if o.MaxProcs <= 0 {
		o.MaxProcs = 4
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	return o
}

func (rn *Runner) start(ctx context.Context) error {
	tpl, err := stack.Load(rn.opts.Template)
	if err != nil {
		return err
	}
	rn.root, err = filepath.Abs(filepath.Dir(rn.opts.Template))
	if err != nil {
		return err
	}
	rn.runCtx, rn.cancel = context.WithCancel(context.Background())
	rn.warnMissingFixtures(tpl)
	// credentials.json present means "written by this run": a stale one from an earlier
	// run names keys of an emulator that is gone.
	_ = os.Remove(filepath.Join(rn.opts.StateDir, "credentials.json"))
	// The address is taken first: the parameters name it (fixture and vendor URLs, which
	// must be right with port 0 too), and a port in use fails the start before the build.
	if err := rn.listen(); err != nil {
		return err
	}
	rn.vendors = newVendors(rn.URL(), func(f string, a ...any) {
		if rn.runCtx.Err() == nil { // a webhook cut short by Ctrl-C is not news
			rn.con.printf(f, a...)
		}
	})

	// Builds need nothing from the emulator: run them while it starts and provisions.
	buildDone := make(chan []buildResult, 1)
	go func() { buildDone <- rn.buildAll(ctx, tpl) }()

	rn.srv, err = emulator.Start(ctx, nil)
	if err != nil {
		<-buildDone
		if errors.Is(err, emulator.ErrNotInstalled) {
			return fmt.Errorf("%w\n  install the emulator: pip install \"moto[server]\"", err)
		}
		return err
	}
	if rn.cfg, err = rn.srv.Config(ctx); err != nil {
		<-buildDone
		return err
	}
	provStart := time.Now()
	rn.dep, err = stack.Provision(ctx, rn.cfg, tpl, stack.Options{
		Params: rn.params(tpl), Region: emulator.Region,
		Logf: func(f string, a ...any) { rn.con.printf(f, a...) },
	})
	if err != nil {
		<-buildDone
		return err
	}
	rn.con.printf("provisioned %d resources in %d ms", len(rn.dep.Resources), time.Since(provStart).Milliseconds())
	// Before any function starts: functions read the vendor secrets at cold start.
	if err := rn.writeVendorSecrets(ctx); err != nil {
		<-buildDone
		return err
	}
	rn.builds = <-buildDone
	if err := ctx.Err(); err != nil {
		return err
	}
	rn.initFunctions()
	if err := rn.initAPI(); err != nil {
		return err
	}
	rn.serve()
	rn.startPollers(rn.runCtx)
	rn.startSchedules(rn.runCtx)
	rn.startStreams(rn.runCtx)
	rn.writeCredentials(ctx)
	rn.FireAtStart(ctx, rn.opts.FireAtStart)
	return ctx.Err()
}

func (rn *Runner) initFunctions() {
	rn.fns = map[string]*function{}
	built := map[string]buildResult{}
	for _, b := range rn.builds {
		built[b.LogicalID] = b
	}
	base := append(rn.srv.Env(), "TZ=:UTC", "LANG=en_US.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin")
	for id, spec := range rn.dep.Functions {
		b := built[id]
		env := append([]string{}, base...)
		env = append(env, lambdaEnv(spec, b.Binary)...)
		keys := make([]string, 0, len(spec.Env))
		for k := range spec.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, k+"="+spec.Env[k])
		}
		rn.fns[id] = newFunction(spec, b.Binary, b.why(), env, rn.opts.MaxProcs, rn.con)
	}
}

// lambdaEnv is what Lambda (and `sam local`) sets in every execution environment.
func lambdaEnv(fn stack.Function, binary string) []string {
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", fn.MemoryMB),
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", int(fn.Timeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fn.Name,
		"AWS_EXECUTION_ENV=AWS_Lambda_" + strings.ReplaceAll(fn.Runtime, ".", "_"),
		"LAMBDA_TASK_ROOT=" + filepath.Dir(binary),
		"LAMBDA_RUNTIME_DIR=" + filepath.Dir(binary),
		"_HANDLER=" + fn.Handler,
	}
	if fn.LogFormat != "" {
		env = append(env, "AWS_LAMBDA_LOG_FORMAT="+fn.LogFormat)
	}
	return env
}

func (rn *Runner) initAPI() error {
	rn.router = newRouter(rn.dep.Routes)
	rn.authorizers = map[string]*jwtAuthorizer{}
	client := &http.Client{Timeout: 5 * time.Second}
	for apiID, api := range rn.dep.APIs {
		for name, cfg := range api.Authorizers {
			rn.authorizers[apiID+"/"+name] = newJWTAuthorizer(cfg, jwksURLFor(cfg.Issuer, rn.srv.Endpoint), client)
		}
	}
	return nil
}

// listen takes the address and serves it at once, answering 503 until serve installs the
// routes: a request made while the stack starts is told so rather than left waiting.
func (rn *Runner) listen() error {
	ln, err := net.Listen("tcp", rn.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", rn.opts.Addr, err)
	}
	rn.ln = ln
	rn.http = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mux := rn.handler.Load(); mux != nil {
			mux.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "the local stack is starting"})
	})}
	go func() { _ = rn.http.Serve(ln) }()
	return nil
}

// serve installs the routes: the control endpoints, the vendor sandbox and the HTTP API.
func (rn *Runner) serve() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_local/schedules", rn.handleListSchedules)
	mux.HandleFunc("POST /_local/schedules/{name}", controlOnly(rn.handleFireSchedule))
	mux.HandleFunc("GET /_local/invocations", rn.handleInvocations)
	mux.Handle("GET "+fixturesPath, fixtureHandler(fixturesDir(rn.root)))
	newWebhookSinks(time.Now).register(mux) // in memory: a restart forgets the sinks
	rn.vendors.register(mux)                // /_vendors/sumsub/, /_vendors/metamap/
	mux.HandleFunc("/", rn.serveAPI)
	rn.handler.Store(mux)
}

// URL is the base URL of the HTTP API.
func (rn *Runner) URL() string { return "http://" + rn.ln.Addr().String() }

// Close stops pollers, schedules, the HTTP server, the vendor sandbox, every function
// process and the emulator if this runner started it.
func (rn *Runner) Close() {
	if rn.cancel != nil {
		rn.cancel()
	}
	if rn.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = rn.http.Shutdown(ctx)
		cancel()
	}
	if rn.vendors != nil {
		rn.vendors.close() // after the server: a webhook under way fails at once, unretried
	}
	rn.wg.Wait()
	for _, f := range rn.fns {
		f.stop()
	}
	rn.srv.Stop()
}

// invoke runs one invocation and records it: one log line per invocation.
func (rn *Runner) invoke(ctx context.Context, fnID, trigger string, payload []byte) Result {
	f, ok := rn.fns[fnID]
	if !ok {
		return Result{Err: &FunctionError{Type: "Runner.NoSuchFunction", Message: fnID}}
	}
	start := time.Now()
	res := f.invoke(ctx, payload)
	outcome := "ok"
	switch {
	case res.TimedOut:
		outcome = "timeout"
	case res.Err != nil:
		outcome = "error " + res.Err.Type
	}
	cold := ""
	if res.Cold {
		cold = fmt.Sprintf(" (cold start %d ms)", res.ColdStart.Milliseconds())
	}
	detail := ""
	if res.Err != nil {
		detail = ": " + truncateLine(res.Err.Message, 200)
	}
	if canceled(ctx, res) {
		return res // the runner is stopping: an interrupted invocation is not news
	}
	rn.con.printf("%-20s %-46s %6.1f ms  %s%s%s", fnID, trigger, ms(res.Duration), outcome, cold, detail)
	rn.records.add(Record{
		Function: fnID, Trigger: trigger, Start: start, DurationMs: ms(res.Duration), Outcome: outcome,
		Cold: res.Cold, ColdStartMs: ms(res.ColdStart), Error: res.Err, Request: rawJSON(payload), Response: rawJSON(res.Payload),
	})
	return res
}

// canceled reports an invocation interrupted because ctx ended (Ctrl-C, Close).
func canceled(ctx context.Context, res Result) bool {
	return ctx.Err() != nil && res.Err != nil && res.Err.Type == "Runner.Canceled"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func truncateLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Record is one invocation, as GET /_local/invocations lists it.
type Record struct {
	Function    string          `json:"function"`
	Trigger     string          `json:"trigger"`
	Start       time.Time       `json:"start"`
	DurationMs  float64         `json:"durationMs"`
	Outcome     string          `json:"outcome"`
	Cold        bool            `json:"cold"`
	ColdStartMs float64         `json:"coldStartMs,omitempty"`
	Error       *FunctionError  `json:"error,omitempty"`
	Request     json.RawMessage `json:"request,omitempty"`
	Response    json.RawMessage `json:"response,omitempty"`
}

func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if len(b) > 64<<10 || !json.Valid(b) {
		quoted, _ := json.Marshal(truncateLine(string(b), 64<<10))
		return quoted
	}
	return json.RawMessage(b)
}

// recordLog keeps the latest invocations.
type recordLog struct {
	mu    sync.Mutex
	max   int
	items []Record
}

func newRecordLog(max int) *recordLog { return &recordLog{max: max} }

func (l *recordLog) add(r Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, r)
	if len(l.items) > l.max {
		l.items = l.items[len(l.items)-l.max:]
	}
}

func (l *recordLog) list() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record{}, l.items...)
}

// Invocations lists recorded invocations, oldest first.
func (rn *Runner) Invocations() []Record { return rn.records.list() }

func (rn *Runner) handleInvocations(w http.ResponseWriter, r *http.Request) {
	recs := rn.records.list()
	if fn := r.URL.Query().Get("function"); fn != "" {
		recs = filterRecords(recs, func(rec Record) bool { return rec.Function == fn })
	}
	for i := range recs {
		recs[i] = redactRecord(recs[i])
	}
	writeJSON(w, http.StatusOK, recs)
}

func filterRecords(recs []Record, keep func(Record) bool) []Record {
	var out []Record
	for _, r := range recs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// banner prints where everything is.
func (rn *Runner) banner() {
	p := rn.con.printf
	owner := "started by the runner"
	if !rn.srv.Owned() {
		owner = "AWS_ENDPOINT_URL, left running on exit"
	}
	p("----------------------------------------------------------------------------")
	p("ChainGuard local stack (stage %s) ready in %d ms", rn.opts.Stage, rn.ready.Milliseconds())
	p("HTTP API        %s", rn.URL())
	p("emulator        %s (%s)", rn.srv.Endpoint, owner)
	for _, id := range sortedIDs(rn.dep.Resources, "AWS::DynamoDB::Table") {
		p("table           %s", rn.dep.Resources[id].Ref)
	}
	for _, id := range sortedIDs(rn.dep.Resources, "AWS::Events::EventBus") {
		p("event bus       %s", rn.dep.Resources[id].Ref)
	}
	for _, id := range sortedIDs(rn.dep.Resources, "AWS::KMS::Key") {
		p("KMS key         %s", rn.dep.Resources[id].Attrs["Arn"])
	}
	for _, id := range sortedIDs(rn.dep.Resources, "AWS::SQS::Queue") {
		p("queue           %s", rn.dep.Resources[id].Ref)
	}
	for _, q := range rn.dep.Queues {
		p("%-15s %s -> %s", q.Kind+" source", q.QueueURL, q.FunctionID)
	}
	for _, id := range sortedIDs(rn.dep.Resources, "AWS::Cognito::UserPool") {
		p("user pool       %s", rn.dep.Resources[id].Ref)
	}
	for _, line := range rn.router.routeTable() {
		p("route           %s", line)
	}
	rn.schedMu.Lock()
	schedules := slices.Clone(rn.schedules)
	rn.schedMu.Unlock()
	for _, s := range schedules {
		p("schedule        %-36s %-18s -> %s   (POST %s/_local/schedules/%s with %s: 1)", s.Name, s.Expression, s.FunctionID, rn.URL(), s.Name, controlHeader)
	}
	rn.vendorLines(p)
	if rn.credentials != nil {
		p("credentials     %s", rn.credentials.path)
	}
	for _, s := range rn.dep.Skipped {
		p("skipped         %s", s)
	}
	for _, b := range rn.builds {
		if b.Err != nil {
			p("NOT BUILT       %s: %s", b.LogicalID, firstLine(b.Err.Error()))
		}
	}
	for _, w := range rn.warnings {
		p("WARNING         %s", w)
	}
	p("invocations     %s/_local/invocations     Ctrl-C stops everything", rn.URL())
	p("----------------------------------------------------------------------------")
}

func sortedIDs(res map[string]stack.Physical, typ string) []string {
	var ids []string
	for id, ph := range res {
		if ph.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func hostArch() string { return runtime.GOARCH }

// params are the template parameters of this run: list sources pointing at the fixtures
// the runner serves, then the caller's overrides, then the stage.
func (rn *Runner) params(tpl *stack.Template) map[string]string {
	declared := func(name string) bool { _, ok := tpl.Parameters[name]; return ok }
	out := fixtureParams(fixturesDir(rn.root), rn.URL(), declared)
	// The identity vendors are the runner's sandbox (vendors.go).
	maps.Copy(out, rn.vendors.params(declared))
	// Locally, webhooks may go to the runner's own receiver (/_local/webhook-sink) and to
	// any other local server: the template takes it only for the local stage.
	if declared("WebhookAllowLocalUrls") && rn.opts.Stage == "local" {
		out["WebhookAllowLocalUrls"] = "true"
	}
	for k, v := range rn.opts.Params {
		out[k] = v
	}
	out["Stage"] = rn.opts.Stage
	return out
}
