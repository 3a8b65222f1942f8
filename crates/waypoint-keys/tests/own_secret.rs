//! Each data directory has a secret of its own in the computer's secret place: wiping one
//! directory (a laptop HQ revoked) destroys its secret and no other's, and the wrong-PIN count
//! is kept beside the secret, where putting back an old keys file cannot reset it.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly
#![allow(irrefutable_let_patterns)] // a secret place is only a file on Linux

use std::path::{Path, PathBuf};

use waypoint_keys::{DeviceKeys, KEYS_FILE, KeyError, MAX_WRONG_PINS, SecretPlace, wipe_device};

const PIN: &str = "483920";
const OTHER_PIN: &str = "572913";
const WRONG: &str = "111111";

/// Files in the secret place's folder.
fn secret_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn wiping_one_data_directory_leaves_the_others_on_the_computer_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let place = SecretPlace::File(tmp.path().join("secret").join("device-secret"));
    let (lost, kept) = (tmp.path().join("lost"), tmp.path().join("kept"));
    let (_, _) = DeviceKeys::create(&lost, &place, "Ana", PIN).unwrap();
    let (_, kept_key) = DeviceKeys::create(&kept, &place, "Ben", OTHER_PIN).unwrap();
    std::fs::write(lost.join("waypoint.db"), b"ciphertext").unwrap();
    let lost_copy = tmp.path().join("lost-copy");
    std::fs::create_dir_all(&lost_copy).unwrap();
    std::fs::copy(lost.join(KEYS_FILE), lost_copy.join(KEYS_FILE)).unwrap();

    wipe_device(&lost, &lost.join("waypoint.db"), &place).unwrap();

    assert!(!lost.exists());
    // The other directory still opens with its PIN, to the same store key.
    let mut keys = DeviceKeys::load(&kept, &place).unwrap();
    let again = keys.unlock("Ben", OTHER_PIN).unwrap();
    assert_eq!(
        *again.sqlcipher_pragma_value(),
        *kept_key.sqlcipher_pragma_value()
    );
    // And the wiped one's keys, copied before the wipe, open no more: its secret is gone.
    let err = DeviceKeys::load(&lost_copy, &place).unwrap_err();
    assert!(matches!(err, KeyError::NoDeviceSecret { .. }), "{err}");
}

#[test]
fn a_directory_that_used_the_computer_s_one_secret_keeps_opening_and_gets_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let secret_dir = tmp.path().join("secret");
    let place = SecretPlace::File(secret_dir.join("device-secret"));
    let old = tmp.path().join("old");
    let (keys, key) = DeviceKeys::create(&old, &place, "Ana", PIN).unwrap();
    // Made as an earlier version did: the computer's one secret, and no name of its own.
    let SecretPlace::File(own) = keys.own_secret_place().clone() else {
        unreachable!()
    };
    std::fs::rename(&own, secret_dir.join("device-secret")).unwrap();
    let text = std::fs::read_to_string(old.join(KEYS_FILE)).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    file.as_object_mut().unwrap().remove("secret_id");
    std::fs::write(old.join(KEYS_FILE), file.to_string()).unwrap();
    let other = tmp.path().join("other");
    DeviceKeys::create(&other, &place, "Ben", OTHER_PIN).unwrap();

    let mut keys = DeviceKeys::load(&old, &place).unwrap();
    let again = keys.unlock("Ana", PIN).unwrap();
    assert_eq!(
        *again.sqlcipher_pragma_value(),
        *key.sqlcipher_pragma_value()
    );
    assert_ne!(
        keys.own_secret_place(),
        &place,
        "moved to a secret of its own"
    );
    assert!(
        std::fs::read_to_string(old.join(KEYS_FILE))
            .unwrap()
            .contains("secret_id")
    );

    // Wiping it leaves the computer's secret (a directory not opened since may need it) and
    // the other directory.
    std::fs::write(old.join("waypoint.db"), b"ciphertext").unwrap();
    wipe_device(&old, &old.join("waypoint.db"), &place).unwrap();
    assert!(secret_dir.join("device-secret").exists());
    DeviceKeys::load(&other, &place)
        .unwrap()
        .unlock("Ben", OTHER_PIN)
        .unwrap();
}

#[test]
fn putting_back_an_old_keys_file_gives_no_wrong_pins_back() {
    let tmp = tempfile::tempdir().unwrap();
    let place = SecretPlace::File(tmp.path().join("secret").join("device-secret"));
    let data = tmp.path().join("data");
    DeviceKeys::create(&data, &place, "Ana", PIN).unwrap();
    let fresh = std::fs::read(data.join(KEYS_FILE)).unwrap();

    // Four wrong PINs, then the keys file from before them is put back.
    for _ in 1..MAX_WRONG_PINS {
        let mut keys = DeviceKeys::load(&data, &place).unwrap();
        keys.unlock("Ana", WRONG).unwrap_err();
    }
    std::fs::write(data.join(KEYS_FILE), &fresh).unwrap();
    let mut keys = DeviceKeys::load(&data, &place).unwrap();
    assert_eq!(keys.wrong_pins("Ana"), MAX_WRONG_PINS - 1);
    let err = keys.unlock("Ana", WRONG).unwrap_err();
    assert!(matches!(err, KeyError::KeyErased { .. }), "{err}");

    // Put back once more after the erasure: the key stays erased, even for the right PIN.
    std::fs::write(data.join(KEYS_FILE), &fresh).unwrap();
    let mut keys = DeviceKeys::load(&data, &place).unwrap();
    let err = keys.unlock("Ana", PIN).unwrap_err();
    assert!(matches!(err, KeyError::KeyErased { .. }), "{err}");
    // The counts sit beside the secret, not in the data directory.
    assert!(
        secret_files(&tmp.path().join("secret"))
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".pins"))
    );
}
