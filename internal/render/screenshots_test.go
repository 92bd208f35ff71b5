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

var screenshotDir = flag.String("screenshots", "", "write the README screenshot pages (markdown and GitHub-styled HTML) of screenshotPlans to `DIR`")

// TestScreenshotPages renders the screenshot plans' comments to HTML with a GFM renderer, as
// GitHub does, and checks what a reviewer sees at the top of each. With -screenshots=DIR it
// also writes each page, styled like a GitHub comment, for scripts/screenshots.sh to
// photograph in a headless browser.
func TestScreenshotPages(t *testing.T) {
	for _, name := range []string{"small", "large", "delete-heavy"} {
		p := screenshotPlans()[name]
		var md bytes.Buffer
		if err := PlanMarkdown(&md, p, MarkdownOptions{Graph: true}); err != nil {
			t.Fatal(err)
		}
		checkMarkdown(t, name, p, DefaultMaxChars, md.Bytes())
		var body bytes.Buffer
		if err := gfm.Convert(md.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		html := body.String()
		// The summary heads the comment as bold text, and the counts table follows.
		if !strings.HasPrefix(html, "<p><strong>Plan: ") || strings.Index(html, "<table>") < 0 {
			t.Errorf("%s: the comment does not open with the Plan: line and the counts table:\n%.300s", name, html)
		}
		if name != "small" && !strings.Contains(html, "to destroy</li>") && !strings.Contains(html, "to create</li>") {
			t.Errorf("%s: no per-block counts in the lists", name)
		}
		if *screenshotDir == "" {
			continue
		}
		page := strings.Replace(githubCommentPage, "{{BODY}}", githubExtras(colourDiffs(openFirstPlan(html, name == "small"))), 1)
		page = strings.Replace(page, "{{TITLE}}", name, 1)
		for file, data := range map[string][]byte{name + ".md": md.Bytes(), name + ".html": []byte(page)} {
			if err := os.WriteFile(filepath.Join(*screenshotDir, file), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// githubExtras does what GitHub adds to GFM that goldmark leaves as text: the :warning:
// shortcode and the [!CAUTION] and [!WARNING] alerts.
func githubExtras(html string) string {
	html = strings.ReplaceAll(html, ":warning:", "⚠")
	for _, kind := range []string{"CAUTION", "WARNING"} {
		class := strings.ToLower(kind)
		html = strings.ReplaceAll(html, "<blockquote>\n<p>[!"+kind+"]",
			`<blockquote class="`+class+`">`+"\n"+`<p class="alert">⚠ `+kind[:1]+class[1:]+"</p>\n<p>")
	}
	return html
}

// openFirstPlan unfolds the full plan of a small comment, so its picture shows the diff.
func openFirstPlan(html string, open bool) string {
	if !open {
		return html
	}
	return strings.Replace(html, "<details><summary>Full plan</summary>", "<details open><summary>Full plan</summary>", 1)
}

// colourDiffs colours the lines of diff code blocks as GitHub's highlighter does.
func colourDiffs(html string) string {
	const open = `<pre><code class="language-diff">`
	var out strings.Builder
	for {
		i := strings.Index(html, open)
		if i < 0 {
			out.WriteString(html)
			return out.String()
		}
		j := strings.Index(html[i:], "</code></pre>")
		out.WriteString(html[:i+len(open)])
		for _, l := range strings.SplitAfter(html[i+len(open):i+j], "\n") {
			class := ""
			switch {
			case strings.HasPrefix(l, "+"):
				class = "add"
			case strings.HasPrefix(l, "-"):
				class = "del"
			case strings.HasPrefix(l, "!"):
				class = "chg"
			}
			if class == "" {
				out.WriteString(l)
				continue
			}
			out.WriteString(`<span class="` + class + `">` + strings.TrimSuffix(l, "\n") + "</span>")
			if strings.HasSuffix(l, "\n") {
				out.WriteString("\n")
			}
		}
		html = html[i+j:]
	}
}

// githubCommentPage frames a rendered comment like a pull-request comment on GitHub.
const githubCommentPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>j1hcl plan: {{TITLE}}</title>
<style>
body { background: #f6f8fa; margin: 0; padding: 24px; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.5; color: #1f2328; }
.comment { max-width: 900px; border: 1px solid #d1d9e0; border-radius: 6px; background: #fff; }
.header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; border-radius: 6px 6px 0 0; padding: 8px 16px; color: #59636e; }
.header b { color: #1f2328; }
.body { padding: 16px; }
.body > :first-child { margin-top: 0; }
table { border-collapse: collapse; margin: 0 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 85%; background: rgba(129,139,152,0.12); padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: hidden; font-size: 85%; line-height: 1.45; }
pre code { background: none; padding: 0; font-size: 100%; }
.add { color: #116329; background: #dafbe1; display: inline-block; width: 100%; }
.del { color: #82071e; background: #ffebe9; display: inline-block; width: 100%; }
.chg { color: #953800; background: #fff1e5; display: inline-block; width: 100%; }
details { margin: 0 0 16px; }
summary { cursor: pointer; }
blockquote { margin: 0 0 16px; padding: 0 1em; color: #1f2328; border-left: .25em solid #d1d9e0; }
blockquote.caution { border-left-color: #d1242f; }
blockquote.warning { border-left-color: #9a6700; }
.alert { font-weight: 600; margin: 8px 0; }
.caution .alert { color: #d1242f; }
.warning .alert { color: #9a6700; }
h3 { font-size: 1.25em; margin: 24px 0 16px; }
</style></head>
<body><div class="comment"><div class="header"><b>github-actions</b> bot commented</div><div class="body">
{{BODY}}
</div></div></body></html>
`
