//! The desktop shell's hardening, read from the files the Tauri build uses: a strict CSP with no
//! remote content, `withGlobalTauri` off, each app command allowed by name in the capability file
//! (and nothing else allowed), the same commands registered with the handler, and no fs, shell or
//! http plugin in the shell's dependencies.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn read(path: &str) -> String {
    let full: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", path].iter().collect();
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The quoted names in the `let commands = &[ ... ];` list of src-tauri/build.rs.
fn built_commands() -> BTreeSet<String> {
    let build = read("src-tauri/build.rs");
    let list = build.split("let commands = &[").nth(1).and_then(|s| s.split("];").next()).expect("command list");
    list.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn the_webview_runs_only_the_apps_own_scripts() {
    let conf: serde_json::Value = serde_json::from_str(&read("src-tauri/tauri.conf.json")).expect("tauri.conf.json");
    assert_eq!(conf["app"]["withGlobalTauri"], false, "window.__TAURI__ must not exist");
    let csp = conf["app"]["security"]["csp"].as_str().expect("a CSP is set");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    let directive = |name: &str| {
        directives.iter().find(|d| d.starts_with(&format!("{name} "))).copied().unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(directive("default-src"), "default-src 'self'");
    assert_eq!(directive("script-src"), "script-src 'self'", "no inline or eval'd script");
    assert_eq!(directive("object-src"), "object-src 'none'");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    // The only non-self origin is Tauri's IPC.
    for source in csp.split(|c: char| c.is_whitespace() || c == ';').filter(|s| s.contains("://")) {
        assert_eq!(source, "http://ipc.localhost", "remote content allowed by the CSP: {source}");
    }
    assert!(!csp.contains("unsafe-eval"));
    assert!(conf["app"]["security"].get("dangerousDisableAssetCspModification").is_none());
    for window in conf["app"]["windows"].as_array().expect("windows") {
        assert!(window.get("url").is_none_or(|u| !u.as_str().unwrap_or("").contains("://")), "a remote window URL");
    }
    let html = read("ui/index.html");
    assert!(!html.contains("http://") && !html.contains("https://"), "index.html loads something remote");
}

#[test]
fn each_command_is_allowed_by_name_and_nothing_else_is() {
    let commands = built_commands();
    assert!(commands.len() >= 50, "read {} commands from build.rs", commands.len());

    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).expect("capability");
    let allowed: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission is a name").to_string())
        .collect();
    let expected: BTreeSet<String> = commands.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    assert_eq!(allowed, expected, "the capability allows exactly the app's commands (no core or plugin sets)");
    assert!(capability.get("remote").is_none(), "no remote origin may call commands");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));

    // Every registered handler is a listed command, and every listed command has a handler.
    let lib = read("src-tauri/src/lib.rs");
    let handlers = lib.split("generate_handler![").nth(1).and_then(|s| s.split(']').next()).expect("handler list");
    let registered: BTreeSet<String> =
        handlers.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    assert_eq!(registered, commands);
}

#[test]
fn the_shell_has_no_fs_shell_or_http_plugin() {
    let manifest = read("src-tauri/Cargo.toml");
    assert!(!manifest.contains("tauri-plugin"), "the shell depends on a Tauri plugin");
    let lock = read("Cargo.lock");
    for plugin in ["tauri-plugin-fs", "tauri-plugin-shell", "tauri-plugin-http"] {
        assert!(!lock.contains(&format!("name = \"{plugin}\"")), "{plugin} is in the build");
    }
    let package: serde_json::Value = serde_json::from_str(&read("ui/package.json")).expect("package.json");
    for section in ["dependencies", "devDependencies"] {
        if let Some(deps) = package[section].as_object() {
            for name in deps.keys() {
                assert!(!name.starts_with("@tauri-apps/plugin-"), "the UI uses {name}");
            }
        }
    }
}
