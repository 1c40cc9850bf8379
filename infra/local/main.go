// Command local runs the ChainGuard stack on one machine, driven only by template.yaml:
// our `sam local start-api` and LocalStack in one program.
//
//	go run ./infra/local                  # build, start the emulator, provision, serve
//	go run ./infra/local -no-build        # reuse .local/build/*/bootstrap
//	go run ./infra/local fire <schedule>  # fire a schedule of the running runner now
//
// It builds every AWS::Serverless::Function as a Lambda bootstrap (stack.BuildMany), starts
// moto_server (or uses AWS_ENDPOINT_URL), creates every resource the template declares
// (stack.Provision), runs each function's real bootstrap behind its own Lambda Runtime API,
// serves the HttpApi routes as payload format 2.0 events with the JWT authorizer, feeds
// SQS event sources, DynamoDB streams and EventBridge rules to their functions, fires
// schedules, and seeds a demo tenant and staff users into .local/credentials.json. See
// README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "address of the HTTP API and the /_local control endpoints")
	template := fs.String("template", "", "SAM template (default: template.yaml at the module root)")
	noBuild := fs.Bool("no-build", false, "reuse the bootstraps already under .local/build")
	stage := fs.String("stage", "local", "value of the template's Stage parameter")
	maxProcs := fs.Int("concurrency", 4, "processes per function at most")
	noSeed := fs.Bool("no-seed", false, "do not create the demo tenant and staff users")
	noTimers := fs.Bool("no-timers", false, "fire schedules only on demand, never on their timers")
	stateDir := fs.String("state-dir", "", "where builds and credentials.json go (default: .local beside the template)")
	var fireAtStart listFlag
	fs.Var(&fireAtStart, "fire", "schedule to fire once when the stack is up (repeatable)")
	params := paramFlags{}
	fs.Var(params, "param", "template parameter override Name=Value (repeatable); list sources default to the fixtures served by the runner")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.Arg(0) == "fire" {
		if fs.NArg() != 2 {
			return errors.New("usage: local [-addr host:port] fire <scheduleName>")
		}
		return fire(*addr, fs.Arg(1), out)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unknown command %q (want: fire <scheduleName>)", fs.Arg(0))
	}
	if *template == "" {
		root, err := stack.FindRoot()
		if err != nil {
			return err
		}
		*template = filepath.Join(root, "template.yaml")
	}

	defer takeTerminal()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := Options{
		Template: *template, Addr: *addr, Stage: *stage, NoBuild: *noBuild, MaxProcs: *maxProcs,
		Seed: !*noSeed, Schedules: !*noTimers, Out: out, Params: params, FireAtStart: fireAtStart,
	}
	if *stateDir != "" {
		opts.StateDir, opts.BuildDir = *stateDir, filepath.Join(*stateDir, "build")
	}
	rn, err := Start(ctx, opts)
	if ctx.Err() != nil {
		// Ctrl-C while starting is a request, not a failure; Start has cleaned up.
		fmt.Fprintln(out, "local: stopped while starting")
		return nil
	}
	if err != nil {
		return err
	}
	// Printed only now, after the -fire schedules ran: "ready" means the README's first
	// requests (screening included) work.
	rn.banner()
	<-ctx.Done()
	rn.con.printf("stopping: function processes, pollers%s", map[bool]string{true: ", emulator", false: ""}[rn.srv.Owned()])
	rn.Close()
	rn.con.printf("stopped")
	return nil
}

// fire asks a running runner to fire a schedule now and prints its answer.
// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

var errBadParam = errors.New("-param wants Name=Value")

func fire(addr, name string, out io.Writer) error {
	client := &http.Client{Timeout: 15 * time.Minute}
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/_local/schedules/"+url.PathEscape(name), nil)
	if err != nil {
		return err
	}
	req.Header.Set(controlHeader, "1")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("is the runner running on %s? %w", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Fprintln(out, string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fire %s: %s", name, resp.Status)
	}
	var res FireResult
	if err := json.Unmarshal(body, &res); err != nil || res.Outcome != "ok" {
		return fmt.Errorf("fire %s: the function failed", name)
	}
	return nil
}
