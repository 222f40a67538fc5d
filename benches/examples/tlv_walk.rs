//! Runs one TLV walker over one bench input a fixed number of times, for instruction counts
//! that do not depend on the machine's load:
//!
//! ```text
//! cargo build --profile bench -p cardpointe-benches --example tlv_walk
//! valgrind --tool=callgrind --toggle-collect='cardpointe_benches::walk::ours' \
//!     $CARGO_TARGET_DIR/release/examples/tlv_walk ours id_tech 1000
//! ```
//!
//! Walkers and the function to collect: `ours` (`cardpointe-emv`,
//! `cardpointe_benches::walk::ours`), `naive` (the recursive baseline,
//! `cardpointe_benches::walk::naive_walk`; a pattern such as `*naive*` would also match the
//! recursive `naive::walk` inside it and toggle collection off), `iso7816` (the `iso7816-tlv`
//! walk, `cardpointe_benches::walk::iso7816_walk`). Inputs: `record` (the ~300-byte EMV
//! transaction record), `many` (64 KiB of them), `id_tech` (the 334-byte ID TECH record),
//! `id_tech_many` (64 KiB of them). Divide callgrind's count by the repetitions.

use std::hint::black_box;
use std::process::ExitCode;

use cardpointe_benches::tlv::{
    concatenated, id_tech_concatenated, id_tech_record, transaction_record,
};
use cardpointe_benches::walk::{iso7816_walk, naive_walk, ours};
use cardpointe_emv::Options;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [walker, input, times] = args.as_slice() else {
        eprintln!("usage: tlv_walk ours|naive|iso7816 record|many|id_tech|id_tech_many TIMES");
        return ExitCode::FAILURE;
    };
    let (bytes, options) = match input.as_str() {
        "record" => (transaction_record(), Options::emv()),
        "many" => (concatenated(64 * 1024), Options::emv()),
        "id_tech" => (id_tech_record(), Options::id_tech()),
        "id_tech_many" => (id_tech_concatenated(64 * 1024), Options::id_tech()),
        other => {
            eprintln!("unknown input `{other}`");
            return ExitCode::FAILURE;
        }
    };
    let Ok(bytes) = bytes else {
        eprintln!("cannot build the input");
        return ExitCode::FAILURE;
    };
    let Ok(times) = times.parse::<usize>() else {
        eprintln!("TIMES must be a number");
        return ExitCode::FAILURE;
    };
    let mut acc = 0usize;
    for _ in 0..times {
        acc ^= match walker.as_str() {
            "ours" => ours(black_box(&bytes), options),
            "naive" => naive_walk(black_box(&bytes)),
            "iso7816" => iso7816_walk(black_box(&bytes)),
            other => {
                eprintln!("unknown walker `{other}`");
                return ExitCode::FAILURE;
            }
        };
    }
    println!("{} bytes x {times}: {acc:#x}", bytes.len());
    ExitCode::SUCCESS
}
