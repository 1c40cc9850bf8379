package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

// buildParallelism bounds the one-by-one builds of the fallback: two `go build`s at once
// keep two cores busy without thrashing.
const buildParallelism = 2

// progressEvery is how often a build in progress says so: a first build on an empty cache
// takes minutes, and silence looks like a hang.
const progressEvery = 10 * time.Second

type buildResult struct {
	LogicalID string
	Binary    string // empty when Err is set
	Size      int64
	Took      time.Duration
	Err       error
}

func (b buildResult) why() string {
	if b.Err == nil {
		return ""
	}
	return "not built: " + firstLine(b.Err.Error())
}

// buildTarget is one main package and the functions built from it (functions may share a
// CodeUri; the package is built once).
type buildTarget struct {
	pkg string
	ids []string
}

// buildAll builds every function of the template as sam build would (see stack.Build),
// for the host's architecture since the host runs them, or reuses the existing binaries
// with -no-build. Every package is built by one `go build`, which compiles what the
// functions share once. When that fails, each package is built on its own to find which
// one does not compile: it is reported and left unavailable, and the rest of the stack
// still starts.
func (rn *Runner) buildAll(ctx context.Context, tpl *stack.Template) []buildResult {
	ids := tpl.ByType("AWS::Serverless::Function")
	if rn.opts.NoBuild {
		results := make([]buildResult, len(ids))
		for i, id := range ids {
			results[i] = rn.existingBuild(id)
		}
		return sortResults(results)
	}
	targets, results := rn.buildTargets(tpl, ids)
	start := time.Now()
	prog := newBuildProgress(len(ids))
	stop := rn.reportProgress(prog, start)
	defer stop()

	rn.con.printf("building %d functions (%d packages, GOARCH=%s) in one go build; a first build on an empty Go cache takes minutes", len(ids), len(targets), hostArch())
	multi, single := splitByBase(targets)
	// The combined build's output folder is kept between runs: go build does not link a
	// binary again when the one in place is up to date, which makes a warm start seconds
	// shorter. The bootstraps are copies, so a running process never sees its file change.
	out := filepath.Join(rn.opts.BuildDir, ".go-build")
	bins, err := stack.BuildMany(ctx, stack.ManySpec{
		Dir: filepath.Dir(rn.opts.Template), Packages: packages(multi), OutDir: out, GOARCH: hostArch(), Progress: prog.event,
	})
	switch {
	case ctx.Err() != nil:
		return sortResults(append(results, failAll(targets, ctx.Err())...))
	case err != nil:
		rn.con.printf("the combined build failed; building each function on its own to find which: %s", firstLine(err.Error()))
		prog.phase("building one by one")
		single = targets
	default:
		for _, t := range multi {
			results = append(results, rn.place(t, bins[t.pkg], time.Since(start))...)
		}
	}
	results = append(results, rn.buildEach(ctx, single, prog)...)
	if ctx.Err() == nil {
		rn.con.printf("built %d functions in %d ms (GOARCH=%s, %d packages compiled)", len(ids), time.Since(start).Milliseconds(), hostArch(), prog.compiledCount())
	}
	return sortResults(results)
}

// buildTargets groups the functions by package; a function without CodeUri fails here.
func (rn *Runner) buildTargets(tpl *stack.Template, ids []string) ([]buildTarget, []buildResult) {
	var failed []buildResult
	byPkg := map[string]*buildTarget{}
	var order []string
	for _, id := range ids {
		props, err := tpl.FunctionProperties(id)
		if err != nil {
			failed = append(failed, buildResult{LogicalID: id, Err: err})
			continue
		}
		pkg := stack.PackagePath(fmt.Sprint(props["CodeUri"]))
		if byPkg[pkg] == nil {
			byPkg[pkg] = &buildTarget{pkg: pkg}
			order = append(order, pkg)
		}
		byPkg[pkg].ids = append(byPkg[pkg].ids, id)
	}
	targets := make([]buildTarget, 0, len(order))
	for _, p := range order {
		targets = append(targets, *byPkg[p])
	}
	return targets, failed
}

// splitByBase keeps packages whose last path elements collide out of the combined build
// (`go build -o dir/` names each binary after it); they are built one by one.
func splitByBase(targets []buildTarget) (multi, single []buildTarget) {
	seen := map[string]bool{}
	for _, t := range targets {
		b := path.Base(t.pkg)
		if seen[b] {
			single = append(single, t)
			continue
		}
		seen[b] = true
		multi = append(multi, t)
	}
	return multi, single
}

func packages(targets []buildTarget) []string {
	out := make([]string, len(targets))
	for i, t := range targets {
		out[i] = t.pkg
	}
	return out
}

// buildEach builds targets one package per `go build`, buildParallelism at a time.
func (rn *Runner) buildEach(ctx context.Context, targets []buildTarget, prog *buildProgress) []buildResult {
	var mu sync.Mutex
	var results []buildResult
	sem := make(chan struct{}, buildParallelism)
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			out := filepath.Join(rn.opts.BuildDir, ".go-build-"+t.ids[0], "bootstrap")
			defer os.RemoveAll(filepath.Dir(out))
			prog.phase("building " + t.pkg)
			err := stack.Build(ctx, stack.BuildSpec{Dir: filepath.Dir(rn.opts.Template), CodeURI: t.pkg, Out: out, GOARCH: hostArch()})
			var res []buildResult
			if err != nil {
				res = failAll([]buildTarget{t}, err)
				if ctx.Err() == nil {
					rn.con.printf("build %-22s FAILED after %d ms: %s", strings.Join(t.ids, ","), time.Since(start).Milliseconds(), err)
				}
			} else {
				res = rn.place(t, out, time.Since(start))
			}
			mu.Lock()
			results = append(results, res...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// place moves a built binary to <BuildDir>/<LogicalId>/bootstrap for each function built
// from it, as sam build lays them out.
func (rn *Runner) place(t buildTarget, bin string, took time.Duration) []buildResult {
	var out []buildResult
	for _, id := range t.ids {
		dst, err := filepath.Abs(filepath.Join(rn.opts.BuildDir, id, "bootstrap"))
		if err == nil {
			err = copyExecutable(bin, dst)
		}
		res := buildResult{LogicalID: id, Binary: dst, Took: took, Err: err}
		if err != nil {
			res.Binary = ""
			rn.con.printf("build %-22s FAILED: %v", id, err)
		} else if info, err := os.Stat(dst); err == nil {
			res.Size = info.Size()
			rn.con.printf("build %-22s %5.1f MB  %s", id, float64(res.Size)/(1<<20), filepath.Join(rn.opts.BuildDir, id, "bootstrap"))
		}
		out = append(out, res)
	}
	return out
}

// copyExecutable writes src to dst through a temporary file and a rename, so that a
// process still running the old binary is not disturbed.
func copyExecutable(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func failAll(targets []buildTarget, err error) []buildResult {
	var out []buildResult
	for _, t := range targets {
		for _, id := range t.ids {
			out = append(out, buildResult{LogicalID: id, Err: err})
		}
	}
	return out
}

func (rn *Runner) existingBuild(id string) buildResult {
	out := filepath.Join(rn.opts.BuildDir, id, "bootstrap")
	abs, err := filepath.Abs(out)
	if err != nil {
		return buildResult{LogicalID: id, Err: err}
	}
	info, err := os.Stat(abs)
	if err != nil {
		res := buildResult{LogicalID: id, Err: fmt.Errorf("-no-build: no bootstrap at %s (run once without -no-build)", out)}
		rn.con.printf("build %-22s %s", id, res.Err)
		return res
	}
	return buildResult{LogicalID: id, Binary: abs, Size: info.Size()}
}

func sortResults(r []buildResult) []buildResult {
	sort.Slice(r, func(i, j int) bool { return r[i].LogicalID < r[j].LogicalID })
	return r
}

// buildProgress is what the build is doing, for the periodic progress line.
type buildProgress struct {
	mu        sync.Mutex
	functions int
	compiled  int
	last      string // the latest event: "compiled <pkg>", "downloading <module>", a phase
}

func newBuildProgress(functions int) *buildProgress {
	return &buildProgress{functions: functions, last: "starting"}
}

func (p *buildProgress) event(e string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.HasPrefix(e, "compiled ") {
		p.compiled++
	}
	p.last = e
}

func (p *buildProgress) phase(s string) { p.event(s) }

func (p *buildProgress) compiledCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.compiled
}

func (p *buildProgress) line(elapsed time.Duration) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("still building %d functions: %d s, %d packages compiled, last: %s", p.functions, int(elapsed.Seconds()), p.compiled, p.last)
}

// reportProgress prints the build's progress every progressEvery until stop is called.
func (rn *Runner) reportProgress(p *buildProgress, start time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				rn.con.printf("%s", p.line(time.Since(start)))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
