//! The wrapped store keys of one data directory: made, loaded, unlocked with a PIN (five wrong
//! PINs in a row erase one), given to colleagues and taken back.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::KeyError;
use crate::hex;
use crate::keys_file::{self, KeysFile, WrappedKey};
use crate::pin::{self, check_pin, staff_name};
use crate::secret::{DeviceSecret, SecretPlace};
use crate::secret_id::{is_secret_id, new_secret_id};
use crate::store_key::StoreKey;
use crate::{KEYS_FILE, MAX_WRONG_PINS};

/// The wrapped store keys of one data directory, with the directory's own secret.
#[derive(Debug)]
pub struct DeviceKeys {
    pub(crate) path: PathBuf,
    /// The computer's secret place.
    pub(crate) place: SecretPlace,
    /// Where this directory's own secret (and its wrong-PIN counts) are kept.
    pub(crate) own: SecretPlace,
    pub(crate) secret: DeviceSecret,
    pub(crate) file: KeysFile,
}

impl DeviceKeys {
    /// Whether `data_dir` has a keys file.
    pub fn exist(data_dir: &Path) -> bool {
        data_dir.join(KEYS_FILE).exists()
    }

    /// The first key of a data directory: makes the directory's own secret (in the computer's
    /// secret place, never in the directory), a new random store key, and wraps it for `staff`
    /// with `pin`. Refuses if the directory already has keys.
    pub fn create(
        data_dir: &Path,
        place: &SecretPlace,
        staff: &str,
        pin: &str,
    ) -> Result<(Self, StoreKey), KeyError> {
        place.check_outside(data_dir)?;
        let path = data_dir.join(KEYS_FILE);
        if path.exists() {
            return Err(KeyError::KeysExist);
        }
        check_pin(pin)?;
        let staff = staff_name(staff)?;
        std::fs::create_dir_all(data_dir).map_err(|source| KeyError::KeysFile {
            path: path.clone(),
            source,
        })?;
        let id = new_secret_id()?;
        let own = place.for_directory(&id);
        let secret = own.load_or_create()?;
        let key = StoreKey::generate()?;
        let mut keys = DeviceKeys {
            path,
            place: place.clone(),
            own,
            file: KeysFile {
                format: keys_file::FORMAT,
                device_check: device_check(&secret),
                secret_id: Some(id),
                staff: Vec::new(),
                recovery: None,
            },
            secret,
        };
        let wrapped = keys.wrap(&key, &staff, pin)?;
        keys.file.staff.push(wrapped);
        keys.save_new()?;
        Ok((keys, key))
    }

    /// The keys of `data_dir`, with this device's secret. Fails if the directory has no keys,
    /// if this device has no secret, or if the keys were made with another device's secret.
    pub fn load(data_dir: &Path, place: &SecretPlace) -> Result<Self, KeyError> {
        place.check_outside(data_dir)?;
        let path = data_dir.join(KEYS_FILE);
        let file = keys_file::read(&path)?.ok_or(KeyError::NoKeys)?;
        let id = match &file.secret_id {
            Some(id) if is_secret_id(id) => Some(id.clone()),
            Some(_) => {
                return Err(KeyError::DamagedKeys {
                    path,
                    reason: "the name of its device secret is not valid".to_string(),
                });
            }
            None => None,
        };
        // A directory made before each had its own secret reads the computer's one.
        let own = id
            .as_deref()
            .map_or_else(|| place.clone(), |id| place.for_directory(id));
        let secret = own.load()?.ok_or_else(|| KeyError::NoDeviceSecret {
            place: own.to_string(),
        })?;
        if device_check(&secret) != file.device_check {
            return Err(KeyError::WrongDevice {
                place: own.to_string(),
            });
        }
        let mut keys = DeviceKeys {
            path,
            place: place.clone(),
            own,
            secret,
            file,
        };
        if id.is_none() {
            keys.move_to_own_secret()?;
        }
        Ok(keys)
    }

    /// Gives a directory that used the computer's one secret a secret place of its own (same
    /// secret value, so every wrapped key still opens), with its wrong-PIN counts beside it,
    /// so that a wipe of this directory later destroys its secret and no other directory's.
    /// The computer's secret is left for the directories that have not moved yet.
    fn move_to_own_secret(&mut self) -> Result<(), KeyError> {
        let id = new_secret_id()?;
        let own = self.place.for_directory(&id);
        own.keep(&self.secret)?;
        let counts = self
            .file
            .staff
            .iter()
            .filter(|e| e.wrong_pins > 0)
            .map(|e| (e.id.clone(), e.wrong_pins))
            .collect();
        own.set_wrong_pins(&counts)?;
        self.file.secret_id = Some(id);
        self.own = own;
        self.save()
    }

    /// What the command line and the desktop app do when they start: unwrap the store key of
    /// `data_dir` with `staff`'s PIN; or, for a directory that has neither keys nor the
    /// store file `store_file`, make its first key for `staff` and `pin`. A store file without
    /// keys is refused, never given a new key.
    pub fn unlock_or_create(
        data_dir: &Path,
        place: &SecretPlace,
        store_file: &Path,
        staff: &str,
        pin: &str,
    ) -> Result<(Self, StoreKey), KeyError> {
        if !Self::exist(data_dir) {
            if store_file.exists() {
                return Err(KeyError::DataWithoutKeys {
                    path: data_dir.to_path_buf(),
                });
            }
            return Self::create(data_dir, place, staff, pin);
        }
        let mut keys = Self::load(data_dir, place)?;
        let key = keys.unlock(staff, pin)?;
        Ok((keys, key))
    }

    /// Whether `staff` has a key on this device.
    pub fn has_staff(&self, staff: &str) -> bool {
        staff_name(staff).is_ok_and(|name| self.position(&name).is_some())
    }

    /// Unwraps the store key with `staff`'s PIN. A wrong PIN is counted (and the count kept
    /// before this returns); the fifth in a row erases `staff`'s wrapped key. A right PIN
    /// resets the count. The count is kept beside the device secret (and in the keys file,
    /// which can only raise it): a keys file put back from a copy gives no tries back.
    pub fn unlock(&mut self, staff: &str, pin: &str) -> Result<StoreKey, KeyError> {
        let name = staff_name(staff)?;
        let index = self.position(&name).ok_or_else(|| KeyError::UnknownStaff {
            staff: name.clone(),
        })?;
        let mut counts = self.own.wrong_pins()?;
        let entry = &self.file.staff[index];
        let so_far = entry
            .wrong_pins
            .max(counts.get(&entry.id).copied().unwrap_or(0));
        if so_far >= MAX_WRONG_PINS {
            // Erased before, and its wrapped key put back since: erased again, untried.
            self.file.staff.remove(index);
            self.save()?;
            return Err(KeyError::KeyErased { staff: name });
        }
        let opened = self.unwrap(entry, pin)?;
        match opened {
            Some(key) => {
                if so_far != 0 {
                    let id = self.file.staff[index].id.clone();
                    counts.remove(&id);
                    self.own.set_wrong_pins(&counts)?;
                    self.file.staff[index].wrong_pins = 0;
                    self.save()?;
                }
                Ok(key)
            }
            None => {
                let wrong = so_far.saturating_add(1);
                // The count beside the secret first: it is the one that holds.
                counts.insert(entry.id.clone(), wrong);
                self.own.set_wrong_pins(&counts)?;
                if wrong >= MAX_WRONG_PINS {
                    self.file.staff.remove(index);
                    self.save()?;
                    Err(KeyError::KeyErased { staff: name })
                } else {
                    self.file.staff[index].wrong_pins = wrong;
                    self.save()?;
                    Err(KeyError::WrongPin {
                        staff: name,
                        attempts_left: MAX_WRONG_PINS - wrong,
                    })
                }
            }
        }
    }

    /// Gives `staff` a key of their own on this device (the store key, wrapped with their PIN).
    /// Needs the store key, so only someone who has unlocked the device can add a colleague.
    pub fn add_staff(&mut self, key: &StoreKey, staff: &str, pin: &str) -> Result<(), KeyError> {
        check_pin(pin)?;
        let name = staff_name(staff)?;
        if self.position(&name).is_some() {
            return Err(KeyError::StaffExists { staff: name });
        }
        let wrapped = self.wrap(key, &name, pin)?;
        self.forget_wrong_pins(&wrapped.id)?;
        self.file.staff.push(wrapped);
        self.save()
    }

    /// A new wrapped key starts with no wrong PIN (one erased before may have left a count).
    fn forget_wrong_pins(&self, id: &str) -> Result<(), KeyError> {
        let mut counts = self.own.wrong_pins()?;
        if counts.remove(id).is_some() {
            self.own.set_wrong_pins(&counts)?;
        }
        Ok(())
    }

    /// Destroys `staff`'s wrapped key on this device (an account disabled or gone at the
    /// server). True if there was one.
    pub fn remove_staff(&mut self, staff: &str) -> Result<bool, KeyError> {
        let name = staff_name(staff)?;
        let Some(index) = self.position(&name) else {
            return Ok(false);
        };
        self.file.staff.remove(index);
        self.save()?;
        Ok(true)
    }

    /// Gives `staff` a key of their own after an online sign-in: their wrapped key is made
    /// anew with `pin` (one erased after five wrong PINs, or a first sign-in here).
    pub fn restore_staff(
        &mut self,
        key: &StoreKey,
        staff: &str,
        pin: &str,
    ) -> Result<(), KeyError> {
        check_pin(pin)?;
        let name = staff_name(staff)?;
        let wrapped = self.wrap(key, &name, pin)?;
        self.forget_wrong_pins(&wrapped.id)?;
        match self.position(&name) {
            Some(i) => self.file.staff[i] = wrapped,
            None => self.file.staff.push(wrapped),
        }
        self.save()
    }

    pub(crate) fn damaged(&self, reason: &str) -> KeyError {
        KeyError::DamagedKeys {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Wrong PINs in a row so far for `staff` (0 if they have no key here).
    pub fn wrong_pins(&self, staff: &str) -> u32 {
        let Some(entry) = staff_name(staff)
            .ok()
            .and_then(|name| self.position(&name))
            .map(|i| &self.file.staff[i])
        else {
            return 0;
        };
        let kept = self
            .own
            .wrong_pins()
            .map_or(MAX_WRONG_PINS, |c| c.get(&entry.id).copied().unwrap_or(0));
        entry.wrong_pins.max(kept)
    }

    /// This computer's secret place.
    pub fn secret_place(&self) -> &SecretPlace {
        &self.place
    }

    /// Where this data directory's own secret is (inside the computer's secret place).
    pub fn own_secret_place(&self) -> &SecretPlace {
        &self.own
    }

    fn position(&self, name: &str) -> Option<usize> {
        let id = self.staff_id(name);
        self.file.staff.iter().position(|e| e.id == id)
    }

    fn staff_id(&self, name: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"waypoint staff id v1\0");
        h.update(self.secret.bytes());
        h.update(name.as_bytes());
        hex::encode(&h.finalize())
    }

    /// Writes the keys file whole or not at all: a temporary file beside it, flushed, then
    /// renamed over it.
    pub(crate) fn save(&self) -> Result<(), KeyError> {
        keys_file::write(&self.path, &self.file, false)
    }

    /// As `save`, for a directory that must not have keys yet.
    fn save_new(&self) -> Result<(), KeyError> {
        keys_file::write(&self.path, &self.file, true)
    }

    fn wrap(&self, key: &StoreKey, name: &str, pin: &str) -> Result<WrappedKey, KeyError> {
        pin::wrap(&self.secret, key, self.staff_id(name), pin)
    }

    /// `Some(key)` if `pin` opens `entry`, `None` if it does not.
    fn unwrap(&self, entry: &WrappedKey, pin: &str) -> Result<Option<StoreKey>, KeyError> {
        pin::unwrap(&self.secret, entry, pin, &self.path)
    }
}

fn device_check(secret: &DeviceSecret) -> String {
    let mut h = Sha256::new();
    h.update(b"waypoint device check v1\0");
    h.update(secret.bytes());
    hex::encode(&h.finalize()[..16])
}
