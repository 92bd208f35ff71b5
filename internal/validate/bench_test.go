package validate

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/hashicorp/hcl/v2"

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

// csvInventory is the graph of the README's CSV benchmark: teams and hosts from two CSV
// files, a for_each block each, and one team HAS host relationship per host. The hosts set
// only a few of the properties Host requires, so every one of them gets a J1D401.
func csvInventory(hosts int) *model.Graph {
	num := func(i int) json.Number { return json.Number(fmt.Sprint(1700000000000 + i)) }
	g := &model.Graph{}
	teams := max(1, hosts/100)
	for i := range teams {
		id := fmt.Sprintf("team-%d", i)
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.team.all[%q]", id), Props: model.Properties{
			"_key": "inv:team:" + id, "_type": "team_asset-inventory", "_class": "Team",
			"name": id, "displayName": fmt.Sprintf("Team %d", i), "email": id + "@example.com",
		}})
	}
	for i := range hosts {
		id := fmt.Sprintf("i-%012x", i)
		name := fmt.Sprintf("host-%d", i)
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.host.all[%q]", id), Props: model.Properties{
			"_key": "inv:host:" + id, "_type": "host_asset-inventory", "_class": "Host",
			"name": name, "displayName": name, "createdOn": num(i), "hostname": name,
			"ipAddress": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "isManaged": true, "osType": "linux",
		}})
	}
	for i := range hosts {
		id := fmt.Sprintf("i-%012x", i)
		g.Relationships = append(g.Relationships, &model.Object{Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.team_has_host[%q]", id), Props: model.Properties{
			"_key": fmt.Sprintf("inv:team:team-%d|has|inv:host:%s", i%teams, id), "_type": "team_has_host", "_class": "HAS",
			"_fromEntityKey": fmt.Sprintf("inv:team:team-%d", i%teams), "_toEntityKey": "inv:host:" + id,
		}})
	}
	return g
}

// blockLocator locates every object at its block's header, as the configuration does for
// the instances of a for_each block.
type blockLocator struct{ r hcl.Range }

func (l *blockLocator) Range(*model.Object, string) *hcl.Range { r := l.r; return &r }

// BenchmarkCSVInventory100k is the validation phase of planning the CSV inventory:
// 101,000 entities and 100,000 relationships, a J1D401 on each of the 100,000 hosts, the
// findings turned into diagnostics for the terminal, which shows one J1D401 for all of them.
// The target is well under 0.2 s of CPU per operation.
func BenchmarkCSVInventory100k(b *testing.B) {
	benchmarkDiagnostics(b, csvInventory(100_000), 100_000, FoldedDiagnostics)
}

// BenchmarkCSVInventory100kJSON is the same for validate -json, which shows every detail.
func BenchmarkCSVInventory100kJSON(b *testing.B) {
	benchmarkDiagnostics(b, csvInventory(100_000), 100_000, Diagnostics)
}

// BenchmarkCSVInventory10k is the same at a tenth of the size, to check that the cost grows
// linearly.
func BenchmarkCSVInventory10k(b *testing.B) {
	benchmarkDiagnostics(b, csvInventory(10_000), 10_000, FoldedDiagnostics)
}

// applicationBlocks is what import-json writes: n Application blocks, valid, with a few
// custom properties each.
func applicationBlocks(n int) *model.Graph {
	g := &model.Graph{}
	for i := range n {
		name := fmt.Sprintf("app-%d", i)
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.application.app_%d", i), Props: model.Properties{
			"_key": "application:" + name, "_type": "application_asset-inventory", "_class": "Application",
			"name": name, "displayName": name, "vendor": fmt.Sprintf("Vendor %d", i),
			"userCount": json.Number(fmt.Sprint(i * 7)), "isSso": i%2 == 0, "tags": []any{fmt.Sprintf("tier-%d", i%3), "generated"},
		}})
	}
	return g
}

// BenchmarkBlocks100k validates 100,000 individual Application blocks without findings.
func BenchmarkBlocks100k(b *testing.B) {
	benchmarkDiagnostics(b, applicationBlocks(100_000), 0, FoldedDiagnostics)
}

// benchmarkDiagnostics measures what plan spends on validation: Graph, then diagnose.
func benchmarkDiagnostics(b *testing.B, g *model.Graph, findings int, diagnose func([]Finding, Locator) hcl.Diagnostics) {
	m, err := datamodel.Load()
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Mode: "DIFF", IntegrationType: "asset-inventory", Classes: NewDataModelCatalog(m)}
	loc := &blockLocator{hcl.Range{Filename: "main.hcl", Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 20, Byte: 19}}}
	if fs := Graph(g, opts); len(fs) != findings {
		b.Fatalf("%d findings, want %d:\n%s", len(fs), findings, formatFindings(fs[:min(len(fs), 5)]))
	}
	b.ReportAllocs()
	runtime.GC()
	cpu := cpuTime()
	for b.Loop() {
		diagnose(Graph(g, opts), loc)
	}
	if cpu >= 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	}
}
