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
		{"hsot", "Host"}, // a swap of neighbours is one slip, whatever the case
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
	if got := DidYouMean("Firewall", candidates); got != "" {
		t.Errorf("DidYouMean without a close candidate = %q, want none", got)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"email", "emial", 1}, {"Host", "hsot", 1}, {"host", "host", 0}, {"kitten", "sitting", 3},
		{"webLnik", "weblink", 1}, {"", "abc", 3}, {"Ünïcode", "ünicode", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b, 10); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := Distance("abcdef", "uvwxyz", 2); got < 2 {
		t.Errorf("bounded distance = %d, want at least the bound 2", got)
	}
}
