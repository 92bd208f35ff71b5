package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/encryption"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/lang"
)

// EnvStatePassphrase encrypts the state and saved plans when the configuration has no
// encryption block.
const EnvStatePassphrase = "J1HCL_STATE_PASSPHRASE"

// maxBackendConfigFile bounds a -backend-config file.
const maxBackendConfigFile = 1 << 20

// stateSettings returns the configuration's backend and encryption blocks: given (from a
// configuration already loaded) or read from the configuration directory. Problems have been
// reported as diagnostics when the error is an exitCode.
func (m *meta) stateSettings(given *lang.StateSettings) (*lang.StateSettings, error) {
	if given != nil {
		return given, nil
	}
	s, diags := lang.LoadStateSettings(lang.Options{Dir: workDir(), Environ: m.env.Environ()})
	if diags.HasErrors() {
		m.view.Diagnostics(nil, diags)
		return nil, exitCode(ExitError)
	}
	return s, nil
}

// passphrase is the state's encryption passphrase: the encryption block's, else
// J1HCL_STATE_PASSPHRASE; "" means no encryption.
func (m *meta) passphrase(s *lang.StateSettings) string {
	if s.Encryption != nil {
		return s.Encryption.Passphrase
	}
	return m.env.Getenv(EnvStatePassphrase)
}

// backendFor opens the backend that stores the state: the configuration's backend block with
// the -backend-config overrides, or the local state file (-state, default j1hcl.state.json),
// wrapped in encryption when a passphrase is configured. A configuration problem is reported
// as a diagnostic at the block's (or the setting's) line, before anything is touched.
func (m *meta) backendFor(ctx context.Context, a stateArgs, given *lang.StateSettings) (backend.Backend, error) {
	s, err := m.stateSettings(given)
	if err != nil {
		return nil, err
	}
	b := s.Backend
	kind, settings := "local", backend.Settings{}
	if b != nil {
		kind = b.Kind
		for name, v := range b.Settings {
			settings[name] = v.Value
		}
	}
	overrides, err := parseBackendConfig(a.backendConfig)
	if err != nil {
		return nil, err
	}
	for name, v := range overrides {
		settings[name] = v
	}
	switch {
	case kind == "local" && a.pathSet:
		settings["path"] = a.path
	case kind == "local" && settings["path"] == "":
		settings["path"] = a.path
	case a.pathSet:
		return nil, fmt.Errorf("-state names a local state file, but the configuration keeps the state in its %s backend: leave -state out, or use -backend-config to point the backend elsewhere", kind)
	}
	store, err := backend.Open(ctx, kind, settings, m.env.Getenv, workDir())
	var se *backend.SettingError
	if errors.As(err, &se) {
		if b == nil {
			return nil, fmt.Errorf("invalid -backend-config: %s", se.Error())
		}
		subject := b.DeclRange
		if _, known := backend.Kinds[kind]; !known {
			subject = b.KindRange
		} else if v, ok := b.Settings[se.Name]; ok && se.Name != "" {
			subject = v.Range
		}
		detail := se.Msg
		if _, fromFlag := overrides[se.Name]; fromFlag && se.Name != "" {
			detail = fmt.Sprintf("-backend-config %s: %s", se.Name, se.Msg)
		}
		m.view.Diagnostics(s.Files, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid backend configuration", Detail: detail, Subject: &subject}})
		return nil, exitCode(ExitError)
	}
	if err != nil {
		return nil, err
	}
	if p := m.passphrase(s); p != "" {
		enc, err := backend.NewEncrypted(store, p)
		if err != nil {
			store.Close()
			return nil, err
		}
		return enc, nil
	}
	return store, nil
}

// parseBackendConfig reads -backend-config values: KEY=VALUE, or the name of a file of
// KEY = VALUE lines in HCL syntax (literal values, as in a backend block).
func parseBackendConfig(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		if key, val, ok := strings.Cut(v, "="); ok && key != "" && !strings.ContainsAny(key, "/\\ ") {
			out[strings.TrimSpace(key)] = val
			continue
		}
		info, err := os.Stat(v)
		if err != nil {
			return nil, fmt.Errorf("-backend-config=%s is neither KEY=VALUE nor a readable file: %w", v, err)
		}
		if info.Size() > maxBackendConfigFile {
			return nil, fmt.Errorf("-backend-config file %s is larger than %d bytes", v, maxBackendConfigFile)
		}
		f, diags := hclparse.NewParser().ParseHCLFile(v)
		if diags.HasErrors() {
			return nil, fmt.Errorf("-backend-config file %s: %s", v, diags.Error())
		}
		attrs, diags := f.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, fmt.Errorf("-backend-config file %s: %s", v, diags.Error())
		}
		for name, attr := range attrs {
			val, diags := attr.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, fmt.Errorf("-backend-config file %s: %s must be a literal value", v, name)
			}
			s, err := convert.Convert(val, cty.String)
			if err != nil || s.IsNull() {
				return nil, fmt.Errorf("-backend-config file %s: %s must be a string, a number or a boolean", v, name)
			}
			out[name] = s.AsString()
		}
	}
	return out, nil
}

// planSealer returns the sealer of saved plans, nil without encryption.
func (m *meta) planSealer(s *lang.StateSettings) (*encryption.Sealer, error) {
	p := m.passphrase(s)
	if p == "" {
		return nil, nil
	}
	return encryption.New(p)
}

// writePlanFile saves p, encrypted when a passphrase is configured.
func (m *meta) writePlanFile(path string, p *plan.Plan, s *lang.StateSettings) error {
	sealer, err := m.planSealer(s)
	if err != nil {
		return err
	}
	if sealer == nil {
		return plan.WriteFile(path, p)
	}
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if data, err = sealer.Seal(data); err != nil {
		return fmt.Errorf("encrypt plan %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, 0o600, data); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// readPlanFile loads a saved plan, decrypting it when it is encrypted.
func (m *meta) readPlanFile(path string, s *lang.StateSettings) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if encryption.IsSealed(data) {
		sealer, err := m.planSealer(s)
		if err != nil {
			return nil, err
		}
		if sealer == nil {
			return nil, fmt.Errorf("the plan %s is encrypted: give its passphrase with an encryption block or %s", path, EnvStatePassphrase)
		}
		if data, err = sealer.Open(data); err != nil {
			return nil, fmt.Errorf("the plan %s is encrypted, and %w: check the passphrase of the encryption block or %s", path, err, EnvStatePassphrase)
		}
	}
	return plan.Decode(data, path)
}
