package model

import (
	"fmt"
	"slices"
	"strings"

	"canvass/model/xpath"
)

// Problem is something wrong with a questionnaire, found when it is loaded
// rather than in the middle of an interview.
type Problem struct {
	// Pos is where the item (or choice, or list) was defined.
	Pos Pos
	// Item names the item at fault; empty for survey-level and choice-list
	// problems.
	Item string
	// Msg says what is wrong, naming the item and the bad reference.
	Msg string
	// Warning problems (a missing translation, a type a terminal cannot
	// capture) do not make the survey invalid.
	Warning bool
}

// String formats the problem as `canvass survey check` prints it:
// "POS: message", with "warning: " before the message of a warning.
func (p Problem) String() string {
	msg := p.Msg
	if p.Warning {
		msg = "warning: " + msg
	}
	if pos := p.Pos.String(); pos != "" {
		return pos + ": " + msg
	}
	return msg
}

// Validate checks the questionnaire as a whole: names, types, choice lists,
// expression syntax, references to unknown items, calculation cycles and
// translations. It returns nil when there is nothing to report; the survey
// is valid when no returned problem is an error (see [Valid]).
func (s *Survey) Validate() []Problem {
	_, probs := Compile(s)
	return probs
}

// Valid reports whether none of the problems is an error.
func Valid(probs []Problem) bool {
	for _, p := range probs {
		if !p.Warning {
			return false
		}
	}
	return true
}

// edge is one dependency: the value or relevance of from is computed from
// the value of to.
type edge struct {
	to  *node
	via string // "relevant", "calculation", "repeat_count", "default", "inside", "trigger"
}

// graph works out the dependencies between items, reports cycles and
// records, for every item, the items computed directly from it (users) and
// the items whose constraint or choice filter read it (checkedBy). What a
// change may affect is the transitive closure over users; an interview
// walks it when an answer changes (see [Interview.closure]) rather than the
// form keeping every closure, which for a chain of n relevants is n²/2.
// Everything here is linear in items plus references.
func (c *compiler) graph() {
	f := c.f
	out := make([][]edge, len(f.nodes))
	// mark[m] == stamp when m is already an edge of the node at hand (for
	// the via being added), so duplicates are dropped without a search.
	mark := make([]int, len(f.nodes))
	stamp := 0
	for _, n := range f.nodes {
		add := func(via string, e *xpath.Expr) {
			stamp++
			for _, m := range c.depsOf(e) {
				if mark[m.idx] != stamp {
					mark[m.idx] = stamp
					out[n.idx] = append(out[n.idx], edge{m, via})
				}
			}
		}
		if n.relevant != nil {
			add("relevant", n.relevant)
		}
		if n.calc != nil && !n.stored() {
			// A stored value is set at a moment (a trigger, passing a
			// calculate_here), not whenever what it reads changes.
			add("calculation", n.calc)
		}
		for _, s := range n.triggers {
			out[n.idx] = append(out[n.idx], edge{s, "trigger"})
		}
		if n.count != nil {
			add("repeat_count", n.count)
		}
		if n.dflt != nil && n.it.Type == TypeHidden {
			add("default", n.dflt)
		}
		if n.parent != f.root {
			out[n.idx] = append(out[n.idx], edge{n.parent, "inside"})
		}
		stamp++
		for _, e := range out[n.idx] {
			if mark[e.to.idx] != stamp {
				mark[e.to.idx] = stamp
				n.deps = append(n.deps, e.to)
			}
		}
	}

	cyclic := false
	for _, scc := range sccs(len(f.nodes), out) {
		self := len(scc) == 1 && slices.ContainsFunc(out[scc[0]], func(e edge) bool { return e.to.idx == scc[0] })
		if len(scc) == 1 && !self {
			continue
		}
		cyclic = true
		c.cycle(scc, out)
	}
	if cyclic {
		return
	}

	for _, n := range f.nodes {
		for _, d := range n.deps {
			d.users = append(d.users, n)
		}
	}
	// Which verdicts of constraints and choice filters a change may flip,
	// and which items' own checks read what their answer affects.
	for _, m := range f.nodes {
		stamp++
		reads := func(e *xpath.Expr) {
			if e == nil {
				return
			}
			for _, d := range c.depsOf(e) {
				if mark[d.idx] != stamp {
					mark[d.idx] = stamp
					d.checkedBy = append(d.checkedBy, m)
				}
			}
		}
		reads(m.constraint)
		reads(m.filter)
		for _, e := range []*xpath.Expr{m.constraint, m.warning} {
			if e != nil {
				m.selfDeps = append(m.selfDeps, c.depsOf(e)...)
			}
		}
	}
}

// cycle reports one cycle through the strongly connected component scc,
// starting at its first item in questionnaire order.
func (c *compiler) cycle(scc []int, out [][]edge) {
	in := map[int]bool{}
	for _, i := range scc {
		in[i] = true
	}
	start := slices.Min(scc)
	// Shortest path from start back to itself within the component.
	type step struct {
		prev int
		via  string
	}
	from := map[int]step{}
	queue := []int{start}
	found := false
	for i := 0; i < len(queue) && !found; i++ {
		u := queue[i]
		for _, e := range out[u] {
			v := e.to.idx
			if !in[v] {
				continue
			}
			if v == start {
				from[-1] = step{u, e.via}
				found = true
				break
			}
			if _, ok := from[v]; !ok {
				from[v] = step{u, e.via}
				queue = append(queue, v)
			}
		}
	}
	// Walk back from the closing edge to start.
	var names, vias []string
	st := from[-1]
	for {
		names = append(names, c.f.nodes[st.prev].it.Name)
		vias = append(vias, st.via)
		if st.prev == start {
			break
		}
		st = from[st.prev]
	}
	slices.Reverse(names)
	slices.Reverse(vias)
	names = append(names, names[0])
	n := c.f.nodes[start]
	allCalc := true
	var how []string
	for i, v := range vias {
		if v != "calculation" {
			allCalc = false
		}
		switch v {
		case "inside":
			how = append(how, fmt.Sprintf("%s is inside %s", names[i], names[i+1]))
		default:
			how = append(how, fmt.Sprintf("%s of %s uses %s", v, names[i], names[i+1]))
		}
	}
	if allCalc {
		c.errorf(n.it.Pos, n.it.Name, "calculation cycle: %s", strings.Join(names, " -> "))
		return
	}
	c.errorf(n.it.Pos, n.it.Name, "dependency cycle: %s (%s)", strings.Join(names, " -> "), strings.Join(how, "; "))
}

// sccs returns the strongly connected components of the graph with n nodes
// and the given edges (Tarjan's algorithm), each sorted, in a stable order.
func sccs(n int, out [][]edge) [][]int {
	index := make([]int, n)
	low := make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var res [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, e := range out[v] {
			w := e.to.idx
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			slices.Sort(comp)
			res = append(res, comp)
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	slices.SortFunc(res, func(a, b []int) int { return a[0] - b[0] })
	return res
}
