// Package ci holds the CI recipes of examples/ci; its test checks that they parse and keep
// the promises their README makes.
package ci

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	ctyyaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
)

// The hidden marker that finds the one plan comment to update.
const marker = "<!-- j1hcl-plan -->"

var (
	// keyPrinter matches a command that could print a variable it is given.
	keyPrinter = regexp.MustCompile(`\b(echo|printf|cat|env|printenv|set -x)\b`)
	// outputWrite matches a step writing NAME to $GITHUB_OUTPUT; outputRef a use of it.
	outputWrite = regexp.MustCompile(`echo "([a-z_]+)=`)
	outputRef   = regexp.MustCompile(`steps\.([a-z_-]+)\.outputs\.([a-z_]+)`)
)

// load parses a YAML file into Go maps, lists and scalars.
func load(t *testing.T, path string) (map[string]any, string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ctyyaml.Standard.Unmarshal(src, cty.DynamicPseudoType)
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	doc, ok := toGo(v).(map[string]any)
	if !ok {
		t.Fatalf("%s is not a mapping", path)
	}
	return doc, string(src)
}

func toGo(v cty.Value) any {
	if v.IsNull() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case ty.IsObjectType() || ty.IsMapType():
		m := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			m[k.AsString()] = toGo(e)
		}
		return m
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		var l []any
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			l = append(l, toGo(e))
		}
		return l
	}
	return fmt.Sprintf("%#v", v)
}

// get walks a path of mapping keys; it fails the test when one is missing.
func get(t *testing.T, doc any, path ...string) any {
	t.Helper()
	cur := doc
	for i, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s is not a mapping", strings.Join(path[:i], "."))
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("missing %s", strings.Join(path[:i+1], "."))
		}
	}
	return cur
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// steps returns a GitHub job's steps.
func steps(t *testing.T, doc map[string]any, job string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, s := range get(t, doc, "jobs", job, "steps").([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

// stepRunning returns the first step whose run script contains every fragment.
func stepRunning(t *testing.T, list []map[string]any, fragments ...string) map[string]any {
	t.Helper()
	for _, s := range list {
		run := str(s["run"])
		found := true
		for _, f := range fragments {
			found = found && strings.Contains(run, f)
		}
		if found {
			return s
		}
	}
	t.Fatalf("no step runs %q", fragments)
	return nil
}

func TestGitHubWorkflow(t *testing.T) {
	doc, src := load(t, filepath.Join("github", "j1hcl.yml"))

	on := get(t, doc, "on").(map[string]any)
	for _, event := range []string{"pull_request", "push", "workflow_dispatch"} {
		if _, ok := on[event]; !ok {
			t.Errorf("the workflow does not run on %s", event)
		}
	}
	if branches := fmt.Sprint(get(t, doc, "on", "push", "branches")); branches != "[main]" {
		t.Errorf("push branches %s, want [main]", branches)
	}

	plan := steps(t, doc, "plan")
	stepRunning(t, plan, "fmt -check")
	stepRunning(t, plan, "validate")
	p := stepRunning(t, plan, "plan -format=markdown -detailed-exitcode", "-out=")
	run := str(p["run"])
	for _, want := range []string{"set +e", "code=$?", "2) echo \"changes=true\"", marker} {
		if !strings.Contains(run, want) {
			t.Errorf("the plan step lacks %q: exit code 2 must mean changes, not failure", want)
		}
	}
	var comment map[string]any
	for _, s := range plan {
		if strings.HasPrefix(str(s["uses"]), "actions/github-script@") {
			comment = s
		}
	}
	if comment == nil {
		t.Fatal("no actions/github-script step posts the plan comment")
	}
	script := str(get(t, comment, "with", "script"))
	for _, want := range []string{marker, "updateComment", "createComment", "listComments"} {
		if !strings.Contains(script, want) {
			t.Errorf("the comment script lacks %q: it must find its one comment by the marker and update it", want)
		}
	}
	if strings.Contains(fmt.Sprint(get(t, doc, "jobs", "plan")), "secrets.") {
		t.Error("the plan job reads a secret; plans of pull requests must not need one")
	}

	apply := get(t, doc, "jobs", "apply").(map[string]any)
	if g := str(get(t, apply, "concurrency", "group")); g == "" || strings.Contains(g, "${{") {
		t.Errorf("apply concurrency group %q must be one fixed group, so two applies never run at once", g)
	}
	if c := get(t, apply, "concurrency", "cancel-in-progress"); c != false {
		t.Errorf("apply concurrency cancel-in-progress = %v; a running apply must never be cancelled", c)
	}
	applySteps := steps(t, doc, "apply")
	saved := stepRunning(t, applySteps, `apply "$PLAN"`)
	if key := str(get(t, saved, "env", "JUPITERONE_API_KEY")); key != "${{ secrets.JUPITERONE_API_KEY }}" {
		t.Errorf("the apply step takes the API key from %q, want the secret", key)
	}
	stepRunning(t, applySteps, "git push origin HEAD:main")
	stepRunning(t, applySteps, "gh run download", "--name j1hcl-plan")

	checkNoKeyEcho(t, src)
	checkStepOutputs(t, doc, src)
}

// checkNoKeyEcho fails when a script could print the API key.
func checkNoKeyEcho(t *testing.T, src string) {
	t.Helper()
	for i, line := range strings.Split(src, "\n") {
		if strings.Contains(line, "JUPITERONE_API_KEY") && keyPrinter.MatchString(line) {
			t.Errorf("line %d may print the API key: %s", i+1, strings.TrimSpace(line))
		}
	}
	if strings.Contains(src, "set -x") {
		t.Error("set -x would trace secrets into the log")
	}
}

// checkStepOutputs checks every steps.ID.outputs.NAME reference against a step of that id
// which writes NAME to $GITHUB_OUTPUT, the typo actionlint would catch.
func checkStepOutputs(t *testing.T, doc map[string]any, src string) {
	t.Helper()
	written := map[string]bool{}
	for job := range get(t, doc, "jobs").(map[string]any) {
		for _, s := range steps(t, doc, job) {
			id := str(s["id"])
			for _, m := range outputWrite.FindAllStringSubmatch(str(s["run"]), -1) {
				written[id+"."+m[1]] = true
			}
		}
	}
	refs := outputRef.FindAllStringSubmatch(src, -1)
	if len(refs) == 0 {
		t.Fatal("no step outputs are used; the exit-code handling needs them")
	}
	for _, m := range refs {
		if !written[m[1]+"."+m[2]] {
			t.Errorf("steps.%s.outputs.%s is used but no step %q writes it", m[1], m[2], m[1])
		}
	}
}

func TestGitLabPipeline(t *testing.T) {
	doc, src := load(t, filepath.Join("gitlab", ".gitlab-ci.yml"))
	if fmt.Sprint(get(t, doc, "stages")) != "[check plan apply]" {
		t.Errorf("stages %v", get(t, doc, "stages"))
	}
	if str(get(t, doc, "variables", "MARKER")) != marker {
		t.Errorf("MARKER is %q, want %q", get(t, doc, "variables", "MARKER"), marker)
	}
	script := func(job string) string {
		var parts []string
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				parts = append(parts, x)
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(get(t, doc, job, "script"))
		return strings.Join(parts, "\n")
	}
	check := script("j1hcl:check")
	for _, want := range []string{"fmt -check", "validate"} {
		if !strings.Contains(check, want) {
			t.Errorf("j1hcl:check lacks %q", want)
		}
	}
	plan := script("j1hcl:plan")
	for _, want := range []string{
		"plan -format=markdown -detailed-exitcode", "-out=", "set +e", "0|2)", `test "$code" != 1`,
		`contains($m)`, "--request PUT", "--request POST", "merge_requests/$CI_MERGE_REQUEST_IID/notes",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("j1hcl:plan lacks %q", want)
		}
	}
	if paths := fmt.Sprint(get(t, doc, "j1hcl:plan", "artifacts", "paths")); paths != "[plan.j1plan]" {
		t.Errorf("j1hcl:plan artifacts %s, want the plan file", paths)
	}
	if g := str(get(t, doc, ".apply", "resource_group")); g == "" {
		t.Error(".apply has no resource_group: two applies could run at once")
	}
	for _, job := range []string{"j1hcl:apply", "j1hcl:replan-apply"} {
		if str(get(t, doc, job, "extends")) != ".apply" {
			t.Errorf("%s does not extend .apply", job)
		}
	}
	if !strings.Contains(script("j1hcl:apply"), `apply "$CI_PROJECT_DIR/plan.j1plan"`) {
		t.Error("j1hcl:apply does not apply the saved plan")
	}
	if !strings.Contains(script("j1hcl:replan-apply"), "apply -auto-approve") {
		t.Error("j1hcl:replan-apply does not re-plan and apply")
	}
	if !strings.Contains(fmt.Sprint(get(t, doc, "j1hcl:replan-apply", "rules")), "manual") {
		t.Error("j1hcl:replan-apply must be manual")
	}
	checkNoKeyEcho(t, src)
	if strings.Contains(src, "oauth2:$") || regexp.MustCompile(`https://[^ "]*\$\{?GITLAB_BOT_TOKEN`).MatchString(src) {
		t.Error("a token is written into a URL, where git may print it")
	}
}
