//! Where the key of the encrypted cache lives: the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows). Never in a file, SQLite or the WebView.

use crate::{ClientError, Result};
use rand::RngCore;
use rounds_domain::ErrorCode;
use rounds_store::CacheKey;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

const SERVICE: &str = "health.rounds.desktop";

/// Gets, or on first use creates, the key of the cache at `cache_path`; and keeps its session's
/// refresh token.
pub trait KeyVault: Send + Sync {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey>;
    /// Where the refresh token of the session using the cache at `cache_path` is kept.
    fn token_slot(&self, cache_path: &Path) -> Arc<dyn TokenSlot>;
}

impl<T: KeyVault + ?Sized> KeyVault for &'static T {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey> {
        (**self).cache_key(cache_path)
    }
    fn token_slot(&self, cache_path: &Path) -> Arc<dyn TokenSlot> {
        (**self).token_slot(cache_path)
    }
}

impl<T: KeyVault + ?Sized> KeyVault for Arc<T> {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey> {
        (**self).cache_key(cache_path)
    }
    fn token_slot(&self, cache_path: &Path) -> Arc<dyn TokenSlot> {
        (**self).token_slot(cache_path)
    }
}

/// One secret string in the keychain (a refresh token).
pub trait TokenSlot: Send + Sync {
    fn get(&self) -> Option<String>;
    /// Replaces it, or removes it with None. A keychain that refuses is logged: the session
    /// then lasts as long as the app runs.
    fn set(&self, token: Option<&str>);
}

fn token_entry_name(cache_path: &Path) -> String {
    entry_name(cache_path).replace("cache-key-", "refresh-token-")
}

struct KeychainSlot(String);

impl TokenSlot for KeychainSlot {
    fn get(&self) -> Option<String> {
        keyring::Entry::new(SERVICE, &self.0).and_then(|e| e.get_password()).ok()
    }

    fn set(&self, token: Option<&str>) {
        let result = keyring::Entry::new(SERVICE, &self.0).and_then(|e| match token {
            Some(t) => e.set_password(t),
            None => match e.delete_credential() {
                Err(keyring::Error::NoEntry) => Ok(()),
                other => other,
            },
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "the keychain did not keep the session's refresh token");
        }
    }
}

/// One keychain entry per cache file, so two data folders on one machine have two keys.
fn entry_name(cache_path: &Path) -> String {
    let canonical = cache_path.parent().and_then(|p| p.canonicalize().ok()).unwrap_or_else(|| cache_path.to_path_buf());
    let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("cache-key-{short}")
}

fn new_key() -> CacheKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    CacheKey::from_bytes(bytes)
}

/// The operating system's keychain.
pub struct OsKeychain;

fn unavailable(e: keyring::Error) -> ClientError {
    tracing::error!(error = %e, "keychain unavailable");
    ClientError::new(
        ErrorCode::KeychainUnavailable,
        "Rounds keeps the key of this device's encrypted patient cache in the system keychain, and no keychain \
         is available. Unlock or start your keyring (for example GNOME Keyring) and open Rounds again.",
    )
}

impl KeyVault for OsKeychain {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey> {
        let entry = keyring::Entry::new(SERVICE, &entry_name(cache_path)).map_err(unavailable)?;
        match entry.get_secret() {
            Ok(secret) => {
                let bytes: [u8; 32] = secret.as_slice().try_into().map_err(|_| {
                    ClientError::new(ErrorCode::DatabaseCorrupt, "the cache key in the keychain is malformed")
                })?;
                Ok(CacheKey::from_bytes(bytes))
            }
            Err(keyring::Error::NoEntry) => {
                if cache_path.exists() {
                    // A cache without its key cannot be read; a new key would not help, and
                    // replacing the file would lose unsynced work. Say so and stop.
                    return Err(ClientError::new(
                        ErrorCode::DatabaseCorrupt,
                        "the key of this device's patient cache is missing from the keychain; the cache was left untouched",
                    ));
                }
                let key = new_key();
                entry.set_secret(key.as_bytes()).map_err(unavailable)?;
                Ok(key)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    fn token_slot(&self, cache_path: &Path) -> Arc<dyn TokenSlot> {
        Arc::new(KeychainSlot(token_entry_name(cache_path)))
    }
}

/// Keys and tokens held in memory: for tests and benchmarks only. Clones share their contents.
#[derive(Clone, Default)]
pub struct MemoryVault {
    keys: Arc<Mutex<HashMap<String, [u8; 32]>>>,
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl KeyVault for MemoryVault {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey> {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = keys.entry(entry_name(cache_path)).or_insert_with(|| *new_key().as_bytes());
        Ok(CacheKey::from_bytes(*bytes))
    }

    fn token_slot(&self, cache_path: &Path) -> Arc<dyn TokenSlot> {
        Arc::new(MemorySlot { tokens: self.tokens.clone(), name: token_entry_name(cache_path) })
    }
}

struct MemorySlot {
    tokens: Arc<Mutex<HashMap<String, String>>>,
    name: String,
}

impl TokenSlot for MemorySlot {
    fn get(&self) -> Option<String> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).get(&self.name).cloned()
    }

    fn set(&self, token: Option<&str>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        match token {
            Some(t) => tokens.insert(self.name.clone(), t.to_string()),
            None => tokens.remove(&self.name),
        };
    }
}
