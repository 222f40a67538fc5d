//! Runs one frame bench loop a fixed number of times, for instruction counts that do not
//! depend on the machine's load:
//!
//! ```text
//! cargo build --profile bench -p cardpointe-benches --example frame_decode
//! valgrind --tool=callgrind --toggle-collect='cardpointe_benches::frame::decode_chunked_ref' \
//!     $CARGO_TARGET_DIR/release/examples/frame_decode decode_ref 100
//! ```
//!
//! Loops: `decode_ref` (borrowed frames, 20-byte notifications), `decode` (owned frames,
//! 20-byte notifications), `crc` (the CRC of the whole stream), over the 64 KiB mixed stream;
//! `msr` (one binary MSR record parsed). Divide callgrind's count by the repetitions.

use std::hint::black_box;
use std::process::ExitCode;

use cardpointe_benches::frame::{
    augusta_like_record, crc, decode_chunked, decode_chunked_ref, mixed_stream, parse_msr,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, times] = args.as_slice() else {
        eprintln!("usage: frame_decode decode_ref|decode|crc|msr TIMES");
        return ExitCode::FAILURE;
    };
    let Ok(times) = times.parse::<usize>() else {
        eprintln!("TIMES must be a number");
        return ExitCode::FAILURE;
    };
    let (stream, frames) = mixed_stream();
    let record = augusta_like_record();
    let mut acc = 0usize;
    for _ in 0..times {
        acc ^= match what.as_str() {
            "decode_ref" => decode_chunked_ref(black_box(&stream), 20),
            "decode" => decode_chunked(black_box(&stream), 20),
            "crc" => usize::from(crc(black_box(&stream))),
            "msr" => usize::from(parse_msr(black_box(&record))),
            other => {
                eprintln!("unknown loop `{other}`");
                return ExitCode::FAILURE;
            }
        };
    }
    println!(
        "{} bytes, {frames} frames x {times}: {acc:#x}",
        stream.len()
    );
    ExitCode::SUCCESS
}
