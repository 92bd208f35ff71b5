package command

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/importjson"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/lang"
)

// importArgs are import's flags and its two arguments.
type importArgs struct {
	vars    varArgs
	state   stateArgs
	address string
	key     string
}

func importCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt an object JupiterOne already holds: record it in the state at ADDRESS",
		ArgsUsage: "ADDRESS KEY",
		Description: "Reads the object with _key KEY from the target's live graph and records it in the state under\n" +
			"ADDRESS, a block of the configuration (a for_each instance with its key, e.g.\n" +
			"'entity.user.all[\"alice\"]'). The block must produce that _key. Nothing is sent to\n" +
			"JupiterOne; the next plan shows how the configuration differs from the adopted object.\n" +
			"An import { to = ADDRESS  key = \"KEY\" } block does the same as part of a reviewed plan.\n\n" +
			"Environment: JUPITERONE_API_KEY, JUPITERONE_API_BASE, JUPITERONE_ACCOUNT, JUPITERONE_GRAPHQL_URL, " + EnvInstanceID + ".",
		Flags: append(varFlags(), stateFlags(true)...),
		Action: func(c *cli.Context) error {
			m.useView("text")
			if c.NArg() != 2 {
				return fmt.Errorf("import takes an address and a _key, e.g. j1hcl import entity.team.eng \"acme:team:eng\"")
			}
			a := importArgs{vars: parseVarArgs(c), state: parseStateArgs(c), address: c.Args().Get(0), key: c.Args().Get(1)}
			return m.runImport(c.Context, a)
		},
	}
}

func (m *meta) runImport(ctx context.Context, a importArgs) error {
	l := m.load(loadOptions{vars: a.vars})
	m.view.Diagnostics(l.files(), l.diags)
	if l.diags.HasErrors() {
		return exitCode(ExitError)
	}
	if l.targetErr != nil {
		return l.targetErr
	}
	var desired *model.Object
	for _, o := range l.cfg.Graph.All() {
		if o.Address == a.address {
			desired = o
			break
		}
	}
	if desired == nil {
		return fmt.Errorf("the configuration has no object at %s: write its block first (a for_each instance needs its key, e.g. entity.user.all[\"alice\"])", render.Escape(a.address))
	}
	if desired.Key() != a.key {
		return fmt.Errorf("%s has _key %q, not %q: an object keeps its _key, so set _key = %q in the block to adopt this one",
			a.address, desired.Key(), render.Escape(a.key), render.Escape(a.key))
	}
	st, err := m.openState(ctx, a.state, openOptions{operation: "import", target: &l.target})
	if err != nil {
		return err
	}
	defer st.release()
	prior, _ := priorOf(st.file, false)
	for _, o := range prior.All() {
		if o.Key() == a.key && o.Kind.IsRelationship() == desired.Kind.IsRelationship() {
			return fmt.Errorf("the state already records _key %q at %s: it is managed already; nothing was changed", render.Escape(a.key), o.Address)
		}
	}
	live, err := m.readLive(ctx, l.target, prior)
	if err != nil {
		return err
	}
	list := live.Entities
	if desired.Kind.IsRelationship() {
		list = live.Relationships
	}
	found := model.NewIndex(list)[a.key]
	if found == nil {
		return fmt.Errorf("JupiterOne holds no %s with _key %q in %s: check the key (j1hcl import-remote writes out everything the target holds); nothing was changed",
			desired.Kind, render.Escape(a.key), l.target)
	}
	adopted := found.Clone()
	adopted.Address = a.address
	adopted.Sensitive = desired.Sensitive
	next := &model.Graph{Entities: append([]*model.Object(nil), prior.Entities...), Relationships: append([]*model.Object(nil), prior.Relationships...)}
	next.Add(adopted)

	f := state.New(l.target, Version)
	if st.file != nil {
		copied := *st.file
		f = &copied
	}
	f.ToolVersion = Version
	if f.SetObjects(next) {
		f.Serial++
	}
	if err := writeStateBounded(ctx, st.store, f); err != nil {
		return fmt.Errorf("record the import in the state: %w", err)
	}
	fmt.Fprintf(m.env.Stdout, "%s %s now records the %s with _key %q that JupiterOne holds.\nRun j1hcl plan to see how the configuration differs from it.\n",
		m.pal.Bold(m.pal.Green("Import successful!")), a.address, desired.Kind, a.key)
	return nil
}

// writeStateBounded writes f through store within a bounded time that outlives an interrupt:
// a state half-written because of Ctrl-C would be worse than one written a moment late.
func writeStateBounded(ctx context.Context, store backend.Backend, f *state.File) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	return backend.WriteState(wctx, store, f)
}

// importRemoteArgs are import-remote's flags.
type importRemoteArgs struct {
	out, instanceID, scope, integrationType string
}

func importRemoteCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "import-remote",
		Usage:     "write a configuration and a matching state for everything the target holds",
		ArgsUsage: " ",
		Description: "Reads the target's whole live graph (every entity and relationship of the integration\n" +
			"instance or scope) and writes into DIR an idiomatic configuration, the same files import-json\n" +
			"writes, and a state that records those objects, so that j1hcl plan in DIR shows No changes.\n" +
			"The way in for an instance that scripts already fill. The target comes from the configuration\n" +
			"in the current directory if there is one, else from -instance-id or -scope (or\n" +
			EnvInstanceID + "). DIR must not hold a configuration or a state yet.\n\n" +
			"Environment: JUPITERONE_API_KEY, JUPITERONE_API_BASE, JUPITERONE_ACCOUNT, JUPITERONE_GRAPHQL_URL, " + EnvInstanceID + ".",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the configuration and state into `DIR` (required)", TakesFile: true},
			&cli.StringFlag{Name: "instance-id", Usage: "the integration instance `ID` to read (default: the configuration's, or " + EnvInstanceID + ")"},
			&cli.StringFlag{Name: "scope", Usage: "read the api `SCOPE` instead of an integration instance"},
			&cli.StringFlag{Name: "type", Usage: "the integration `TYPE` (default: derived from the entities' _type values)"},
		},
		Action: func(c *cli.Context) error {
			m.useView("text")
			if c.NArg() > 0 {
				return fmt.Errorf("import-remote takes no arguments; the output folder is -out=DIR")
			}
			a := importRemoteArgs{out: c.String("out"), instanceID: c.String("instance-id"), scope: c.String("scope"), integrationType: c.String("type")}
			if a.out == "" {
				return fmt.Errorf("import-remote needs -out=DIR: the folder to write the configuration and the state into")
			}
			return m.runImportRemote(c.Context, a)
		},
	}
}

// importRemoteTarget decides what import-remote reads: the flags, else the configuration in
// the current directory, else the environment.
func (m *meta) importRemoteTarget(a importRemoteArgs) (state.Target, error) {
	switch {
	case a.instanceID != "" && a.scope != "":
		return state.Target{}, fmt.Errorf("-instance-id and -scope contradict each other: a target is an integration instance or an api scope")
	case a.instanceID != "":
		return state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: a.instanceID}, nil
	case a.scope != "":
		return state.Target{Source: state.SourceAPI, Scope: a.scope}, nil
	}
	if files, _ := filepath.Glob(filepath.Join(workDir(), "*.hcl")); len(files) > 0 {
		l := m.load(loadOptions{})
		m.view.Diagnostics(l.files(), l.diags)
		if l.diags.HasErrors() {
			return state.Target{}, exitCode(ExitError)
		}
		if l.targetErr == nil {
			return l.target, nil
		}
	}
	if id := m.env.Getenv(EnvInstanceID); id != "" {
		return state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: id}, nil
	}
	return state.Target{}, fmt.Errorf("no target to read: pass -instance-id=ID or -scope=SCOPE, set %s, or run import-remote in a configured directory", EnvInstanceID)
}

func (m *meta) runImportRemote(ctx context.Context, a importRemoteArgs) error {
	target, err := m.importRemoteTarget(a)
	if err != nil {
		return err
	}
	statePath := filepath.Join(a.out, DefaultStateFile)
	if _, err := os.Stat(statePath); err == nil {
		return fmt.Errorf("%s already exists: import-remote never overwrites a state; choose an empty -out folder", statePath)
	}
	live, err := m.readLive(ctx, target, nil)
	if err != nil {
		return err
	}
	if live.Len() == 0 {
		return fmt.Errorf("%s holds no entities and no relationships: there is nothing to import", target)
	}
	var payload strings.Builder
	if err := model.PayloadOf(live).WriteJSON(&payload, ""); err != nil {
		return fmt.Errorf("encode the live graph: %w", err)
	}
	source := "the live graph of " + target.String()
	res, err := importjson.Convert([]byte(payload.String()), importjson.Options{
		Source: source, IntegrationType: a.integrationType,
		InstanceID: target.IntegrationInstanceID, Scope: target.Scope,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if err := res.Verify(); err != nil {
		return fmt.Errorf("%w (this is a bug in import-remote; nothing was written)", err)
	}
	if err := res.Write(a.out); err != nil {
		return err
	}
	// The state records the objects as JupiterOne holds them, under the addresses the written
	// configuration gives them; where import-json normalized an object, plan shows it.
	cfg, diags := lang.Load(lang.Options{Dir: a.out})
	if diags.HasErrors() {
		return fmt.Errorf("the written configuration does not load (a bug in import-remote): %s", diags.Error())
	}
	addresses := map[string]string{}
	for _, o := range cfg.Graph.All() {
		addresses[kindKey(o)] = o.Address
	}
	for _, o := range live.All() {
		o.Address = addresses[kindKey(o)]
	}
	f := state.New(target, Version)
	f.SetObjects(live)
	f.Serial = 1
	if err := writeStateBounded(ctx, backend.NewLocal(statePath), f); err != nil {
		return fmt.Errorf("write the state: %w", err)
	}
	m.printImport(res, source, a.out)
	fmt.Fprintf(m.env.Stdout, "  %s: the state of these objects; j1hcl plan in %s shows what differs (nothing, unless a normalization is listed above).\n", DefaultStateFile, a.out)
	return nil
}

// kindKey identifies an object the way the state does: its _key, apart for entities and
// relationships.
func kindKey(o *model.Object) string {
	if o.Kind.IsRelationship() {
		return "r " + o.Key()
	}
	return "e " + o.Key()
}
