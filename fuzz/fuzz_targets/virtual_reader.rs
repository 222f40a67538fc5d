#![no_main]
libfuzzer_sys::fuzz_target!(
    |data: &[u8]| cardpointe_fuzz_checks::virtual_reader::virtual_reader(data)
);
