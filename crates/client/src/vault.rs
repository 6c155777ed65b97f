//! Where the key of the encrypted cache lives: the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows). Never in a file, SQLite or the WebView.

use crate::{ClientError, Result};
use rand::RngCore;
use rounds_domain::ErrorCode;
use rounds_store::CacheKey;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

const SERVICE: &str = "health.rounds.desktop";

/// Gets, or on first use creates, the key of the cache at `cache_path`.
pub trait KeyVault: Send + Sync {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey>;
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
}

/// Keys held in memory: for tests and benchmarks only.
#[derive(Default)]
pub struct MemoryVault(Mutex<HashMap<String, [u8; 32]>>);

impl KeyVault for MemoryVault {
    fn cache_key(&self, cache_path: &Path) -> Result<CacheKey> {
        let mut keys = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = keys.entry(entry_name(cache_path)).or_insert_with(|| *new_key().as_bytes());
        Ok(CacheKey::from_bytes(*bytes))
    }
}
