package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"canvass/store"

	gossh "golang.org/x/crypto/ssh"
)

// TestUsersCommands: what `canvass users` says of each change, and that
// the change is made.
func TestUsersCommands(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "u.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key := func(name string) (store.UserKey, string) {
		pub := newKey(t).PublicKey()
		path := filepath.Join(dir, name+".pub")
		if err := os.WriteFile(path, gossh.MarshalAuthorizedKey(pub), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := ReadKey(path)
		if err != nil {
			t.Fatal(err)
		}
		return k, path
	}
	k1, _ := key("one")
	k2, path2 := key("two")
	var b bytes.Buffer
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return AddUser(&b, st, "ana", "Ana", store.RoleInterviewer, k1, "sup") }, "added ana (interviewer) with key " + k1.Fingerprint + "\n"},
		{func() error { return AddUserKey(&b, st, "ana", k2, "sup") }, "added key " + k2.Fingerprint + " to ana\n"},
		{func() error {
			fp, err := KeyFingerprint(path2)
			if err != nil {
				return err
			}
			return RemoveUserKey(&b, st, "ana", fp, "sup")
		}, "removed key " + k2.Fingerprint + " from ana\n"},
		{func() error { return DisableUser(&b, st, "ana", "sup", true) }, "disabled ana\n"},
		{func() error { return DisableUser(&b, st, "ana", "sup", false) }, "enabled ana\n"},
		{func() error { return SetUserSkills(&b, st, "ana", "east", " en, ,es", "sup") }, `ana: team "east", languages "en,es"` + "\n"},
	}
	for _, s := range steps {
		b.Reset()
		if err := s.do(); err != nil || b.String() != s.want {
			t.Errorf("printed %q, %v; want %q", b.String(), err, s.want)
		}
	}
	us, err := st.Users()
	if err != nil || len(us) != 1 || us[0].Disabled || len(us[0].Keys) != 1 || us[0].Team != "east" {
		t.Errorf("users after the changes = %+v, %v", us, err)
	}
	b.Reset()
	if err := AddUser(&b, st, "bo", "Bo", store.RoleSupervisor, k2, "sup"); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := ListUsers(&b, st); err != nil {
		t.Fatal(err)
	}
	want := "ID   ROLE         STATUS  TEAM  LANGUAGES  NAME  KEYS\n" +
		"ana  interviewer  active  east  en,es      Ana   " + k1.Fingerprint + "\n" +
		"bo   supervisor   active  -     -          Bo    " + k2.Fingerprint + "\n"
	if b.String() != want {
		t.Errorf("users list printed\n%s\nwant\n%s", b.String(), want)
	}
	if fp, err := KeyFingerprint("SHA256:abc"); fp != "SHA256:abc" || err != nil {
		t.Errorf("KeyFingerprint(SHA256:abc) = %q, %v", fp, err)
	}
}
