package surveys

import (
	"os"
	"strings"
	"testing"
)

func FuzzLoadYAML(f *testing.F) {
	for _, name := range []string{"testdata/small.yaml", "demo/csat.yaml", "demo/household.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(yamlHead + "  - name: b\n    type: select_one yn\n    label: {x: 1}\n"))
	f.Add([]byte("a: &a [*a, *a]\nitems: *a\n"))
	f.Add([]byte("calling:\n  outcomes:\n    - {code: x, recall: 1h, bogus: 2}\n"))
	f.Add([]byte(yamlHead + "  - name: b\n    type: text\n    label: B\n---\nid: other\n"))
	f.Add([]byte(yamlHead + "  - name: b\n    type: integer\n    label: B\n    hint: ${zz}\n    constraint: . >> 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, probs, err := Parse("f.yaml", data)
		if err == nil && s == nil {
			t.Fatal("Parse returned neither a survey nor an error")
		}
		// Every problem points at a line of the file (the key at fault),
		// or just past its end where YAML places what is missing there,
		// not anywhere else.
		lines := yamlLines(data)
		for _, p := range probs {
			if p.Pos.Line < 0 || p.Pos.Line > lines+1 {
				t.Errorf("problem %q is at line %d of a %d-line file", p, p.Pos.Line, lines)
			}
		}
	})
}

// yamlLines counts the lines of a file as YAML does: \r\n, \r, \n and
// the Unicode line breaks each end one.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") + strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}

func FuzzLoadXLSForm(f *testing.F) {
	f.Add(csvOf(smallSheets))
	f.Add([]byte(csvHead + ",begin loop over yn,l,L\n,text,b,%(label)s\n,end loop\n" + csvChoices))
	f.Add([]byte(csvHead + ",begin group,g\n,end repeat\n,end group\n,range,r,R,,,start=x\n"))
	f.Add([]byte("settings,form_id,default_language\n,x,English (en)\nsurvey,type\n,note\n"))
	f.Add([]byte("survey,type,name\n,SELECT_ONE İstanbul,a\n,İselect_one x,b\n,begin LOOP over İ,c\n"))
	f.Add([]byte(csvHead + ",text,b,B,,,\nsettings,consent::English (en),onward_transfer,personal_fields\n,Agree?,perhaps,\"name, phone\"\n"))
	f.Add([]byte("survey,type,name,label,read_only\n,integer,a,A,\n,text,b,B,${a} < 18\n,text,c,C,maybe\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := Parse("f.csv", data)
		if err == nil && s == nil {
			t.Fatal("Parse returned neither a survey nor an error")
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	f.Add(xlsxOf(f, smallSheets))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := Parse("f.xlsx", data)
		if err == nil && s == nil {
			t.Fatal("Parse returned neither a survey nor an error")
		}
	})
}
