package syncapi

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNewBaseURL(t *testing.T) {
	tests := []struct {
		base    string
		want    string // normalized base on success
		wantErr string // substring of the error
	}{
		{base: "", want: DefaultBaseURL},
		{base: "https://api.eu.jupiterone.io/", want: "https://api.eu.jupiterone.io"},
		{base: "https://gateway.example.com/j1", want: "https://gateway.example.com/j1"},
		{base: "http://127.0.0.1:8686", want: "http://127.0.0.1:8686"},
		{base: "http://127.42.0.9:1", want: "http://127.42.0.9:1"},
		{base: "http://[::1]:8686", want: "http://[::1]:8686"},
		{base: "http://localhost:8686", want: "http://localhost:8686"},
		{base: "http://LocalHost", want: "http://LocalHost"},
		{base: "http://api.us.jupiterone.io", wantErr: "clear text"},
		{base: "http://10.0.0.8:8686", wantErr: "clear text"},
		{base: "http://127.0.0.1.example.com", wantErr: "clear text"},
		{base: "http://localhost.example.com", wantErr: "clear text"},
		{base: "ftp://api.us.jupiterone.io", wantErr: "want https://HOST"},
		{base: "api.us.jupiterone.io", wantErr: "want https://HOST"},
		{base: "https://", wantErr: "want https://HOST"},
		{base: "https://me:hunter2@api.us.jupiterone.io", wantErr: "must not contain credentials"},
		{base: "https://api.us.jupiterone.io?x=1", wantErr: "query"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.base, APIKey: testKey, Account: "acct-1"})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("New accepted %q", tt.base)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error repeats the URL's password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if c.base != tt.want {
				t.Errorf("base = %q, want %q", c.base, tt.want)
			}
		})
	}
}

func TestNewNeedsAnAccountOffLoopback(t *testing.T) {
	tests := []struct {
		base, account string
		wantErr       string
	}{
		{base: "", wantErr: "set JUPITERONE_ACCOUNT"},
		{base: "https://api.eu.jupiterone.io", wantErr: "set JUPITERONE_ACCOUNT"},
		{base: "https://api.eu.jupiterone.io", account: "  "},
		{base: "https://api.eu.jupiterone.io", account: "acct\n2", wantErr: "control characters"},
		{base: "https://api.eu.jupiterone.io", account: "acct-1"},
		{base: "http://127.0.0.1:8686"},
		{base: "http://localhost:8686"},
		{base: "http://[::1]:8686"},
	}
	for _, tt := range tests {
		_, err := New(Config{BaseURL: tt.base, APIKey: testKey, Account: tt.account})
		want := tt.wantErr
		if strings.TrimSpace(tt.account) == "" && tt.account != "" {
			want = "set JUPITERONE_ACCOUNT" // blank is unset
		}
		switch {
		case want == "" && err != nil:
			t.Errorf("New(%q, account %q): %v", tt.base, tt.account, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("New(%q, account %q) = %v, want an error containing %q", tt.base, tt.account, err, want)
		}
	}
}

func TestNewRefusesMissingKey(t *testing.T) {
	for _, key := range []string{"", "  \n"} {
		_, err := New(Config{APIKey: key})
		if err == nil || !strings.Contains(err.Error(), "set JUPITERONE_API_KEY") {
			t.Errorf("New with key %q: error %v, want one telling to set JUPITERONE_API_KEY", key, err)
		}
	}
	_, err := New(Config{APIKey: "two words"})
	if err == nil || strings.Contains(err.Error(), "two words") {
		t.Errorf("New with a key holding a space: error %v, want a refusal that does not repeat the key", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"JUPITERONE_API_KEY":  " " + testKey + "\n",
		"JUPITERONE_ACCOUNT":  "acct-9",
		"JUPITERONE_API_BASE": "http://127.0.0.1:9999",
	}
	cfg := ConfigFromEnv(func(k string) string { return env[k] })
	if cfg.APIKey != testKey || cfg.Account != "acct-9" || cfg.BaseURL != "http://127.0.0.1:9999" {
		t.Fatalf("ConfigFromEnv = %s (key matches: %t)", cfg, cfg.APIKey == testKey)
	}
	empty := ConfigFromEnv(func(string) string { return "" })
	c, err := New(Config{APIKey: testKey, BaseURL: empty.BaseURL, Account: "acct-9"})
	if err != nil || c.base != DefaultBaseURL {
		t.Errorf("an unset JUPITERONE_API_BASE should mean %s: base %q, err %v", DefaultBaseURL, c.base, err)
	}
}

// Printing or logging a Config or a Client by accident must not reveal the key.
func TestConfigAndClientNeverPrintKey(t *testing.T) {
	cfg := Config{BaseURL: "https://api.us.jupiterone.io", APIKey: testKey, Account: "acct"}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "client", c, "key", c.key)
	outputs := map[string]string{
		"%v cfg":     fmt.Sprintf("%v", cfg),
		"%+v cfg":    fmt.Sprintf("%+v", cfg),
		"%#v cfg":    fmt.Sprintf("%#v", cfg),
		"%s cfg":     fmt.Sprintf("%s", cfg),
		"%+v client": fmt.Sprintf("%+v", c),
		"%#v client": fmt.Sprintf("%#v", c),
		"%x key":     fmt.Sprintf("%x", c.key),
		"slog":       logged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, testKey) {
			t.Errorf("%s reveals the key: %s", name, out)
		}
	}
	if !strings.Contains(outputs["%v cfg"], "api.us.jupiterone.io") {
		t.Errorf("the redacted Config should still show the base URL: %s", outputs["%v cfg"])
	}
}
