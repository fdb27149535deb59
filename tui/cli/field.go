package cli

import (
	"canvass/store"
	"errors"

	"github.com/spf13/cobra"
)

// Field laptops: devices, assignments and bundles (issue 14). The commands'
// work is in package store (devices.go, sync_assign.go, bundle_out.go,
// bundle_in.go) and their wording in store/sync_format.go.

// devicesCmd is `canvass devices [list]`, `devices identity` and `devices
// add`: this store's identity, and the laptops (or the hub) it syncs with.
func (a *app) devicesCmd() *cobra.Command {
	list := func(*cobra.Command, []string) error {
		return a.withExistingStore(func(st *store.Store) error {
			ds, err := st.DeviceStatuses()
			if err != nil {
				return err
			}
			return store.WriteDevices(a.stdout, ds)
		})
	}
	cmd := &cobra.Command{
		Use:   "devices [list|identity|add]",
		Short: "Field laptops and their hub: this store's identity, registered devices, where sync stands",
		Args:  cobra.NoArgs,
		RunE:  list,
	}
	var out string
	identity := &cobra.Command{
		Use:   "identity [--out FILE]",
		Short: "Write this store's public identity, to register it on the hub (or on the laptop)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.withStore(func(st *store.Store) error { return st.WriteIdentity(a.stdout, out) })
		},
	}
	identity.Flags().StringVar(&out, "out", "", "the file to write (default: standard output)")
	var key string
	var hub bool
	add := &cobra.Command{
		Use:   "add NAME --key FILE [--hub]",
		Short: "Register a laptop (on the hub), or with --hub this laptop's hub, from its identity file",
		Args:  exactArgs("devices add", 1, "NAME"),
		RunE: func(_ *cobra.Command, args []string) error {
			if key == "" {
				return usageError("devices add: --key FILE is required (the device's canvass devices identity)")
			}
			p, err := store.ReadPublicIdentity(key)
			if err != nil {
				return err
			}
			role := store.RoleLaptop
			if hub {
				role = store.RoleHub
			}
			return a.withStore(func(st *store.Store) error {
				d, err := st.AddDevice(args[0], p, role, actor())
				if err != nil {
					return err
				}
				return store.WriteDeviceAdded(a.stdout, d, p)
			})
		},
	}
	add.Flags().StringVar(&key, "key", "", "the device's identity file (canvass devices identity --out FILE on it)")
	add.Flags().BoolVar(&hub, "hub", false, "register this store's hub (on a laptop)")
	cmd.AddCommand(identity, add, &cobra.Command{Use: "list", Short: "List the devices and where sync stands", Args: cobra.NoArgs, RunE: list})
	return cmd
}

// assignCmd is `canvass assign --survey ID --to DEVICE (--count N |
// --contacts FILE) [--force]`: hand contacts to a laptop, or to an
// interviewer, a team or the speakers of a language.
func (a *app) assignCmd() *cobra.Command {
	var r store.AssignRequest
	cmd := &cobra.Command{
		Use:   "assign --survey ID (--to DEVICE | --interviewer ID | --team NAME | --language L) (--count N | --contacts FILE) [--force]",
		Short: "Hand contacts to a laptop, or assign them to an interviewer, a team or the speakers of a language",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.assign(r) },
	}
	cmd.Flags().StringVar(&r.Survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&r.Device, "to", "", "the laptop's name (required)")
	cmd.Flags().IntVar(&r.Count, "count", 0, "how many queued contacts, in queue order")
	cmd.Flags().StringVar(&r.ContactsFile, "contacts", "", "a file of sample ids, one per line or a CSV id column")
	cmd.Flags().BoolVar(&r.Force, "force", false, "move contacts another laptop holds at once (recorded)")
	cmd.Flags().StringVar(&r.Interviewer, "interviewer", "", "assign to this interviewer (account id): only they are given the contacts")
	cmd.Flags().StringVar(&r.Team, "team", "", "assign to this team (canvass users skills ID --team NAME)")
	cmd.Flags().StringVar(&r.Language, "language", "", "assign by skill: the contacts of this language (all of them without --count or --contacts), to the interviewers who speak it")
	return cmd
}

// assign is assign and unassign: the flags are checked and the contacts
// file read before the store is opened.
func (a *app) assign(r store.AssignRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	ids, err := r.ReadContacts()
	if err != nil {
		return err
	}
	r.Actor = actor()
	return a.withExistingStore(func(st *store.Store) error { return st.RunAssignment(a.stdout, r, ids) })
}

// unassignCmd is `canvass unassign --survey ID --from DEVICE (--count N |
// --contacts FILE | --all) [--force]`: take contacts back from a laptop,
// or from an interviewer, a team or a language.
func (a *app) unassignCmd() *cobra.Command {
	r := store.AssignRequest{Unassign: true}
	cmd := &cobra.Command{
		Use:   "unassign --survey ID (--from DEVICE (--count N | --contacts FILE | --all) [--force] | (--interviewer ID | --team NAME | --language L) [--contacts FILE])",
		Short: "Take contacts back from a laptop, or from an interviewer, a team or a language: they are anyone's again",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.assign(r) },
	}
	cmd.Flags().StringVar(&r.Survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&r.Device, "from", "", "the laptop's name (required)")
	cmd.Flags().IntVar(&r.Count, "count", 0, "how many of its contacts")
	cmd.Flags().StringVar(&r.ContactsFile, "contacts", "", "a file of sample ids, one per line or a CSV id column")
	cmd.Flags().BoolVar(&r.All, "all", false, "all its contacts of the survey")
	cmd.Flags().BoolVar(&r.Force, "force", false, "free them at once rather than when the laptop gives them up (recorded)")
	cmd.Flags().StringVar(&r.Interviewer, "interviewer", "", "take back the contacts assigned to this interviewer (all, or those of --contacts)")
	cmd.Flags().StringVar(&r.Team, "team", "", "take back the contacts assigned to this team")
	cmd.Flags().StringVar(&r.Language, "language", "", "take back the contacts assigned by this language")
	return cmd
}

// bundleCmd is `canvass bundle out --to DEVICE --out FILE` and `bundle in
// FILE`: work both ways between a hub and its laptops. bundle in exits 0
// when the bundle is applied (or was already), 1 when it is refused, 3
// when it is held for an earlier bundle that has not arrived.
func (a *app) bundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle out|in",
		Short: "Move work between a hub and its laptops as encrypted, signed files",
		Args:  cobra.NoArgs,
	}
	var o store.BundleOutOptions
	out := &cobra.Command{
		Use:   "out --to DEVICE --out FILE [--resend] [--message TEXT]",
		Short: "Write a bundle for a registered device: what is new since the last one (--resend: all it has not acknowledged)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			o.Actor = actor()
			return a.withExistingStore(func(st *store.Store) error {
				res, err := st.BundleOut(o)
				if err != nil {
					return err
				}
				return store.WriteBundleOut(a.stdout, res)
			})
		},
	}
	out.Flags().StringVar(&o.To, "to", "", "the device's name (required)")
	out.Flags().StringVar(&o.Out, "out", "", "the bundle file to write (required)")
	out.Flags().BoolVar(&o.Resend, "resend", false, "carry everything the device has not acknowledged, for a bundle that was lost")
	out.Flags().StringVar(&o.Message, "message", "", "a message to the laptop's interviewers (from a hub)")
	in := &cobra.Command{
		Use:   "in FILE",
		Short: "Check and apply a bundle (exit 0 applied, 1 refused, 3 held for an earlier one)",
		Args:  exactArgs("bundle in", 1, "FILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.withExistingStore(func(st *store.Store) error {
				res, err := st.BundleIn(args[0], actor())
				if res != nil {
					store.WriteBundleIn(a.stdout, res)
				}
				switch {
				case errors.Is(err, store.ErrBundleHeld):
					return silentExit(3)
				case err != nil:
					return err
				}
				return nil
			})
		},
	}
	cmd.AddCommand(out, in)
	return cmd
}
