//! The UI calls the desktop shell's commands by name with an object of arguments. This test parses
//! src-tauri/src/lib.rs (with syn), reads every `#[tauri::command]` function's name, arguments and
//! answer, and generates ui/src/lib/ipc/commands.ts: a TypeScript map from command name to its
//! argument object and its answer. The IPC module's `call` is generic over that map, so `tsc` fails
//! on a command name, an argument key or an argument type the Rust side does not have. The test
//! fails when the committed file differs; ROUNDS_UPDATE_BINDINGS=1 rewrites it (as `make bindings`
//! does for ui/src/bindings). It also checks that `generate_handler!` registers exactly the command
//! functions.

use std::collections::BTreeSet;
use std::path::PathBuf;
use syn::visit::Visit;

const GENERATED: &str = "ui/src/lib/ipc/commands.ts";

fn path(relative: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "..", relative].iter().collect()
}

fn read(relative: &str) -> String {
    let full = path(relative);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// Parameters Tauri fills in itself: never sent from the UI.
const INJECTED: &[&str] = &["State", "AppHandle", "Window", "WebviewWindow", "Webview", "Request"];

struct Command {
    name: String,
    /// (camelCase key, TypeScript type, optional)
    args: Vec<(String, String, bool)>,
    answer: String,
}

#[derive(Default)]
struct Shell {
    commands: Vec<Command>,
    /// The functions named in `generate_handler![...]`.
    registered: Vec<String>,
    /// Named types used by the commands: imported from ui/src/bindings.
    types: BTreeSet<String>,
}

fn last_segment(path: &syn::Path) -> &syn::PathSegment {
    path.segments.last().expect("a path has a segment")
}

fn generic_args(segment: &syn::PathSegment) -> Vec<&syn::Type> {
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_command(f: &syn::ItemFn) -> bool {
    f.attrs.iter().any(|a| {
        let segments: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        segments == ["tauri", "command"]
    })
}

/// Tauri's default: snake_case arguments are camelCase keys.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl Shell {
    /// The TypeScript type of a Rust type as serde and ts-rs write it (the bindings map 64-bit
    /// integers to number).
    fn ts(&mut self, ty: &syn::Type) -> String {
        match ty {
            syn::Type::Reference(r) => self.ts(&r.elem),
            syn::Type::Tuple(t) if t.elems.is_empty() => "null".into(),
            syn::Type::Path(p) => {
                let segment = last_segment(&p.path);
                let args = generic_args(segment);
                match (segment.ident.to_string().as_str(), args.as_slice()) {
                    ("String" | "str", []) => "string".into(),
                    ("bool", []) => "boolean".into(),
                    (
                        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32" | "f64",
                        [],
                    ) => "number".into(),
                    // chrono, as serde writes it (RFC 3339, ISO dates).
                    ("DateTime", _) | ("NaiveDate" | "NaiveDateTime", []) => "string".into(),
                    ("Option", [inner]) => format!("{} | null", self.ts(inner)),
                    ("Vec", [inner]) => {
                        let inner = self.ts(inner);
                        if inner.contains(' ') {
                            format!("Array<{inner}>")
                        } else {
                            format!("{inner}[]")
                        }
                    }
                    ("Box" | "Arc", [inner]) => self.ts(inner),
                    (name, []) => {
                        let binding = path(&format!("ui/src/bindings/{name}.ts"));
                        assert!(binding.exists(), "{name}: a command type with no ui/src/bindings/{name}.ts");
                        self.types.insert(name.to_string());
                        name.to_string()
                    }
                    (name, _) => panic!("no TypeScript for the Rust type {name}<..> in a command"),
                }
            }
            _ => panic!("no TypeScript for a command type of this shape"),
        }
    }

    fn command(&mut self, f: &syn::ItemFn) {
        let mut args = Vec::new();
        for input in &f.sig.inputs {
            let syn::FnArg::Typed(arg) = input else { panic!("{}: a command takes no self", f.sig.ident) };
            let syn::Pat::Ident(name) = &*arg.pat else {
                panic!("{}: a command argument is a plain name", f.sig.ident)
            };
            let injected = matches!(&*arg.ty, syn::Type::Path(p)
                if INJECTED.contains(&last_segment(&p.path).ident.to_string().as_str()));
            if injected {
                continue;
            }
            let optional = matches!(&*arg.ty, syn::Type::Path(p) if last_segment(&p.path).ident == "Option");
            let ty = self.ts(&arg.ty);
            args.push((camel(&name.ident.to_string()), ty, optional));
        }
        let answer = match &f.sig.output {
            syn::ReturnType::Default => "null".to_string(),
            syn::ReturnType::Type(_, ty) => match &**ty {
                // Result<T, E>: the UI sees T; E arrives as the rejection (an ErrorBody).
                syn::Type::Path(p) if last_segment(&p.path).ident == "Result" => {
                    let ok = *generic_args(last_segment(&p.path)).first().expect("Result<T, E>");
                    self.ts(ok)
                }
                other => self.ts(other),
            },
        };
        self.commands.push(Command { name: f.sig.ident.to_string(), args, answer });
    }
}

impl<'ast> Visit<'ast> for Shell {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_command(f) {
            self.command(f);
        }
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if last_segment(&m.path).ident == "generate_handler" {
            let names = m
                .parse_body_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                .expect("generate_handler! lists paths");
            self.registered.extend(names.iter().map(|p| last_segment(p).ident.to_string()));
        }
        syn::visit::visit_macro(self, m);
    }
}

fn shell() -> Shell {
    let file = syn::parse_file(&read("src-tauri/src/lib.rs")).expect("src-tauri/src/lib.rs parses");
    let mut shell = Shell::default();
    shell.visit_file(&file);
    shell
}

fn typescript(shell: &Shell) -> String {
    let mut out = String::from(
        "// Generated by tests/tests/ipc_commands.rs from src-tauri/src/lib.rs: do not edit.\n\
         // `make bindings` (ROUNDS_UPDATE_BINDINGS=1 cargo test -p rounds-tests --test ipc_commands) rewrites it.\n\n",
    );
    for name in &shell.types {
        out.push_str(&format!("import type {{ {name} }} from \"../../bindings/{name}\";\n"));
    }
    out.push_str(
        "\n/** Each command of the desktop shell: the arguments it takes (camelCase keys) and its answer. */\n\
         export interface Commands {\n",
    );
    let mut commands: Vec<&Command> = shell.commands.iter().collect();
    commands.sort_by(|a, b| a.name.cmp(&b.name));
    for c in commands {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> =
                c.args.iter().map(|(k, t, opt)| format!("{k}{}: {t}", if *opt { "?" } else { "" })).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!("  {}: {{ args: {args}; answer: {} }};\n", c.name, c.answer));
    }
    out.push_str("}\n\nexport type Command = keyof Commands;\n");
    out
}

#[test]
fn the_handler_registers_exactly_the_command_functions() {
    let shell = shell();
    assert!(shell.commands.len() >= 50, "read {} commands from src-tauri/src/lib.rs", shell.commands.len());
    let commands: BTreeSet<&str> = shell.commands.iter().map(|c| c.name.as_str()).collect();
    let registered: BTreeSet<&str> = shell.registered.iter().map(String::as_str).collect();
    assert_eq!(registered.len(), shell.registered.len(), "a command registered twice");
    let unregistered: Vec<_> = commands.difference(&registered).collect();
    let not_commands: Vec<_> = registered.difference(&commands).collect();
    assert!(unregistered.is_empty(), "#[tauri::command] functions not in generate_handler!: {unregistered:?}");
    assert!(
        not_commands.is_empty(),
        "generate_handler! names that are not #[tauri::command] functions: {not_commands:?}"
    );
}

#[test]
fn the_uis_command_map_is_generated_from_the_commands() {
    let generated = typescript(&shell());
    let target = path(GENERATED);
    if std::env::var_os("ROUNDS_UPDATE_BINDINGS").is_some() {
        std::fs::write(&target, &generated).expect("write the command map");
        return;
    }
    let committed = std::fs::read_to_string(&target).unwrap_or_default();
    assert!(
        committed == generated,
        "{GENERATED} differs from the commands in src-tauri/src/lib.rs (a command or argument renamed, added or \
         removed?). Regenerate: ROUNDS_UPDATE_BINDINGS=1 cargo test -p rounds-tests --test ipc_commands\n\n\
         generated:\n{generated}"
    );
}
