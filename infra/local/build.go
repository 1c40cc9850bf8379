package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

// buildParallelism: two `go build`s at once keep two cores busy without thrashing.
const buildParallelism = 2

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

// buildAll builds every function of the template as sam build would (see stack.Build),
// for the host's architecture since the host runs them, or reuses the existing binaries
// with -no-build. A function that fails to build is reported and left unavailable; the
// rest of the stack still starts.
func (rn *Runner) buildAll(ctx context.Context, tpl *stack.Template) []buildResult {
	ids := tpl.ByType("AWS::Serverless::Function")
	results := make([]buildResult, len(ids))
	start := time.Now()
	sem := make(chan struct{}, buildParallelism)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = rn.buildOne(ctx, tpl, id)
		}()
	}
	wg.Wait()
	if !rn.opts.NoBuild {
		rn.con.printf("built %d functions in %d ms (GOARCH=%s, %d at a time)", len(ids), time.Since(start).Milliseconds(), hostArch(), buildParallelism)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].LogicalID < results[j].LogicalID })
	return results
}

func (rn *Runner) buildOne(ctx context.Context, tpl *stack.Template, id string) buildResult {
	out := filepath.Join(rn.opts.BuildDir, id, "bootstrap")
	abs, err := filepath.Abs(out)
	if err != nil {
		return buildResult{LogicalID: id, Err: err}
	}
	res := buildResult{LogicalID: id, Binary: abs}
	if rn.opts.NoBuild {
		info, err := os.Stat(abs)
		if err != nil {
			res.Binary, res.Err = "", fmt.Errorf("-no-build: no bootstrap at %s (run once without -no-build)", out)
			rn.con.printf("build %-22s %s", id, res.Err)
			return res
		}
		res.Size = info.Size()
		return res
	}
	props, err := tpl.FunctionProperties(id)
	if err != nil {
		return buildResult{LogicalID: id, Err: err}
	}
	codeURI := fmt.Sprint(props["CodeUri"])
	start := time.Now()
	err = stack.Build(ctx, stack.BuildSpec{Dir: filepath.Dir(rn.opts.Template), CodeURI: codeURI, Out: abs, GOARCH: hostArch()})
	res.Took = time.Since(start)
	if err != nil {
		res.Binary, res.Err = "", err
		rn.con.printf("build %-22s FAILED after %d ms: %s", id, res.Took.Milliseconds(), err)
		return res
	}
	if info, err := os.Stat(abs); err == nil {
		res.Size = info.Size()
	}
	rn.con.printf("build %-22s %5d ms  %5.1f MB  %s", id, res.Took.Milliseconds(), float64(res.Size)/(1<<20), out)
	return res
}
