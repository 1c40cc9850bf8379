package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
)

// person is one row of the screening benchmark.
type person struct {
	Name, First, DOB, Nationality string
}

type benchData struct {
	positives []person // UN-listed people
	negatives []person // synthetic non-listed people (global + US)
}

func loadBench(dir string) (*benchData, error) {
	var b benchData
	var err error
	if b.positives, err = readPeople(filepath.Join(dir, "positives_un_clean.csv")); err != nil {
		return nil, err
	}
	for _, f := range []string{"negatives_global_1k.csv", "negatives_us_1k.csv"} {
		p, err := readPeople(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		b.negatives = append(b.negatives, p...)
	}
	return &b, nil
}

// readPeople reads full_name,first_name,middle_name,last_name,gender,
// date_of_birth,place_of_birth,nationality.
func readPeople(path string) ([]person, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open benchmark file: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []person
	for i, rec := range recs {
		if i == 0 || len(rec) < 8 {
			continue
		}
		out = append(out, person{Name: rec[0], First: rec[1], DOB: rec[5], Nationality: rec[7]})
	}
	return out, nil
}

// allLists are every list the bench indexes: the sanctions fixtures of
// sanctionstest plus the EU and UK samples and the current PEPs.
type allLists struct {
	*sanctionstest.Lists
	EU, UK, PEPUS, PEPAU *sanctions.List
}

// PEP fixtures are snapshots: each is filtered as of its own publication
// date, so that the bench does not change with the calendar.
var (
	pepUSAsOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	pepAUAsOf = time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)
)

func loadAllLists(dir string) (*allLists, error) {
	base, err := sanctionstest.Load(dir)
	if err != nil {
		return nil, err
	}
	l := &allLists{Lists: base}
	if l.EU, err = sanctions.ParseEUDir(os.DirFS(filepath.Join(dir, "sanctions", "eu-2026-08-05-sample"))); err != nil {
		return nil, err
	}
	if l.UK, err = sanctions.ParseUKDir(os.DirFS(filepath.Join(dir, "sanctions", "uk-2026-09-07-sample"))); err != nil {
		return nil, err
	}
	us, err := sanctions.PEPUSParser{}.Parse(os.DirFS(filepath.Join(dir, "pep", "us-congress-2026-06")))
	if err != nil {
		return nil, err
	}
	au, err := sanctions.PEPAUParser{}.Parse(os.DirFS(filepath.Join(dir, "pep", "au-federal-2021")))
	if err != nil {
		return nil, err
	}
	l.PEPUS = sanctions.CurrentPEPs(us, pepUSAsOf, sanctions.DefaultPEPWindow)
	l.PEPAU = sanctions.CurrentPEPs(au, pepAUAsOf, sanctions.DefaultPEPWindow)
	return l, nil
}

// screened are the lists of the full bench index, in build order.
func (l *allLists) screened() []*sanctions.List {
	return []*sanctions.List{l.OFAC2021, l.UN, l.Crypto, l.EU, l.UK, l.PEPUS, l.PEPAU}
}
