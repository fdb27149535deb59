package model

import "slices"

// This file walks the route: the stops (items shown to the interviewer) in
// questionnaire order, entering relevant groups and existing repeat
// instances, skipping the rest.

// loc is a place on the route: a node at an instance path (see
// node.ctxLen). For an "add another?" repeat, a loc at the repeat node is the
// prompt for the instance its path ends with. The zero loc (n nil) is the
// end of the questionnaire.
type loc struct {
	n    *node
	path []int
}

func (l loc) end() bool { return l.n == nil }

func (l loc) key() akey { return akey{l.n.idx, pathKey(l.path)} }

func (l loc) same(m loc) bool {
	return l.n == m.n && slices.Equal(l.path, m.path)
}

// cmpLoc orders two locations as they come in the questionnaire: by the
// repeats and instances they are in, then by item. The end comes last.
func cmpLoc(a, b loc) int {
	switch {
	case a.end() && b.end():
		return 0
	case a.end():
		return 1
	case b.end():
		return -1
	}
	ta, tb := orderTuple(a), orderTuple(b)
	return slices.Compare(ta, tb)
}

// orderTuple is a loc's sort key: (repeat, instance) for each enclosing
// repeat, then the item's index; a repeat prompt sorts before the items of
// the instance it offers.
func orderTuple(l loc) []int {
	t := make([]int, 0, 2*len(l.path)+2)
	for i, r := range l.n.repeats {
		t = append(t, r.idx, l.path[i])
	}
	if l.n.isRepeat() {
		return append(t, l.n.idx, l.path[len(l.path)-1], -1)
	}
	return append(t, l.n.idx)
}

// start is the first candidate location of the questionnaire.
func (iv *Interview) start() loc {
	if len(iv.form.root.kids) == 0 {
		return loc{}
	}
	return entry(iv.form.root.kids[0], nil)
}

// entry is the location where the route reaches node n under the enclosing
// instance path pp: for a repeat, its first instance.
func entry(n *node, pp []int) loc {
	if n.isRepeat() {
		return loc{n, append(pp[:len(pp):len(pp)], 1)}
	}
	return loc{n, pp}
}

// after is the location following all of node n (with its subtree) at
// instance path pp, where pp excludes n's own instance for a repeat.
func (iv *Interview) after(n *node, pp []int) loc {
	for {
		if n.next != nil {
			return entry(n.next, pp[:len(n.next.repeats)])
		}
		p := n.parent
		if p == iv.form.root {
			return loc{}
		}
		if p.isRepeat() {
			// The next instance of the enclosing repeat.
			last := len(pp) - 1
			return loc{p, append(pp[:last:last], pp[last]+1)}
		}
		n = p
		pp = pp[:len(p.repeats)]
	}
}

// seek returns the first stop at or after candidate l, or the end.
// assumeNo treats an unanswered "add another?" prompt as answered no, to
// estimate the rest of the route; otherwise such a prompt is a stop.
func (iv *Interview) seek(l loc) loc {
	for !l.end() {
		n := l.n
		switch {
		case n.isRepeat():
			last := len(l.path) - 1
			pp, k := l.path[:last], l.path[last]
			if n.addAnother() {
				if k > maxRepeat || !iv.relevantExpr(n, l.path) {
					l = iv.after(n, pp)
					continue
				}
				return l
			}
			if k > iv.repeatCount(n, pp) {
				l = iv.after(n, pp)
				continue
			}
			if !iv.active(n, l.path) || len(n.kids) == 0 {
				l = loc{n, append(pp[:last:last], k+1)}
				continue
			}
			l = entry(n.kids[0], l.path)
		case n.isGroup():
			if !iv.active(n, l.path) || len(n.kids) == 0 {
				l = iv.after(n, l.path)
				continue
			}
			l = entry(n.kids[0], l.path)
		default:
			if n.stop() && iv.active(n, l.path) {
				return l
			}
			l = iv.after(n, l.path)
		}
	}
	return l
}

// next is the stop after stop l. From an "add another?" prompt it enters
// the instance when answered yes and leaves the repeat otherwise.
func (iv *Interview) next(l loc) loc {
	n := l.n
	if n.isRepeat() {
		last := len(l.path) - 1
		if a := iv.answers[l.key()]; a != nil && a.Value == "yes" {
			if len(n.kids) == 0 {
				return iv.seek(loc{n, append(l.path[:last:last], l.path[last]+1)})
			}
			return iv.seek(entry(n.kids[0], l.path))
		}
		return iv.seek(iv.after(n, l.path[:last]))
	}
	return iv.seek(iv.after(n, l.path))
}

// route calls fn for every stop on the route from the start, in order,
// until fn returns false. The route as far as it is known: it ends at an
// unanswered "add another?" prompt, which is passed to fn.
func (iv *Interview) route(fn func(loc) bool) {
	for l := iv.seek(iv.start()); !l.end(); l = iv.next(l) {
		if !fn(l) {
			return
		}
		if l.n.isRepeat() && iv.answers[l.key()] == nil {
			return
		}
	}
}

// onRoute reports whether stop l is on the current route and reached: it
// is complete (answered, or a note already shown), or no stop before it
// still needs the interviewer.
func (iv *Interview) onRoute(l loc) bool {
	found, blocked := false, false
	iv.route(func(s loc) bool {
		if s.same(l) {
			found = true
			return false
		}
		if cmpLoc(s, l) > 0 {
			return false
		}
		if !iv.complete(s) {
			blocked = true
		}
		return true
	})
	return found && (!blocked || iv.complete(l))
}

// complete reports whether stop l needs nothing more from the interviewer:
// it has an answer, or it is a note that has been shown.
func (iv *Interview) complete(l loc) bool {
	k := l.key()
	if iv.answers[k] != nil {
		return true
	}
	if iv.kind(l.n, l.path) == KindNote {
		_, seen := iv.seen[k]
		return seen
	}
	return false
}

// clonePath copies an instance path for the caller, nil when empty.
func clonePath(p []int) []int {
	if len(p) == 0 {
		return nil
	}
	return slices.Clone(p)
}

// Stop is a stop of the route an interviewer may go back to: the item
// and its instance, its question text as shown (in the current language,
// filled), and its answer so far.
type Stop struct {
	Ref
	Kind     Kind
	Label    string
	Answered bool
	Value    string
	Special  Special
	// Current marks the stop the interview is at.
	Current bool
}

// Reached lists, in route order, the stops [Interview.GoTo] accepts: every
// stop on the route that is complete (answered, or a note shown), and the
// first one that still needs the interviewer, where the interview goes on.
// Going to one keeps every answer; the route after it is what the answers
// then make it.
func (iv *Interview) Reached() []Stop {
	var out []Stop
	blocked := false
	iv.route(func(s loc) bool {
		done := iv.complete(s)
		if done || !blocked {
			st := Stop{Ref: Ref{s.n.it.Name, clonePath(s.path)}, Kind: iv.kind(s.n, s.path),
				Label: iv.fill(s.n.it.Label, s.n, s.path), Current: s.same(iv.cur)}
			if a := iv.answers[s.key()]; a != nil {
				st.Answered, st.Value, st.Special = true, a.Value, a.Special
			}
			out = append(out, st)
		}
		if !done {
			blocked = true
		}
		return true
	})
	return out
}
