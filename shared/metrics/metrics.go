// Package metrics writes CloudWatch metrics as embedded-metric-format (EMF) log lines: a
// function prints one JSON line and Lambda's log delivery turns it into metrics, with no
// API call and no extra permission. Alarms in template.yaml watch them.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Unit of every metric we write: counts and milliseconds are told apart by the name's
// suffix "Ms".
func unit(name string) string {
	if len(name) > 2 && name[len(name)-2:] == "Ms" {
		return "Milliseconds"
	}
	return "Count"
}

// EMF writes one line with values under namespace, without dimensions.
func EMF(w io.Writer, namespace string, values map[string]float64, at time.Time) {
	names := slices.Sorted(maps.Keys(values))
	defs := make([]map[string]string, len(names))
	line := map[string]any{}
	for i, n := range names {
		defs[i] = map[string]string{"Name": n, "Unit": unit(n)}
		line[n] = values[n]
	}
	line["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace": namespace, "Dimensions": [][]string{{}}, "Metrics": defs,
		}},
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(w, string(b))
}
