package suggest

import "testing"

func TestLookalikes(t *testing.T) {
	tests := []struct {
		in, fold, describe string
	}{
		{"name", "name", ""},
		{"nаme", "name", `"а" (U+0430 CYRILLIC SMALL LETTER A, looks like "a")`},
		{"ΗostΝame", "HostName", `"Η" (U+0397 GREEK CAPITAL LETTER ETA, looks like "H") and "Ν" (U+039D GREEK CAPITAL LETTER NU, looks like "N")`},
		{"ｈｏｓｔ", "host", `"ｈ" (U+FF48 FULLWIDTH LATIN SMALL LETTER H, looks like "h"), "ｏ" (U+FF4F FULLWIDTH LATIN SMALL LETTER O, looks like "o"), "ｓ" (U+FF53 FULLWIDTH LATIN SMALL LETTER S, looks like "s") and "ｔ" (U+FF54 FULLWIDTH LATIN SMALL LETTER T, looks like "t")`},
		{"café", "cafe", `"é" (U+00E9 LATIN SMALL LETTER E WITH ACUTE, looks like "e")`},
		{"名前", "名前", `"名" (U+540D) and "前" (U+524D)`},
	}
	for _, tt := range tests {
		if got := FoldASCII(tt.in); got != tt.fold {
			t.Errorf("FoldASCII(%q) = %q, want %q", tt.in, got, tt.fold)
		}
		if got := DescribeNonASCII(tt.in); got != tt.describe {
			t.Errorf("DescribeNonASCII(%q) = %s, want %s", tt.in, got, tt.describe)
		}
	}
}
