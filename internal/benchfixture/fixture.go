// Package benchfixture writes the generated configurations that j1hcl's benchmarks and
// performance tests run against.
package benchfixture

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/lang"
)

// CSVInventory writes a configuration whose hosts (n of them) and teams come from CSV files
// through for_each, with one relationship per host: n entities (plus teams) and n
// relationships.
func CSVInventory(dir string, n int) error {
	teams := max(1, n/100)
	if err := writeLines(filepath.Join(dir, "teams.csv"), teams+1, func(i int) string {
		if i == 0 {
			return "id,name,email"
		}
		return fmt.Sprintf("team-%d,Team %d,team-%d@example.com", i-1, i-1, i-1)
	}); err != nil {
		return err
	}
	if err := writeLines(filepath.Join(dir, "hosts.csv"), n+1, func(i int) string {
		if i == 0 {
			return "id,hostname,ip,os,team,created"
		}
		h := i - 1
		return fmt.Sprintf("i-%012x,host-%d,10.%d.%d.%d,linux,team-%d,2024-%02d-%02d", h, h, h>>16&255, h>>8&255, h&255, h%teams, h%12+1, h%28+1)
	}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(csvConfig), 0o644)
}

const csvConfig = `integration {
  type        = "asset-inventory"
  instance_id = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
  key_prefix  = "inv"
}

locals {
  teams = { for t in csvdecode(file("teams.csv")) : t.id => t }
  hosts = { for h in csvdecode(file("hosts.csv")) : h.id => h }
}

entity "team" "all" {
  for_each    = local.teams
  _class      = "Team"
  name        = each.key
  displayName = each.value.name
  email       = each.value.email
}

entity "host" "all" {
  for_each    = local.hosts
  _key        = "inv:host:${each.key}"
  _class      = "Host"
  name        = each.value.hostname
  hostname    = each.value.hostname
  ipAddress   = each.value.ip
  osType      = each.value.os
  isManaged   = true
  createdOn   = epochms(each.value.created)
}

relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all[each.value.team]
  to       = entity.host.all[each.key]
}
`

// Blocks writes a configuration of n entity blocks written out one by one, spread over
// files of 1,000 blocks, with a relationship for every tenth entity.
func Blocks(dir string, n int) error {
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`integration {
  type        = "asset-inventory"
  instance_id = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
}
`), 0o644); err != nil {
		return err
	}
	const perFile = 1000
	for f := 0; f*perFile < n; f++ {
		lo, hi := f*perFile, min(n, (f+1)*perFile)
		if err := writeLines(filepath.Join(dir, fmt.Sprintf("apps-%03d.hcl", f)), hi-lo, func(i int) string {
			k := lo + i
			s := fmt.Sprintf("entity \"application\" \"app_%d\" {\n  _class    = \"Application\"\n  name      = \"app-%d\"\n  vendor    = \"Vendor %d\"\n  userCount = %d\n  isSso     = %t\n  tags      = [\"tier-%d\", \"generated\"]\n}\n", k, k, k%50, k*7%1000, k%2 == 0, k%3)
			if k%10 == 0 && k > 0 {
				s += fmt.Sprintf("relationship \"app_%d_uses_app_%d\" {\n  _class = \"USES\"\n  from   = entity.application.app_%d\n  to     = entity.application.app_%d\n}\n", k, k-1, k, k-1)
			}
			return s
		}); err != nil {
			return err
		}
	}
	return nil
}

func writeLines(path string, n int, line func(i int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	for i := 0; i < n; i++ {
		w.WriteString(line(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// JSONInventory writes a configuration of n application entities whose properties come
// from one JSON file through jsondecode and for_each.
func JSONInventory(dir string, n int) error {
	if err := writeLines(filepath.Join(dir, "apps.json"), n+2, func(i int) string {
		switch i {
		case 0:
			return "["
		case n + 1:
			return "]"
		}
		k, sep := i-1, ","
		if i == n {
			sep = ""
		}
		return fmt.Sprintf(`  {"id": "app-%d", "name": "App %d", "vendor": "Vendor %d", "users": %d, "sso": %t, "tags": ["tier-%d", "generated"]}%s`, k, k, k%50, k*7%1000, k%2 == 0, k%3, sep)
	}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(jsonConfig), 0o644)
}

const jsonConfig = `integration {
  type        = "asset-inventory"
  instance_id = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
}

locals {
  apps = { for a in jsondecode(file("apps.json")) : a.id => a }
}

entity "application" "all" {
  for_each  = local.apps
  _class    = "Application"
  name      = each.value.name
  vendor    = each.value.vendor
  userCount = each.value.users
  isSso     = each.value.sso
  tags      = each.value.tags
}
`

// MatchingState writes, at statePath, a state that records exactly the configuration in dir,
// so that a plan of dir has no changes.
func MatchingState(dir, statePath string) error {
	return ChangedState(dir, statePath, 0)
}

// ChangedState writes, at statePath, a state that records the configuration in dir except
// that every (1/percent)-th object carries an extra property, so that a plan of dir updates
// percent% of the objects. Zero percent writes a matching state.
func ChangedState(dir, statePath string, percent int) error {
	cfg, diags := lang.Load(lang.Options{Dir: dir})
	if diags.HasErrors() {
		return diags
	}
	if percent > 0 {
		for i, o := range cfg.Graph.All() {
			if i%(100/percent) == 0 {
				o.Props["benchStale"] = true
			}
		}
	}
	f := state.New(state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: cfg.Integration.InstanceID}, "bench")
	f.Commit(cfg.Graph, state.Job{ID: "bench", SyncMode: "DIFF", Status: state.JobFinished})
	return state.Write(statePath, f)
}
