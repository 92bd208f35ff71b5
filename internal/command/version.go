package command

import (
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// devVersion is the version of a build that says nothing better about itself.
const devVersion = "0.3.0-dev"

// Version is j1hcl's semantic version, without a leading "v". Release builds set it with
// -ldflags "-X github.com/j1hcl/j1hcl/internal/command.Version=0.3.0" (make build does, from
// git describe, when the commit has a tag); otherwise a `go install …@v0.3.0` build reports
// the module version recorded in its build information, and any other build devVersion.
var Version = devVersion

func init() {
	Version = strings.TrimPrefix(Version, "v")
	if Version != devVersion {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := moduleVersion(bi.Main.Version); v != "" {
			Version = v
		}
	}
}

// pseudoVersion matches the timestamp and commit of a Go pseudo-version
// (v0.0.0-20261206031500-abcdef123456), which names a commit rather than a release.
var pseudoVersion = regexp.MustCompile(`[-.]\d{14}-[0-9a-f]{12}`)

// moduleVersion returns the semantic version of a module version from build information:
// "" for a build from a work tree ("(devel)") or of an untagged commit (a pseudo-version,
// whose "0.0.0" would mislead; the commit is reported separately).
func moduleVersion(v string) string {
	if v == "" || v == "(devel)" || pseudoVersion.MatchString(v) {
		return ""
	}
	return strings.TrimPrefix(v, "v")
}

// versionInfo is what version prints.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	DataModel string `json:"data_model"`
	// Commit is the VCS revision the binary was built from, "" when unknown; a build of a
	// modified work tree adds "-dirty".
	Commit string `json:"commit,omitempty"`
}

func currentVersion() versionInfo {
	v := versionInfo{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, DataModel: dataModelVersion()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if v.Commit != "" && dirty {
			v.Commit += "-dirty"
		}
	}
	return v
}

func versionCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, Go version and data-model version",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the versions as one JSON document"}},
		Action: func(c *cli.Context) error {
			json := c.Bool("json")
			if json {
				m.useView("json")
			}
			if c.NArg() > 0 {
				return fmt.Errorf("version takes no arguments")
			}
			if json {
				return writeJSONLine(m.env.Stdout, currentVersion())
			}
			printVersion(m)
			return nil
		},
	}
}

func printVersion(m *meta) {
	v := currentVersion()
	fmt.Fprintf(m.env.Stdout, "j1hcl %s\n%s %s\n", v.Version, v.GoVersion, v.Platform)
	fmt.Fprintf(m.env.Stdout, "data model %s\n", v.DataModel)
	if v.Commit != "" {
		fmt.Fprintf(m.env.Stdout, "commit %s\n", v.Commit)
	}
}
