#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cardpointe_fuzz_checks::cardsecure::card_input(data));
