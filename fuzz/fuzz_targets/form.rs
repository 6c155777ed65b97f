//! The SMS webhook's form decoder: any bytes give fields or a reason, never a panic, and every
//! field it returns is valid UTF-8 text that was in the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = rounds_domain::form::parse_form(data) {
        // Decoded text is never longer than what arrived.
        let total: usize = fields.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total <= data.len());
    }
});
