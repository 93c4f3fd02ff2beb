//! Any bytes through decode, sniff and parse: errors are fine, panics are not.
#![no_main]

use dic_core::decode::decode;
use dic_core::dialect::sniff;
use dic_core::table::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(decoded) = decode(bytes) {
        let delimiter = sniff(&decoded.text);
        if let Ok(table) = parse(decoded.text, delimiter) {
            for pair in table.rows.windows(2) {
                assert!(pair[0].number < pair[1].number);
            }
        }
    }
});
