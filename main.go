// Command j1hcl manages a JupiterOne graph as code: HCL files in, Sync API jobs out.
package main

import (
	"os"

	"github.com/j1hcl/j1hcl/internal/command"
)

func main() {
	os.Exit(command.Main(command.OSEnv(), os.Args))
}
