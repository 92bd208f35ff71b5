// Package refresh reads the live graph of a target through the Sync API client's J1QL reads
// and turns it into model objects shaped as the state records them.
//
// Drift is then plan.Compute of the live graph against the recorded one: Read strips the
// platform's metadata and spells every value the way j1hcl uploaded it, so an object nobody
// changed compares equal to its state entry.
package refresh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// Options tune Read. The zero value reads pages inline.
type Options struct {
	// Deferred reads every page as a deferred result, as JupiterOne serves large results.
	Deferred bool
}

// Queries returns the two J1QL queries Read sends for target: its entities, and the
// relationships that touch them.
func Queries(target state.Target) (entities, relationships string, err error) {
	var filter string
	switch target.Source {
	case state.SourceAPI:
		scope, err := quote(target.Scope)
		if err != nil {
			return "", "", fmt.Errorf("scope: %w", err)
		}
		filter = "_source = 'api' AND _scope = " + scope
	default:
		id, err := quote(target.IntegrationInstanceID)
		if err != nil {
			return "", "", fmt.Errorf("integration instance id: %w", err)
		}
		filter = "_integrationInstanceId = " + id
	}
	entities = "FIND * WITH " + filter
	return entities, entities + " AS a THAT RELATES TO AS r * RETURN r", nil
}

// quote writes a J1QL string literal. J1QL has no escapes the platform documents, so a value
// holding both quote characters cannot be written and is refused.
func quote(v string) (string, error) {
	switch {
	case v == "":
		return "", fmt.Errorf("empty")
	case !strings.Contains(v, "'"):
		return "'" + v + "'", nil
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	}
	return "", fmt.Errorf("%q holds both quote characters, which a J1QL query cannot express", v)
}

// Read reads every entity of target and every relationship of target that touches one of
// them, and returns them as a graph sorted by _key, shaped like recorded (the state's graph;
// nil when there is none): objects the state knows get their address and sensitive names
// from it, and values that can be spelled two ways (a one-element _class) are spelled as
// the state spells them. Any failure, on any page, returns an error and no graph.
func Read(ctx context.Context, c *syncapi.Client, target state.Target, recorded *model.Graph, opts Options) (*model.Graph, error) {
	if err := target.Validate(); err != nil {
		return nil, err
	}
	entQuery, relQuery, err := Queries(target)
	if err != nil {
		return nil, fmt.Errorf("read the live graph of %s: %w", target, err)
	}
	qopts := syncapi.QueryOptions{Deferred: opts.Deferred}
	var hints hints
	if recorded != nil {
		hints = hints.of(recorded)
	}
	// Entities and relationships are read at the same time; the first failure stops both.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g := &model.Graph{}
	var wg sync.WaitGroup
	var entErr, relErr error
	crash.GoWait(&wg, func() {
		g.Entities, entErr = readEntities(ctx, c, entQuery, qopts, hints.entities)
		if entErr != nil {
			entErr = fmt.Errorf("read the entities of %s: %w", target, entErr)
			cancel(entErr)
		}
	})
	crash.GoWait(&wg, func() {
		g.Relationships, relErr = readRelationships(ctx, c, relQuery, qopts, target, hints.relationships)
		if relErr != nil {
			relErr = fmt.Errorf("read the relationships of %s: %w", target, relErr)
			cancel(relErr)
		}
	})
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err // the first failure, not the other read's cancellation
	}
	if err := errors.Join(entErr, relErr); err != nil {
		return nil, err
	}
	g.SortByKey()
	return g, nil
}

func readEntities(ctx context.Context, c *syncapi.Client, query string, opts syncapi.QueryOptions, recorded model.Index) ([]*model.Object, error) {
	var out []*model.Object
	seen := map[string]bool{}
	err := c.QueryList(ctx, query, opts, func(page []syncapi.QueryItem) error {
		for _, row := range page {
			o, err := entityOf(row, recorded)
			if err != nil {
				return err
			}
			if key := o.Key(); !seen[key] {
				seen[key] = true
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

func readRelationships(ctx context.Context, c *syncapi.Client, query string, opts syncapi.QueryOptions, target state.Target, recorded model.Index) ([]*model.Object, error) {
	var out []*model.Object
	seenIDs, seenKeys := map[string]bool{}, map[string]bool{}
	err := c.QueryTable(ctx, query, opts, func(page []map[string]any) error {
		for _, row := range page {
			r, ok := row["r"].(map[string]any)
			if !ok {
				return fmt.Errorf("a row without the relationship r: %s", model.AppendValueJSON(nil, row))
			}
			if !belongs(r, target) {
				continue // another source's relationship to one of the target's entities
			}
			if id, _ := r[metaID].(string); id != "" {
				if seenIDs[id] {
					continue
				}
				seenIDs[id] = true
			}
			o, err := relationshipOf(r, recorded)
			if err != nil {
				return err
			}
			if key := o.Key(); !seenKeys[key] {
				seenKeys[key] = true
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// belongs reports whether a read-back object's own metadata names target: a relationship
// that touches the target's entities may belong to another source.
func belongs(o map[string]any, target state.Target) bool {
	if target.Source == state.SourceAPI {
		source, _ := o[metaSource].(string)
		scope, _ := o[metaScope].(string)
		return source == state.SourceAPI && scope == target.Scope
	}
	id, _ := o[metaIntegrationInstanceID].(string)
	return id == target.IntegrationInstanceID
}
