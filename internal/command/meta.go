package command

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/validate"
	"github.com/j1hcl/j1hcl/lang"
)

// DefaultStateFile is the state file name in the configuration directory.
const DefaultStateFile = "j1hcl.state.json"

// Environment variables j1hcl reads besides J1HCL_VAR_<name>.
const (
	EnvInstanceID = "JUPITERONE_INTEGRATION_INSTANCE_ID"
)

// meta is shared by every command of one invocation.
type meta struct {
	env    *Env
	color  bool
	pal    render.Palette
	logger *slog.Logger
	// view receives diagnostics, warnings and the final error; the text view until a command
	// chooses JSON.
	view view
	// command is the running command's full name, e.g. "state rm".
	command string
	// stdout is env.Stdout, checked: its first write error fails the command.
	stdout *checkedWriter
	// locks are the state locks held, released on every way out.
	locks lockSet
	// signals routes SIGINT and SIGTERM (see signals.go).
	signals *signalRouter
}

// workDir is the configuration directory: the current directory after -chdir.
func workDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// loaded is a configuration after loading and validation.
type loaded struct {
	cfg    *lang.Config
	diags  hcl.Diagnostics
	mode   string
	target state.Target
	// targetErr explains why no target is known; commands that need one report it.
	targetErr error
}

// loadOptions say how a command wants the configuration loaded.
type loadOptions struct {
	vars varArgs
	mode string // -mode flag, "" when not given
}

// load runs lang and validate. The returned diagnostics hold every error and warning; the
// caller prints them.
func (m *meta) load(opts loadOptions) *loaded {
	dir := workDir()
	start := time.Now()
	cfg, diags := lang.Load(lang.Options{Dir: dir, Vars: opts.vars.vars, VarFiles: opts.vars.files, Environ: m.env.Environ()})
	m.logger.Debug("configuration loaded", "dir", dir, "files", len(cfg.Files), "entities", len(cfg.Graph.Entities), "relationships", len(cfg.Graph.Relationships), "duration", time.Since(start))
	l := &loaded{cfg: cfg, diags: diags}
	if diags.HasErrors() {
		return l
	}
	in := cfg.Integration

	l.mode = plan.ModeDiff
	switch {
	case opts.mode != "":
		l.mode = strings.ToUpper(opts.mode)
		if l.mode != plan.ModeDiff && l.mode != plan.ModePatch {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -mode", Detail: fmt.Sprintf("-mode=%s is not DIFF or PATCH.", opts.mode)})
			return l
		}
	case in.SyncMode != "":
		l.mode = in.SyncMode
	}

	if in.InstanceID != "" && !isInstanceID(in.InstanceID) {
		r := in.DeclRange
		if ar, ok := in.Ranges["instance_id"]; ok {
			r = ar
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid instance_id",
			Detail: fmt.Sprintf("instance_id %q is not an integration instance id. %s", in.InstanceID, instanceIDHelp), Subject: &r})
		return l
	}
	l.target, l.targetErr = resolveTarget(in, m.env.Getenv(EnvInstanceID))

	sev := map[string]validate.Severity{}
	for code, setting := range in.Rules.Severities {
		s, err := validate.ParseSeverity(setting.Value)
		if err == nil {
			err = validate.CheckOverride(code, s)
		}
		if err != nil {
			r := setting.Range
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rules setting", Detail: capitalizeFirst(err.Error()) + ".", Subject: &r})
			continue
		}
		sev[code] = s
	}
	if l.diags.HasErrors() {
		return l
	}
	start = time.Now()
	findings := validate.Graph(cfg.Graph, validate.Options{
		Mode:            l.mode,
		IntegrationType: in.Type,
		Severities:      sev,
		Strict:          in.Rules.Strict,
		Written:         cfg.Written,
		Classes:         dataModelCatalog(),
	})
	diagnose := validate.Diagnostics
	if _, text := m.view.(textView); text {
		diagnose = validate.FoldedDiagnostics // the text view shows one of each kind (consolidate)
	}
	l.diags = append(l.diags, diagnose(findings, cfg)...)
	m.logger.Debug("configuration validated", "findings", len(findings), "duration", time.Since(start))
	return l
}

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// resolveTarget applies the precedence environment > integration block for the instance id.
func resolveTarget(in lang.Integration, envInstance string) (state.Target, error) {
	switch {
	case envInstance != "" && in.Scope != "":
		return state.Target{}, fmt.Errorf("%s is set, but the integration block targets scope %q; a configuration targets an instance or a scope, not both: unset the variable or remove scope", EnvInstanceID, in.Scope)
	case envInstance != "" && !isInstanceID(envInstance):
		return state.Target{}, fmt.Errorf("%s=%q is not an integration instance id. %s", EnvInstanceID, envInstance, instanceIDHelp)
	case envInstance != "":
		return state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: envInstance}, nil
	case in.InstanceID != "":
		return state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: in.InstanceID}, nil
	case in.Scope != "":
		return state.Target{Source: state.SourceAPI, Scope: in.Scope}, nil
	}
	return state.Target{}, fmt.Errorf("no target: set instance_id (or scope) in the integration block, or the environment variable %s", EnvInstanceID)
}

// instanceIDHelp says what an instance id looks like and where to find it.
const instanceIDHelp = "JupiterOne integration instance ids are UUIDs such as 8e3b8c55-6bd6-4d5e-9f31-2c1a8d3e5b10: copy yours from the instance's page (Integrations > Custom > your instance)."

// isInstanceID reports whether s is an integration instance id: a UUID in its canonical
// 36-character form.
func isInstanceID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// priorOf describes a state for planning; the content hash, which saved plans need, only when
// asked for.
func priorOf(f *state.File, hash bool) (*model.Graph, plan.Prior) {
	if f == nil {
		return &model.Graph{}, plan.Prior{}
	}
	g := f.Graph()
	prior := plan.Prior{Exists: true, Lineage: f.Lineage, Serial: f.Serial}
	if hash {
		prior.Hash = model.HashGraph(g)
	}
	return g, prior
}

// files returns the loaded source files, for diagnostics' snippets.
func (l *loaded) files() map[string]*hcl.File {
	if l.cfg == nil {
		return nil
	}
	return l.cfg.Files
}
