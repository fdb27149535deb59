package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles holds every style the console draws with, named for what the text
// means rather than how it looks, so that the light, dark and colourless
// palettes stay consistent. The root builds one with [NewStyles] and passes
// a pointer down; nothing keeps a style globally.
type Styles struct {
	// Dark and NoColor record what the styles were built for.
	Dark, NoColor bool

	// Header is the top bar; Title the survey title in it; HeaderMeta the
	// contact, language and interviewer shown beside it; Lang the active
	// language code.
	Header, Title, HeaderMeta, Lang lipgloss.Style
	// ProgressFilled and ProgressEmpty draw the progress bar; Section names
	// the group the question is in.
	ProgressFilled, ProgressEmpty, Section lipgloss.Style

	// ReadAloud is question text the interviewer reads to the respondent;
	// Hint is an instruction to the interviewer, never read aloud.
	ReadAloud, Hint lipgloss.Style

	// Option is an answer option; Number its number or code; Selected an
	// option that is chosen (checked, ticked); Cursor the highlighted row.
	Option, Number, Selected, Cursor lipgloss.Style
	// Input is typed text; Prompt the label before a field; Placeholder the
	// format hint shown in an empty field.
	Input, Prompt, Placeholder lipgloss.Style

	// Error is a refused answer; Warning a soft check; Muted anything
	// secondary (scroll indicators, bounds, counts); Success a confirmation.
	Error, Warning, Muted, Success lipgloss.Style
	// Dialog frames a dialog (soft check, note, help); ContactCard frames
	// the contact's details.
	Dialog, ContactCard lipgloss.Style

	// Help styles the help line and the full key list.
	Help help.Styles

	// Marks are the textual markers every palette shows, so that the
	// screen stays readable without colour.
	Marks Marks
}

// Marks are the plain-text markers that carry meaning without colour.
type Marks struct {
	Cursor, NoCursor   string // before the highlighted row / other rows
	Checked, Unchecked string // multi-select boxes
	Chosen, Unchosen   string // single-choice radios
	Error, Warning     string // before problem lines
	Hint               string // before interviewer instructions
	Grabbed            string // a rank item being moved
}

// NewStyles builds the styles for a dark or light terminal background. With
// noColor (the NO_COLOR convention) no colour is used at all: emphasis is
// bold, reverse and underline, and the markers carry the rest.
func NewStyles(dark, noColor bool) *Styles {
	s := &Styles{
		Dark:    dark,
		NoColor: noColor,
		Marks: Marks{
			Cursor: "> ", NoCursor: "  ",
			Checked: "[x]", Unchecked: "[ ]",
			Chosen: "(*)", Unchosen: "( )",
			Error: "! ", Warning: "? ",
			Hint:    "» ",
			Grabbed: "≡",
		},
	}
	plain := lipgloss.NewStyle()
	if noColor {
		s.Header = plain.Reverse(true)
		s.Title = plain.Reverse(true).Bold(true)
		s.HeaderMeta = plain.Reverse(true)
		s.Lang = plain.Reverse(true).Bold(true).Underline(true)
		s.ProgressFilled = plain
		s.ProgressEmpty = plain
		s.Section = plain.Bold(true)
		s.ReadAloud = plain.Bold(true)
		s.Hint = plain.Italic(true)
		s.Option = plain
		s.Number = plain
		s.Selected = plain.Bold(true)
		s.Cursor = plain.Reverse(true)
		s.Input = plain.Underline(true)
		s.Prompt = plain.Bold(true)
		s.Placeholder = plain.Faint(true)
		s.Error = plain.Bold(true)
		s.Warning = plain.Bold(true)
		s.Muted = plain.Faint(true)
		s.Success = plain.Bold(true)
		s.Dialog = plain.Border(lipgloss.NormalBorder()).Padding(0, 1)
		s.ContactCard = plain.Border(lipgloss.NormalBorder()).Padding(0, 1)
		s.Help = help.Styles{
			Ellipsis:       plain,
			ShortKey:       plain.Bold(true),
			ShortDesc:      plain,
			ShortSeparator: plain,
			FullKey:        plain.Bold(true),
			FullDesc:       plain,
			FullSeparator:  plain,
		}
		return s
	}

	ld := lipgloss.LightDark(dark)
	c := lipgloss.Color
	var (
		text    = ld(c("#1C1C1C"), c("#F2F2F2"))
		soft    = ld(c("#3A3A3A"), c("#D0D0D0"))
		muted   = ld(c("#6C6C6C"), c("#8A8A8A"))
		faint   = ld(c("#C6C6C6"), c("#444444"))
		accent  = ld(c("#5B3FC4"), c("#A58BFF"))
		hint    = ld(c("#1A5F9E"), c("#7FB8F0"))
		good    = ld(c("#1E7B34"), c("#6BD68A"))
		bad     = ld(c("#B3141F"), c("#FF6B6B"))
		warn    = ld(c("#8A5A00"), c("#F0C05A"))
		barBg   = ld(c("#E4E0F5"), c("#2B2640"))
		cursorB = ld(c("#DCD3FF"), c("#433A6B"))
	)
	s.Header = plain.Background(barBg).Foreground(text)
	s.Title = plain.Background(barBg).Foreground(accent).Bold(true)
	s.HeaderMeta = plain.Background(barBg).Foreground(soft)
	s.Lang = plain.Background(barBg).Foreground(accent).Bold(true)
	s.ProgressFilled = plain.Foreground(accent)
	s.ProgressEmpty = plain.Foreground(faint)
	s.Section = plain.Foreground(muted).Bold(true)
	s.ReadAloud = plain.Foreground(text).Bold(true)
	s.Hint = plain.Foreground(hint).Italic(true)
	s.Option = plain.Foreground(soft)
	s.Number = plain.Foreground(muted)
	s.Selected = plain.Foreground(good).Bold(true)
	s.Cursor = plain.Background(cursorB).Foreground(text)
	s.Input = plain.Foreground(text)
	s.Prompt = plain.Foreground(accent).Bold(true)
	s.Placeholder = plain.Foreground(muted)
	s.Error = plain.Foreground(bad).Bold(true)
	s.Warning = plain.Foreground(warn).Bold(true)
	s.Muted = plain.Foreground(muted)
	s.Success = plain.Foreground(good)
	s.Dialog = plain.Border(lipgloss.RoundedBorder()).BorderForeground(warn).Padding(0, 1)
	s.ContactCard = plain.Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Help = help.Styles{
		Ellipsis:       plain.Foreground(faint),
		ShortKey:       plain.Foreground(accent).Bold(true),
		ShortDesc:      plain.Foreground(muted),
		ShortSeparator: plain.Foreground(faint),
		FullKey:        plain.Foreground(accent).Bold(true),
		FullDesc:       plain.Foreground(soft),
		FullSeparator:  plain.Foreground(faint),
	}
	return s
}

// inputStyles adapts the styles to the bubbles text input. The cursor does
// not blink: a steady block is easier to find at a glance, and frames stay
// identical between keystrokes.
func (s *Styles) inputStyles() textinput.Styles {
	st := textinput.DefaultStyles(s.Dark)
	state := textinput.StyleState{
		Text:        s.Input,
		Placeholder: s.Placeholder,
		Suggestion:  s.Muted,
		Prompt:      s.Prompt,
	}
	st.Focused, st.Blurred = state, state
	st.Blurred.Text = s.Option
	st.Cursor.Blink = false
	if s.NoColor {
		st.Cursor.Color = nil
	}
	return st
}

// areaStyles adapts the styles to the bubbles multi-line text area.
func (s *Styles) areaStyles() textarea.Styles {
	st := textarea.DefaultStyles(s.Dark)
	plain := lipgloss.NewStyle()
	for _, state := range []*textarea.StyleState{&st.Focused, &st.Blurred} {
		state.Base = plain
		state.Text = s.Input
		state.CursorLine = s.Input
		state.Placeholder = s.Placeholder
		state.Prompt = s.Muted
		state.LineNumber = s.Muted
		state.CursorLineNumber = s.Muted
		state.EndOfBuffer = s.Muted
	}
	st.Cursor.Blink = false
	if s.NoColor {
		st.Cursor.Color = nil
	}
	return st
}
