//! Any bytes as an XLSX workbook: a damaged file is an error, never a panic.
#![no_main]

use dic_core::xlsx_in::read_xlsx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = read_xlsx(bytes);
});
