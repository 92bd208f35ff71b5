package datamodel

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// benchEntities builds n valid entities cycling through Application, Host, User and Team,
// with the properties integrations typically set (formats, patterns, lists, custom
// properties, tags).
func benchEntities(n int) (classes [][]string, props []model.Properties) {
	num := func(i int) json.Number { return json.Number(fmt.Sprint(i)) }
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("acme-object-%07d", i)
		p := model.Properties{
			"_key": key, "name": key, "displayName": key,
			"createdOn": num(1700000000000 + i), "webLink": "https://acme.example.com/objects/" + key,
			"tag.Environment": "production", "ownerTeam": "platform",
		}
		var cls []string
		switch i % 4 {
		case 0:
			cls = []string{"Application"}
			p["_type"], p["_class"] = "acme_application", "Application"
			p["criticality"], p["public"] = num(5), false
		case 1:
			cls = []string{"Host"}
			p["_type"], p["_class"] = "acme_host", "Host"
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
		case 2:
			cls = []string{"User"}
			p["_type"], p["_class"] = "acme_user", "User"
			email := fmt.Sprintf("user%d@acme.example.com", i)
			for k, v := range map[string]any{
				"firstName": "Alice", "lastName": "Smith", "email": []any{email},
				"shortLoginId": []any{fmt.Sprintf("user%d", i)}, "username": []any{email},
				"isActive": true, "isMfaEnabled": true,
			} {
				p[k] = v
			}
		case 3:
			cls = []string{"Team"}
			p["_type"], p["_class"] = "acme_team", "Team"
			p["email"] = "platform@acme.example.com"
		}
		classes = append(classes, cls)
		props = append(props, p)
	}
	return classes, props
}

// BenchmarkCheck100k validates 100,000 entities per iteration; the target is under one
// second on the project's 2-core machine.
func BenchmarkCheck100k(b *testing.B) {
	m := testModel(b)
	classes, props := benchEntities(100_000)
	var buf []Problem
	for i := range props { // compile the plans and check the entities are valid
		if buf = m.AppendProblems(buf[:0], classes[i], props[i]); len(buf) > 0 {
			b.Fatalf("entity %d: %s", i, formatProblems(buf))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range props {
			buf = m.AppendProblems(buf[:0], classes[i], props[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/100k")
}

// BenchmarkCheckPerClass shows the cost of one entity of each class.
func BenchmarkCheckPerClass(b *testing.B) {
	m := testModel(b)
	classes, props := benchEntities(4)
	for i := range props {
		b.Run(classes[i][0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.AppendProblems(nil, classes[i], props[i])
			}
		})
	}
}

// BenchmarkCheckInvalid measures entities that do have problems (messages are built).
func BenchmarkCheckInvalid(b *testing.B) {
	m := testModel(b)
	p := model.Properties{
		"_key": "short", "_type": "acme_user", "_class": "User", "name": "a", "displayName": "a",
		"email": "alice@example.com", "my_prop": "x", "criticality": json.Number("11"),
	}
	classes := []string{"User"}
	b.ReportAllocs()
	for b.Loop() {
		m.Check(classes, p)
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}
