//! [`Pair`]: a host [`Transaction`] and a [`VirtualVp3300`] driven against each other, frame
//! for frame, with no I/O and a virtual clock (the `Pair` harness of quinn-proto's tests).

use std::time::Duration;

use cardpointe_vp3300::{Decoded, Frame, FrameDecoder, FrameError, ReaderEvent, Transaction};

use crate::device::{DeviceConfig, VirtualVp3300};

/// How many rounds [`Pair::drive`] runs before it gives up on a conversation that never
/// settles (a bug in one of the two sides; a real conversation takes a few dozen).
const MAX_ROUNDS: usize = 10_000;

/// A virtual reader and the host's frame decoder, sharing one virtual clock.
///
/// The host side is whatever the test drives: a [`Transaction`] ([`Pair::drive`]) or single
/// commands ([`Pair::call`]). Time moves only when neither side has anything to say and one
/// of them waits for a deadline, so a conversation that takes a reader 30 seconds runs in
/// microseconds, and every run is the same.
///
/// ```
/// use std::time::Duration;
/// use cardpointe_vp3300::command::{Interfaces, Payment};
/// use cardpointe_vp3300::{ReaderEvent, Transaction, TransactionRequest};
/// use cardpointe_vp3300_sim::{DeviceConfig, Entry, Pair, Presentation, TestCard};
///
/// let swipe = Presentation::by(TestCard::uat_visa(), Entry::Swipe);
/// let mut pair = Pair::new(DeviceConfig::with_cards([swipe]));
/// let request = TransactionRequest::new(Payment::purchase_usd(1234), Interfaces::ALL);
/// let mut txn = Transaction::start(request, pair.now()).expect("a valid request");
/// let events = pair.drive(&mut txn);
/// let Some(ReaderEvent::OnlineAuthorizationRequired(data)) = events.last() else {
///     panic!("the swipe goes online: {events:?}");
/// };
/// assert_eq!(data.masked_pan(), Some("4788********1443"));
/// ```
#[derive(Debug)]
pub struct Pair {
    device: VirtualVp3300,
    decoder: FrameDecoder,
    now: Duration,
    crc_errors: usize,
    largest_notification: usize,
}

impl Pair {
    /// A reader set up with `config`, at time zero.
    #[must_use]
    pub fn new(config: DeviceConfig) -> Self {
        Self {
            device: VirtualVp3300::new(config),
            decoder: FrameDecoder::host(),
            now: Duration::ZERO,
            crc_errors: 0,
            largest_notification: 0,
        }
    }

    /// The virtual reader.
    #[must_use]
    pub const fn device(&self) -> &VirtualVp3300 {
        &self.device
    }

    /// The virtual reader, to feed it bytes or events of the test's own.
    pub const fn device_mut(&mut self) -> &mut VirtualVp3300 {
        &mut self.device
    }

    /// The virtual clock.
    #[must_use]
    pub const fn now(&self) -> Duration {
        self.now
    }

    /// Moves the virtual clock to `now` (never backwards) and lets the reader act on it.
    pub fn set_now(&mut self, now: Duration) {
        self.now = self.now.max(now);
        self.device.handle_timeout(self.now);
    }

    /// How many answers arrived with a bad CRC (the [`Scenario::CorruptedFrame`] case).
    ///
    /// [`Scenario::CorruptedFrame`]: crate::Scenario::CorruptedFrame
    #[must_use]
    pub const fn crc_errors(&self) -> usize {
        self.crc_errors
    }

    /// The longest notification the reader sent so far, in bytes (never more than
    /// [`DeviceConfig::notification_size`]).
    #[must_use]
    pub const fn largest_notification(&self) -> usize {
        self.largest_notification
    }

    /// One exchange outside a transaction: sends `frame` and returns the answers it got
    /// without letting time pass.
    pub fn call(&mut self, frame: &Frame) -> Vec<Frame> {
        self.device.receive(&frame.encode(), self.now);
        self.collect()
    }

    /// Drains the reader's notifications through the host's decoder and returns the frames.
    ///
    /// A frame with a bad CRC is counted ([`Pair::crc_errors`]). After it the decoder
    /// resynchronises inside the damaged frame: its bytes come out as garbage, and an intact
    /// MSR record it carried (`DFEE23`) as a raw record, which a host must not take for a
    /// swipe; both are dropped here, as other decoder errors are.
    pub fn collect(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        while let Some(notification) = self.device.poll_notification() {
            self.largest_notification = self.largest_notification.max(notification.len());
            self.decoder.push(&notification);
            while let Some(item) = self.decoder.decode() {
                match item {
                    Ok(Decoded::Frame(frame)) => frames.push(frame),
                    Err(FrameError::BadCrc { .. }) => self.crc_errors += 1,
                    Ok(_) | Err(_) => {}
                }
            }
        }
        frames
    }

    /// Hands the machine's queued frames to the device and the device's answers back to the
    /// machine, at the current time; whether anything moved.
    fn exchange(&mut self, txn: &mut Transaction) -> bool {
        let mut moved = false;
        while let Some(frame) = txn.poll_write() {
            self.device.receive(&frame.encode(), self.now);
            moved = true;
        }
        for frame in self.collect() {
            txn.handle_frame(frame, self.now);
            moved = true;
        }
        moved
    }

    /// Runs the conversation until the machine asks the host to authorize
    /// ([`ReaderEvent::OnlineAuthorizationRequired`], the last event returned) or is done,
    /// letting time run to the next deadline whenever neither side has anything to say.
    /// Returns the events of this run.
    ///
    /// A conversation that never settles (a bug in either side) stops after a bound, with
    /// the events so far; a test sees the missing last event.
    pub fn drive(&mut self, txn: &mut Transaction) -> Vec<ReaderEvent> {
        let mut events = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let mut progressed = self.exchange(txn);
            while let Some(event) = txn.poll_event() {
                let stop = matches!(event, ReaderEvent::OnlineAuthorizationRequired(_));
                events.push(event);
                progressed = true;
                if stop {
                    return events;
                }
            }
            if txn.is_done() {
                // Let the device take any last command (a cancel) the machine queued.
                while let Some(frame) = txn.poll_write() {
                    self.device.receive(&frame.encode(), self.now);
                }
                let _ = self.collect();
                return events;
            }
            if !progressed && !self.advance(txn) {
                return events;
            }
        }
        events
    }

    /// Exchanges frames until neither side has anything to say, without letting time pass;
    /// returns the events of this step.
    pub fn drive_step(&mut self, txn: &mut Transaction) -> Vec<ReaderEvent> {
        let mut events = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let progressed = self.exchange(txn);
            while let Some(event) = txn.poll_event() {
                events.push(event);
            }
            if !progressed {
                break;
            }
        }
        events
    }

    /// Lets time run to the next deadline of either side. False when neither waits for one.
    pub fn advance(&mut self, txn: &mut Transaction) -> bool {
        let Some(next) = [self.device.poll_timeout(), txn.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
        else {
            return false;
        };
        self.now = self.now.max(next);
        self.device.handle_timeout(self.now);
        txn.handle_timeout(self.now);
        true
    }
}
