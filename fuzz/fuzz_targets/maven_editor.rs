#![no_main]
// Filled in by the editor issue.
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
