// Package ci holds the CI steps as shell scripts (install, plan, comment, apply, commit the
// state) that action.yml and templates/j1hcl.gitlab-ci.yml run; its tests run them against
// fake GitHub, GitLab and release servers and against the real emulator.
package ci
