package validate

import "github.com/j1hcl/j1hcl/internal/model"

// dataModelRules checks an entity against its classes' schemas (J1D401–J1D405, J1D407).
func (c *checker) dataModelRules(o *model.Object) {}

// relationshipRule is J1D406.
func (c *checker) relationshipRule() {}
