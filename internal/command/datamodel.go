package command

import (
	"sync"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/validate"
)

// dataModelCatalog is the embedded JupiterOne data model the class rules check against,
// parsed once per process on first use: commands that do not validate (fmt, state,
// version) never pay for it.
var dataModelCatalog = sync.OnceValue(func() validate.ClassCatalog {
	m, err := datamodel.Load()
	if err != nil {
		// The data is compiled into the binary and the datamodel tests parse it: failing
		// here means a broken build, like a regexp.MustCompile of a constant.
		panic("j1hcl: " + err.Error())
	}
	return validate.NewDataModelCatalog(m)
})

// dataModelVersion names the embedded data model, e.g. "@jupiterone/data-model 0.64.2".
func dataModelVersion() string { return datamodel.Package + " " + datamodel.Version }
