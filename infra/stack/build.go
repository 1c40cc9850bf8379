package stack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// BuildFlags are the `go build` flags of every function bootstrap: a static binary
// (CGO_ENABLED=0) without the RPC runtime, local paths or symbols. They are the Makefile's
// LAMBDA_ENV GOFLAGS, which `make build` and `sam build` use with GOARCH=arm64; the local
// runner uses them with the host's GOARCH, since the host runs the binaries.
func BuildFlags() []string { return []string{"-tags=lambda.norpc", "-trimpath", "-ldflags=-s"} }

// BuildSpec says what to build and where.
type BuildSpec struct {
	Dir     string // folder of the template; CodeUri is relative to it
	CodeURI string // e.g. functions/me/
	Out     string // output file, conventionally .../bootstrap
	GOARCH  string // arm64 for AWS, runtime.GOARCH to run locally
}

// PackagePath is the package `go build` takes for a CodeUri: ./functions/me.
func PackagePath(codeURI string) string {
	return "./" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(codeURI)), "./")
}

// BuildCommand is the `go build` command for spec, with CGO_ENABLED=0 GOOS=linux and
// spec.GOARCH set in its environment.
func BuildCommand(ctx context.Context, spec BuildSpec) *exec.Cmd {
	args := append([]string{"build"}, BuildFlags()...)
	args = append(args, "-o", spec.Out, PackagePath(spec.CodeURI))
	return goCommand(ctx, spec.Dir, spec.GOARCH, args)
}

func goCommand(ctx context.Context, dir, goarch string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	return cmd
}

// Build builds one bootstrap; the error carries the compiler's output.
func Build(ctx context.Context, spec BuildSpec) error {
	if err := os.MkdirAll(filepath.Dir(spec.Out), 0o755); err != nil {
		return err
	}
	out, err := BuildCommand(ctx, spec).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stack: build %s: %w\n%s", spec.CodeURI, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ManySpec says which main packages to build together, and where.
type ManySpec struct {
	Dir      string   // module folder the package paths are relative to
	Packages []string // ./functions/me, ... (see PackagePath); their last elements must differ
	OutDir   string   // each binary lands at OutDir/<last element of its package path>
	GOARCH   string
	// Progress receives what `go build -v` reports while it works: "downloading <module>"
	// and "compiled <package>"; nil discards. It is called from one goroutine.
	Progress func(event string)
}

// BuildMany builds several mains in one `go build -o <dir>/ pkg...`: the packages they
// share (the AWS SDK, shared/...) are compiled once and two cores stay busy with one
// scheduler instead of two go commands competing. The error carries the compiler's
// output; it does not say which package failed (build them one by one for that).
func BuildMany(ctx context.Context, spec ManySpec) (map[string]string, error) {
	if len(spec.Packages) == 0 {
		return map[string]string{}, nil
	}
	bases := map[string]string{}
	for _, p := range spec.Packages {
		b := path.Base(p)
		if other, dup := bases[b]; dup {
			return nil, fmt.Errorf("stack: %s and %s would both build %s", other, p, b)
		}
		bases[b] = p
	}
	if err := os.MkdirAll(spec.OutDir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"build", "-v"}, BuildFlags()...)
	// A trailing separator makes -o a directory even for a single package.
	args = append(args, "-o", filepath.Clean(spec.OutDir)+string(filepath.Separator))
	args = append(args, spec.Packages...)
	cmd := goCommand(ctx, spec.Dir, spec.GOARCH, args)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var diag strings.Builder
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		scanProgress(pr, spec.Progress, &diag)
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("stack: build %s: %w\n%s", strings.Join(spec.Packages, " "), err, strings.TrimSpace(diag.String()))
	}
	out := make(map[string]string, len(spec.Packages))
	for b, p := range bases {
		out[p] = filepath.Join(spec.OutDir, b)
	}
	return out, nil
}

// A line of `go build -v` that names a package it compiled: an import path alone.
var compiledLine = regexp.MustCompile(`^[A-Za-z0-9_.~+/-]+$`)

// scanProgress turns `go build -v` output into progress events and keeps everything else
// (compiler errors) in diag.
func scanProgress(r io.Reader, progress func(string), diag *strings.Builder) {
	if progress == nil {
		progress = func(string) {}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "go: downloading "):
			progress("downloading " + strings.TrimPrefix(line, "go: downloading "))
		case compiledLine.MatchString(line):
			progress("compiled " + line)
		default:
			diag.WriteString(line + "\n")
		}
	}
	_, _ = io.Copy(io.Discard, r)
}
