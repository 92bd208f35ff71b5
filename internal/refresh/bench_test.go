package refresh

import (
	"context"
	"fmt"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// benchGraph returns n hosts, each related to a team (n/100 teams): n + n/100 entities and n
// relationships, shaped like the CSV inventory of the README.
func benchGraph(n int) *model.Graph {
	g := &model.Graph{}
	teams := max(1, n/100)
	for i := range teams {
		key := fmt.Sprintf("inv:team:%d", i)
		g.Add(&model.Object{Kind: model.KindEntity, Address: "entity.team.all[" + key + "]", Props: model.Properties{
			"_key": key, "_type": "inv_team", "_class": "Team", "name": key, "displayName": key,
			"email": fmt.Sprintf("team-%d@example.com", i),
		}})
	}
	for i := range n {
		key := fmt.Sprintf("inv:host:%06d", i)
		team := fmt.Sprintf("inv:team:%d", i%teams)
		g.Add(&model.Object{Kind: model.KindEntity, Address: "entity.host.all[" + key + "]", Props: model.Properties{
			"_key": key, "_type": "inv_host", "_class": "Host", "name": key, "displayName": key,
			"hostname": fmt.Sprintf("host-%d", i), "ipAddress": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			"os": "linux", "tag.Env": "prod",
		}})
		g.Add(&model.Object{Kind: model.KindRelationship, Address: "relationship.team_has_host[" + key + "]", Props: model.Properties{
			"_key": team + "|has|" + key, "_type": "inv_team_has_host", "_class": "HAS",
			"_fromEntityKey": team, "_toEntityKey": key,
		}})
	}
	g.SortByKey()
	return g
}

// BenchmarkRead100kEntities100kRelationships reads the live graph of a target holding
// 100,000 hosts (plus 1,000 teams) and 100,000 relationships from an in-process emulator on
// loopback: the refresh part of `plan -refresh` (issue 9's target: the whole plan under 10 s).
func BenchmarkRead100kEntities100kRelationships(b *testing.B) {
	benchmarkRead(b, 100_000)
}

func benchmarkRead(b *testing.B, n int) {
	_, c := newEmulator(b)
	g := benchGraph(n)
	upload(b, c, instanceTarget, syncapi.SyncModeDiff, g)
	f := state.New(instanceTarget, "bench")
	f.SetObjects(g)
	recorded := f.Graph()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		live, err := Read(context.Background(), c, instanceTarget, recorded, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if live.Len() != g.Len() {
			b.Fatalf("read %d objects, want %d", live.Len(), g.Len())
		}
	}
	b.ReportMetric(float64(g.Len()), "objects")
}
