package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// The secret every sensitive fixture carries; no output may contain it.
const secret = "hunter2-s3cr3t-T0KEN"

var target = state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: "8f1c2d3e-0000-4000-8000-000000000001"}

func num(s string) json.Number { return json.Number(s) }

func list(vs ...any) []any { return vs }

// props builds a payload from name/value pairs.
func props(kv ...any) model.Properties {
	p := model.Properties{}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func entity(typ, name string, extra ...any) model.Properties {
	p := props(
		"_key", "billing-acme:"+typ+":"+name,
		"_type", typ+"_my-billing-acme",
		"_class", "Application",
		"name", name,
		"displayName", strings.ToUpper(name[:1])+name[1:],
	)
	for k, v := range props(extra...) {
		p[k] = v
	}
	return p
}

func relationship(from, class, to string) model.Properties {
	return props(
		"_key", from+"|"+strings.ToLower(class)+"|"+to,
		"_type", "team_my-billing-acme_"+strings.ToLower(class)+"_application",
		"_class", class,
		"_fromEntityKey", from,
		"_toEntityKey", to,
	)
}

func mapped(source, class, targetType, targetKey string) model.Properties {
	return props(
		"_key", source+"|"+strings.ToLower(class)+"|"+targetKey,
		"_type", "application_my-billing-acme_"+strings.ToLower(class)+"_"+targetType,
		"_class", class,
		"_mapping", map[string]any{
			"sourceEntityKey":       source,
			"relationshipDirection": "FORWARD",
			"targetFilterKeys":      list(list("_type", "_key")),
			"targetEntity":          map[string]any{"_type": targetType, "_key": targetKey},
			"skipTargetCreation":    true,
		},
	)
}

// change builds a change as plan.Compute does: key and type from the payload.
func change(address string, kind model.Kind, action plan.Action, before, after model.Properties) plan.Change {
	p := after
	if p == nil {
		p = before
	}
	key, _ := p["_key"].(string)
	typ, _ := p["_type"].(string)
	return plan.Change{Address: address, Kind: kind, Key: key, Type: typ, Action: action, Before: before, After: after}
}

func newPlan(mode string, changes ...plan.Change) *plan.Plan {
	p := &plan.Plan{
		ToolVersion: "0.3.0",
		Mode:        mode,
		Target:      target,
		Prior:       plan.Prior{Exists: true, Lineage: "3f1c9a52-7d8e-4b6a-9c0d-2e1f3a4b5c6d", Serial: 12, Hash: "sha256:0a1b"},
		DesiredHash: "sha256:9f8e",
		Unchanged:   3,
	}
	for _, ch := range changes {
		if mode == plan.ModePatch && !(ch.Kind == model.KindEntity && ch.Action != plan.Delete) && ch.Action != plan.NoOp {
			p.NotApplied = append(p.NotApplied, ch)
		} else {
			p.Changes = append(p.Changes, ch)
		}
	}
	for _, ch := range p.Changes {
		if ch.After != nil && mode == plan.ModeDiff {
			if ch.Kind == model.KindEntity {
				p.Upload.Entities = append(p.Upload.Entities, ch.After)
			} else {
				p.Upload.Relationships = append(p.Upload.Relationships, ch.After)
			}
		}
	}
	return p
}

const slackKey = "billing-acme:application:slack"
const teamKey = "billing-acme:team:engineering"

var description = "Team chat.\nUsed by every team.\nOwned by IT.\nReviewed yearly.\nSSO through Okta.\nSCIM enabled.\n"

// planCases are the plans every format is rendered from.
func planCases() map[string]*plan.Plan {
	slack := entity("application", "slack",
		"vendor", "Slack Technologies",
		"isSso", true,
		"createdOn", num("1730419200000"),
		"tags", list("sanctioned", "tier-1"),
		"tag.Environment", "prod",
		"description", description,
	)
	team := entity("team", "engineering", "_class", "Team", "email", "eng@acme.example")
	owns := relationship(teamKey, "OWNS", slackKey)
	uses := mapped(slackKey, "USES", "aws_iam_role", "arn:aws:iam::123456789012:role/SlackProvisioner")

	cases := map[string]*plan.Plan{}

	cases["create"] = newPlan(plan.ModeDiff,
		change("entity.application.slack", model.KindEntity, plan.Create, nil, slack),
		change("entity.team.engineering", model.KindEntity, plan.Create, nil, team),
		change("relationship.engineering_owns_slack", model.KindRelationship, plan.Create, nil, owns),
		change("mapped_relationship.slack_uses_provisioner", model.KindMappedRelationship, plan.Create, nil, uses),
	)

	long := "The quick brown fox jumps over the lazy dog while the billing system reconciles every invoice of the month."
	longAfter := strings.Replace(long, "lazy dog", "sleepy cat", 1)
	before := entity("application", "slack",
		"vendor", "Slack",
		"isSso", false,
		"seats", num("120"),
		"tags", list("sanctioned", "tier-2", "chat", "saas", "us", "eu"),
		"notes", long,
		"description", description,
		"retired", "no",
		"owner", "it",
		"region", "us-east-1",
	)
	after := entity("application", "slack",
		"_class", list("Application", "Service"),
		"vendor", "Slack Technologies",
		"isSso", true,
		"seats", num("150.5"),
		"tags", list("sanctioned", "tier-1", "chat", "saas", "us", "eu", "apac"),
		"notes", longAfter,
		"description", strings.Replace(description, "Owned by IT.", "Owned by Platform.\nAudited.", 1),
		"createdOn", num("1730419200000"),
		"owner", "it",
		"region", "us-east-1",
		"summary", "x",
	)
	after["summary"] = nil
	usesAfter := mapped(slackKey, "USES", "aws_iam_role", "arn:aws:iam::123456789012:role/SlackProvisioner")
	usesAfter["_mapping"].(map[string]any)["skipTargetCreation"] = false
	cases["update"] = newPlan(plan.ModeDiff,
		change("entity.application.slack", model.KindEntity, plan.Update, before, after),
		change("mapped_relationship.slack_uses_provisioner", model.KindMappedRelationship, plan.Update, uses, usesAfter),
	)

	cases["delete"] = newPlan(plan.ModeDiff,
		change("entity.application.slack", model.KindEntity, plan.Delete, slack, nil),
		change("relationship.engineering_owns_slack", model.KindRelationship, plan.Delete, owns, nil),
	)

	moved := change("entity.team.platform", model.KindEntity, plan.NoOp, team, team)
	moved.PreviousAddress = "entity.team.engineering"
	teamAfter := entity("team", "engineering", "_class", "Team", "email", "platform@acme.example")
	movedUpdated := change("entity.team.eng", model.KindEntity, plan.Update, team, teamAfter)
	movedUpdated.PreviousAddress = "entity.team.engineering_old"
	cases["moved"] = newPlan(plan.ModeDiff, moved, movedUpdated)

	hosts := []plan.Change{}
	for _, name := range []string{"web-1", "web-2"} {
		h := entity("host", name, "_class", "Host")
		hosts = append(hosts, change(`entity.host.all["`+name+`"]`, model.KindEntity, plan.Create, nil, h))
	}
	patch := newPlan(plan.ModePatch, append(hosts,
		change("entity.application.zoom", model.KindEntity, plan.Delete, entity("application", "zoom"), nil),
		change("relationship.engineering_owns_slack", model.KindRelationship, plan.Create, nil, owns),
	)...)
	cases["patch"] = patch

	var massChanges []plan.Change
	for i := range 12 {
		name := fmt.Sprintf("app-%02d", i)
		massChanges = append(massChanges, change("entity.application."+name, model.KindEntity, plan.Delete, entity("application", name), nil))
	}
	mass := newPlan(plan.ModeDiff, massChanges...)
	mass.MassDelete = &plan.MassDelete{Deleting: 12, Total: 15}
	mass.Unchanged = 0
	cases["mass_delete"] = mass

	targeted := newPlan(plan.ModePatch, hosts[0])
	targeted.Targets = []string{`entity.host.all["web-1"]`, "billing-acme:host:*"}
	cases["targets"] = targeted

	secretBefore := entity("application", "vault", "apiToken", "old-"+secret, "owner", "it")
	secretAfter := entity("application", "vault", "apiToken", secret, "owner", "it", "password", secret+"\nline2")
	sensUpdate := change("entity.application.vault", model.KindEntity, plan.Update, secretBefore, secretAfter)
	sensUpdate.Sensitive = []string{"apiToken", "password"}
	sensCreate := change("entity.application.vault2", model.KindEntity, plan.Create, nil, entity("application", "vault2", "apiToken", secret))
	sensCreate.Sensitive = []string{"apiToken"}
	cases["sensitive"] = newPlan(plan.ModeDiff, sensCreate, sensUpdate)

	noChanges := newPlan(plan.ModeDiff)
	noChanges.Unchanged = 42
	cases["no_changes"] = noChanges

	for name, in := range liveInputs() {
		in.PriorInfo = plan.Prior{Exists: true, Lineage: "3f1c9a52-7d8e-4b6a-9c0d-2e1f3a4b5c6d", Serial: 12, Hash: "sha256:0a1b"}
		in.Options = plan.Options{Mode: plan.ModeDiff, Target: target, ToolVersion: "0.3.0", SkipHash: true}
		p, err := plan.Build(in)
		if err != nil {
			panic(fmt.Sprintf("fixture %s: %v", name, err))
		}
		cases[name] = p
	}
	return cases
}

func obj(address string, kind model.Kind, p model.Properties) *model.Object {
	return &model.Object{Kind: kind, Address: address, Props: p}
}

func graphOf(objs ...*model.Object) *model.Graph {
	g := &model.Graph{}
	for _, o := range objs {
		g.Add(o)
	}
	return g
}

// liveInputs are plans made by plan.Build: against the live graph, with imports, with
// renamed blocks, and offline.
func liveInputs() map[string]plan.Input {
	team := obj("entity.team.engineering", model.KindEntity, entity("team", "engineering", "_class", "Team"))
	slack := obj("entity.application.slack", model.KindEntity, entity("application", "slack", "vendor", "Slack"))
	zoom := obj("entity.application.zoom", model.KindEntity, entity("application", "zoom"))
	owns := obj("relationship.engineering_owns_slack", model.KindRelationship, relationship(teamKey, "OWNS", slackKey))
	slackByHand := obj("entity.application.slack", model.KindEntity, entity("application", "slack", "vendor", "Slack Inc.", "seats", num("40")))
	stray := obj("", model.KindEntity, entity("application", "shadow-it"))

	newTeam := obj("entity.team.eng", model.KindEntity, entity("team", "eng", "_class", "Team", "name", "engineering", "displayName", "Engineering"))
	newTeam.DefaultKeyFrom = newTeam.Address
	oldTeam := obj("entity.team.engineering", model.KindEntity, entity("team", "engineering", "_class", "Team"))
	newOwns := obj("relationship.engineering_owns_slack", model.KindRelationship, relationship(newTeam.Key(), "OWNS", slackKey))

	imported := obj("entity.application.zoom", model.KindEntity, entity("application", "zoom", "vendor", "Zoom"))
	liveZoom := obj("", model.KindEntity, entity("application", "zoom"))
	liveSlack := obj("", model.KindEntity, entity("application", "slack", "vendor", "Slack"))

	return map[string]plan.Input{
		"drift": {
			Desired: graphOf(team, slack, zoom),
			Prior:   graphOf(team, slack, zoom),
			Live:    graphOf(team, slackByHand, stray),
		},
		"imports": {
			Desired: graphOf(team, slack, imported),
			Prior:   graphOf(team),
			Live:    graphOf(team, liveSlack, liveZoom),
			Imports: []plan.Import{{To: "entity.application.zoom", Key: imported.Key()}},
		},
		"renamed": {
			Desired: graphOf(newTeam, slack, newOwns),
			Prior:   graphOf(oldTeam, slack, owns),
		},
		"offline": {
			Desired: graphOf(team, slack),
			Prior:   graphOf(team),
		},
	}
}

// largePlan has n created entities.
func largePlan(n int) *plan.Plan {
	changes := make([]plan.Change, n)
	for i := range changes {
		name := fmt.Sprintf("app-%06d", i)
		changes[i] = change("entity.application.all[\""+name+"\"]", model.KindEntity, plan.Create, nil,
			entity("application", name, "vendor", "Acme", "seats", num("10"), "tags", list("a", "b")))
	}
	return newPlan(plan.ModeDiff, changes...)
}

// deleteHeavyPlan destroys n entities and creates one.
func deleteHeavyPlan(n int) *plan.Plan {
	changes := []plan.Change{change("entity.application.new", model.KindEntity, plan.Create, nil, entity("application", "new"))}
	for i := range n {
		name := fmt.Sprintf("old-%03d", i)
		changes = append(changes, change("entity.application."+name, model.KindEntity, plan.Delete, entity("application", name, "vendor", "Acme"), nil))
	}
	p := newPlan(plan.ModeDiff, changes...)
	p.MassDelete = &plan.MassDelete{Deleting: n, Total: n + 2}
	return p
}
