//! Invariants of the virtual VP3300 (`cardpointe_vp3300_sim`): whatever bytes the host
//! writes, in whatever chunks and with whatever pauses, the device never panics, never sends a
//! notification above its size, and everything it says decodes on the host side as whole,
//! CRC-valid frames (no garbage, no damaged frames: the default device corrupts nothing).

use std::time::Duration;

use cardpointe_vp3300::{Decoded, FrameDecoder};
use cardpointe_vp3300_sim::{DeviceConfig, VirtualVp3300};

/// `virtual_reader`: each input byte pair `(n, gap)` cuts the next `n % 32 + 1` bytes off the
/// rest of the input as one GATT write, then lets `gap * 100` ms pass; the tail after the
/// control bytes is the host's byte stream.
pub fn virtual_reader(data: &[u8]) {
    let Some((&controls, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(controls % 16) * 2;
    let (plan, mut stream) = rest.split_at(split.min(rest.len()));
    let mut device = VirtualVp3300::new(DeviceConfig::default());
    let size = device.config().notification_size;
    let mut decoder = FrameDecoder::host();
    let mut now = Duration::ZERO;
    let mut steps = plan.chunks(2).cycle();
    let drain = |device: &mut VirtualVp3300, decoder: &mut FrameDecoder| {
        while let Some(notification) = device.poll_notification() {
            assert!(
                notification.len() <= size,
                "notification above {size} bytes"
            );
            decoder.push(&notification);
            while let Some(item) = decoder.decode() {
                match item {
                    Ok(Decoded::Frame(_)) => {}
                    other => {
                        panic!("the device sent something that is not a clean frame: {other:?}")
                    }
                }
            }
        }
    };
    while !stream.is_empty() {
        let (len, gap) = match steps.next() {
            Some([n, g]) => (usize::from(*n % 32) + 1, u64::from(*g)),
            _ => (stream.len(), 0),
        };
        let (chunk, tail) = stream.split_at(len.min(stream.len()));
        device.receive(chunk, now);
        drain(&mut device, &mut decoder);
        now += Duration::from_millis(gap * 100);
        device.handle_timeout(now);
        drain(&mut device, &mut decoder);
        stream = tail;
    }
    // Let every timer run out: card arrivals, card timeouts, contact step timeouts.
    for _ in 0..8 {
        match device.poll_timeout() {
            Some(at) => {
                now = now.max(at);
                device.handle_timeout(now);
                drain(&mut device, &mut decoder);
            }
            None => break,
        }
    }
    assert_eq!(
        decoder.buffered(),
        0,
        "a frame from the device was left incomplete"
    );
}

#[cfg(test)]
mod tests {
    use super::virtual_reader;

    #[test]
    fn mutated_seed_streams_keep_the_device_speaking_clean_frames() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/virtual_reader");
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .expect("the committed corpus")
            .map(|entry| std::fs::read(entry.expect("a corpus entry").path()).expect("a seed"))
            .collect();
        seeds.sort();
        let mut state = 0x9E37_79B9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for round in 0..600 {
            let mut input = seeds[round % seeds.len()].clone();
            for _ in 0..(next() % 4) {
                let at = next() as usize % input.len();
                input[at] = next() as u8;
            }
            virtual_reader(&input);
        }
    }
}
