package suggest

import "testing"

func TestClosest(t *testing.T) {
	candidates := []string{"Application", "Host", "User", "UserGroup", "Team"}
	tests := []struct {
		given, want string
	}{
		{"Aplication", "Application"},
		{"application", "Application"},
		{"Usr", "User"},
		{"Hots", "Host"},
		{"Firewall", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.given, candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.given, got, tt.want)
		}
	}
	if got := DidYouMean("Tema", candidates); got != ` Did you mean "Team"?` {
		t.Errorf("DidYouMean = %q", got)
	}
}
