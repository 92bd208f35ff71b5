package backend

import (
	"os"
	"testing"

	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	backendtest.StopPostgres()
	backendtest.StopS3()
	os.Exit(code)
}
