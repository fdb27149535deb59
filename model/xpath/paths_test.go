package xpath

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrimaryPaths evaluates location paths over the primary instance of
// newTestEnv, from the second kid's kage, as a form's expression inside the
// second instance of the kid repeat sees them.
func TestPrimaryPaths(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Absolute paths; every step of the context's own chain is its
		// own instance, as JavaRosa contextualises them.
		{"/data/name", "Ana", KindNodes},
		{"/data/age + 1", "21", KindNumber},
		{"/data/kid/kname", "Cy", KindNodes},
		{"count(/data/kid)", "1", KindNumber},
		{"/data/grp/inner/q", "deep", KindNodes},
		{"/data/nosuch", "", KindNodes},
		{"count(/data/nosuch)", "0", KindNumber},
		{"/", "Ana20Bo4CyDi12deep", KindNodes},
		{"/data/grp", "deep", KindNodes},
		// Relative paths, from the context node.
		{"../kname", "Cy", KindNodes},
		{"./kname", "", KindNodes},
		{"..", "Cy", KindNodes},
		{"../../name", "Ana", KindNodes},
		{"../../kid/kname", "Bo", KindNodes}, // relative paths are plain XPath: every kid
		{"count(../../kid)", "3", KindNumber},
		{"count(current()/../../kid)", "3", KindNumber},
		{"../../grp/inner/q = 'deep'", "true", KindBool},
		{"count(../../*)", "6", KindNumber}, // a wildcard is not narrowed to the context
		{"self::kage", "", KindNodes},
		{"count(parent::kid)", "1", KindNumber},
		{"count(parent::other)", "0", KindNumber},
		{"current()/../kname", "Cy", KindNodes},
		{"count(current())", "1", KindNumber},
		// A name that matches no node is an empty node-set, as in
		// JavaRosa: never equal to anything, not even ''.
		{"null", "", KindNodes},
		{"count(null)", "0", KindNumber},
		{"null = ''", "false", KindBool},
		{"null != ''", "false", KindBool},
		{"boolean(null)", "false", KindBool},
		{"concat('a', null, 'b')", "ab", KindString},
		// Predicates select other instances; positions count in them.
		{"/data/kid[1]/kname", "Bo", KindNodes},
		{"/data/kid[3]/kname", "Di", KindNodes},
		{"/data/kid[position() = 2]/kname", "Cy", KindNodes},
		{"count(/data/kid[kage > 3])", "2", KindNumber},
		{"sum(/data/kid[kage > 3]/kage)", "16", KindNumber},
		{"join(',', /data/kid[kage != '']/kname)", "Bo,Di", KindString},
		{"concat(/data/kid[true()]/kname)", "BoCyDi", KindString},
		{"/data/kid[kname = current()/../kname]/kage", "", KindNodes},
		{"/data/kid[position() = position(current()/..) - 1]/kname", "Bo", KindNodes},
		{"count(/data/kid[. != ''])", "3", KindNumber},
		{"/data/kid[2][kname = 'Cy']/kname", "Cy", KindNodes},
		{"count(/data/kid[kage = 99])", "0", KindNumber},
		// position() of a node is its repeat instance's number.
		{"position(..)", "2", KindNumber},
		{"position( .. ) - 1", "1", KindNumber},
		{"position(/data/kid[3])", "3", KindNumber},
		{"position(/data/name)", "1", KindNumber},
		{"position(/data/nosuch)", "0", KindNumber},
		// indexed-repeat() reaches any instance, also the one the
		// expression is in.
		{"indexed-repeat(/data/kid/kname, /data/kid, 3)", "Di", KindString},
		{"indexed-repeat(/data/kid/kname, /data/kid, 1)", "Bo", KindString},
		{"indexed-repeat(../kname, ../../kid, 3)", "Di", KindString},
		{"indexed-repeat(/data/kid/kname, /data/kid, 4)", "", KindString},
		{"indexed-repeat(/data/kid/kname, /data/kid, 0)", "Bo", KindString}, // below 1 counts as 1, as in JavaRosa
		{"indexed-repeat(/data/kid/kage, /data/kid, position(..) + 1) * 2", "24", KindNumber},
		// Paths mix with ${name} and secondary instances.
		{"instance('fruits')/root/item[name = /data/kid[1]/kname]/label", "", KindNodes},
		{"instance('fruits')/root/item[label = concat(/data/name, 'na')]/name", "", KindNodes},
		{"instance('fruits')/root/item[price * 10 = /data/age - 5]/label", "Apple", KindNodes}, // /data is the primary instance inside the predicate too
		{"instance('fruits')/root/item[color = ${color} and name != 'a']/label", "Cherry", KindNodes},
		{"instance('fruits')/root/item[label = concat('Ban', 'ana')]/price * 4", "1", KindNumber},
		{"count(instance('fruits')/root/item[. != ''])", "3", KindNumber},
		{"count(instance('fruits')/root/item/..)", "1", KindNumber},
		{"instance('fruits')/root/item[3]/name/../label", "Cherry", KindNodes},
		// pulldata() is a lookup in a secondary instance.
		{"pulldata('fruits', 'label', 'name', 'b')", "Banana", KindString},
		{"pulldata('fruits', 'price', 'color', ${color})", "1.5", KindString},
		{"pulldata('fruits', 'label', 'name', 'nosuch')", "", KindString},
		{"pulldata('fruits', 'nosuch', 'name', 'a')", "", KindString},
		{"pulldata('sparse', 'note', 'name', 'x')", "hi", KindString},
	})
}

func TestPathErrors(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"pulldata('nosuch', 'a', 'b', 'c')", `pulldata(): no data file "nosuch" beside the form`},
		{"indexed-repeat(/data/kid/kname, /data/grp, 1)", "argument 2 must be a repeat that holds the node of argument 1"},
		{"indexed-repeat(/data/kid[1]/kname, /data/kid, 1)", "argument 1 needs a plain path"},
		{"instance('nosuch')/root/item", "instance('nosuch'): no such secondary instance"},
	} {
		got, err := MustCompile(c.expr).Eval(newTestEnv())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Eval(%q) = %s, %v; want an error containing %q", c.expr, got, err, c.want)
		}
	}
}

// TestNoPrimaryInstance checks that an Env without a primary instance
// selects nothing with location paths rather than failing.
func TestNoPrimaryInstance(t *testing.T) {
	env := &MapEnv{Vars: map[string]string{"a": "1"}}
	for expr, want := range map[string]string{
		"/data/a": "", "count(../x)": "0", "null": "", "position(..)": "0", "count(current())": "0",
	} {
		got, err := MustCompile(expr).Eval(env)
		if err != nil || got.String() != want {
			t.Errorf("Eval(%q) without a primary instance = %q, %v; want %q", expr, got, err, want)
		}
	}
}

// TestRefPaths checks that ${name} starts a path and is a path argument of
// indexed-repeat() when the questionnaire says where its element is.
func TestRefPaths(t *testing.T) {
	opts := CompileOptions{RefPath: func(name string) ([]string, bool) {
		switch name {
		case "kid":
			return []string{"data", "kid"}, true
		case "kname":
			return []string{"data", "kid", "kname"}, true
		}
		return nil, false
	}}
	for expr, want := range map[string]string{
		"${kid}[kage > 3]/kname":                               "Bo",
		"count(${kid}[kage > 3])":                              "2",
		"${kid}[position() = 3]/kname":                         "Di",
		"indexed-repeat(${kname}, ${kid}, 3)":                  "Di",
		"indexed-repeat(${kname}, /data/kid, 1)":               "Bo",
		"${kid}[position() = position(current()/..) + 1]/kage": "12",
	} {
		e, err := opts.Compile(expr)
		if err != nil {
			t.Errorf("Compile(%q) = %v", expr, err)
			continue
		}
		got, err := e.Eval(newTestEnv())
		if err != nil || got.String() != want {
			t.Errorf("Eval(%q) = %q, %v; want %q", expr, got, err, want)
		}
		if diff := cmp.Diff(true, len(e.Refs()) > 0); diff != "" {
			t.Errorf("Compile(%q).Refs() = %v, want the ${} names", expr, e.Refs())
		}
	}
}

func TestPullDataIDs(t *testing.T) {
	e := MustCompile("pulldata('hh', 'size', 'id', ${x}) + count(instance('hh')/root/item) + count(instance('lists')/root/item)")
	if diff := cmp.Diff([]string{"hh", "lists"}, e.Instances()); diff != "" {
		t.Errorf("Instances() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hh"}, e.PullData()); diff != "" {
		t.Errorf("PullData() mismatch (-want +got):\n%s", diff)
	}
}

func TestReach(t *testing.T) {
	// A schema of the instance: every element once.
	schema := NewInstance()
	data := schema.Add(0, "data", "")
	schema.Add(data, "name", "")
	kid := schema.Add(data, "kid", "")
	schema.Add(kid, "kname", "")
	kage := schema.Add(kid, "kage", "")
	ctxNode := Node{Doc: schema, I: kage}
	names := func(nodes []Node) []string {
		var out []string
		for _, n := range nodes {
			out = append(out, schema.Name(n))
		}
		return out
	}
	type reached struct {
		Path  string
		Nodes []string
		Only  bool
	}
	cases := []struct {
		expr string
		want []reached
	}{
		{"/data/name", []reached{{"/data/name", []string{"name"}, false}}},
		{"count(../../kid) + position(..)", []reached{{"../../kid", []string{"kid"}, true}, {"..", []string{"kid"}, true}}},
		{"null", []reached{{"null", nil, false}}},
		{"/data/kid[kage > 3]/kname", []reached{{"kage", []string{"kage"}, false}, {"/data/kid[kage > 3]/kname", []string{"kname"}, false}}},
		{"instance('l')/root/item[name = current()/../kname]/label", []reached{{"current()/../kname", []string{"kname"}, false}}},
		{"instance('l')/root/item[name = /data/name and x = 1]", []reached{{"/data/name", []string{"name"}, false}}},
		{"indexed-repeat(/data/kid/kname, /data/kid, 2)", []reached{{"/data/kid/kname", []string{"kname"}, false}, {"/data/kid", []string{"kid"}, true}}},
		{"${x} + 1", nil},
	}
	for _, c := range cases {
		var got []reached
		MustCompile(c.expr).Reach(ctxNode, func(path string, nodes []Node, only bool) {
			got = append(got, reached{path, names(nodes), only})
		})
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Reach(%q) mismatch (-want +got):\n%s", c.expr, diff)
		}
	}
}

func TestInstanceDoc(t *testing.T) {
	in := NewInstance()
	root := in.Add(0, "root", "")
	a := in.Add(root, "item", "")
	in.SetAttr(a, "id", "7")
	in.Add(a, "name", "x")
	in.Add(root, "item", "")
	env := &MapEnv{Docs: map[string]*Instance{"d": in}}
	for expr, want := range map[string]string{
		"instance('d')/root/item[@id = 7]/name":  "x",
		"instance('d')/root/item[1]/@id":         "7",
		"count(instance('d')/root/item[@id])":    "1",
		"count(instance('d')/root/item/@nosuch)": "0",
		"position(instance('d')/root/item[2])":   "2",
		"count(instance('d')/*/*)":               "2",
	} {
		got, err := MustCompile(expr).Eval(env)
		if err != nil || got.String() != want {
			t.Errorf("Eval(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
	if in.Len() != 4 {
		t.Errorf("Len() = %d, want 4 elements", in.Len())
	}
}
