package render

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func sampleGraph() *model.Graph {
	slack := entity("application", "slack", "displayName", "Slack \"chat\"\nwith <b>tags</b> & #hash | pipe `tick`")
	team := entity("team", "engineering", "_class", list("Team", "Group"))
	vault := entity("application", "vault", "displayName", secret)
	g := &model.Graph{}
	g.Add(&model.Object{Kind: model.KindEntity, Address: "entity.application.slack", Props: slack})
	g.Add(&model.Object{Kind: model.KindEntity, Address: "entity.team.engineering", Props: team})
	g.Add(&model.Object{Kind: model.KindEntity, Address: "entity.application.vault", Props: vault, Sensitive: map[string]bool{"displayName": true}})
	g.Add(&model.Object{Kind: model.KindRelationship, Address: "relationship.eng_owns_slack", Props: relationship(teamKey, "OWNS", slackKey)})
	g.Add(&model.Object{Kind: model.KindRelationship, Address: "relationship.eng_uses_jira", Props: relationship(teamKey, "USES", "jira:project:ENG")})
	g.Add(&model.Object{Kind: model.KindMappedRelationship, Address: "mapped_relationship.slack_uses_role", Props: mapped(slackKey, "USES", "aws_iam_role", "arn:aws:iam::123456789012:role/SlackProvisioner")})
	byEmail := mapped("billing-acme:team:engineering", "HAS", "user", "")
	m := byEmail["_mapping"].(map[string]any)
	m["relationshipDirection"] = "REVERSE"
	m["targetFilterKeys"] = list(list("_type", "email"))
	m["targetEntity"] = map[string]any{"_type": "user", "email": "ada@acme.example"}
	byEmail["_key"] = "billing-acme:team:engineering|has|REVERSE:_type=user:email=ada@acme.example"
	g.Add(&model.Object{Kind: model.KindMappedRelationship, Address: "mapped_relationship.eng_has_ada", Props: byEmail})
	return g
}

func TestGraphGolden(t *testing.T) {
	for _, f := range []struct {
		name   string
		render func(*bytes.Buffer, *model.Graph) error
	}{
		{"graph.dot", func(b *bytes.Buffer, g *model.Graph) error { return GraphDOT(b, g) }},
		{"graph.mmd", func(b *bytes.Buffer, g *model.Graph) error { return GraphMermaid(b, g) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.render(&buf, sampleGraph()); err != nil {
				t.Fatal(err)
			}
			golden(t, "graph/"+f.name, buf.Bytes())
			if bytes.Contains(buf.Bytes(), []byte(secret)) {
				t.Error("a sensitive display name reaches the graph")
			}
		})
	}
}

// The output depends on the graph's content, not on the order objects were declared in.
func TestGraphIsDeterministic(t *testing.T) {
	render := func(g *model.Graph) (string, string) {
		var dot, mmd bytes.Buffer
		if err := GraphDOT(&dot, g); err != nil {
			t.Fatal(err)
		}
		if err := GraphMermaid(&mmd, g); err != nil {
			t.Fatal(err)
		}
		return dot.String(), mmd.String()
	}
	wantDOT, wantMMD := render(sampleGraph())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		g := sampleGraph()
		rng.Shuffle(len(g.Entities), func(i, j int) { g.Entities[i], g.Entities[j] = g.Entities[j], g.Entities[i] })
		rng.Shuffle(len(g.Relationships), func(i, j int) { g.Relationships[i], g.Relationships[j] = g.Relationships[j], g.Relationships[i] })
		if dot, mmd := render(g); dot != wantDOT || mmd != wantMMD {
			t.Fatal("output depends on declaration order")
		}
	}
}

// Labels cannot break out of their quotes, whatever the keys and names hold.
func TestGraphLabelsAreEscaped(t *testing.T) {
	var dot, mmd bytes.Buffer
	if err := GraphDOT(&dot, sampleGraph()); err != nil {
		t.Fatal(err)
	}
	if err := GraphMermaid(&mmd, sampleGraph()); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(dot.String(), "\n") {
		// Every quote in a DOT line is a delimiter or escaped: unescaped ones pair up.
		unescaped := strings.Count(l, `"`) - strings.Count(l, `\"`)
		if unescaped%2 != 0 {
			t.Errorf("DOT line with unbalanced quotes: %s", l)
		}
	}
	for _, l := range strings.Split(mmd.String(), "\n") {
		if strings.Count(l, `"`)%2 != 0 {
			t.Errorf("Mermaid line with unbalanced quotes: %s", l)
		}
		for i, label := range strings.Split(l, `"`) {
			if i%2 == 1 && strings.ContainsAny(strings.ReplaceAll(label, "<br/>", ""), "<>`&|") {
				t.Errorf("Mermaid label with a raw special character: %s", label)
			}
		}
	}
}

func TestMermaidText(t *testing.T) {
	got := mermaidText([]string{`a "b" <c> & #d | e`, "line\x1b"})
	want := `a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; e<br/>line\u001b`
	if got != want {
		t.Errorf("mermaidText = %q, want %q", got, want)
	}
}

func TestDOTString(t *testing.T) {
	got := dotString([]string{`say "hi" \ bye`, "two"})
	want := `"say \"hi\" \\ bye\ntwo"`
	if got != want {
		t.Errorf("dotString = %s, want %s", got, want)
	}
}
