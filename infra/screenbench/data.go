package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
)

// person is one row of the screening benchmark.
type person struct {
	Name, DOB, Nationality string
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
		out = append(out, person{Name: rec[0], DOB: rec[5], Nationality: rec[7]})
	}
	return out, nil
}
