package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
)

// screenshotPlans are the example plans of the README's pull-request screenshots, by name
// (small, large, delete-heavy): made with plan.Build from synthetic graphs, so the pictures,
// the golden files and scripts/screenshots.sh show the same comments.
func screenshotPlans() map[string]*plan.Plan {
	target := state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: "8e3b8c55-6bd6-4d5e-9f31-2c1a8d3e5b10"}
	mk := func(desired, prior *model.Graph) *plan.Plan {
		p, err := plan.Build(plan.Input{
			Desired: desired, Prior: prior,
			PriorInfo: plan.Prior{Exists: true, Lineage: "3f1c9a52-7d8e-4b6a-9c0d-2e1f3a4b5c6d", Serial: 7},
			Options:   plan.Options{Mode: plan.ModeDiff, Target: target, ToolVersion: "0.3.0", SkipHash: true},
		})
		if err != nil {
			panic(fmt.Sprintf("screenshot plan: %v", err)) // the inputs are fixed and valid
		}
		p.Live = plan.LiveUnknown // the pictures show the plan, not the refresh note
		return p
	}
	ent := func(address, typ, class, name string, extra ...any) *model.Object {
		p := model.Properties{
			"_key": "acme:" + typ + ":" + name, "_type": typ + "_acme", "_class": class,
			"name": name, "displayName": name,
		}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i].(string)] = extra[i+1]
		}
		return &model.Object{Kind: model.KindEntity, Address: address, Props: p}
	}
	rel := func(address string, from, to *model.Object, class string) *model.Object {
		return &model.Object{Kind: model.KindRelationship, Address: address, Props: model.Properties{
			"_key": from.Key() + "|" + strings.ToLower(class) + "|" + to.Key(), "_type": "acme_" + strings.ToLower(class),
			"_class": class, "_fromEntityKey": from.Key(), "_toEntityKey": to.Key(),
		}}
	}
	graph := func(objs ...*model.Object) *model.Graph {
		g := &model.Graph{}
		for _, o := range objs {
			g.Add(o)
		}
		return g
	}

	out := map[string]*plan.Plan{}

	eng := ent("entity.team.engineering", "team", "Team", "engineering", "email", "eng@acme.example")
	slack := ent("entity.application.slack", "application", "Application", "slack", "vendor", "Slack")
	slackNew := ent("entity.application.slack", "application", "Application", "slack", "vendor", "Slack Technologies", "isSso", true)
	zoom := ent("entity.application.zoom", "application", "Application", "zoom")
	owns := rel("relationship.engineering_owns_slack", eng, slack, "OWNS")
	out["small"] = mk(graph(eng, slackNew, owns), graph(slack, zoom))

	var desired, prior []*model.Object
	agent := ent("entity.application.agent", "application", "Application", "agent")
	desired = append(desired, agent)
	prior = append(prior, agent)
	for i := range 1200 {
		h := ent(fmt.Sprintf("entity.host.all[\"host-%05d\"]", i), "host", "Host", fmt.Sprintf("host-%05d", i), "platform", "linux")
		desired = append(desired, h, rel(fmt.Sprintf("relationship.host_runs_agent[\"host-%05d\"]", i), h, agent, "RUNS"))
	}
	for i := range 300 {
		name := fmt.Sprintf("user-%04d", i)
		before := ent(fmt.Sprintf("entity.user.all[%q]", name), "user", "User", name, "active", true)
		after := ent(fmt.Sprintf("entity.user.all[%q]", name), "user", "User", name, "active", true, "mfaEnabled", true, "loginCount", json.Number("3"))
		desired, prior = append(desired, after), append(prior, before)
	}
	out["large"] = mk(graph(desired...), graph(prior...))

	desired, prior = []*model.Object{agent, ent("entity.application.inventory", "application", "Application", "inventory")}, []*model.Object{agent}
	for i := range 9000 {
		h := ent(fmt.Sprintf("entity.host.all[\"host-%05d\"]", i), "host", "Host", fmt.Sprintf("host-%05d", i), "platform", "linux")
		prior = append(prior, h, rel(fmt.Sprintf("relationship.host_runs_agent[\"host-%05d\"]", i), h, agent, "RUNS"))
	}
	out["delete-heavy"] = mk(graph(desired...), graph(prior...))
	return out
}
