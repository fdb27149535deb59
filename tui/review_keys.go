package tui

import "charm.land/bubbles/v2/key"

// reviewKeys are the supervisor console's keys. The list and the
// interview screens type nothing, so letters are commands there (as the
// outcome keys on the call screen); a comment or note being typed takes
// every printable key, and only enter and esc act on it. Each screen
// keeps a copy with only the bindings that work now enabled, so the help
// line generated from it never lies.
type reviewKeys struct {
	Up, PageUp, Open, Back key.Binding
	// List filters.
	Status, Interviewer, Date, Flagged, Overrides, Notes, Unusual, Clear key.Binding
	// Dashboard opens the progress dashboard of the survey in view;
	// Monitor the call room's monitor, where SendOne and SendAll write to
	// the interviewers.
	Dashboard, Monitor, SendOne, SendAll key.Binding
	// Decisions on one interview.
	Approve, Reject, Comment, Flag key.Binding
	Confirm, Help, Quit            key.Binding
}

// newReviewKeys builds the keys with every binding enabled.
func newReviewKeys() reviewKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return reviewKeys{
		Up:          b("↑/↓", "move", "up", "down"),
		PageUp:      b("PgUp/PgDn", "scroll", "pgup", "pgdown"),
		Open:        b("enter", "open", "enter"),
		Back:        b("esc", "back", "esc", "f2", "ctrl+b"),
		Status:      b("s", "status", "s"),
		Interviewer: b("i", "interviewer", "i"),
		Date:        b("d", "date", "d"),
		Flagged:     b("f", "flagged", "f"),
		Overrides:   b("o", "overrides", "o"),
		Notes:       b("n", "notes", "n"),
		Unusual:     b("u", "short/long", "u"),
		Clear:       b("x", "clear filters", "x"),
		Dashboard:   b("p", "dashboard", "p"),
		Monitor:     b("m", "monitor", "m"),
		SendOne:     b("s", "message them", "s"),
		SendAll:     b("a", "message all", "a"),
		Approve:     b("a", "approve", "a"),
		Reject:      b("r", "reject", "r"),
		Comment:     b("c", "comment on item", "c", "f5", "ctrl+n"),
		Flag:        b("f", "flag", "f"),
		Confirm:     b("enter", "confirm", "enter"),
		Help:        b("F1", "all keys", "f1", "?"),
		Quit:        b("^C", "quit", "ctrl+c"),
	}
}

// none returns a copy with only help and quit enabled; a screen then
// turns on the keys that work on it now with on.
func (k reviewKeys) none() reviewKeys {
	c := k
	for _, p := range c.all() {
		p.SetEnabled(false)
	}
	on(&c.Help, &c.Quit)
	return c
}

func (k *reviewKeys) all() []*key.Binding {
	return []*key.Binding{&k.Up, &k.PageUp, &k.Open, &k.Back, &k.Status, &k.Interviewer, &k.Date,
		&k.Flagged, &k.Overrides, &k.Notes, &k.Unusual, &k.Clear, &k.Dashboard, &k.Monitor, &k.SendOne, &k.SendAll, &k.Approve, &k.Reject,
		&k.Comment, &k.Flag, &k.Confirm, &k.Help, &k.Quit}
}

// ShortHelp is the one-line help: the screen's own keys, then help.
func (k reviewKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Open, k.Confirm, k.Approve, k.Reject, k.Comment, k.Flag,
		k.Dashboard, k.Monitor, k.SendOne, k.SendAll, k.Status, k.Interviewer, k.Date, k.Flagged, k.Overrides, k.Notes, k.Unusual, k.Clear,
		k.Back, k.PageUp, k.Help}
}

// FullHelp lists every working key, with all its alternatives, in three
// columns: moving, filters or decisions, the rest.
func (k reviewKeys) FullHelp() [][]key.Binding {
	groups := [][]key.Binding{
		{k.Up, k.PageUp, k.Open, k.Confirm, k.Back, k.Dashboard, k.Monitor, k.SendOne, k.SendAll},
		{k.Status, k.Interviewer, k.Date, k.Flagged, k.Overrides, k.Notes, k.Unusual, k.Clear,
			k.Approve, k.Reject, k.Comment, k.Flag},
		{k.Help, k.Quit},
	}
	for _, g := range groups {
		for i := range g {
			g[i].SetHelp(keyNames(g[i].Keys()), g[i].Help().Desc)
		}
	}
	return groups
}
