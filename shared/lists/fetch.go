package lists

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// Fetcher defaults.
const (
	DefaultFetchTimeout = 60 * time.Second
	DefaultMaxBytes     = 64 << 20 // the full OFAC sdn.csv is ~4 MB, the UN XML ~2 MB
)

// ErrTooLarge is returned when a file is over the size cap.
var ErrTooLarge = errors.New("lists: source file over size limit")

// FetchError says which URL could not be fetched and why.
type FetchError struct {
	URL    string
	Status int // HTTP status, 0 when the request itself failed
	Err    error
}

func (e *FetchError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("lists: fetch %s: HTTP %d", e.URL, e.Status)
	}
	return fmt.Sprintf("lists: fetch %s: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Fetcher downloads source files. file:// URLs are read from the local disk (local runs
// and tests). The zero value is usable.
type Fetcher struct {
	Client   *http.Client  // default: a client with Timeout
	Timeout  time.Duration // per file; default DefaultFetchTimeout
	MaxBytes int64         // per file; default DefaultMaxBytes
}

// Fetched is one downloaded file.
type Fetched struct {
	File
	Body   []byte
	SHA256 string
}

// Fetch downloads one URL.
func (f *Fetcher) Fetch(ctx context.Context, file File) (Fetched, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rc, err := f.open(ctx, file.URL)
	if err != nil {
		return Fetched{}, err
	}
	defer rc.Close()
	max := f.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return Fetched{}, &FetchError{URL: file.URL, Err: err}
	}
	if int64(len(body)) > max {
		return Fetched{}, &FetchError{URL: file.URL, Err: fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)}
	}
	sum := sha256.Sum256(body)
	return Fetched{File: file, Body: body, SHA256: hex.EncodeToString(sum[:])}, nil
}

func (f *Fetcher) open(ctx context.Context, raw string) (io.ReadCloser, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &FetchError{URL: raw, Err: err}
	}
	if u.Scheme == "file" {
		fh, err := os.Open(u.Path)
		if err != nil {
			return nil, &FetchError{URL: raw, Err: err}
		}
		return fh, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, &FetchError{URL: raw, Err: err}
	}
	req.Header.Set("User-Agent", "chainguard-list-refresh/1")
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &FetchError{URL: raw, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &FetchError{URL: raw, Status: resp.StatusCode}
	}
	return resp.Body, nil
}

// SourceFiles is what fetching one source gave: every file, or the first error.
type SourceFiles struct {
	Files []Fetched
	Err   error
}

// FetchEach downloads every file of every source concurrently. Sources fail alone: a
// source whose file cannot be fetched has Err set and no files, the others are complete.
func (f *Fetcher) FetchEach(ctx context.Context, sources []Source) []SourceFiles {
	out := make([]SourceFiles, len(sources))
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			files := make([]Fetched, len(s.Files))
			errs := make([]error, len(s.Files))
			var fw sync.WaitGroup
			for j, file := range s.Files {
				fw.Add(1)
				go func() {
					defer fw.Done()
					files[j], errs[j] = f.Fetch(ctx, file)
				}()
			}
			fw.Wait()
			if err := errors.Join(errs...); err != nil {
				out[i] = SourceFiles{Err: err}
				return
			}
			out[i] = SourceFiles{Files: files}
		}()
	}
	wg.Wait()
	return out
}
