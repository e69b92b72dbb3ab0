#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livesearch_fuzz::suggest_table(data));
