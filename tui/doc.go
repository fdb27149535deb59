// Package tui is canvass's consoles, built on Bubble Tea v2: the
// interviewer console (canvass, canvass demo), the supervisor console
// (canvass review, [NewSupervisor]) and the progress dashboard of a
// survey ([Dashboard]: canvass dashboard, [NewDashboardApp], and opened
// from the supervisor console with p).
//
// # Structure
//
// [App] is the one root model, the only tea.Model and the only type whose
// View returns a tea.View; every console is an App built by its own
// constructor:
//
//	NewConsole       the interviewer console over a [Backend]
//	NewSupervisor    the supervisor console over a [ReviewBackend]
//	NewDashboardApp  one survey's dashboard over a [ReportSource]
//
// The root owns the styles (the terminal's background colour, NO_COLOR),
// the [Frame] and the window: it asks for the background colour in Init,
// hands window size and styles to every child, and shows the child's page
// full-window under the console's title. Screens and answer widgets are
// concrete child types with Update(tea.Msg) (W, tea.Cmd), View() string
// and SetSize(w, h) (or a setFrame taking the root's frame, for those that
// measure their page against it). The parent owns focus and sends keys to
// the focused child only.
//
// The interviewer console's screens ([SignIn], [Home], [Call], [Interview],
// ...) are children of App itself, which numbers their store requests and
// holds their type-ahead. The supervisor console is one child (its sign-in,
// list of interviews, interview detail and embedded [Dashboard] are its own
// children): it takes every message the root does not keep for itself
// (size, colours), keys included, and numbers its own store requests and
// holds its own type-ahead, so its replies and keys never mix with the
// interviewer console's. The standalone dashboard is a [Dashboard] child
// for which the root keeps quitting and the key list.
//
// Nothing here does I/O in Update or View: work that would touch a disk or
// the network runs in a tea.Cmd and comes back as a message, and widgets
// report what the user did as messages ([AnswerMsg], [BackMsg],
// [SoftCheckMsg], [SignInMsg], ...).
//
// # The working console
//
// [NewConsole] builds the interviewer console over a [Backend], the small
// interface this package declares for what it needs from the store
// (*store.Store implements it; tests use an in-memory fake): sign-in
// (remembered on this machine), [Home] (surveys with their progress,
// interviews to resume, appointments due), [Call] (the contact card with
// the contact's local time and call history, the intro script, a key per
// outcome of the survey's outcome table, a [Picker] for appointments in
// the contact's zone), consent, [Interview] (the engine's current stop
// with the widget for its type) and the closing script.
//
// Two promises shape it. A contact reaches the screen only as the store's
// gate (Backend.Next) returned it, so an opt-out recorded anywhere is
// honoured. And every answer the engine accepts is committed through a
// command (Backend.SaveAnswer with the engine's state) before the engine
// moves on and the next question is drawn: until the store says yes, the
// question stays and keys wait; if the save fails, the interviewer sees it
// and can only retry or quit. Replies carry the id of the request (or the
// interview and save) they answer, and stale ones are dropped.
//
// # Keyboard grammar
//
// A phone interviewer types answers and commands with one hand while
// talking, so one rule decides every key: letters, digits and punctuation
// always type, and commands live on Enter, Esc, the arrows and on function
// keys that each have a control-key twin (for laptops where F-keys need Fn,
// and terminals or multiplexers that swallow them):
//
//	enter        confirm the answer and go on (in every widget, even multi-line text)
//	esc  F2 ^B   back: close what is open inside the widget, else the previous question
//	F3   ^D      don't know
//	F4   ^R      refused
//	F5   ^N      a note on this question
//	F6   ^L      switch language
//	F7   ^P      suspend (pause) the interview
//	F8   ^O      record an opt-out
//	F1   ?       all keys; ? only when nothing is typed, so it can still be typed
//	^C           quit
//
// Inside widgets: ↑/↓ (and PgUp/PgDn, Home/End in lists) move; typing a
// choice's number or code and Enter selects it; Space toggles in
// multi-select and picks up/drops an item in a ranking (Shift+↑/↓ move the
// highlighted item directly); ←/→ step a range; y/n answer a yes/no prompt;
// Alt+Enter or ^J starts a new line in multi-line text. The text editors'
// own control keys that would collide (^B, ^D, ^N, ^P) are taken off them;
// the arrows, Home/End and Delete do the same work.
//
// The commands sit on F1-F8 because F10-F12 are often taken by terminal
// emulators (menus, full screen), and on control keys that are free in a
// raw terminal; ^S and ^Q are avoided because a terminal left with flow
// control on freezes on them. Don't know and refused, the most used, are
// adjacent (F3, F4), and the opt-out asks for confirmation.
//
// The help line at the bottom is generated from the focused widget's key
// map, which enables only the bindings that work on it right now, so the
// line never lists a key that does nothing.
//
// Interviewers type ahead. A widget's answer reaches its host as a message
// from a command, which Bubble Tea runs concurrently with reading input, so
// keys can arrive before the answer has moved the screen on. The root
// therefore holds keys back while the focused widget has a result on its
// way ([ChoiceList.Pending] and friends) and replays them once it has been
// acted on: type-ahead lands on the next question, never on the one just
// answered. Results also name their item, and a host drops stale ones.
package tui
