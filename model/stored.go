package model

import (
	"slices"

	"canvass/model/xpath"
)

// This file holds the calculated values the engine sets at a moment and
// then keeps as answers: an item's trigger firing (XLSForm's trigger
// column) and the interview passing a calculate_here item (SurveyCTO's).

// passHere computes the calculate_here items the route passes on its way
// from stop from to stop to: those after from (or from the start, when
// fromStart) and before to, that are part of the interview.
func (iv *Interview) passHere(from, to loc, fromStart bool) {
	for _, h := range iv.form.here {
		var paths [][]int
		iv.instances(h.repeats, 0, nil, func(p []int) {
			paths = append(paths, slices.Clone(p))
		})
		for _, p := range paths {
			l := loc{h, p}
			if !fromStart && cmpLoc(l, from) <= 0 || cmpLoc(l, to) >= 0 {
				continue
			}
			if iv.active(h, p) {
				iv.setStored(h, p)
			}
		}
	}
}

// fire sets the items triggered by node n, whose answer at path changed:
// each one's calculation, at the instance of the trigger (or every
// instance, for an item in a repeat the trigger is not in).
func (iv *Interview) fire(n *node, path []int) {
	for _, t := range n.fires {
		common := 0
		for common < len(t.repeats) && common < len(path) && chainAt(n, common) == t.repeats[common] {
			common++
		}
		if common == len(t.repeats) {
			iv.setStored(t, path[:common:common])
			continue
		}
		var paths [][]int
		iv.instances(t.repeats, common, path[:common:common], func(p []int) {
			paths = append(paths, slices.Clone(p))
		})
		for _, p := range paths {
			iv.setStored(t, p)
		}
	}
}

// setStored computes node n's calculation at path and keeps the result as
// its answer (none when it is empty), seeing the previous value as '.'.
func (iv *Interview) setStored(n *node, path []int) {
	k := akey{n.idx, pathKey(path)}
	prev := iv.answers[k]
	s := ""
	if n.calc != nil {
		cur := xpath.String("")
		if prev != nil {
			cur = xpath.String(prev.Value)
		}
		v, err := iv.eval(n.calc, n, path, &cur)
		if err != nil {
			iv.exprError(n, "calculation", err)
		} else {
			s = calcString(v)
		}
	}
	switch {
	case s == "" && prev == nil:
		return
	case s == "":
		delete(iv.answers, k)
		iv.paths[n.idx] = slices.DeleteFunc(iv.paths[n.idx], func(p []int) bool { return slices.Equal(p, path) })
		iv.gen++
	case prev != nil && prev.Value == s && prev.Special == NoSpecial:
		return
	default:
		iv.put(k, path, &answer{Value: s, Calc: true})
	}
	iv.invalidate(iv.closure(n))
}

// LastSavedValues turns the data of an interview (Interview.Data) into the
// values ${last-saved#name} gives in the next one (Config.LastSaved): each
// item's value, the first instance's for items in repeats, don't know and
// refused as no value.
func LastSavedValues(data []Datum) map[string]string {
	out := map[string]string{}
	for _, d := range data {
		if _, ok := out[d.Item]; ok || d.Special != NoSpecial {
			continue
		}
		out[d.Item] = d.Value
	}
	return out
}
