package datamodel_test

import (
	"fmt"
	"strings"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
)

func mustLoad() *datamodel.Model {
	m, err := datamodel.Load()
	if err != nil {
		panic(err)
	}
	return m
}

// How a validation rule turns Problems into the J1D codes of the specification.
func ExampleModel_Check() {
	m := mustLoad()
	user, err := model.DecodeObject([]byte(`{
		"_key": "okta-user-00u1", "_type": "okta_user", "_class": "User",
		"name": "alice", "displayName": "Alice", "firstName": "Alice", "lastName": "Smith",
		"email": "alice@example.com", "shortLoginId": ["alice"],
		"active": true, "my_prop": 1
	}`))
	if err != nil {
		panic(err)
	}
	obj := &model.Object{Kind: model.KindEntity, Props: user}
	for _, p := range m.Check(obj.Classes(), user) {
		code := "J1D402"
		switch p.Keyword {
		case datamodel.KeywordRequired:
			code = "J1D401"
		case datamodel.KeywordPropertyNames:
			code = "J1D403"
		case datamodel.KeywordDeprecated:
			code = "J1D404"
		case datamodel.KeywordAbstract:
			code = "J1D405"
		}
		fmt.Printf("%s %s: %s\n", code, p.Property, p.Message)
		if p.Description != "" && code == "J1D402" {
			fmt.Printf("       %s says: %s\n", p.Class, p.Description)
		}
	}
	// Output:
	// J1D401 username: is required by User
	// J1D404 active: is deprecated in User; use isActive
	// J1D402 email: must be a list of unique email addresses, or null, not the string "alice@example.com"
	//        User says: The primary email address associated with the user account
	// J1D403 my_prop: name must match ^(_|tag\.)?[A-Za-z0-9. -]+$, not the string "my_prop"
}

// Looking up a class for "did you mean" and for quoting its properties.
func ExampleModel_Class() {
	m := mustLoad()
	if m.Class("host") == nil {
		for _, name := range m.ClassNames() {
			if strings.EqualFold(name, "host") {
				fmt.Println("did you mean", name+"?")
			}
		}
	}
	host := m.Class("Host")
	var chain []string
	for _, c := range host.Chain() {
		chain = append(chain, c.Name)
	}
	fmt.Println(strings.Join(chain, " -> "), "abstract:", m.IsAbstract("Entity"))
	fmt.Println(len(host.OwnRequired()), "own required,", len(host.Required()), "in all")
	p := host.Property("macAddresses")
	fmt.Printf("%s (%s): %s; %s\n", p.Name, p.Class, p.Description, p.Expect)
	// Output:
	// did you mean Host?
	// Host -> Entity -> GraphObject abstract: true
	// 18 own required, 22 in all
	// macAddresses (Host): The MAC Addresses associated with the Device, lowercase colon delimited; a list of unique strings matching ^([0-9a-f]{2}:){5}([0-9a-f]{2})$, or null
}

// Relationship classes and the package's relationship rules (J1D406).
func ExampleModel_CheckRelationship() {
	m := mustLoad()
	fmt.Println(m.IsRelationshipClass("HAS"), m.IsRelationshipClass("IMPACTS"))
	for _, v := range m.CheckRelationship([]string{"Host"}, []string{"Vulnerability"}, "IS") {
		fmt.Printf("%s (%s): %s\n", v.Rule.Description, v.Rule.Status, v.Message())
	}
	for _, v := range m.CheckRelationship([]string{"Finding"}, []string{"Device"}, "HAS") {
		fmt.Printf("reversed=%v %s\n", v.Reversed, v.Message())
	}
	// Output:
	// true false
	// Host -> Vulnerability must use HAS (adopted): the data model's rule "Host -> Vulnerability must use HAS" does not allow IS
	// reversed=true the data model's rule "Device -> Finding must use HAS" runs from Device to Finding; this relationship runs the other way
}
