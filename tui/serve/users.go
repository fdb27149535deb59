package serve

import (
	"fmt"
	"io"
	"strings"

	"canvass/store"
)

// This file holds the bodies of `canvass users`: the call room's
// accounts, kept in the store, and what each command says of them.

// AddUser is `canvass users add`: the account id with its first key k.
func AddUser(w io.Writer, st *store.Store, id, name, role string, k store.UserKey, actor string) error {
	if err := st.AddUser(id, name, role, k, actor); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "added %s (%s) with key %s\n", id, role, k.Fingerprint)
	return err
}

// ListUsers is `canvass users list`: the accounts as [WriteUsers] shows
// them.
func ListUsers(w io.Writer, st *store.Store) error {
	us, err := st.Users()
	if err != nil {
		return err
	}
	return WriteUsers(w, us)
}

// DisableUser is `canvass users disable` (disabled) and `users enable`.
func DisableUser(w io.Writer, st *store.Store, id, actor string, disabled bool) error {
	if err := st.DisableUser(id, actor, disabled); err != nil {
		return err
	}
	verb := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	_, err := fmt.Fprintf(w, "%s %s\n", verb, id)
	return err
}

// AddUserKey is `canvass users key add`: one more key k for the account id.
func AddUserKey(w io.Writer, st *store.Store, id string, k store.UserKey, actor string) error {
	if err := st.AddUserKey(id, k, actor); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "added key %s to %s\n", k.Fingerprint, id)
	return err
}

// KeyFingerprint is the key `canvass users key remove` names: a
// SHA256:... fingerprint as given, or that of the public key file.
func KeyFingerprint(arg string) (string, error) {
	if strings.HasPrefix(arg, "SHA256:") {
		return arg, nil
	}
	k, err := ReadKey(arg)
	if err != nil {
		return "", err
	}
	return k.Fingerprint, nil
}

// RemoveUserKey is `canvass users key remove`: the key fp off the account
// id.
func RemoveUserKey(w io.Writer, st *store.Store, id, fp, actor string) error {
	if err := st.RemoveUserKey(id, fp, actor); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "removed key %s from %s\n", fp, id)
	return err
}

// SetUserSkills is `canvass users skills`: the account's team and the
// languages of langs, a comma-separated list (blanks dropped).
func SetUserSkills(w io.Writer, st *store.Store, id, team, langs, actor string) error {
	var ls []string
	for l := range strings.SplitSeq(langs, ",") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if err := st.SetUserSkills(id, team, ls, actor); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s: team %q, languages %q\n", id, team, strings.Join(ls, ","))
	return err
}
