package validate

import (
	"slices"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/suggest"
)

// Names for "did you mean": data-model classes, relationship classes and class properties.
// Package suggest measures typing slips (Hsot for Host is one) and serves rule codes; names
// here deserve more: they differ from the data model's in case, separators and plural
// (code_repo, Hosts), by synonym (Server for Host), and how far a guess may be depends on
// the name's length.

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
	if s, ok := synonyms[f]; ok && slices.Contains(candidates, s) {
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
		if d := suggest.Distance(given, c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
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
		if len(n) < minLen || n == name {
			continue
		}
		if suggest.Distance(name, n, 2) == 1 {
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
		if d := suggest.Distance(want, g, bestDist); d < bestDist {
			best, bestDist = g, d
		}
	}
	return best
}
