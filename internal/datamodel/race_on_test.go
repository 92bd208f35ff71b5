//go:build race

package datamodel

// raceEnabled is set when tests run with -race, whose instrumentation allocates.
const raceEnabled = true
