package xpath

import "testing"

// relevant is a typical relevant expression.
const relevant = "${age} >= 18 and selected(${products}, 'b') and ${nps} <= 6"

func BenchmarkCompileRelevant(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(relevant); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalRelevant(b *testing.B) {
	e := MustCompile(relevant)
	env := &MapEnv{Vars: map[string]string{"age": "34", "products": "a b c", "nps": "5"}}
	for b.Loop() {
		v, err := e.Eval(env)
		if err != nil || !v.Bool() {
			b.Fatalf("Eval(%q) = %v, %v; want true", relevant, v, err)
		}
	}
}

func BenchmarkEvalChoiceLookup(b *testing.B) {
	e := MustCompile("instance('l')/root/item[name = ${x}]/label")
	rows := make([]map[string]string, 200)
	for i := range rows {
		rows[i] = map[string]string{"name": "c" + itoa(i), "label": "Choice " + itoa(i)}
	}
	env := &MapEnv{Vars: map[string]string{"x": "c150"}, Instances: map[string][]map[string]string{"l": rows}}
	for b.Loop() {
		v, err := e.Eval(env)
		if err != nil || v.String() != "Choice 150" {
			b.Fatalf("Eval = %v, %v", v, err)
		}
	}
}
