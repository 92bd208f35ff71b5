// Package docs holds j1hcl's documentation pages; its tests regenerate the data-model page
// from the embedded model (go test ./docs -update) and fail when the committed page is stale.
package docs
