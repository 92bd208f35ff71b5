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

// repoFile reads a file from the repository root (the action, its scripts, the template).
func repoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
	for _, job := range []string{"plan", "apply"} {
		action := stepUsing(t, steps(t, doc, job), "j1hcl/j1hcl@")
		if v := str(get(t, action, "with", "version")); v == "" {
			t.Errorf("the %s job does not pin a j1hcl version", job)
		}
	}
	if strings.Contains(fmt.Sprint(get(t, doc, "jobs", "plan")), "secrets.") {
		t.Error("the plan job reads a secret; plans of pull requests must not need one")
	}
	if p := fmt.Sprint(get(t, doc, "jobs", "plan", "permissions")); !strings.Contains(p, "pull-requests:write") {
		t.Errorf("the plan job's permissions %s cannot comment", p)
	}

	apply := get(t, doc, "jobs", "apply").(map[string]any)
	if g := str(get(t, apply, "concurrency", "group")); g == "" || strings.Contains(g, "${{") {
		t.Errorf("apply concurrency group %q must be one fixed group, so two applies never run at once", g)
	}
	if c := get(t, apply, "concurrency", "cancel-in-progress"); c != false {
		t.Errorf("apply concurrency cancel-in-progress = %v; a running apply must never be cancelled", c)
	}
	applySteps := steps(t, doc, "apply")
	if key := str(get(t, stepUsing(t, applySteps, "j1hcl/j1hcl@"), "with", "jupiterone-api-key")); key != "${{ secrets.JUPITERONE_API_KEY }}" {
		t.Errorf("the apply job takes the API key from %q, want the secret", key)
	}
	if ref := str(get(t, stepUsing(t, applySteps, "actions/checkout@"), "with", "ref")); ref != "main" {
		t.Errorf("the apply job checks out %q, want the tip of main (the newest state)", ref)
	}
	if p := fmt.Sprint(get(t, apply, "permissions")); !strings.Contains(p, "contents:write") || !strings.Contains(p, "actions:read") {
		t.Errorf("the apply job's permissions %s cannot download the plan and push the state", p)
	}
	checkNoKeyEcho(t, src)
}

// stepUsing returns the first step whose uses starts with prefix.
func stepUsing(t *testing.T, list []map[string]any, prefix string) map[string]any {
	t.Helper()
	for _, s := range list {
		if strings.HasPrefix(str(s["uses"]), prefix) {
			return s
		}
	}
	t.Fatalf("no step uses %s", prefix)
	return nil
}

// TestAction checks action.yml (the repository's composite action) and the scripts it runs:
// what runs in which mode, that a plan's exit code 2 means changes, that the one comment is
// found by its marker and updated, and that apply runs the saved plan.
func TestAction(t *testing.T) {
	doc, src := load(t, filepath.Join("..", "..", "action.yml"))
	if str(get(t, doc, "runs", "using")) != "composite" {
		t.Fatal("action.yml is not a composite action")
	}
	if req := get(t, doc, "inputs", "version", "required"); req != true {
		t.Error("the version input must be required: the plan and state formats belong to a version")
	}
	var list []map[string]any
	for _, s := range get(t, doc, "runs", "steps").([]any) {
		list = append(list, s.(map[string]any))
	}
	stepRunning(t, list, "ci/install.sh", "$J1HCL_VERSION")
	plan := stepRunning(t, list, "ci/plan.sh")
	if !strings.Contains(str(plan["if"]), "'plan'") {
		t.Errorf("the plan step runs when %q", plan["if"])
	}
	comment := stepRunning(t, list, "ci/comment.sh")
	if !strings.HasPrefix(str(comment["if"]), "always()") {
		t.Error("the comment step must run after a failed plan too")
	}
	if tok := str(get(t, comment, "env", "GITHUB_TOKEN")); !strings.Contains(tok, "head.repo.full_name == github.repository") {
		t.Errorf("the comment step gives a token to forks' runs: %q", tok)
	}
	upload := stepUsing(t, list, "actions/upload-artifact@")
	if cond := str(upload["if"]); !strings.Contains(cond, "exitcode == '0'") || !strings.Contains(cond, "exitcode == '2'") {
		t.Errorf("the plan artifact is kept when %q; want after every successful plan", cond)
	}
	stepRunning(t, list, "ci/find-plan-github.sh")
	apply := stepRunning(t, list, `ci/apply.sh" "$PLAN"`, `ci/apply.sh" --replan`)
	if key := str(get(t, apply, "env", "JUPITERONE_API_KEY")); key != "${{ inputs.jupiterone-api-key }}" {
		t.Errorf("the apply step takes the key from %q", key)
	}
	commit := stepRunning(t, list, "ci/commit-state.sh")
	if !strings.HasPrefix(str(commit["if"]), "always()") {
		t.Error("the state must be committed after a failed apply too (a pending job is recorded in it)")
	}
	for _, s := range list {
		if s["run"] != nil && str(s["shell"]) != "bash" {
			t.Errorf("step %q has no shell: bash (composite steps require one)", s["name"])
		}
	}

	planScript := repoFile(t, "ci/plan.sh")
	for _, want := range []string{"plan -format=markdown -detailed-exitcode", "-out=", "2) changes=true", marker, "exitcode=$code"} {
		if !strings.Contains(planScript, want) {
			t.Errorf("ci/plan.sh lacks %q: exit code 2 must mean changes, not failure", want)
		}
	}
	commentScript := repoFile(t, "ci/comment.sh")
	for _, want := range []string{marker, "contains($m)", "-X PATCH", "-X POST", "--request PUT", "--request POST"} {
		if !strings.Contains(commentScript, want) {
			t.Errorf("ci/comment.sh lacks %q: it must find its one comment by the marker and update it", want)
		}
	}
	applyScript := repoFile(t, "ci/apply.sh")
	for _, want := range []string{`apply "$target"`, "apply -auto-approve"} {
		if !strings.Contains(applyScript, want) {
			t.Errorf("ci/apply.sh lacks %q", want)
		}
	}
	if !strings.Contains(repoFile(t, "ci/find-plan-github.sh"), "gh run download") {
		t.Error("ci/find-plan-github.sh does not download the plan artifact")
	}
	checkNoKeyEcho(t, src)
	for _, f := range []string{"ci/plan.sh", "ci/comment.sh", "ci/apply.sh", "ci/commit-state.sh", "ci/install.sh", "ci/find-plan-github.sh", "ci/find-plan-gitlab.sh"} {
		checkNoKeyEcho(t, repoFile(t, f))
	}
	checkStepOutputs(t, list, src)
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
// which writes NAME to $GITHUB_OUTPUT, in its run script or in the ci/ script it runs: the
// typo actionlint would catch.
func checkStepOutputs(t *testing.T, list []map[string]any, src string) {
	t.Helper()
	written := map[string]bool{}
	scripts := regexp.MustCompile(`ci/[a-z-]+\.sh`)
	for _, s := range list {
		id := str(s["id"])
		run := str(s["run"])
		for _, f := range scripts.FindAllString(run, -1) {
			run += repoFile(t, f)
		}
		for _, m := range outputWrite.FindAllStringSubmatch(run, -1) {
			written[id+"."+m[1]] = true
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
	doc, _ := load(t, filepath.Join("gitlab", ".gitlab-ci.yml"))
	include := get(t, doc, "include").([]any)[0].(map[string]any)
	if !strings.HasSuffix(str(include["remote"]), "/templates/j1hcl.gitlab-ci.yml") {
		t.Errorf("the pipeline includes %q, not the template", include["remote"])
	}
	if v := str(get(t, include, "inputs", "version")); v == "" {
		t.Error("the pipeline does not pin a j1hcl version")
	}
}

// TestGitLabTemplate checks templates/j1hcl.gitlab-ci.yml, a CI/CD component-style template
// (a spec document, then the jobs), the way TestAction checks the action.
func TestGitLabTemplate(t *testing.T) {
	src := repoFile(t, "templates/j1hcl.gitlab-ci.yml")
	header, body, ok := strings.Cut(src, "\n---\n")
	if !ok {
		t.Fatal("the template has no spec document before ---")
	}
	parse := func(text string) map[string]any {
		// !reference is GitLab's tag; to a YAML parser it is an unknown one.
		text = strings.ReplaceAll(text, "!reference ", "")
		v, err := ctyyaml.Standard.Unmarshal([]byte(text), cty.DynamicPseudoType)
		if err != nil {
			t.Fatalf("the template does not parse: %v", err)
		}
		return toGo(v).(map[string]any)
	}
	spec := parse(header)
	if _, ok := get(t, spec, "spec", "inputs", "version").(map[string]any); !ok {
		t.Error("the template has no version input")
	}
	doc := parse(body)
	script := func(job, key string) string {
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
		walk(get(t, doc, job, key))
		return strings.Join(parts, "\n")
	}
	install := script(".j1hcl", "before_script")
	for _, want := range []string{"SHA256SUMS", "sha256sum -c", "tar -xzf"} {
		if !strings.Contains(install, want) {
			t.Errorf("the install lacks %q: archives must be checked before use", want)
		}
	}
	plan := script("j1hcl:plan", "script")
	for _, want := range []string{"set +e", "/tmp/j1hcl/ci/plan.sh", "code=$?", "/tmp/j1hcl/ci/comment.sh comment.md", `exit "$code"`} {
		if !strings.Contains(plan, want) {
			t.Errorf("j1hcl:plan lacks %q", want)
		}
	}
	if !strings.Contains(fmt.Sprint(get(t, doc, "j1hcl:plan", "rules")), "merge_request_event") {
		t.Error("j1hcl:plan does not run on merge requests")
	}
	if paths := fmt.Sprint(get(t, doc, "j1hcl:plan", "artifacts", "paths")); paths != "[plan.j1plan]" {
		t.Errorf("j1hcl:plan artifacts %s, want the plan file", paths)
	}
	if g := str(get(t, doc, ".j1hcl-apply", "resource_group")); g == "" {
		t.Error(".j1hcl-apply has no resource_group: two applies could run at once")
	}
	if !strings.Contains(script(".j1hcl-apply", "after_script"), "commit-state.sh") {
		t.Error(".j1hcl-apply does not commit the state after the job")
	}
	for _, job := range []string{"j1hcl:apply", "j1hcl:replan-apply"} {
		if str(get(t, doc, job, "extends")) != ".j1hcl-apply" {
			t.Errorf("%s does not extend .j1hcl-apply", job)
		}
	}
	if s := script("j1hcl:apply", "script"); !strings.Contains(s, "find-plan-gitlab.sh") || !strings.Contains(s, `apply.sh "$CI_PROJECT_DIR/reviewed/plan.j1plan"`) {
		t.Error("j1hcl:apply does not apply the merged request's saved plan")
	}
	if !strings.Contains(script("j1hcl:replan-apply", "script"), "apply.sh --replan") {
		t.Error("j1hcl:replan-apply does not re-plan and apply")
	}
	if !strings.Contains(fmt.Sprint(get(t, doc, "j1hcl:replan-apply", "rules")), "manual") {
		t.Error("j1hcl:replan-apply must be manual")
	}
	checkNoKeyEcho(t, src)
	if strings.Contains(src, "oauth2:$") || regexp.MustCompile(`https://[^ "]*\$\{?(GITLAB_BOT_TOKEN|GIT_PUSH_TOKEN)`).MatchString(src+repoFile(t, "ci/commit-state.sh")) {
		t.Error("a token is written into a URL, where git may print it")
	}
}

// The backend variants keep the state in S3 or GitLab's managed state: they parse, never
// commit a state file back, and take credentials only from the platform (OIDC role, job
// token), never from a literal.
func TestBackendVariants(t *testing.T) {
	for _, tt := range []struct {
		path  string
		wants []string
	}{
		{filepath.Join("github", "j1hcl-s3.yml"), []string{`backend "s3"`, "configure-aws-credentials", "role-to-assume", "-lock-timeout=", `apply -lock-timeout=10m "$PLAN"`}},
		{filepath.Join("gitlab", ".gitlab-ci.http-backend.yml"), []string{`backend "http"`, "J1HCL_HTTP_PASSWORD: \"${CI_JOB_TOKEN}\"", "/terraform/state/", "J1HCL_HTTP_LOCK_ADDRESS", "resource_group"}},
	} {
		_, src := load(t, tt.path)
		for _, want := range tt.wants {
			if !strings.Contains(src, want) {
				t.Errorf("%s lacks %q", tt.path, want)
			}
		}
		if strings.Contains(src, "git push") || strings.Contains(src, "git add") || strings.Contains(src, "git commit") {
			t.Errorf("%s commits a state file back", tt.path)
		}
		if regexp.MustCompile(`(?i)(aws_secret_access_key|password)\s*[:=]\s*"[^$]`).MatchString(src) {
			t.Errorf("%s holds a literal credential", tt.path)
		}
		checkNoKeyEcho(t, src)
	}
}

// TestDriftCheckRecipes: the scheduled drift check runs ci/drift.sh on a schedule in both
// recipes, with a key from a secret, and fails the job on drift (the script's exit 2).
func TestDriftCheckRecipes(t *testing.T) {
	doc, src := load(t, filepath.Join("github", "j1hcl-drift.yml"))
	on := get(t, doc, "on").(map[string]any)
	if _, ok := on["schedule"]; !ok {
		t.Error("the drift workflow has no schedule")
	}
	if _, ok := on["pull_request"]; ok {
		t.Error("the drift check must not run on pull requests: it needs the API key")
	}
	action := stepUsing(t, steps(t, doc, "drift"), "j1hcl/j1hcl@")
	with := action["with"].(map[string]any)
	if str(with["mode"]) != "drift" || !strings.Contains(str(with["jupiterone-api-key"]), "secrets.JUPITERONE_API_KEY") {
		t.Errorf("the drift step runs with %v", with)
	}
	checkNoKeyEcho(t, src)

	actionDoc, _ := load(t, filepath.Join("..", "..", "action.yml"))
	var list []map[string]any
	for _, s := range get(t, actionDoc, "runs", "steps").([]any) {
		list = append(list, s.(map[string]any))
	}
	if drift := stepRunning(t, list, "ci/drift.sh"); !strings.Contains(str(drift["if"]), "'drift'") {
		t.Errorf("the action's drift step runs when %q", drift["if"])
	}
	if !strings.Contains(str(stepRunning(t, list, "mode=$MODE")["run"]), "schedule) mode=drift") {
		t.Error("a scheduled run of the action does not default to the drift check")
	}

	template := repoFile(t, "templates/j1hcl.gitlab-ci.yml")
	job, _, ok := strings.Cut(template[strings.Index(template, "j1hcl:drift:"):]+"\n\n", "\n\n")
	if !ok || !strings.Contains(job, `$CI_PIPELINE_SOURCE == "schedule"`) || !strings.Contains(job, "ci/drift.sh") {
		t.Errorf("the GitLab template's drift job:\n%s", job)
	}

	script := repoFile(t, "ci/drift.sh")
	checkNoKeyEcho(t, script)
	for _, want := range []string{"plan -refresh-only -detailed-exitcode", `exit "$code"`} {
		if !strings.Contains(script, want) {
			t.Errorf("ci/drift.sh lacks %q", want)
		}
	}
}
