//! What administrators upload: a service menu (CSV), routing rules and complaint catalogs (JSON).
//! The first byte picks the decoder; the rest is the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rounds_domain::{billing, catalog, routing::RoutingRules, ComplaintCatalog};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            if let Ok(text) = std::str::from_utf8(body) {
                let _ = billing::parse_service_menu(text);
            }
        }
        1 => {
            if let Ok(rules) = serde_json::from_slice::<RoutingRules>(body) {
                let _ = rules.validate();
            }
        }
        _ => {
            if let Ok(c) = serde_json::from_slice::<ComplaintCatalog>(body) {
                let _ = catalog::validate(&c);
            }
        }
    }
});
