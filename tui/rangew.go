package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// RangeSlider answers a range question: ←/→ (or ↑/↓) step through the
// range by its step, Home/End jump to the ends, or a number is typed and
// Enter checks it against the bounds and the step.
type RangeSlider struct {
	common
	lo, hi, step float64
	value        float64
	set          bool   // a value has been chosen
	typed        string // a number being typed
}

// NewRangeSlider builds the widget for a range item. Without parameters
// the range is ODK's default, 1 to 10 by 1.
func NewRangeSlider(sp Spec, st *Styles) RangeSlider {
	r := RangeSlider{common: newCommon(sp, st), lo: 1, hi: 10, step: 1}
	if rg := sp.Item.Range; rg != nil {
		r.lo, r.hi = min(rg.Start, rg.End), max(rg.Start, rg.End)
		if rg.Step != 0 {
			r.step = math.Abs(rg.Step)
		}
	}
	if v, err := strconv.ParseFloat(sp.Value, 64); err == nil && r.valid(v) == "" {
		r.value, r.set = v, true
	} else {
		r.value = r.lo
	}
	return r
}

// valid says what is wrong with v, or "".
func (r RangeSlider) valid(v float64) string {
	if v < r.lo || v > r.hi {
		return fmt.Sprintf("%s is outside the range %s to %s", r.format(v), r.format(r.lo), r.format(r.hi))
	}
	steps := (v - r.lo) / r.step
	if math.Abs(steps-math.Round(steps)) > 1e-9 {
		return fmt.Sprintf("%s is between steps: the range goes %s, %s, %s, …",
			r.format(v), r.format(r.lo), r.format(r.lo+r.step), r.format(r.lo+2*r.step))
	}
	return ""
}

// format writes a value with no more decimals than the step has, so that
// 0.1+0.2 shows as 0.3.
func (r RangeSlider) format(v float64) string {
	dec := 0
	for s := r.step; dec < 9 && math.Abs(s-math.Round(s)) > 1e-9; s *= 10 {
		dec++
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// Update handles a key.
func (r RangeSlider) Update(msg tea.Msg) (RangeSlider, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	if cmd, ok := r.special(k); ok {
		return r, cmd
	}
	r.err = ""
	km := &r.km
	switch {
	case key.Matches(k, km.Back):
		if r.typed != "" {
			r.typed = ""
			return r, nil
		}
		return r, r.back()
	case key.Matches(k, km.Left, km.Down):
		r.nudge(-1)
	case key.Matches(k, km.Right, km.Up):
		r.nudge(1)
	case key.Matches(k, km.Home):
		r.value, r.set, r.typed = r.lo, true, ""
	case key.Matches(k, km.End):
		r.value, r.set, r.typed = r.hi, true, ""
	case key.Matches(k, km.Confirm):
		if r.typed != "" {
			v, err := parseDecimal(r.typed)
			if err != nil {
				r.err = err.Error()
				return r, nil
			}
			x, _ := strconv.ParseFloat(v, 64)
			if e := r.valid(x); e != "" {
				r.err = e
				return r, nil
			}
			r.value, r.set, r.typed = x, true, ""
		}
		if !r.set {
			r.err = "choose a value with ← → or type a number"
			return r, nil
		}
		return r, r.send(AnswerMsg{Item: r.item.Name, Value: r.format(r.value)})
	case k.Code == tea.KeyBackspace:
		if n := len(r.typed); n > 0 {
			r.typed = r.typed[:n-1]
		}
	case isText(k):
		if !allowed(k.Text, func(c rune) bool { return c >= '0' && c <= '9' || c == '-' || c == '.' || c == ',' }) {
			r.err = "numbers only: type a value from " + r.format(r.lo) + " to " + r.format(r.hi)
			return r, nil
		}
		r.typed += k.Text
	}
	return r, nil
}

// nudge moves the value by one step, stopping at the ends. The first
// nudge without a value starts at the low end (or the high end going
// down).
func (r *RangeSlider) nudge(dir int) {
	r.typed = ""
	if !r.set {
		r.set = true
		if dir < 0 {
			r.value = r.hi
		}
		return
	}
	n := math.Round((r.value-r.lo)/r.step) + float64(dir)
	r.value = min(max(r.lo+n*r.step, r.lo), r.hi)
}

// View draws the scale with the chosen value marked, and the value.
func (r RangeSlider) View() string {
	st := r.st
	lo, hi := r.format(r.lo), r.format(r.hi)
	barW := max(r.width-len(lo)-len(hi)-4, 3)
	pos := -1
	if r.set && r.hi > r.lo {
		pos = int(math.Round((r.value - r.lo) / (r.hi - r.lo) * float64(barW-1)))
	}
	var bar strings.Builder
	for i := range barW {
		if i == pos {
			bar.WriteString(st.Selected.Render("●"))
		} else {
			bar.WriteString(st.ProgressEmpty.Render("─"))
		}
	}
	scale := st.Number.Render(lo) + " ├" + bar.String() + "┤ " + st.Number.Render(hi)
	var val string
	switch {
	case r.typed != "":
		val = st.Prompt.Render("value ") + st.Input.Render(r.typed) + st.Muted.Render("▏ enter to check")
	case r.set:
		val = st.Prompt.Render("value ") + st.Selected.Render(r.format(r.value))
	default:
		val = st.Muted.Render("no value yet")
	}
	steps := st.Muted.Render(fmt.Sprintf("from %s to %s in steps of %s", lo, hi, r.format(r.step)))
	return strings.Join([]string{fit(scale, r.width), fit(val, r.width), fit(steps, r.width)}, "\n")
}

// SetStyles switches to new styles.
func (r *RangeSlider) SetStyles(st *Styles) { r.st = st }

// HelpKeys is the key map of what works now.
func (r RangeSlider) HelpKeys() help.KeyMap {
	k := r.km.base()
	k.Home.SetHelp("Home/End", "ends")
	on(&k.Left, &k.Right, &k.Home, &k.End)
	return k
}

// Typing reports whether printable keys are taken as input right now.
func (r RangeSlider) Typing() bool { return r.typed != "" }
