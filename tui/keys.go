package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
)

// keyMap holds every key binding of the console (the grammar is in the
// package comment). A widget keeps its own copy with only the bindings that
// work on it enabled, so the help line generated from it never lies.
type keyMap struct {
	// Interview keys, the same on every question.
	Confirm, Back, DontKnow, Refused key.Binding
	Note, Language, Suspend, OptOut  key.Binding
	Jump                             key.Binding // the questionnaire only: see base
	Help, Quit                       key.Binding

	// Widget keys.
	Type                     key.Binding // help only: type a number or code
	Up, Down                 key.Binding
	PageUp, PageDown         key.Binding
	Home, End                key.Binding
	Left, Right              key.Binding
	Toggle                   key.Binding
	Grab, MoveUp, MoveDown   key.Binding
	Yes, No                  key.Binding
	Newline, NextField, Prev key.Binding
}

// newKeyMap builds the key map with every binding enabled; widgets narrow
// their copy with base and on.
func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Confirm:  b("enter", "confirm", "enter"),
		Back:     b("esc", "back", "esc", "f2", "ctrl+b"),
		DontKnow: b("F3", "don't know", "f3", "ctrl+d"),
		Refused:  b("F4", "refused", "f4", "ctrl+r"),
		Note:     b("F5", "note", "f5", "ctrl+n"),
		Language: b("F6", "language", "f6", "ctrl+l"),
		Suspend:  b("F7", "suspend", "f7", "ctrl+p"),
		OptOut:   b("F8", "opt-out", "f8", "ctrl+o"),
		Jump:     b("F9", "go to question", "f9", "ctrl+g"),
		Help:     b("F1", "all keys", "f1", "?"),
		Quit:     b("^C", "quit", "ctrl+c"),

		// Type is for help only; widgets read typed codes themselves.
		Type:      b("1-9", "choose", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Up:        b("↑/↓", "move", "up"),
		Down:      b("↓", "down", "down"),
		PageUp:    b("PgUp/PgDn", "page", "pgup"),
		PageDown:  b("PgDn", "page down", "pgdown"),
		Home:      b("Home/End", "first/last", "home"),
		End:       b("End", "last", "end"),
		Left:      b("←/→", "step", "left"),
		Right:     b("→", "step up", "right"),
		Toggle:    b("space", "tick", "space"),
		Grab:      b("space", "pick up/drop", "space"),
		MoveUp:    b("shift+↑/↓", "move item", "shift+up", "alt+up", "ctrl+up"),
		MoveDown:  b("shift+↓", "move item down", "shift+down", "alt+down", "ctrl+down"),
		Yes:       b("y/n", "yes/no", "y", "Y", "1"),
		No:        b("n", "no", "n", "N", "2"),
		Newline:   b("alt+enter", "new line", "alt+enter", "ctrl+j"),
		NextField: b("tab", "next field", "tab", "down"),
		Prev:      b("shift+tab", "previous field", "shift+tab", "up"),
	}
}

// base returns a copy with the interview keys enabled (confirm, back,
// don't know and refused as the item allows, note, language, suspend,
// opt-out, help, quit) and every widget key disabled, and going to a
// question too (the questionnaire turns it on where it works); a widget then turns
// on the keys that work on it now with on.
func (k keyMap) base() keyMap {
	c := k
	for _, p := range []*key.Binding{&c.Jump, &c.Type, &c.Up, &c.Down, &c.PageUp, &c.PageDown,
		&c.Home, &c.End, &c.Left, &c.Right, &c.Toggle, &c.Grab, &c.MoveUp,
		&c.MoveDown, &c.Yes, &c.No, &c.Newline, &c.NextField, &c.Prev} {
		p.SetEnabled(false)
	}
	return c
}

// on enables the given bindings.
func on(bs ...*key.Binding) {
	for _, b := range bs {
		b.SetEnabled(true)
	}
}

// off disables the given bindings.
func off(bs ...*key.Binding) {
	for _, b := range bs {
		b.SetEnabled(false)
	}
}

// forItem turns off don't know and refused where the item forbids them and
// on items that take no answer.
func (k keyMap) forItem(answerable, noDK, noRF bool) keyMap {
	k.DontKnow.SetEnabled(answerable && !noDK)
	k.Refused.SetEnabled(answerable && !noRF)
	return k
}

// ShortHelp is the one-line help: the widget's own keys first, then the
// answer keys, the way back and the way to every key, then the interview
// keys (the help line wraps rather than leave one out). Bindings
// that only complete a pair shown under one label (↓ beside ↑) stay out.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		k.Type, k.Up, k.Left, k.Toggle, k.Grab, k.MoveUp, k.Yes, k.Newline,
		k.NextField, k.Confirm, k.DontKnow, k.Refused, k.Back, k.Help,
		k.Note, k.Language, k.Suspend, k.OptOut, k.Jump,
	}
}

// FullHelp lists every working key in three columns: this widget, the
// answer, the interview. Keys are shown with all their alternatives, and
// the bindings the short help shows as a pair ("↑/↓ move") one by one.
func (k keyMap) FullHelp() [][]key.Binding {
	type entry struct {
		b    key.Binding
		desc string // the description in the full list, when not the short one
	}
	groups := [][]entry{
		{{k.Type, ""}, {k.Up, "up"}, {k.Down, ""}, {k.PageUp, "page up"}, {k.PageDown, ""},
			{k.Home, "first"}, {k.End, ""}, {k.Left, "step down"}, {k.Right, ""},
			{k.Toggle, ""}, {k.Grab, ""}, {k.MoveUp, "move item up"}, {k.MoveDown, ""},
			{k.Yes, "yes"}, {k.No, ""}, {k.Newline, ""}, {k.NextField, ""}, {k.Prev, ""}},
		{{k.Confirm, ""}, {k.DontKnow, ""}, {k.Refused, ""}, {k.Back, ""}},
		{{k.Note, ""}, {k.Language, ""}, {k.Suspend, ""}, {k.OptOut, ""}, {k.Jump, ""}, {k.Help, ""}, {k.Quit, ""}},
	}
	out := make([][]key.Binding, len(groups))
	for i, g := range groups {
		for j, e := range g {
			b := e.b
			desc := b.Help().Desc
			if e.desc != "" {
				desc = e.desc
			}
			if i > 0 || j > 0 { // Type keeps its label, the codes of the list
				b.SetHelp(keyNames(b.Keys()), desc)
			}
			out[i] = append(out[i], b)
		}
	}
	return out
}

// keyNames writes the keys of a binding the way a keyboard labels them.
func keyNames(keys []string) string {
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		switch {
		case len(k) >= 2 && k[0] == 'f' && k[1] >= '0' && k[1] <= '9':
			k = "F" + k[1:]
		case strings.HasPrefix(k, "ctrl+") && len(k) == 6:
			k = "^" + strings.ToUpper(k[5:])
		}
		k = strings.NewReplacer("up", "↑", "down", "↓", "left", "←", "right", "→").Replace(k)
		names = append(names, k)
	}
	return strings.Join(names, " ")
}

// inputKeys is the single-line editor's key map without the control keys
// the console uses for commands (^B back, ^D don't know, ^N note, ^P
// suspend); the arrows, Delete and Home/End do the same work.
func inputKeys() textinput.KeyMap {
	km := textinput.DefaultKeyMap()
	km.CharacterForward.SetKeys("right", "ctrl+f")
	km.CharacterBackward.SetKeys("left")
	km.DeleteCharacterForward.SetKeys("delete")
	km.NextSuggestion.SetKeys()
	km.PrevSuggestion.SetKeys()
	km.AcceptSuggestion.SetKeys()
	return km
}

// areaKeys is the multi-line editor's key map: Enter confirms the answer
// like everywhere else, so a new line is Alt+Enter or ^J, and the command
// control keys are taken off it.
func areaKeys() textarea.KeyMap {
	km := textarea.DefaultKeyMap()
	km.InsertNewline.SetKeys("alt+enter", "ctrl+j")
	km.CharacterForward.SetKeys("right", "ctrl+f")
	km.CharacterBackward.SetKeys("left")
	km.DeleteCharacterForward.SetKeys("delete")
	km.LineNext.SetKeys("down")
	km.LinePrevious.SetKeys("up")
	return km
}

// newKeys is a key map for a screen to hold by pointer. A key map is
// 1.8 KB of bindings that never change once made (the help of what works
// now is drawn from copies, see base), and the console's screens are
// values that Bubble Tea copies at every message: held by value, the key
// maps were most of those copies.
func newKeys() *keyMap {
	k := newKeyMap()
	return &k
}
