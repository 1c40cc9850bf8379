package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestALineCarriesEveryValueAndItsDefinition(t *testing.T) {
	var b bytes.Buffer
	EMF(&b, "ChainGuard/Test", map[string]float64{"Sent": 3, "LatencyMs": 12.5}, time.UnixMilli(1700000000000))
	var got struct {
		AWS struct {
			Timestamp int64 `json:"Timestamp"`
			Metrics   []struct {
				Namespace string              `json:"Namespace"`
				Metrics   []map[string]string `json:"Metrics"`
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
		Sent      float64 `json:"Sent"`
		LatencyMs float64 `json:"LatencyMs"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%s: %v", b.String(), err)
	}
	if got.Sent != 3 || got.LatencyMs != 12.5 || got.AWS.Timestamp != 1700000000000 || got.AWS.Metrics[0].Namespace != "ChainGuard/Test" {
		t.Fatalf("line = %s", b.String())
	}
	units := map[string]string{}
	for _, m := range got.AWS.Metrics[0].Metrics {
		units[m["Name"]] = m["Unit"]
	}
	if units["Sent"] != "Count" || units["LatencyMs"] != "Milliseconds" {
		t.Fatalf("units = %v", units)
	}
}
