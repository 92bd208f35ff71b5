// Command benchfixture writes the benchmark configurations of scripts/bench-rss.sh, and a
// state file that matches a configuration (for no-change plans); -set writes the whole set
// the benchmark scripts use.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
)

func main() {
	csv := flag.String("csv", "", "write the CSV-driven configuration into `DIR`")
	blocks := flag.String("blocks", "", "write the one-block-per-entity configuration into `DIR`")
	json := flag.String("json", "", "write the JSON-driven (for_each over jsondecode) configuration into `DIR`")
	n := flag.Int("n", 1000, "number of entities")
	stateFor := flag.String("state-for", "", "write a state file matching the configuration in `DIR`")
	changed := flag.Int("changed", 0, "with -state-for: the state differs from the configuration in `PERCENT` of the objects")
	set := flag.String("set", "", "write into `DIR` the csv, blocks and json configurations, and the states csv/match.json, csv/changed.json (1% changed) and blocks/match.json")
	flag.Parse()
	err := run(*csv, *blocks, *json, *n, *stateFor, *changed)
	if err == nil && *set != "" {
		err = writeSet(*set, *n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchfixture:", err)
		os.Exit(1)
	}
}

func run(csv, blocks, json string, n int, stateFor string, changed int) error {
	for dir, write := range map[string]func(string, int) error{csv: benchfixture.CSVInventory, blocks: benchfixture.Blocks, json: benchfixture.JSONInventory} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := write(dir, n); err != nil {
			return err
		}
	}
	if stateFor == "" {
		return nil
	}
	return benchfixture.ChangedState(stateFor, filepath.Join(stateFor, "j1hcl.state.json"), changed)
}

// writeSet writes the configurations and states of the benchmark scripts' rows into dir.
func writeSet(dir string, n int) error {
	csv, blocks, json := filepath.Join(dir, "csv"), filepath.Join(dir, "blocks"), filepath.Join(dir, "json")
	if err := run(csv, blocks, json, n, "", 0); err != nil {
		return err
	}
	for _, st := range []struct {
		dir, name string
		changed   int
	}{{csv, "match.json", 0}, {csv, "changed.json", 1}, {blocks, "match.json", 0}} {
		if err := benchfixture.ChangedState(st.dir, filepath.Join(st.dir, st.name), st.changed); err != nil {
			return err
		}
	}
	return nil
}
