// Command j1ql runs one J1QL query against the API that JUPITERONE_API_BASE names (the local
// emulator in `make demo`) and prints one line per entity: the demo's way of reading the graph
// back with nothing but Go.
//
//	go run ./scripts/j1ql "FIND * WITH _integrationInstanceId = '…'"
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/j1hcl/j1hcl/internal/syncapi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: j1ql QUERY   (reads JUPITERONE_API_BASE and JUPITERONE_API_KEY)")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "j1ql:", err)
		os.Exit(1)
	}
}

func run(query string) error {
	client, err := syncapi.New(syncapi.Config{
		BaseURL: os.Getenv(syncapi.EnvBaseURL),
		APIKey:  os.Getenv(syncapi.EnvAPIKey),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := client.Query(ctx, query)
	if err != nil {
		return err
	}
	for _, row := range rows {
		fmt.Printf("  %-13s %-30s %s\n", join(row.Entity["_class"]), join(row.Entity["_type"]), join(row.Entity["displayName"]))
	}
	fmt.Printf("  (%d entities)\n", len(rows))
	return nil
}

// join renders a metadata value, which the API answers as a string or a list of strings.
func join(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, "/")
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}
