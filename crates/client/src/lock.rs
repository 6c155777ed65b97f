//! The automatic lock (HIPAA's automatic logoff). After the organisation's idle limit without
//! keyboard or pointer activity, or when the clinician locks it, the workspace closes the
//! encrypted cache: the connection (which holds the key) is closed, the access token is
//! forgotten, and every command answers `locked` until the clinician's password is given again.
//!
//! The password is checked against an Argon2id verifier kept inside the encrypted cache at
//! sign-in, so unlocking works offline. Five wrong passwords end the session on this device
//! (unsynced changes stay in the outbox for the same clinician's next sign-in).
//!
//! Time comes from the workspace's clock, so tests drive the idle limit without sleeping.

use crate::{ClientError, Result, Workspace};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rounds_domain::api::{LockStatus, SecurityPolicy, SessionInfo};
use rounds_domain::sync::OrgDocumentKind;
use rounds_domain::ErrorCode;
use rounds_store::Store;
use std::sync::MutexGuard;

/// Wrong passwords at the lock screen before the session on this device ends.
pub const MAX_UNLOCK_ATTEMPTS: u32 = 5;

/// Who is using the workspace and when they last did something.
pub(crate) struct Activity {
    /// Someone is signed in: only then is there anything to lock.
    pub signed_in: bool,
    /// The signed-in clinician's name, for the lock screen.
    pub display_name: Option<String>,
    pub last_active: DateTime<Utc>,
    pub idle_limit: chrono::Duration,
}

impl Activity {
    pub fn new(now: DateTime<Utc>) -> Activity {
        Activity {
            signed_in: false,
            display_name: None,
            last_active: now,
            idle_limit: idle_limit(SecurityPolicy::default()),
        }
    }

    fn idle_for_too_long(&self, now: DateTime<Utc>) -> bool {
        self.signed_in && now - self.last_active >= self.idle_limit
    }
}

fn idle_limit(policy: SecurityPolicy) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(policy.idle_lock_minutes))
}

/// The open cache, borrowed for one command. Exists only while the workspace is unlocked.
pub(crate) struct StoreGuard<'a>(MutexGuard<'a, Option<Store>>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        // A guard is only made around an open store, and nothing can close it while held.
        self.0.as_ref().unwrap_or_else(|| unreachable!("StoreGuard holds an open store"))
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.0.as_mut().unwrap_or_else(|| unreachable!("StoreGuard holds an open store"))
    }
}

/// An Argon2id verifier of `password` (PHC string) for the lock screen.
pub(crate) fn password_verifier(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ClientError::new(ErrorCode::Internal, format!("cannot protect the lock screen: {e}")))
}

fn password_matches(password: &str, verifier: &str) -> bool {
    PasswordHash::new(verifier).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

impl Workspace {
    pub(crate) fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open cache, or `locked`. Locks first when the idle limit has passed: any command
    /// (the UI's status polling, the background sync) closes an idle workspace, but none of
    /// them counts as activity.
    pub(crate) fn store(&self) -> Result<StoreGuard<'_>> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is safe to reuse.
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if store.is_some() && self.activity().idle_for_too_long(self.now()) {
            self.close_cache(&mut store, "idle");
        }
        if store.is_none() {
            return Err(ClientError::locked());
        }
        Ok(StoreGuard(store))
    }

    fn close_cache(&self, store: &mut Option<Store>, why: &'static str) {
        // Dropping the store closes the SQLCipher connection, which wipes its copy of the key.
        *store = None;
        self.remote.set_locked(true);
        tracing::info!(why, "workspace locked");
    }

    /// The clinician is at the keyboard (the UI reports key presses, clicks and scrolling).
    /// Too late once the idle limit has passed: the workspace locks instead.
    pub fn note_activity(&self) -> Result<()> {
        let _store = self.store()?;
        self.activity().last_active = self.now();
        Ok(())
    }

    /// Locks now (the clinician steps away). Nothing to lock when nobody is signed in.
    pub fn lock_now(&self) -> Result<()> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if store.is_some() && self.activity().signed_in {
            self.close_cache(&mut store, "asked");
        }
        Ok(())
    }

    /// The server accepted this session's access token and it is still in memory.
    pub fn session_live(&self) -> bool {
        self.remote.is_online()
    }

    pub fn is_locked(&self) -> bool {
        self.store.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    pub fn lock_status(&self) -> LockStatus {
        let locked = self.is_locked();
        let activity = self.activity();
        LockStatus {
            locked,
            display_name: if locked { activity.display_name.clone() } else { None },
            idle_lock_minutes: u32::try_from(activity.idle_limit.num_minutes()).unwrap_or(u32::MAX),
        }
    }

    /// Opens the cache again with the password of the signed-in clinician. A wrong password is
    /// refused with the tries left (counted in the cache, so quitting does not refill them); the
    /// fifth ends the session here (`not_signed_in`).
    pub fn unlock(&self, password: &str) -> Result<SessionInfo> {
        if password.is_empty() {
            return Err(ClientError::invalid("enter your password"));
        }
        if password.len() > rounds_domain::api::MAX_CREDENTIAL_LEN {
            return Err(ClientError::invalid("the password is too long"));
        }
        if self.is_locked() {
            // The check runs on a store of its own: other commands (the status polling) answer
            // `locked` meanwhile instead of waiting for Argon2.
            let mut store = self.reopen_cache()?;
            let Some(verifier) = store.read().unlock_verifier()? else {
                // A session kept from before the lock existed: only the server can check the
                // password now.
                drop(store);
                self.sign_out()?;
                return Err(ClientError::new(
                    ErrorCode::NotSignedIn,
                    "Sign in again to continue; changes not yet synced stay on this device.",
                ));
            };
            // Counted before the check: killing the app during it still spends the try.
            let failures = store.transaction(|tx| tx.note_unlock_failure())?;
            if failures > MAX_UNLOCK_ATTEMPTS || !password_matches(password, &verifier) {
                tracing::warn!(failures, "wrong password at the lock screen");
                if failures < MAX_UNLOCK_ATTEMPTS {
                    let left = MAX_UNLOCK_ATTEMPTS - failures;
                    return Err(ClientError::new(
                        ErrorCode::InvalidCredentials,
                        format!(
                            "Wrong password. {left} {} left before you must sign in again.",
                            if left == 1 { "try" } else { "tries" }
                        ),
                    ));
                }
                // The session on this device ends; the cache stays for whoever signs in next.
                drop(store);
                self.sign_out()?;
                return Err(ClientError::new(
                    ErrorCode::NotSignedIn,
                    "Too many wrong passwords: the session on this device has ended. Sign in again; \
                     changes not yet synced stay on this device.",
                ));
            }
            store.transaction(|tx| tx.reset_unlock_failures())?;
            self.refresh_policy(&store);
            let mut slot = self.store.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(store);
            }
            self.activity().last_active = self.now();
            drop(slot);
            self.remote.set_locked(false);
            tracing::info!("workspace unlocked");
        }
        self.wake.notify_one();
        self.session()?.ok_or_else(|| ClientError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    /// The cache, opened again with the key from the keychain.
    pub(crate) fn reopen_cache(&self) -> Result<Store> {
        let key = self.vault.cache_key(&self.cache_path)?;
        Ok(Store::open(&self.cache_path, &key)?)
    }

    /// Reads the organisation's idle limit from the cache (after a sync brought a new one).
    pub(crate) fn refresh_policy(&self, store: &Store) {
        match self.security_policy_in(store) {
            Ok(policy) => self.activity().idle_limit = idle_limit(policy),
            Err(e) => tracing::warn!(code = ?e.code, "cannot read the security policy; keeping the idle limit"),
        }
    }

    /// The organisation's policy; a limit outside the allowed range is brought into it, and a
    /// field a newer server added is ignored (the device must keep locking whatever it reads).
    pub(crate) fn security_policy_in(&self, store: &Store) -> Result<SecurityPolicy> {
        let Some(body) = store.read().org_document(OrgDocumentKind::SecurityPolicy, "default")? else {
            return Ok(SecurityPolicy::default());
        };
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let range = SecurityPolicy::IDLE_LOCK_RANGE;
        let minutes = value["idle_lock_minutes"].as_u64().map_or(SecurityPolicy::default().idle_lock_minutes, |m| {
            u32::try_from(m).unwrap_or(u32::MAX).clamp(*range.start(), *range.end())
        });
        Ok(SecurityPolicy { idle_lock_minutes: minutes })
    }

    /// The organisation's security policy as synced to this device.
    pub fn security_policy(&self) -> Result<SecurityPolicy> {
        self.require_session()?;
        let store = self.store()?;
        self.security_policy_in(&store)
    }

    /// An administrator changes the organisation's security policy (needs the server; every
    /// device follows it after its next sync).
    pub async fn update_security_policy(&self, policy: SecurityPolicy) -> Result<()> {
        self.require_session()?;
        policy.validate().map_err(ClientError::invalid)?;
        self.remote.update_security_policy(&policy).await?;
        self.sync_now().await?;
        Ok(())
    }
}
