//! Opening this device's store for the person at the keyboard, for a front end that opens it
//! per command (the CLI): their PIN unlocks the store key ([`session::unlock`]), the store
//! opens, and the sign-in rules follow (the offline lease, disabled staff, the audited
//! sign-in). The keys stay at hand for what comes after: enrolment adds the recovery slot,
//! and a sync that disabled staff ends with their keys destroyed ([`HeldKeys::forget_disabled`]).

use std::path::{Path, PathBuf};

use waypoint_keys::{DeviceKeys, KeyError, SecretPlace, StoreKey};
use waypoint_store::{Store, StoreError};

use crate::session::{self, SignInError};
use crate::staff::{NewStaff, StaffAdded};
use crate::{AppError, Context};

/// What the store is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A person's work: refused past the offline lease (the device is locked until it
    /// syncs), and audited as a sign-in.
    Work,
    /// Acting for the device (sync, status, enrolment): allowed past the lease, since a sync
    /// is what ends the lock, and audited only when the sign-in was online, so that a sync
    /// with nothing to do stays one round trip with no audit entry to send.
    Device,
}

/// The store opened for a person, and the keys that opened it.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub keys: HeldKeys,
}

/// The device's keys and the store key, kept after the store is opened; shows nothing.
pub struct HeldKeys {
    dir: PathBuf,
    pub(crate) keys: DeviceKeys,
    pub(crate) key: StoreKey,
}

impl std::fmt::Debug for HeldKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldKeys").finish_non_exhaustive()
    }
}

/// Why the store could not be opened for a person.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No place for the device secret on this computer.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// A wrong PIN, a disabled account, an online sign-in that failed...
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error("opening the store in {}", dir.display())]
    Store {
        dir: PathBuf,
        #[source]
        source: StoreError,
    },
    #[error("recording the sign-in in the audit log")]
    Audit(#[source] StoreError),
    /// Past the offline lease ([`AppError::LeaseOver`]), or the store failing meanwhile.
    #[error(transparent)]
    App(#[from] AppError),
}

/// Opens the store of `dir` for `staff` with `pin` (on a new data directory, makes its key for
/// them), then keeps the sign-in rules for `purpose`: past the offline lease only the device's
/// own work goes on; an online sign-in's staff directory is saved; a person the directory says
/// is disabled is refused and loses their key here; the sign-in is audited.
pub fn sign_in(
    dir: &Path,
    staff: &str,
    pin: &str,
    purpose: Purpose,
    ctx: &Context,
) -> Result<Opened, OpenError> {
    sign_in_at(
        &SecretPlace::for_this_device()?,
        dir,
        staff,
        pin,
        purpose,
        ctx,
    )
}

/// [`sign_in`] with the device secret at `place`.
pub(crate) fn sign_in_at(
    place: &SecretPlace,
    dir: &Path,
    staff: &str,
    pin: &str,
    purpose: Purpose,
    ctx: &Context,
) -> Result<Opened, OpenError> {
    let staff = staff.trim();
    let session::Unlocked {
        mut keys,
        key,
        online,
    } = session::unlock(dir, place, staff, pin)?;
    let mut store = open_store(dir, &key)?;
    if purpose == Purpose::Work {
        session::lease_gate(&store, ctx)?;
    }
    // The audit log names the person who unlocked the store, not only this device.
    store.act_as(&format!("staff:{staff}"));
    session::after_open(&mut store, &mut keys, staff, online.as_ref())?;
    if purpose == Purpose::Work || online.is_some() {
        store
            .record_sign_in(&format!("staff:{staff}"))
            .map_err(OpenError::Audit)?;
    }
    Ok(Opened {
        store,
        keys: HeldKeys {
            dir: dir.to_path_buf(),
            keys,
            key,
        },
    })
}

/// Opens the store of `dir` with `staff`'s PIN and nothing else (no lease, no sign-in audit):
/// for giving a colleague a key ([`Opened::add_staff`]), which checks its own rights.
pub fn unlock(dir: &Path, staff: &str, pin: &str) -> Result<Opened, OpenError> {
    unlock_at(&SecretPlace::for_this_device()?, dir, staff, pin)
}

/// [`unlock`] with the device secret at `place`.
pub(crate) fn unlock_at(
    place: &SecretPlace,
    dir: &Path,
    staff: &str,
    pin: &str,
) -> Result<Opened, OpenError> {
    let staff = staff.trim();
    let session::Unlocked { keys, key, .. } = session::unlock(dir, place, staff, pin)?;
    // The key must open this store before anyone else is given it.
    let mut store = open_store(dir, &key)?;
    store.act_as(&format!("staff:{staff}"));
    Ok(Opened {
        store,
        keys: HeldKeys {
            dir: dir.to_path_buf(),
            keys,
            key,
        },
    })
}

fn open_store(dir: &Path, key: &StoreKey) -> Result<Store, OpenError> {
    Store::open(dir, key).map_err(|source| OpenError::Store {
        dir: dir.to_path_buf(),
        source,
    })
}

impl Opened {
    /// [`crate::staff::add`] with the keys that opened this store, on behalf of `me`.
    pub fn add_staff(&mut self, me: &str, new: NewStaff<'_>) -> Result<StaffAdded, AppError> {
        crate::staff::add(
            &mut self.store,
            &mut self.keys.keys,
            &self.keys.key,
            me,
            new,
        )
    }
}

impl HeldKeys {
    /// After the work (which may have synced): destroys the wrapped keys of every staff member
    /// the device's directory now says is disabled. Returns how many were destroyed; none on a
    /// device HQ revoked, whose data is already erased (opening it would make a new store).
    pub fn forget_disabled(mut self) -> Result<usize, AppError> {
        if !self.dir.join(waypoint_store::DB_FILE).exists() {
            return Ok(0);
        }
        let store = Store::open(&self.dir, &self.key)?;
        Ok(session::forget_disabled(&store, &mut self.keys)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{Duration, Utc};
    use waypoint_domain::Role;
    use waypoint_store::StaffSource;

    use super::*;
    use crate::testing;

    const PIN: &str = "246810";

    /// A device whose data directory `staff`'s first sign-in made; its secret in a file
    /// beside it. Keep the directory alive.
    pub(crate) struct Device {
        _root: tempfile::TempDir,
        place: SecretPlace,
        dir: PathBuf,
    }

    impl Device {
        pub(crate) fn new(staff: &str) -> Self {
            let root = tempfile::tempdir().unwrap();
            let device = Device {
                place: SecretPlace::File(root.path().join("secret")),
                dir: root.path().join("data"),
                _root: root,
            };
            device
                .sign_in(staff, PIN, Purpose::Work, &testing::context())
                .unwrap();
            device
        }

        fn sign_in(
            &self,
            staff: &str,
            pin: &str,
            purpose: Purpose,
            ctx: &Context,
        ) -> Result<Opened, OpenError> {
            sign_in_at(&self.place, &self.dir, staff, pin, purpose, ctx)
        }

        /// `staff` signed in for their work, now.
        pub(crate) fn work(&self, staff: &str) -> Opened {
            self.sign_in(staff, PIN, Purpose::Work, &testing::context())
                .unwrap()
        }
    }

    fn sign_ins(store: &Store) -> usize {
        store
            .audit_entries(0, 1000)
            .unwrap()
            .iter()
            .filter(|e| e.action == "sign_in")
            .count()
    }

    #[test]
    fn a_persons_work_is_audited_as_a_sign_in_and_the_devices_is_not() {
        let device = Device::new(testing::OFFICER);
        let ctx = testing::context();
        let work = device
            .sign_in(testing::OFFICER, PIN, Purpose::Work, &ctx)
            .unwrap();
        let after_work = sign_ins(&work.store);
        assert!(
            after_work >= 2,
            "two sign-ins for work, {after_work} audited"
        );
        drop(work);
        let for_device = device
            .sign_in(testing::OFFICER, PIN, Purpose::Device, &ctx)
            .unwrap();
        assert_eq!(sign_ins(&for_device.store), after_work);
        assert_eq!(
            for_device.store.staff(),
            format!("staff:{}", testing::OFFICER)
        );
    }

    #[test]
    fn a_wrong_pin_opens_nothing() {
        let device = Device::new(testing::OFFICER);
        let e = device
            .sign_in(
                testing::OFFICER,
                "135799",
                Purpose::Work,
                &testing::context(),
            )
            .unwrap_err();
        assert!(matches!(e, OpenError::SignIn(_)), "{e:?}");
    }

    #[test]
    fn past_the_offline_lease_only_the_devices_work_opens() {
        let device = Device::new(testing::OFFICER);
        let ctx = testing::context();
        let mut opened = device
            .sign_in(testing::OFFICER, PIN, Purpose::Work, &ctx)
            .unwrap();
        opened
            .store
            .set_enrolment("https://hq.example.org", "d-1", "laptop-1", "token")
            .unwrap();
        drop(opened);
        // The lease counts from the enrolment, which the store dates now.
        let later = Context::new(None, Utc::now() + Duration::days(400));
        let e = device
            .sign_in(testing::OFFICER, PIN, Purpose::Work, &later)
            .unwrap_err();
        assert!(matches!(e, OpenError::App(AppError::LeaseOver(_))), "{e:?}");
        device
            .sign_in(testing::OFFICER, PIN, Purpose::Device, &later)
            .unwrap();
    }

    #[test]
    fn a_colleague_given_a_key_with_the_held_keys_can_then_sign_in() {
        let device = Device::new(testing::OFFICER);
        let mut opened = unlock_at(&device.place, &device.dir, testing::OFFICER, PIN).unwrap();
        let new = NewStaff {
            name: "B. Clerk",
            role: Some(Role::FieldAssistant),
            pin: Some("975310"),
        };
        let added = opened.add_staff(testing::OFFICER, new).unwrap();
        assert_eq!(added, StaffAdded::MayUnlock(Role::FieldAssistant));
        drop(opened);
        let clerk = device
            .sign_in("B. Clerk", "975310", Purpose::Work, &testing::context())
            .unwrap();
        let member = clerk.store.staff_member("B. Clerk").unwrap().unwrap();
        assert_eq!(member.source, StaffSource::Local);
    }

    #[test]
    fn forgetting_disabled_staff_on_an_erased_device_makes_no_new_store() {
        let device = Device::new(testing::OFFICER);
        let opened = device
            .sign_in(testing::OFFICER, PIN, Purpose::Work, &testing::context())
            .unwrap();
        drop(opened.store);
        std::fs::remove_file(device.dir.join(waypoint_store::DB_FILE)).unwrap();
        assert_eq!(opened.keys.forget_disabled().unwrap(), 0);
        assert!(!device.dir.join(waypoint_store::DB_FILE).exists());
    }
}
