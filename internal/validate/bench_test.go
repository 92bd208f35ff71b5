package validate

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
)

func benchGraph(n int) *model.Graph {
	num := func(i int) json.Number { return json.Number(fmt.Sprint(i)) }
	g := &model.Graph{}
	teams := max(1, n/100)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("acme:object:%07d", i)
		p := model.Properties{
			"_key": key, "name": key, "displayName": key,
			"createdOn": num(1700000000000 + i), "webLink": "https://acme.example.com/objects/" + key,
			"tag.Environment": "production", "ownerTeam": "platform",
		}
		var res string
		switch {
		case i < teams:
			res = "team"
			p["_class"] = "Team"
			p["email"] = "platform@acme.example.com"
		case i%3 == 0:
			res = "application"
			p["_class"] = "Application"
			p["criticality"], p["public"] = num(5), false
		case i%3 == 1:
			res = "host"
			p["_class"] = "Host"
			ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
			for k, v := range map[string]any{
				"category": "server", "ipv4Addresses": []any{ip}, "ipv6Addresses": []any{"fe80::1"},
				"macAddresses": []any{"aa:bb:cc:dd:ee:ff"}, "publicIpAddresses": []any{"203.0.113.7"},
				"privateIpAddresses": []any{ip}, "hostname": fmt.Sprintf("web-%d", i),
				"fqdn": []any{fmt.Sprintf("web-%d.acme.example.com", i)}, "serial": "SN123",
				"deviceId": []any{key}, "lastSeenOn": num(1700000000000), "make": "Dell", "model": "R740",
				"osName": "Ubuntu", "osType": "linux", "osDetails": "Ubuntu 22.04 LTS", "osVersion": "22.04",
			} {
				p[k] = v
			}
		default:
			res = "user"
			p["_class"] = "User"
			email := fmt.Sprintf("user%d@acme.example.com", i)
			for k, v := range map[string]any{
				"firstName": "Alice", "lastName": "Smith", "email": []any{email},
				"shortLoginId": []any{fmt.Sprintf("user%d", i)}, "username": []any{email},
				"isActive": true, "isMfaEnabled": true,
			} {
				p[k] = v
			}
		}
		p["_type"] = res + "_acme"
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.%s.all[%q]", res, key), Props: p})
	}
	for i := 0; i < n; i++ {
		from := g.Entities[i%teams]
		to := g.Entities[teams+i%(n-teams)]
		verb := "HAS"
		if i%2 == 0 {
			verb = "OWNS"
		}
		g.Relationships = append(g.Relationships, &model.Object{Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.team_has.all[%d]", i), Props: model.Properties{
			"_key": fmt.Sprintf("acme:rel:%07d", i), "_type": "team_" + verb + "_thing", "_class": verb,
			"_fromEntityKey": from.Key(), "_toEntityKey": to.Key(),
		}})
	}
	return g
}

// BenchmarkGraph100k validates 100,000 entities (Applications, Hosts, Users, Teams, valid
// against the data model) and 100,000 relationships with every rule on. It must add well
// under a second to plan on the project's 2-core machine. cpu-ns/op, the process's CPU
// time, shows the work the workers share; run with GOMAXPROCS=1 for one worker.
func BenchmarkGraph100k(b *testing.B) {
	benchmarkGraph(b, benchGraph(100_000), 0)
}

// BenchmarkGraph100kWarnings is the same graph with a J1D401 and a J1C204 on every Host and
// a J1C201 on every Application, the price of making findings: a for_each block of hand-kept
// inventory often lacks properties its class requires on every instance.
func BenchmarkGraph100kWarnings(b *testing.B) {
	g := benchGraph(100_000)
	hosts, apps := 0, 0
	for _, e := range g.Entities {
		switch e.Props["_class"] {
		case "Host":
			for _, p := range []string{"fqdn", "serial", "make", "model", "deviceId"} {
				delete(e.Props, p)
			}
			e.Props["hostName"], e.Props["ipAddress"] = e.Props["hostname"], "10.0.0.1"
			delete(e.Props, "hostname")
			hosts++
		case "Application":
			e.Props["enabled"] = true
			apps++
		}
	}
	benchmarkGraph(b, g, 2*hosts+apps)
}

func benchmarkGraph(b *testing.B, g *model.Graph, findings int) {
	m, err := datamodel.Load()
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Mode: "DIFF", IntegrationType: "acme", Classes: NewDataModelCatalog(m)}
	if fs := Graph(g, opts); len(fs) != findings {
		b.Fatalf("%d findings, want %d:\n%s", len(fs), findings, formatFindings(fs[:min(len(fs), 5)]))
	}
	b.Logf("GOMAXPROCS %d", runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	runtime.GC() // the graph's construction must not be collected on the clock
	cpu := cpuTime()
	for b.Loop() {
		Graph(g, opts)
	}
	if cpu >= 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	}
}
