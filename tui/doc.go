// Package tui is canvass's consoles, built on Bubble Tea v2: the
// interviewer console (canvass, canvass demo), the supervisor console
// (canvass review, [NewSupervisor]) and the progress dashboard of a
// survey ([Dashboard]: canvass dashboard, [NewDashboardApp], and opened
// from the supervisor console with p).
//
// # Structure
//
// [App] is the one root model, the only tea.Model and the only type whose
// View returns a tea.View. It is a shell, as soft-serve's root is: it owns
// the window size and the [Frame], the styles (the background colour it
// asks the terminal for in Init, NO_COLOR from the environment, a
// terminal without colour from the colour profile), the help (the list of
// every key on F1 or ?, and the default help line), quitting (^C is
// routed to the console, which may ask first) and type-ahead (see the
// keyboard grammar). It hosts one console, its room (app.go):
//
//	Init, Update, Page       the room's own work, and its page for the frame
//	resized, restyled        the shell's frame and styles, handed down
//	busy, saving, typing     whether keys wait, whether ^C waits, whether ? types
//	quit                     ^C: quit, or ask first
//
// Every console is an App built by its own constructor:
//
//	NewConsole       the interviewer console (interviewer.go) over a [Backend]
//	NewSupervisor    the supervisor console (review.go) over a [ReviewBackend]
//	NewDashboardApp  one survey's dashboard alone (dashboard.go) over a [ReportSource]
//
// A room's screens and answer widgets are concrete child types with
// Update(tea.Msg) (W, tea.Cmd), View() string and SetSize(w, h) (or a
// setFrame taking the shell's frame, for those that measure their page
// against it). The parent owns focus and sends keys to the focused child
// only. The interviewer console's screens are [SignIn], [Home], [Call],
// consent, [Interview] and the closing script; the supervisor's are its
// sign-in, the list of interviews, one interview and an embedded
// [Dashboard]. Each console numbers its own store requests.
//
// A screen opens its dialogs on its own stack of modals (modal.go): the
// interviewer console keeps the consent question and the quit question
// there, the call screen the appointment's time, an outcome's note and
// the opt-out questions, the interview the soft check, a note, the
// opt-out and the suspension's appointment, the supervisor's interview
// screen its decision and comment prompts. Keys go to the dialog on top,
// the screen's body shows it, its keys are the help line and its problem
// the error line; it answers with a dialogMsg, and the screen that opened
// it closes it by popping it (one whose answer goes to the store stays,
// waiting, until the store has answered). A dialog is named by a
// dialogID, a type of its own: the names of questionnaire items travel
// only in the widgets' messages ([AnswerMsg], [BackMsg], [ConfirmMsg],
// [NextMsg], [SoftCheckMsg]), so that whatever a questionnaire calls its
// items, none is taken for a dialog.
//
// Nothing here does I/O in Update or View: work that would touch a disk
// or the network runs in a tea.Cmd and comes back as a message, one type
// per reply (presentedMsg, savedMsg, callRecordedMsg, consentGivenMsg,
// brokenOffMsg, completedMsg, approvedMsg, ... in console.go and
// review.go), each carrying the id of the request it answers so that
// stale ones are dropped. Widgets report what the user did as messages
// ([AnswerMsg], [BackMsg], [SoftCheckMsg], [SignInMsg], ...), and screens
// what they ask their console to do ([OutcomeMsg], [SuspendMsg],
// [FinishedMsg], ...).
//
// # One root per session
//
// A root reads nothing from the process: it knows what its constructor
// was given and what its program sends it (WindowSizeMsg, EnvMsg,
// ColorProfileMsg, and the BackgroundColorMsg it asks for), and builds its
// own styles, frame, key maps and caches. Roots in one process share
// only their store. A server (canvass serve, over charm.land/wish/v2)
// therefore builds one root per SSH session, signed in as the account
// the session's key belongs to:
//
//	root := tui.NewConsole(st, tui.Console{
//		SignedIn: &tui.SignInMsg{ID: account.ID, Name: account.Name},
//		Location: account.Zone, // else the server's zone
//	}, tui.WithLocation(account.Zone))
//
// ([NewSupervisor] with ReviewConfig.SignedIn for a supervisor), and runs
// it in a tea.Program of its own whose input, output, environment, window
// size and colour profile are the session's, as wish's Bubble Tea
// middleware sets them up. [Run], [RunOpening], [RunReview] and
// [RunDashboard] are for the local terminal only: they take the colour
// profile the process detected for its standard output, and quit on the
// process's SIGHUP.
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
// gate (Backend.Present) returned it, so an opt-out recorded anywhere is
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
//	F9   ^G      go to a question reached so far (answers are kept)
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
// The commands sit on F1-F9 because F10-F12 are often taken by terminal
// emulators (menus, full screen), and on control keys that are free in a
// raw terminal; ^S and ^Q are avoided because a terminal left with flow
// control on freezes on them. Don't know and refused, the most used, are
// adjacent (F3, F4), and the opt-out asks for confirmation.
//
// The help line at the bottom is generated from the focused widget's key
// map, which enables only the bindings that work on it right now, so the
// line never lists a key that does nothing; it wraps onto as many lines
// as the window's width needs, so it never leaves one out, and screens
// lay their body out for those lines ([Frame.ForKeys]).
//
// Interviewers type ahead. A widget's answer reaches its host as a message
// from a command, which Bubble Tea runs concurrently with reading input, so
// keys can arrive before the answer has moved the screen on. The shell
// therefore holds keys back while its room is busy (the focused widget or
// dialog has a result on its way, [ChoiceList.Pending] and friends, or the
// console waits for the store) and replays them, in order, once it has
// been acted on: type-ahead lands on the next question, never on the one
// just answered. ^C waits too while an answer is being saved, so that
// suspending cannot overtake it. Results also name their item (or their
// dialog), and a host drops stale ones.
package tui
