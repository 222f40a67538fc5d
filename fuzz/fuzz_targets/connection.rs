#![no_main]
libfuzzer_sys::fuzz_target!(
    |data: &[u8]| cardpointe_fuzz_checks::vp3300::connection::connection(data)
);
