package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// RankList answers a rank question: the options are put in order, first
// the most preferred. Space picks up the highlighted item and the arrows
// then carry it; Space again drops it. Shift+↑/↓ move the highlighted item
// without picking it up. Enter confirms the order shown.
type RankList struct {
	common
	list    options
	order   []int // indexes into list.opts, in ranked order
	grabbed bool
}

// NewRankList builds the widget for a rank item; a current answer ("c a
// b") gives the starting order, options it leaves out follow in the order
// shown.
func NewRankList(sp Spec, st *Styles) RankList {
	r := RankList{common: newCommon(sp, st), list: newOptions(sp.Choices, false)}
	used := make([]bool, len(r.list.opts))
	for _, name := range strings.Fields(sp.Value) {
		if i := r.list.index(name); i >= 0 && !used[i] {
			r.order = append(r.order, i)
			used[i] = true
		}
	}
	for i := range r.list.opts {
		if !used[i] {
			r.order = append(r.order, i)
		}
	}
	return r
}

// Update handles a key.
func (r RankList) Update(msg tea.Msg) (RankList, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	if cmd, ok := r.special(k); ok {
		return r, cmd
	}
	r.err = ""
	km := &r.km
	cur := r.list.cur
	switch {
	case key.Matches(k, km.Back):
		if r.grabbed {
			r.grabbed = false
			return r, nil
		}
		return r, r.back()
	case key.Matches(k, km.Grab):
		r.grabbed = !r.grabbed
	case key.Matches(k, km.MoveUp), r.grabbed && key.Matches(k, km.Up):
		r.move(cur, cur-1)
	case key.Matches(k, km.MoveDown), r.grabbed && key.Matches(k, km.Down):
		r.move(cur, cur+1)
	case key.Matches(k, km.Up):
		r.list.cur = max(cur-1, 0)
	case key.Matches(k, km.Down):
		r.list.cur = min(cur+1, len(r.order)-1)
	case key.Matches(k, km.Confirm):
		r.grabbed = false
		return r, r.send(AnswerMsg{Item: r.item.Name, Value: r.value()})
	case isText(k):
		r.err = "space picks an item up, ↑/↓ carry it, space drops it"
	}
	return r, nil
}

// move swaps the item at from with its neighbour at to, following it with
// the highlight.
func (r *RankList) move(from, to int) {
	if to < 0 || to >= len(r.order) {
		return
	}
	r.order[from], r.order[to] = r.order[to], r.order[from]
	r.list.cur = to
}

// value is the order in ODK form: names, space-separated, first ranked
// first.
func (r RankList) value() string {
	names := make([]string, len(r.order))
	for i, j := range r.order {
		names[i] = r.list.opts[j].Name
	}
	return strings.Join(names, " ")
}

// View draws the ranking with positions, the carried item marked.
func (r RankList) View() string {
	st := r.st
	n := len(r.order)
	listH := max(r.height-1, 1)
	r.list.top = window(n, listH, r.list.cur, r.list.top)
	nw := len(fmt.Sprint(n))
	var lines []string
	for i := r.list.top; i < min(n, r.list.top+listH); i++ {
		mark := " "
		if i == r.list.cur && r.grabbed {
			mark = st.Marks.Grabbed
		}
		text := fmt.Sprintf("%*d. %s %s", nw, i+1, mark, r.label(r.list.opts[r.order[i]]))
		if i == r.list.cur {
			line := fit(st.Marks.Cursor+text, r.width)
			if r.grabbed {
				lines = append(lines, st.Selected.Inherit(st.Cursor).Render(line))
			} else {
				lines = append(lines, st.Cursor.Render(line))
			}
			continue
		}
		lines = append(lines, st.Option.Render(fit(st.Marks.NoCursor+text, r.width)))
	}
	foot := "first = most preferred"
	if r.grabbed {
		foot = "carrying: ↑/↓ to move, space to drop"
	}
	lines = append(lines, st.Muted.Render(fit(foot, r.width)))
	return strings.Join(lines, "\n")
}

// SetStyles switches to new styles.
func (r *RankList) SetStyles(st *Styles) { r.st = st }

// HelpKeys is the key map of what works now.
func (r RankList) HelpKeys() help.KeyMap {
	k := r.km.base()
	if r.grabbed {
		k.Up.SetHelp("↑/↓", "carry")
		k.Grab.SetHelp("space", "drop")
	} else {
		k.Grab.SetHelp("space", "pick up")
	}
	on(&k.Up, &k.Down, &k.Grab, &k.MoveUp, &k.MoveDown)
	k.Confirm.SetHelp("enter", "confirm order")
	return k
}

// Typing reports whether printable keys are taken as input: never.
func (r RankList) Typing() bool { return false }
