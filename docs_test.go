package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/validate"
)

// ruleDocIntegration is the integration block the examples of docs/rules/*.md assume.
const ruleDocIntegration = `integration {
  type        = "my-billing-acme"
  instance_id = "8e3b8c55-6bd6-4d5e-9f31-2c1a8d3e5b10"
  key_prefix  = "billing-acme"
}

`

// TestRuleDocs: every rule has a page under docs/rules whose failing example fails with the
// rule's code and whose fixed example does not.
func TestRuleDocs(t *testing.T) {
	index, err := os.ReadFile("docs/rules/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range validate.Rules {
		t.Run(r.Code, func(t *testing.T) {
			page, err := os.ReadFile(validate.DocPath(r.Code))
			if err != nil {
				t.Fatalf("rule %s has no page: %v", r.Code, err)
			}
			if !strings.Contains(string(index), "["+r.Code+"]("+r.Code+".md)") {
				t.Errorf("docs/rules/README.md does not link %s", r.Code)
			}
			for _, section := range []string{"## What it checks", "## Why JupiterOne cares", "## Changing its severity"} {
				if !strings.Contains(string(page), section) {
					t.Errorf("the page lacks %q", section)
				}
			}
			bad := hclAfter(t, string(page), "## Example that fails")
			good := hclAfter(t, string(page), "## Fixed")
			if codes := validateCodes(t, bad); !slices.Contains(codes, r.Code) {
				t.Errorf("the failing example gives %v, not %s:\n%s", codes, r.Code, bad)
			}
			if codes := validateCodes(t, good); slices.Contains(codes, r.Code) {
				t.Errorf("the fixed example still gives %s:\n%s", r.Code, good)
			}
		})
	}
}

var hclFence = regexp.MustCompile("(?s)```hcl\n(.*?)```")

// hclAfter returns the first hcl code block after heading.
func hclAfter(t *testing.T, page, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, heading+"\n")
	if !ok {
		t.Fatalf("the page has no %q section", heading)
	}
	m := hclFence.FindStringSubmatch(rest)
	if m == nil {
		t.Fatalf("no hcl example after %q", heading)
	}
	return m[1]
}

// validateCodes runs `j1hcl validate -json` on src (with the integration block the pages
// assume, unless src has its own) and returns the rule codes of its diagnostics.
func validateCodes(t *testing.T, src string) []string {
	t.Helper()
	dir := t.TempDir()
	if !strings.Contains(src, "integration {") {
		src = ruleDocIntegration + src
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "j1hcl"), "-chdir="+dir, "validate", "-json")
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if err != nil && !(errors.As(err, &exitErr) && exitErr.ExitCode() == 1) {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	var doc struct {
		Diagnostics []struct {
			Code    string `json:"code"`
			Summary string `json:"summary"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("validate -json printed no JSON: %v\n%s", err, out)
	}
	var codes []string
	for _, d := range doc.Diagnostics {
		if d.Code == "" {
			t.Errorf("the example does not load: %s", d.Summary)
		}
		codes = append(codes, d.Code)
	}
	return codes
}

// TestCommandsAndFlagsAreDocumented: every command, subcommand and flag that `j1hcl … --help`
// lists is named in the README or a page under docs/.
func TestCommandsAndFlagsAreDocumented(t *testing.T) {
	var all strings.Builder
	for _, pattern := range []string{"README.md", "docs/*.md", "docs/*/*.md"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
	}
	docs := all.String()
	var walk func(path []string)
	seen := 0
	walk = func(path []string) {
		out, err := exec.Command(filepath.Join(binDir, "j1hcl"), append(path, "--help")...).Output()
		if err != nil {
			t.Fatalf("j1hcl %s --help: %v", strings.Join(path, " "), err)
		}
		commands, flags := parseHelp(string(out))
		for _, f := range flags {
			if !strings.Contains(docs, "-"+f) {
				t.Errorf("the flag -%s of `j1hcl %s` is not documented", f, strings.Join(path, " "))
			}
		}
		for _, c := range commands {
			seen++
			full := strings.Join(append(slices.Clone(path), c), " ")
			if !strings.Contains(docs, "`"+full) {
				t.Errorf("the command `j1hcl %s` is not documented", full)
			}
			walk(append(slices.Clone(path), c))
		}
	}
	walk(nil)
	if seen < 10 {
		t.Fatalf("found only %d commands in --help", seen)
	}
}

var (
	helpSection = regexp.MustCompile(`^([A-Z][A-Z ]*):$`)
	helpGap     = regexp.MustCompile(`\s{2,}`)
	helpFlag    = regexp.MustCompile(`(?:^|[\s,\[])--?([a-z][a-z0-9-]+)`)
)

// parseHelp reads the commands and the long flag names from urfave/cli's help text.
func parseHelp(help string) (commands, flags []string) {
	section := ""
	for _, line := range strings.Split(help, "\n") {
		if m := helpSection.FindStringSubmatch(strings.TrimSpace(line)); m != nil && !strings.HasPrefix(line, " ") {
			section = m[1]
			continue
		}
		spec := helpGap.Split(strings.TrimSpace(line), 2)[0]
		if spec == "" {
			continue
		}
		switch {
		case section == "COMMANDS":
			name := strings.TrimSuffix(strings.Fields(spec)[0], ",")
			if name != "help" {
				commands = append(commands, name)
			}
		case strings.HasSuffix(section, "OPTIONS"):
			for _, m := range helpFlag.FindAllStringSubmatch(spec, -1) {
				if m[1] != "help" && m[1] != "version" && !slices.Contains(flags, m[1]) {
					flags = append(flags, m[1])
				}
			}
		}
	}
	return commands, flags
}
