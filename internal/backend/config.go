package backend

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/j1hcl/j1hcl/internal/suggest"
)

// Settings are a backend's options as strings, by name: the backend block's, overridden by
// -backend-config, completed from the kind's environment variables.
type Settings map[string]string

// SettingError is a backend configuration problem: with one setting when Name is set, with
// the block as a whole otherwise. Commands report it at that setting's (or the block's) line.
type SettingError struct {
	Name string
	Msg  string // a full sentence or more, saying what to do
}

func (e *SettingError) Error() string {
	if e.Name == "" {
		return e.Msg
	}
	return e.Name + ": " + e.Msg
}

// Kinds are the backend kinds and their options, Terraform's names where Terraform has the
// same backend.
var Kinds = map[string][]string{
	"local": {"path"},
	"s3":    {"bucket", "key", "region", "endpoint", "use_path_style", "encrypt", "kms_key_id", "profile"},
	"pg":    {"conn_str", "schema_name"},
	"http": {"address", "update_method", "lock_address", "unlock_address", "lock_method", "unlock_method",
		"username", "password", "retry_max", "retry_wait_min", "retry_wait_max"},
}

// Secret options: never printed.
var secretOptions = map[string]bool{"password": true, "conn_str": true}

// IsSecret reports whether an option holds a credential, so that commands never print it.
func IsSecret(name string) bool { return secretOptions[name] }

func kindNames() []string {
	names := make([]string, 0, len(Kinds))
	for k := range Kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// CheckSettings refuses an unknown kind or option.
func CheckSettings(kind string, s Settings) error {
	opts, ok := Kinds[kind]
	if !ok {
		return &SettingError{Msg: fmt.Sprintf("There is no backend kind %q. The kinds are %s.%s", kind, strings.Join(kindNames(), ", "), suggest.DidYouMean(kind, kindNames()))}
	}
	names := make([]string, 0, len(s))
	for name := range s {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(opts, name) {
			return &SettingError{Name: name, Msg: fmt.Sprintf("The %s backend has no option %q; its options are %s.%s", kind, name, strings.Join(opts, ", "), suggest.DidYouMean(name, opts))}
		}
	}
	return nil
}

// Open returns the backend of kind configured by s. getenv supplies the kind's environment
// variables for options s lacks (J1HCL_HTTP_* for http, PG_CONN_STR and PG_SCHEMA_NAME for pg;
// AWS_* and PG* are read by the AWS SDK and pgx themselves); dir resolves a relative local
// path. Configuration problems are *SettingError.
func Open(ctx context.Context, kind string, s Settings, getenv func(string) string, dir string) (Backend, error) {
	if err := CheckSettings(kind, s); err != nil {
		return nil, err
	}
	get := func(name, env string) string {
		if v, ok := s[name]; ok {
			return v
		}
		if env != "" {
			return getenv(env)
		}
		return ""
	}
	boolOpt := func(name, env string) (bool, error) {
		v := get(name, env)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, &SettingError{Name: name, Msg: fmt.Sprintf("%q is not true or false.", v)}
		}
		return b, nil
	}
	switch kind {
	case "local":
		path := get("path", "")
		if path == "" {
			return nil, &SettingError{Msg: "The local backend needs path, the state file (e.g. path = \"j1hcl.state.json\")."}
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return NewLocal(path), nil
	case "s3":
		c := S3Config{Bucket: get("bucket", ""), Key: get("key", ""), Region: get("region", ""), Endpoint: get("endpoint", "AWS_ENDPOINT_URL_S3"),
			KMSKeyID: get("kms_key_id", ""), Profile: get("profile", "")}
		var err error
		if c.UsePathStyle, err = boolOpt("use_path_style", ""); err != nil {
			return nil, err
		}
		if c.Encrypt, err = boolOpt("encrypt", ""); err != nil {
			return nil, err
		}
		for _, req := range []struct{ name, v string }{{"bucket", c.Bucket}, {"key", c.Key}} {
			if req.v == "" {
				return nil, &SettingError{Msg: fmt.Sprintf("The s3 backend needs %s. Set it in the backend block or with -backend-config=%s=VALUE.", req.name, req.name)}
			}
		}
		b, err := NewS3(ctx, c)
		if err != nil {
			return nil, &SettingError{Msg: capitalize(err.Error()) + "."}
		}
		return b, nil
	case "pg":
		b, err := NewPostgres(PGConfig{ConnStr: get("conn_str", "PG_CONN_STR"), SchemaName: get("schema_name", "PG_SCHEMA_NAME")})
		if err != nil {
			return nil, &SettingError{Name: "conn_str", Msg: capitalize(err.Error()) + "."}
		}
		return b, nil
	case "http":
		env := func(name string) string { return "J1HCL_HTTP_" + strings.ToUpper(name) }
		c := HTTPConfig{Address: get("address", env("address")), UpdateMethod: get("update_method", env("update_method")),
			LockAddress: get("lock_address", env("lock_address")), UnlockAddress: get("unlock_address", env("unlock_address")),
			LockMethod: get("lock_method", env("lock_method")), UnlockMethod: get("unlock_method", env("unlock_method")),
			Username: get("username", env("username")), Password: get("password", env("password")), RetryMax: 2}
		if c.Address == "" {
			return nil, &SettingError{Msg: "The http backend needs address, the state's URL. Set it in the backend block, with -backend-config=address=URL or J1HCL_HTTP_ADDRESS."}
		}
		if v := get("retry_max", env("retry_max")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return nil, &SettingError{Name: "retry_max", Msg: fmt.Sprintf("%q is not a number of retries from 0 to 100.", v)}
			}
			c.RetryMax = n
		}
		for _, w := range []struct {
			name string
			to   *time.Duration
		}{{"retry_wait_min", &c.RetryWaitMin}, {"retry_wait_max", &c.RetryWaitMax}} {
			if v := get(w.name, env(w.name)); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 3600 {
					return nil, &SettingError{Name: w.name, Msg: fmt.Sprintf("%q is not a number of seconds from 0 to 3600.", v)}
				}
				*w.to = time.Duration(n) * time.Second
			}
		}
		b, err := NewHTTP(c)
		if err != nil {
			return nil, &SettingError{Msg: "The http backend's " + err.Error() + "."}
		}
		return b, nil
	}
	return nil, fmt.Errorf("backend kind %q has no constructor", kind) // unreachable: CheckSettings knows the kinds
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
