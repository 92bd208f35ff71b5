package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
)

// BenchmarkAppendObjectJSON writes the canonical JSON of 1,000 entities of a dozen properties
// each and 1,000 relationships: the per-object cost of upload batches, state files and hashes.
func BenchmarkAppendObjectJSON(b *testing.B) {
	var objects []Properties
	for i := range 1000 {
		objects = append(objects, Properties{
			"_key":        fmt.Sprintf("acme:host:host-%06d", i),
			"_type":       "host_acme",
			"_class":      "Host",
			"name":        fmt.Sprintf("host-%d", i),
			"displayName": fmt.Sprintf("Host %d", i),
			"hostname":    fmt.Sprintf("host-%d.prod.acme.example", i),
			"ipAddress":   fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			"active":      i%7 != 0,
			"createdOn":   json.Number(strconv.Itoa(1730419200000 + i)),
			"cpuLoad":     json.Number(strconv.FormatFloat(float64(i%1000)/8, 'f', -1, 64)),
			"tags":        []any{"prod", fmt.Sprintf("rack-%d", i%40)},
			"owner":       map[string]any{"team": "ops", "email": "ops@acme.example"},
		}, Properties{
			"_key":           fmt.Sprintf("acme:team:ops|has|acme:host:host-%06d", i),
			"_type":          "team_acme_has_host_acme",
			"_class":         "HAS",
			"_fromEntityKey": "acme:team:ops",
			"_toEntityKey":   fmt.Sprintf("acme:host:host-%06d", i),
		})
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range objects {
			buf = AppendObjectJSON(buf[:0], p)
		}
	}
}
