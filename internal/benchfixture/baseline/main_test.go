package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
)

// The floor must do the work it stands for: every object of the inventory, with the payloads
// j1hcl uploads, and every relationship linked to its entities.
func TestBaselineDoesTheInventorysWork(t *testing.T) {
	dir := t.TempDir()
	const hosts = 2_000
	if err := benchfixture.CSVInventory(dir, hosts); err != nil {
		t.Fatal(err)
	}
	objects, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	teams := len(objects) - 2*hosts
	if teams < 1 {
		t.Fatalf("%d objects for %d hosts", len(objects), hosts)
	}
	byKey := map[string]object{}
	for _, o := range objects {
		byKey[o["_key"].(string)] = o
	}
	if len(byKey) != len(objects) {
		t.Fatalf("%d distinct _keys among %d objects", len(byKey), len(objects))
	}
	host := byKey["inv:host:i-000000000001"]
	for name, want := range map[string]any{"_type": "host_asset-inventory", "_class": "Host", "hostname": "host-1", "ipAddress": "10.0.0.1", "isManaged": true} {
		if host[name] != want {
			t.Errorf("host %s = %v, want %v", name, host[name], want)
		}
	}
	if _, ok := host["createdOn"].(int64); !ok {
		t.Errorf("host createdOn = %#v, want epoch milliseconds", host["createdOn"])
	}

	n, err := encodeSorted(dir)
	if err != nil || n != len(objects) {
		t.Fatalf("encodeSorted = %d, %v; want %d objects", n, err, len(objects))
	}

	srv := httptest.NewServer(handler())
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for range 2 { // a second upload of the same objects replaces them
		answer, err := upload(dir, addr)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%d entities, %d relationships", teams+hosts, hosts); answer != want {
			t.Fatalf("finalize: %q, want %q", answer, want)
		}
	}
}

func TestBaselineRefusesWhatItCannotLink(t *testing.T) {
	dir := t.TempDir()
	if err := benchfixture.CSVInventory(dir, 10); err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(dir, "hosts.csv")
	data, err := os.ReadFile(hosts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[1] = strings.Replace(lines[1], ",team-", ",no-such-team-", 1)
	if err := os.WriteFile(hosts, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := build(dir); err == nil || !strings.Contains(err.Error(), "no team") {
		t.Fatalf("build = %v, want a host without its team refused", err)
	}
	if _, err := build(t.TempDir()); err == nil {
		t.Fatal("build of an empty directory succeeded")
	}
}
