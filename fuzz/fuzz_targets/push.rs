//! A sync push as the server reads it: the envelope, then each command on its own (format
//! upgrades included), then the checks each kind of command runs before touching the database.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rounds_domain::sync::{read_command, IncomingPush, Mutation};

fuzz_target!(|data: &[u8]| {
    let Ok(push) = serde_json::from_slice::<IncomingPush>(data) else { return };
    for raw in push.commands {
        let Ok(command) = read_command(raw) else { continue };
        match &command.mutation {
            Mutation::EditSection { section, .. } => {
                let _ = section.validate();
            }
            Mutation::ThreadAction { action, .. } => {
                let _ = action.validate();
            }
            Mutation::EditPatient { changes, .. } => {
                for change in changes {
                    let _ = serde_json::to_string(change);
                }
            }
            _ => {}
        }
        // What was read is written back whole (results and the change log store it).
        let json = serde_json::to_vec(&command.mutation).expect("a read command serialises");
        let again: Mutation = serde_json::from_slice(&json).expect("and reads back");
        assert_eq!(again, command.mutation);
    }
});
