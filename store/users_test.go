package store

import (
	"errors"
	"strings"
	"testing"
)

func TestUsers(t *testing.T) {
	s := openTest(t)
	k1 := UserKey{Fingerprint: "SHA256:aaa", Line: "ssh-ed25519 AAAA1 ana@laptop"}
	k2 := UserKey{Fingerprint: "SHA256:bbb", Line: "ssh-ed25519 AAAA2 ana@desk"}
	must(t, s.AddUser("ana", "Ana Pereira", RoleInterviewer, k1, "sup"))
	for _, tt := range []struct {
		name, id, uname, role string
		key                   UserKey
		want                  string
	}{
		{"same id", "ana", "Ana", RoleInterviewer, UserKey{Fingerprint: "SHA256:ccc"}, "there is an account ana already"},
		{"bad role", "bo", "Bo", "admin", UserKey{Fingerprint: "SHA256:ccc"}, `role "admin" is neither`},
		{"bad id", "b o", "Bo", RoleInterviewer, UserKey{Fingerprint: "SHA256:ccc"}, "not a usable account id"},
		{"no name", "bo", " ", RoleInterviewer, UserKey{Fingerprint: "SHA256:ccc"}, "a name is needed"},
		{"a key of someone else", "bo", "Bo", RoleSupervisor, k1, "already the key of ana"},
		{"not a fingerprint", "bo", "Bo", RoleSupervisor, UserKey{Fingerprint: "MD5:xx"}, "not a SHA256 fingerprint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddUser(tt.id, tt.uname, tt.role, tt.key, "sup")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AddUser(%s) = %v, want an error saying %q", tt.id, err, tt.want)
			}
		})
	}
	must(t, s.AddUserKey("ana", k2, "sup"))
	for _, fp := range []string{k1.Fingerprint, k2.Fingerprint} {
		if u, err := s.UserByKey(fp); err != nil || u.ID != "ana" || u.Name != "Ana Pereira" || u.Role != RoleInterviewer {
			t.Errorf("UserByKey(%s) = %+v, %v; want ana", fp, u, err)
		}
	}
	must(t, s.RemoveUserKey("ana", k1.Fingerprint, "sup"))
	if _, err := s.UserByKey(k1.Fingerprint); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("UserByKey of a removed key = %v, want ErrUnknownKey", err)
	}
	must(t, s.DisableUser("ana", "sup", true))
	if err := s.DisableUser("ana", "sup", true); err == nil {
		t.Errorf("disabling twice succeeded")
	}
	u, err := s.UserByKey(k2.Fingerprint)
	if err != nil || !u.Disabled {
		t.Errorf("UserByKey of a disabled account = %+v, %v; want it, disabled", u, err)
	}
	us, err := s.Users()
	if err != nil || len(us) != 1 || len(us[0].Keys) != 1 || us[0].Keys[0].Fingerprint != k2.Fingerprint {
		t.Errorf("Users() = %+v, %v; want ana with one key", us, err)
	}
	var kinds []string
	s.Events(1, func(e *Event) error { kinds = append(kinds, e.Kind); return nil })
	want := []string{KindUserAdded, KindUserKeyAdded, KindUserKeyRemoved, KindUserDisabled}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Errorf("events = %v, want %v", kinds, want)
	}
	rep, err := s.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() = %v, %v", rep.Problems, err)
	}
}
