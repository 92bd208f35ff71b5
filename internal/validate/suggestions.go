package validate

import (
	"strings"
	"unicode/utf8"
)

// Names for "did you mean": data-model classes, relationship classes and class properties.
// The generic suggester (package suggest) serves flags and rule codes; names here deserve
// more: they differ from the data model's in case, separators and plural (code_repo,
// Hosts), in typing slips counted as one edit (Hsot), and by synonym (Server for Host).

// classSynonyms maps the folded form (see foldName) of class names people reach for to the
// data model's class.
var classSynonyms = map[string]string{
	"server":          "Host",
	"machine":         "Host",
	"vm":              "Host",
	"virtualmachine":  "Host",
	"instance":        "Host",
	"computer":        "Host",
	"laptop":          "Device",
	"workstation":     "Device",
	"desktop":         "Device",
	"phone":           "Device",
	"mobiledevice":    "Device",
	"app":             "Application",
	"saa":             "Application", // SaaS, folded
	"software":        "Application",
	"repo":            "CodeRepo",
	"gitrepo":         "CodeRepo",
	"coderepository":  "CodeRepo",
	"role":            "AccessRole",
	"iamrole":         "AccessRole",
	"permission":      "AccessPolicy",
	"iampolicy":       "AccessPolicy",
	"apikey":          "AccessKey",
	"token":           "AccessKey",
	"employee":        "User",
	"useraccount":     "User",
	"member":          "User",
	"company":         "Organization",
	"org":             "Organization",
	"department":      "Team",
	"squad":           "Team",
	"bucket":          "DataStore",
	"storage":         "DataStore",
	"db":              "Database",
	"vuln":            "Vulnerability",
	"cve":             "Vulnerability",
	"cwe":             "Weakness",
	"ticket":          "Issue",
	"bug":             "Issue",
	"alarm":           "Alert",
	"pipeline":        "Workflow",
	"job":             "Workflow",
	"lambda":          "Function",
	"cert":            "Certificate",
	"kmskey":          "CryptoKey",
	"encryptionkey":   "CryptoKey",
	"vpc":             "Network",
	"subnet":          "Network",
	"securitygroup":   "Firewall",
	"loadbalancer":    "Gateway",
	"dnsrecord":       "DomainRecord",
	"dnszone":         "DomainZone",
	"log":             "Logs",
	"pullrequest":     "PR",
	"mergerequest":    "PR",
	"commit":          "CodeCommit",
	"k8scluster":      "Cluster",
	"pod":             "Workload",
	"supplier":        "Vendor",
	"thirdparty":      "Vendor",
	"contractor":      "Person",
	"human":           "Person",
	"securityfinding": "Finding",
}

// verbSynonym is a relationship class to suggest for a verb the data model lacks; reversed
// means the relationship must also be turned around (a member BELONGS_TO a group: the group
// HAS the member).
type verbSynonym struct {
	verb     string
	reversed bool
}

var verbSynonyms = map[string]verbSynonym{
	"have":        {"HAS", false},
	"dependson":   {"USES", false},
	"require":     {"USES", false},
	"connectsto":  {"CONNECTS", false},
	"connectto":   {"CONNECTS", false},
	"assignedto":  {"ASSIGNED", false},
	"belongsto":   {"HAS", true},
	"memberof":    {"HAS", true},
	"partof":      {"HAS", true},
	"containedin": {"CONTAINS", true},
	"ownedby":     {"OWNS", true},
	"managedby":   {"MANAGES", true},
	"usedby":      {"USES", true},
	"hostedby":    {"HOSTS", true},
	"hostedon":    {"HOSTS", true},
	"runson":      {"RUNS", true},
	"deployedto":  {"DEPLOYED", false},
	"protectedby": {"PROTECTS", true},
	"monitoredby": {"MONITORS", true},
	"scannedby":   {"SCANS", true},
	"isa":         {"IS", false},
	"deny":        {"DENIES", false},
	"notify":      {"NOTIFIES", false},
	"publish":     {"PUBLISHES", false},
	"review":      {"REVIEWED", false},
	"approve":     {"APPROVED", false},
	"create":      {"CREATED", false},
	"update":      {"UPDATED", false},
	"open":        {"OPENED", false},
}

// closestName returns the candidate the given name most likely means: the same name up to
// case, separators and plural; then a synonym; then the nearest within a few edits (one for
// names of up to four letters, two up to eight, three beyond), the earliest of equally near
// ones. It returns "" when nothing is plausible.
func closestName(given string, candidates []string, synonyms map[string]string) string {
	if given == "" {
		return ""
	}
	f := foldName(given)
	for _, c := range candidates {
		if foldName(c) == f {
			return c
		}
	}
	if s, ok := synonyms[f]; ok && contains(candidates, s) {
		return s
	}
	limit := 3
	switch n := utf8.RuneCountInString(given); {
	case n <= 4:
		limit = 1
	case n <= 8:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(given, c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean formats a suggestion for a message: ` Did you mean "Host"?`, or "".
func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return ` Did you mean "` + s + `"?`
}

// nearMiss returns the one name among names, both at least six letters long, that is a
// single typing slip (an edit or a swap of neighbours) from name, or "" when none or
// several are. Short names are left alone: mode and model are different words.
func nearMiss(name string, names []string) string {
	const minLen = 6
	if len(name) < minLen {
		return ""
	}
	found := ""
	for _, n := range names {
		if len(n) < minLen || n == name || abs(len(n)-len(name)) > 1 {
			continue
		}
		if editDistance(name, n, 2) == 1 {
			if found != "" {
				return "" // ambiguous
			}
			found = n
		}
	}
	return found
}

// respelled returns the name among given that is want up to spelling (see foldName):
// emailAddresses, Email or e_mail for email. It returns "" when none is.
func respelled(want string, given []string) string {
	for _, g := range given {
		if sameSpelling(g, want) {
			return g
		}
	}
	return ""
}

// misspelt returns the name among given nearest to want within one edit for names of four
// or five letters and two beyond (emial for email), for "did you mean" on a property that
// is missing. It is looser than nearMiss because the missing property is evidence of its
// own.
func misspelt(want string, given []string) string {
	if len(want) < 4 {
		return ""
	}
	limit := 1
	if len(want) >= 6 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, g := range given {
		if d := editDistance(want, g, bestDist); d < bestDist {
			best, bestDist = g, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b, ignoring ASCII
// case (insertions, deletions, substitutions and swaps of neighbouring characters each
// count one), or any value of at least bound once it is clear the distance reaches bound.
// Names are short: for up to 63 bytes it works on the stack.
func editDistance(a, b string, bound int) int {
	if !isASCII(a) || !isASCII(b) {
		return runeDistance([]rune(strings.ToLower(a)), []rune(strings.ToLower(b)), bound)
	}
	if abs(len(a)-len(b)) >= bound {
		return bound
	}
	const small = 64
	var rows [3][small]int
	var prev2, prev, cur []int
	if len(b) < small {
		prev2, prev, cur = rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	return osa(len(a), len(b), func(i, j int) bool { return lowerASCII(a[i]) == lowerASCII(b[j]) }, bound, prev2, prev, cur)
}

func runeDistance(a, b []rune, bound int) int {
	if abs(len(a)-len(b)) >= bound {
		return bound
	}
	return osa(len(a), len(b), func(i, j int) bool { return a[i] == b[j] }, bound,
		make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1))
}

// osa fills the dynamic-programming rows for strings of lengths n and m whose characters
// eq compares; prev2, prev and cur have m+1 elements.
func osa(n, m int, eq func(i, j int) bool, bound int, prev2, prev, cur []int) int {
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= m; j++ {
			cost := 1
			if eq(i-1, j-1) {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && eq(i-1, j-2) && eq(i-2, j-1) {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
