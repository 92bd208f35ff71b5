package importjson

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConvert holds import-json to its promise for any input: Convert either rejects it with
// an error, or the files it generates load, and evaluate to exactly the payload with the
// reported notes applied (Verify).
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"guide.json", "guide_entity.json", "guide_relationship.json", "guide_mapped.json", "awkward.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(generatePayload(40, 3, true))
	f.Add([]byte(`{"entities": [{"_key": "a:b:c", "_type": "b_x", "name": "c", "for": null, "tags": ["$${", "%%{"]}]}`))
	f.Add([]byte(`{"entities": [{"_key": "k", "_type": "host_x", "name": "h", "日本": 1}], "relationships": [{"_key": "m", "_type": "t", "_class": "HAS", "_mapping": {"sourceEntityKey": "k", "targetEntity": {"🇫🇷": "flag", "a": null}}}]}`))
	f.Add([]byte(`{"relationships": [{"_key": "m", "_type": "t", "_class": "HAS", "_mapping": {"sourceEntityKey": "k", "targetEntity": {}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Convert(data, Options{})
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		assertFormatted(t, res)
		if err := res.Verify(); err != nil {
			t.Fatalf("%v\npayload: %s", err, data)
		}
	})
}
