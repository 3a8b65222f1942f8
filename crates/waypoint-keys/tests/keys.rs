//! The keys of a data directory, with real files: wrapping per staff member, the wrong-PIN
//! count, and a data directory that cannot be opened without this device's secret.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly
#![allow(irrefutable_let_patterns)] // a secret place is only a file on Linux

use std::path::{Path, PathBuf};

use waypoint_keys::{DeviceKeys, KEYS_FILE, KeyError, MAX_WRONG_PINS, SecretPlace, StoreKey};

const PIN: &str = "483920";
const WRONG: &str = "111111";

/// A data directory and, beside it (not inside), this simulated device's secret file.
struct Device {
    tmp: tempfile::TempDir,
}

impl Device {
    fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }
    fn secret_file(&self) -> PathBuf {
        self.tmp.path().join("secret").join("device-secret")
    }
    fn place(&self) -> SecretPlace {
        SecretPlace::File(self.secret_file())
    }
}

fn same(a: &StoreKey, b: &StoreKey) -> bool {
    *a.sqlcipher_pragma_value() == *b.sqlcipher_pragma_value()
}

fn keys_text(data: &Path) -> String {
    std::fs::read_to_string(data.join(KEYS_FILE)).unwrap()
}

#[test]
fn the_right_pin_unwraps_the_store_key_and_nothing_secret_is_written_in_clear() {
    let device = Device::new();
    let (_, key) =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    let again = keys.unlock("Test Officer", PIN).unwrap();
    assert!(same(&key, &again), "the same store key comes back");
    // Names are compared trimmed and without regard to case.
    assert!(same(&key, &keys.unlock("  test officer ", PIN).unwrap()));

    let text = keys_text(&device.data());
    let hex = key.sqlcipher_pragma_value();
    let hex = hex.trim_matches(|c| c == '"' || c == '\'' || c == 'x');
    assert!(!text.contains(hex), "the store key is not in the keys file");
    assert!(
        !text.to_lowercase().contains("officer"),
        "the file does not name the staff"
    );
    assert!(!text.contains(PIN));
    let StoreKey { .. } = key;
    assert_eq!(format!("{again:?}"), "StoreKey(..)", "Debug shows nothing");
}

#[cfg(unix)]
#[test]
fn the_device_secret_is_a_file_outside_the_data_directory_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let device = Device::new();
    let (keys, _) =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();
    // The directory's own secret, beside the computer's secret place.
    let SecretPlace::File(path) = keys.own_secret_place().clone() else {
        unreachable!("a file place gives a file")
    };
    assert_eq!(path.parent(), device.secret_file().parent());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only: {mode:o}");
    let keys_mode = std::fs::metadata(device.data().join(KEYS_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(keys_mode & 0o077, 0, "keys file owner-only: {keys_mode:o}");

    // A secret that others can read is refused, not used.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = DeviceKeys::load(&device.data(), &device.place()).unwrap_err();
    assert!(
        matches!(err, KeyError::SecretReadableByOthers { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");

    // A secret inside the data directory is refused.
    let inside = SecretPlace::File(device.data().join("device-secret"));
    let other = tempfile::tempdir().unwrap();
    let err = DeviceKeys::create(&other.path().join("data"), &inside, "x", PIN);
    assert!(err.is_ok(), "another data directory is fine");
    let err = DeviceKeys::load(&device.data(), &inside).unwrap_err();
    assert!(matches!(err, KeyError::SecretInsideDataDir { .. }), "{err}");
    let nested = SecretPlace::File(device.data().join("a").join("b").join("device-secret"));
    let fresh = device.tmp.path().join("fresh");
    let err = DeviceKeys::create(&fresh, &nested, "x", PIN);
    assert!(err.is_ok(), "outside: fine");
    let err = DeviceKeys::create(&device.data().join("a"), &nested, "x", PIN).unwrap_err();
    assert!(matches!(err, KeyError::SecretInsideDataDir { .. }), "{err}");
}

#[test]
fn a_copy_of_the_data_directory_without_the_device_secret_does_not_open_even_with_the_right_pin() {
    let device = Device::new();
    DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();

    // Copied alone to another computer: no device secret there.
    let thief = Device::new();
    copy_dir(&device.data(), &thief.data());
    let err = DeviceKeys::load(&thief.data(), &thief.place()).unwrap_err();
    assert!(matches!(err, KeyError::NoDeviceSecret { .. }), "{err}");
    assert!(
        err.to_string().contains("not even with the right PIN"),
        "{err}"
    );

    // A computer with device secrets of its own: still no (each directory has its own
    // secret, so the copy finds none of its own there).
    let (theirs, _) =
        DeviceKeys::create(&thief.tmp.path().join("own"), &thief.place(), "Thief", PIN).unwrap();
    let err = DeviceKeys::load(&thief.data(), &thief.place()).unwrap_err();
    assert!(matches!(err, KeyError::NoDeviceSecret { .. }), "{err}");
    // Even with another secret put where the copy looks for its own.
    let (SecretPlace::File(theirs), SecretPlace::File(mine)) = (
        theirs.own_secret_place().clone(),
        DeviceKeys::load(&device.data(), &device.place())
            .unwrap()
            .own_secret_place()
            .clone(),
    ) else {
        unreachable!("file places")
    };
    std::fs::copy(
        &theirs,
        thief
            .secret_file()
            .with_file_name(mine.file_name().unwrap()),
    )
    .unwrap();
    for pin in [PIN, WRONG] {
        let err = DeviceKeys::load(&thief.data(), &thief.place()).unwrap_err();
        assert!(matches!(err, KeyError::WrongDevice { .. }), "{pin}: {err}");
    }
    // And that counted no wrong PIN on the real device.
    let keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert_eq!(keys.wrong_pins("Test Officer"), 0);
}

#[test]
fn a_wrong_pin_is_refused_and_counted_and_the_right_one_resets_the_count() {
    let device = Device::new();
    let (_, key) =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    let err = keys.unlock("Test Officer", WRONG).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::WrongPin {
                attempts_left: 4,
                ..
            }
        ),
        "{err}"
    );
    // The count is on disk: another process sees it.
    let keys2 = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert_eq!(keys2.wrong_pins("Test Officer"), 1);
    keys.unlock("Test Officer", WRONG).unwrap_err();
    assert!(same(&key, &keys.unlock("Test Officer", PIN).unwrap()));
    let keys3 = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert_eq!(
        keys3.wrong_pins("Test Officer"),
        0,
        "reset by the right PIN"
    );
}

#[test]
fn five_wrong_pins_in_a_row_erase_that_staff_members_wrapped_key() {
    let device = Device::new();
    let (mut keys, key) =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();
    keys.add_staff(&key, "Second Officer", "920384").unwrap();
    let before = keys_text(&device.data());

    for n in 1..MAX_WRONG_PINS {
        // A fresh load each time, as separate attempts in separate processes would be.
        let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
        let err = keys.unlock("Test Officer", WRONG).unwrap_err();
        match err {
            KeyError::WrongPin { attempts_left, .. } => {
                assert_eq!(attempts_left, MAX_WRONG_PINS - n)
            }
            other => panic!("attempt {n}: {other}"),
        }
    }
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    let err = keys.unlock("Test Officer", WRONG).unwrap_err();
    assert!(matches!(err, KeyError::KeyErased { .. }), "{err}");
    assert!(err.to_string().contains("erased"), "{err}");

    // Gone from the file, so even the right PIN cannot bring it back.
    let after = keys_text(&device.data());
    assert!(after.len() < before.len());
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert!(!keys.has_staff("Test Officer"));
    let err = keys.unlock("Test Officer", PIN).unwrap_err();
    assert!(matches!(err, KeyError::UnknownStaff { .. }), "{err}");
    // The colleague's key is untouched.
    assert!(same(
        &key,
        &keys.unlock("Second Officer", "920384").unwrap()
    ));
}

#[test]
fn keys_are_made_once_and_pins_and_names_are_checked() {
    let device = Device::new();
    let err = DeviceKeys::load(&device.data(), &device.place()).unwrap_err();
    assert!(matches!(err, KeyError::NoKeys), "{err}");
    let err =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", "123").unwrap_err();
    assert!(matches!(err, KeyError::PinTooShort), "{err}");
    let err = DeviceKeys::create(&device.data(), &device.place(), "  ", PIN).unwrap_err();
    assert!(matches!(err, KeyError::EmptyStaffName), "{err}");
    let (mut keys, key) =
        DeviceKeys::create(&device.data(), &device.place(), "Test Officer", PIN).unwrap();
    let err = DeviceKeys::create(&device.data(), &device.place(), "Other", PIN).unwrap_err();
    assert!(matches!(err, KeyError::KeysExist), "{err}");
    let err = keys.add_staff(&key, "TEST OFFICER", "654321").unwrap_err();
    assert!(matches!(err, KeyError::StaffExists { .. }), "{err}");
    let err = keys.unlock("Nobody", PIN).unwrap_err();
    assert!(matches!(err, KeyError::UnknownStaff { .. }), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

const RECOVERY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const SIGN_IN_TOKEN: &str = "sign-in-credential-7f3a9c";

#[test]
fn a_recovery_slot_lets_an_online_sign_in_add_a_new_person_and_restore_an_erased_key() {
    let device = Device::new();
    let (mut keys, key) = DeviceKeys::create(&device.data(), &device.place(), "Ana", PIN).unwrap();
    assert!(!keys.can_sign_in_online());
    assert!(matches!(keys.recover(RECOVERY), Err(KeyError::NoRecovery)));
    keys.set_recovery(&key, "http://127.0.0.1:9", SIGN_IN_TOKEN, RECOVERY)
        .unwrap();
    let text = keys_text(&device.data());
    assert!(!text.contains(SIGN_IN_TOKEN), "the credential is sealed");
    assert!(!text.contains(RECOVERY), "the recovery secret is not kept");

    // Later, with the store locked: the credential and, with the server's secret, the key.
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert!(keys.can_sign_in_online());
    let credential = keys.sign_in_credential().unwrap();
    assert_eq!(credential.server, "http://127.0.0.1:9");
    assert_eq!(credential.token.as_str(), SIGN_IN_TOKEN);
    assert!(!format!("{credential:?}").contains(SIGN_IN_TOKEN));
    let wrong = RECOVERY.replace("00", "01");
    assert!(matches!(keys.recover(&wrong), Err(KeyError::WrongRecovery)));
    assert!(matches!(
        keys.recover("not hex"),
        Err(KeyError::WrongRecovery)
    ));
    let recovered = keys.recover(RECOVERY).unwrap();
    assert!(same(&recovered, &key));
    keys.restore_staff(&recovered, "Bea", "777111").unwrap();
    assert!(same(&keys.unlock("bea", "777111").unwrap(), &key));

    // Five wrong PINs erase Bea's key; the recovery slot brings it back.
    for _ in 0..MAX_WRONG_PINS {
        let _ = keys.unlock("Bea", WRONG);
    }
    assert!(!keys.has_staff("Bea"));
    let recovered = keys.recover(RECOVERY).unwrap();
    keys.restore_staff(&recovered, "Bea", "777111").unwrap();
    assert!(same(&keys.unlock("Bea", "777111").unwrap(), &key));

    // A copy of the directory on another device: neither the credential nor the key opens.
    let other = Device::new();
    copy_dir(&device.data(), &other.data());
    DeviceKeys::create(
        &other.tmp.path().join("elsewhere"),
        &other.place(),
        "X",
        PIN,
    )
    .unwrap();
    assert!(matches!(
        DeviceKeys::load(&other.data(), &other.place()),
        Err(KeyError::NoDeviceSecret { .. })
    ));
}

#[test]
fn remove_staff_destroys_one_person_s_key_only() {
    let device = Device::new();
    let (mut keys, key) = DeviceKeys::create(&device.data(), &device.place(), "Ana", PIN).unwrap();
    keys.add_staff(&key, "Bea", "777111").unwrap();
    assert!(keys.remove_staff(" BEA ").unwrap());
    assert!(!keys.remove_staff("Bea").unwrap(), "already gone");
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert!(matches!(
        keys.unlock("Bea", "777111"),
        Err(KeyError::UnknownStaff { .. })
    ));
    assert!(same(&keys.unlock("Ana", PIN).unwrap(), &key));
}
