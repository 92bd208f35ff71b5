package state

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestSensitiveRoundTrip(t *testing.T) {
	f := New(Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "i-1"}, "test")
	o := &model.Object{Kind: model.KindEntity, Address: "entity.t.a", Props: model.Properties{"_key": "a", "token": "x"}, Sensitive: map[string]bool{"token": true}}
	if !f.SetObjects(&model.Graph{Entities: []*model.Object{o}}) {
		t.Fatal("SetObjects reported no change")
	}
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"sensitive": ["token"]`) {
		t.Errorf("encoded entry lacks the sensitive list:\n%s", data)
	}
	back, err := Decode(data, "s.json")
	if err != nil {
		t.Fatal(err)
	}
	g := back.Graph()
	if !g.Entities[0].Sensitive["token"] {
		t.Error("decoded object lost its sensitive mark")
	}
	// A change of sensitivity alone is a change of the recorded content.
	plain := &model.Object{Kind: model.KindEntity, Address: "entity.t.a", Props: o.Props}
	if !back.SetObjects(&model.Graph{Entities: []*model.Object{plain}}) {
		t.Error("dropping the sensitive mark is not reported as a change")
	}
	if _, err := Decode([]byte(strings.Replace(string(data), `["token"]`, `[1]`, 1)), "s.json"); err == nil {
		t.Error("a non-string sensitive name was accepted")
	}
}

func TestLockedErrorSaysTheHolderIsGone(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	// A child that has exited: its pid is free (until reused, which this test tolerates by
	// only checking the message when the process is really gone).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	gone := &LockedError{Path: "s.lock", Info: &LockInfo{ID: "id-1", Operation: "apply", Who: "ci@" + host, PID: cmd.Process.Pid, Created: "2026-01-01T00:00:00Z"}}
	if holderGone(gone.Info) && !strings.Contains(gone.Error(), "no longer runs on this host") {
		t.Errorf("message does not say the holder died: %s", gone.Error())
	}
	alive := &LockedError{Path: "s.lock", Info: &LockInfo{ID: "id-2", Operation: "apply", Who: "ci@" + host, PID: os.Getpid(), Created: "2026-01-01T00:00:00Z"}}
	if holderGone(alive.Info) || !strings.Contains(alive.Error(), "holds it") {
		t.Errorf("a live holder is reported gone: %s", alive.Error())
	}
	elsewhere := &LockInfo{ID: "id-3", Who: "ci@another-host", PID: 1}
	if holderGone(elsewhere) {
		t.Error("a holder on another host cannot be known to be gone")
	}
}
