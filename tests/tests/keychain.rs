//! Without an OS keychain the app fails closed: the cache's key has nowhere safe to live, so the
//! cache is neither created nor opened, and the clinician is told why. (Its own test binary: it
//! points this process's D-Bus session at nothing.)

use rounds_client::{Config, KeyVault, OsKeychain, Workspace};
use rounds_domain::ErrorCode;

#[test]
fn without_a_keychain_no_cache_is_opened_and_the_clinician_is_told_why() {
    // No Secret Service on this bus: the same as a Linux session without GNOME Keyring or KWallet.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/rounds-no-session-bus");
    let dir = tempfile::tempdir().expect("dir");
    let cfg = Config { data_dir: dir.path().join("laptop"), server_url: "http://127.0.0.1:9".into() };

    let err = Workspace::open(&cfg, OsKeychain).expect_err("no keychain, no cache");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert!(err.message.contains("system keychain"), "{}", err.message);
    assert!(!cfg.cache_path().exists(), "no cache file is created without a keychain for its key");
    assert!(
        std::fs::read_dir(&cfg.data_dir).map(|d| d.count()).unwrap_or(0) == 0,
        "nothing is written in the data folder"
    );

    // The vault itself refuses too: never a key made up and kept nowhere.
    let err = OsKeychain.cache_key(&cfg.cache_path()).expect_err("no key");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
}
