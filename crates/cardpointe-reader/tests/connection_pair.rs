//! The reader conversation of `reader_e2e.rs`, without tokio: `cardpointe_vp3300::Connection`
//! (what the reader's session pumps) driven against the virtual VP3300 step by step on a
//! virtual clock, as quinn-proto's `Pair` drives two connections. Bytes cross in 20-byte
//! writes and notifications, as over BLE; time moves only when neither side has anything to
//! say, so a 30-second conversation runs in microseconds and every run is the same.
#![allow(missing_docs)]

#[path = "support/conversation.rs"]
mod conversation;

use std::time::Duration;

use conversation::{cards, request, slow, swipe, swiped_visa};

use cardpointe_vp3300::command::{self, HostResponse, HostResult, Interfaces};
use cardpointe_vp3300::transaction::FailureReason;
use cardpointe_vp3300::{
    Connection, ConnectionError, ConnectionEvent, EncryptedCardData, Frame, ReadMethod,
    ReaderEvent, RequestId, StatusCode, TransactionRequest,
};
use cardpointe_vp3300_sim::{
    DeviceConfig, DeviceLinkEvent, Entry, Presentation, Scenario, TestCard, VirtualVp3300,
};

/// The BLE write size (a 23-byte ATT MTU).
const WRITE_SIZE: usize = 20;
/// Bounds a conversation that never settles (a bug on either side).
const MAX_ROUNDS: usize = 10_000;

/// A host [`Connection`] and a [`VirtualVp3300`] on one virtual clock and one virtual link.
struct Pair {
    device: VirtualVp3300,
    conn: Connection,
    now: Duration,
    link_up: bool,
    /// Commands (command, sub-command) the link swallows: a reader deaf to them.
    deaf_to: Vec<(u8, u8)>,
    /// Every event, in order; tests consume them with the `wait_*` helpers.
    events: Vec<ConnectionEvent>,
}

impl Pair {
    fn new(config: DeviceConfig) -> Self {
        Self {
            device: VirtualVp3300::new(config),
            conn: Connection::new(Duration::from_secs(3)),
            now: Duration::ZERO,
            link_up: true,
            deaf_to: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Moves bytes both ways and collects events until neither side has anything to say.
    fn exchange_bytes(&mut self) {
        for _ in 0..MAX_ROUNDS {
            let mut progressed = false;
            while let Some(frame) = self.conn.poll_write() {
                progressed = true;
                let key = (frame.command, frame.sub_command().unwrap_or(0));
                if !self.link_up || self.deaf_to.contains(&key) {
                    continue;
                }
                for chunk in frame.encode().chunks(WRITE_SIZE) {
                    self.device.receive(chunk, self.now);
                }
            }
            while let Some(notification) = self.device.poll_notification() {
                progressed = true;
                assert!(notification.len() <= WRITE_SIZE);
                if self.link_up {
                    self.conn.handle_bytes(&notification, self.now);
                }
            }
            while let Some(event) = self.device.poll_link_event() {
                progressed = true;
                if event == DeviceLinkEvent::Disconnected && self.link_up {
                    self.link_up = false;
                    self.conn.handle_link_down();
                }
            }
            while let Some(event) = self.conn.poll_event() {
                progressed = true;
                self.events.push(event);
            }
            if !progressed {
                return;
            }
        }
        panic!("the pair did not settle: {:?}", self.events);
    }

    /// Lets time run to the next deadline of either side; false when neither waits.
    fn advance(&mut self) -> bool {
        let Some(next) = [self.device.poll_timeout(), self.conn.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
        else {
            return false;
        };
        self.now = self.now.max(next);
        self.device.handle_timeout(self.now);
        self.conn.handle_timeout(self.now);
        true
    }

    /// Runs until an event satisfies `found` and takes it out of the events (the others stay
    /// for later `wait_for`s); panics when nothing is left to happen.
    fn wait_for(&mut self, found: impl Fn(&ConnectionEvent) -> bool) -> ConnectionEvent {
        for _ in 0..MAX_ROUNDS {
            self.exchange_bytes();
            if let Some(at) = self.events.iter().position(&found) {
                return self.events.remove(at);
            }
            assert!(
                self.advance(),
                "nothing left to happen, and no such event in {:?}",
                self.events
            );
        }
        panic!("no such event in {:?}", self.events);
    }

    /// The final event of an exchange or cancel.
    fn end_of(&mut self, request: RequestId) -> ConnectionEvent {
        self.wait_for(|event| match event {
            ConnectionEvent::Answered { request: r, .. }
            | ConnectionEvent::Idle { request: r }
            | ConnectionEvent::TimedOut { request: r, .. }
            | ConnectionEvent::Aborted { request: r } => *r == request,
            _ => false,
        })
    }

    /// What the `Reader` API's `exchange` does.
    fn call(&mut self, frame: Frame) -> Frame {
        let asked = self
            .conn
            .exchange(frame, Duration::from_secs(3), self.now)
            .expect("the reader is idle");
        match self.end_of(asked) {
            ConnectionEvent::Answered { frame, .. } => frame,
            other => panic!("no answer: {other:?}"),
        }
    }

    fn cancel(&mut self) -> ConnectionEvent {
        let asked = self.conn.cancel(self.now).expect("the link is up");
        self.end_of(asked)
    }

    /// The events of card read `read` up to the card data or its end (both included).
    fn read_events(&mut self, read: RequestId) -> Vec<ReaderEvent> {
        let mut seen = Vec::new();
        loop {
            let event = self.wait_for(|event| match event {
                ConnectionEvent::Read { request, .. } | ConnectionEvent::Aborted { request } => {
                    *request == read
                }
                _ => false,
            });
            let ConnectionEvent::Read { event, .. } = event else {
                panic!("the read was aborted after {seen:?}");
            };
            let last = matches!(
                event,
                ReaderEvent::OnlineAuthorizationRequired(_)
                    | ReaderEvent::Completed(_)
                    | ReaderEvent::Failed(_)
                    | ReaderEvent::Cancelled
                    | ReaderEvent::TimedOut
            );
            seen.push(event);
            if last {
                return seen;
            }
        }
    }

    /// What `Reader::read_card(..).card_data()` does.
    fn card_data(&mut self, request: TransactionRequest) -> Result<EncryptedCardData, ReaderEvent> {
        let read = self
            .conn
            .start_read(request, self.now)
            .expect("no read runs");
        match self.read_events(read).pop() {
            Some(ReaderEvent::OnlineAuthorizationRequired(data)) => Ok(*data),
            Some(other) => Err(other),
            None => unreachable!("read_events returns at least one event"),
        }
    }

    /// What `Reader::complete_online` does: the read's terminal event.
    fn complete(&mut self, answer: HostResponse) -> ReaderEvent {
        let read = self
            .conn
            .read_in_progress()
            .expect("a read waits for the host");
        self.conn
            .complete(&answer, self.now)
            .expect("the read waits for the host");
        self.read_events(read).pop().expect("a terminal event")
    }

    /// The link comes back; the connection makes the reader idle first.
    fn reconnect(&mut self) {
        self.device.reconnected();
        self.link_up = true;
        self.conn.handle_link_up(self.now);
        self.wait_for(|event| *event == ConnectionEvent::Ready);
        assert!(self.conn.is_ready());
    }
}

#[test]
fn the_reader_tells_its_firmware_and_serial() {
    let mut pair = Pair::new(DeviceConfig::default());
    let firmware = pair.call(command::firmware_version());
    assert_eq!(
        command::FirmwareVersion::from_response(&firmware)
            .unwrap()
            .as_str(),
        "VP3300 Bluetooth NEO v1.01.090"
    );
    let serial = pair.call(command::serial_number());
    assert_eq!(serial.status(), Some(StatusCode::Ok));
    assert_eq!(
        command::SerialNumber::from_response(&serial).unwrap().0,
        "538T012345"
    );
    assert_eq!(pair.conn.poll_timeout(), None);
}

#[test]
fn a_swipe_ends_in_encrypted_card_data_and_the_host_answer_completes_it() {
    let mut pair = Pair::new(cards([swiped_visa()]));
    let read = pair.conn.start_read(request(swipe()), pair.now).unwrap();
    let seen = pair.read_events(read);
    assert!(seen.contains(&ReaderEvent::CardSwiped), "{seen:?}");
    let Some(ReaderEvent::OnlineAuthorizationRequired(data)) = seen.last() else {
        panic!("card data last: {seen:?}");
    };
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
    assert_eq!(data.masked_pan(), Some("4788********1443"));
    // Nothing the host is told shows the card number.
    let shown = format!("{seen:?}");
    assert!(!shown.contains("4788250000121443"), "{shown}");
    let outcome = pair.complete(HostResponse::online(*b"00"));
    assert!(
        matches!(outcome, ReaderEvent::Completed(ref o) if o.approved),
        "{outcome:?}"
    );
}

#[test]
fn a_chip_card_goes_online_and_the_card_approves_or_declines_with_the_host() {
    for approve in [true, false] {
        let mut pair = Pair::new(DeviceConfig::default());
        let read = pair
            .conn
            .start_read(request(Interfaces::ALL), pair.now)
            .unwrap();
        let seen = pair.read_events(read);
        assert!(seen.contains(&ReaderEvent::CardInserted), "{seen:?}");
        assert!(seen.contains(&ReaderEvent::Message("PLEASE WAIT".to_owned())));
        let Some(ReaderEvent::OnlineAuthorizationRequired(data)) = seen.last() else {
            panic!("card data last: {seen:?}");
        };
        assert_eq!(data.entry_mode(), ReadMethod::Contact);
        assert_eq!(data.masked_pan(), Some("4788********1443"));
        let answer = if approve {
            HostResponse::online(*b"00")
        } else {
            let mut decline = HostResponse::online(*b"05");
            decline.result = HostResult::Declined;
            decline
        };
        match pair.complete(answer) {
            ReaderEvent::Completed(outcome) => assert_eq!(outcome.approved, approve),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_tap_reads_contactless_card_data() {
    let mut pair = Pair::new(cards([Presentation::by(
        TestCard::uat_mastercard(),
        Entry::Tap,
    )]));
    let data = pair
        .card_data(request(Interfaces::new(true, true, false)))
        .unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contactless);
}

#[test]
fn a_card_removed_early_fails_with_card_removed() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::CardRemovedEarly));
    let end = pair.card_data(request(Interfaces::ALL)).unwrap_err();
    assert_eq!(end, ReaderEvent::Failed(FailureReason::CardRemoved));
}

#[test]
fn a_bad_chip_falls_back_to_a_swipe() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::BadChipFallback));
    let read = pair
        .conn
        .start_read(request(Interfaces::ALL), pair.now)
        .unwrap();
    let seen = pair.read_events(read);
    assert!(seen.contains(&ReaderEvent::Message("USE MAGSTRIPE".to_owned())));
    let Some(ReaderEvent::OnlineAuthorizationRequired(data)) = seen.last() else {
        panic!("card data last: {seen:?}");
    };
    assert_eq!(data.entry_mode(), ReadMethod::FallbackSwipe);
}

#[test]
fn no_card_before_the_timeout_is_a_card_timeout() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::NoCard));
    let started = pair.now;
    assert_eq!(
        pair.card_data(request(swipe())).unwrap_err(),
        ReaderEvent::TimedOut
    );
    let took = pair.now - started;
    assert!(took >= Duration::from_secs(10), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_busy_reader_is_reported_as_busy() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::Busy));
    let end = pair.card_data(request(swipe())).unwrap_err();
    assert!(
        matches!(end, ReaderEvent::Failed(FailureReason::ReaderBusy { .. })),
        "{end:?}"
    );
}

#[test]
fn low_battery_does_not_stop_reads() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::LowBattery {
        percent: 4,
    }));
    assert_eq!(pair.device.battery_percent(), Some(4));
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
}

#[test]
fn a_disconnect_mid_transaction_aborts_the_read_and_a_reconnection_recovers() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(
        Scenario::DisconnectMidTransaction,
    ));
    let read = pair.conn.start_read(request(swipe()), pair.now).unwrap();
    let aborted = pair.wait_for(|event| matches!(event, ConnectionEvent::Aborted { .. }));
    assert_eq!(aborted, ConnectionEvent::Aborted { request: read });
    assert!(pair.conn.is_link_down());
    assert_eq!(
        pair.conn.poll_timeout(),
        None,
        "nothing waits on a dead link"
    );
    assert_eq!(
        pair.conn.start_read(request(swipe()), pair.now),
        Err(ConnectionError::LinkDown)
    );
    pair.now += Duration::from_millis(200);
    pair.reconnect();
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
}

#[test]
fn a_corrupted_frame_times_the_read_out_and_the_next_read_works() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::CorruptedFrame));
    assert_eq!(
        pair.card_data(request(swipe())).unwrap_err(),
        ReaderEvent::TimedOut
    );
    assert!(pair.conn.stats().damaged_frames >= 1);
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
}

#[test]
fn slow_firmware_is_waited_for() {
    let mut pair = Pair::new(DeviceConfig::with_scenario(Scenario::SlowFirmware {
        delay: Duration::from_millis(1500),
    }));
    let started = pair.now;
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
    assert!(
        pair.now - started >= Duration::from_secs(3),
        "two slow answers"
    );
}

#[test]
fn cancel_returns_the_reader_to_idle_at_every_step() {
    let late = swiped_visa().after(Duration::from_secs(5));
    let mut pair = Pair::new(cards([late.clone(), late.clone(), late]));
    // Idle: a cancel is still sent and confirmed.
    assert!(matches!(pair.cancel(), ConnectionEvent::Idle { .. }));
    assert_eq!(pair.device.received().last(), Some(&(0x05, 0x01)));

    // Waiting for the card.
    let read = pair.conn.start_read(request(swipe()), pair.now).unwrap();
    pair.wait_for(|event| {
        matches!(
            event,
            ConnectionEvent::Read {
                event: ReaderEvent::WaitingForCard { .. },
                ..
            }
        )
    });
    assert!(matches!(pair.cancel(), ConnectionEvent::Idle { .. }));
    assert_eq!(pair.read_events(read), [ReaderEvent::Cancelled]);
    assert!(!pair.device.is_busy());

    // Right after starting, before the reader answered anything.
    let read = pair.conn.start_read(request(swipe()), pair.now).unwrap();
    let cancel = pair.conn.cancel(pair.now).unwrap();
    assert!(matches!(pair.end_of(cancel), ConnectionEvent::Idle { .. }));
    assert_eq!(pair.read_events(read), [ReaderEvent::Cancelled]);
    assert!(!pair.device.is_busy());

    // Waiting for the host's answer after a swipe.
    assert!(pair.card_data(request(swipe())).is_ok());
    assert!(matches!(pair.cancel(), ConnectionEvent::Idle { .. }));
    assert!(matches!(
        pair.conn.complete(&HostResponse::online(*b"00"), pair.now),
        Err(ConnectionError::Transaction(_))
    ));
}

#[test]
fn cancel_during_a_chip_transaction_awaiting_the_host_idles_the_reader() {
    let mut pair = Pair::new(DeviceConfig::default());
    let data = pair.card_data(request(Interfaces::ALL)).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
    assert!(
        pair.device.is_busy(),
        "the chip waits for the host's answer"
    );
    assert!(matches!(pair.cancel(), ConnectionEvent::Idle { .. }));
    assert!(!pair.device.is_busy());
    let data = pair.card_data(request(Interfaces::ALL)).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
}

#[test]
fn a_second_read_while_one_runs_is_refused_as_busy() {
    let mut pair = Pair::new(DeviceConfig::default());
    pair.conn.start_read(request(swipe()), pair.now).unwrap();
    assert_eq!(
        pair.conn.start_read(request(swipe()), pair.now),
        Err(ConnectionError::ReadInProgress)
    );
    assert_eq!(
        pair.conn.exchange(
            command::firmware_version(),
            Duration::from_secs(1),
            pair.now
        ),
        Err(ConnectionError::ReadInProgress)
    );
}

#[test]
fn a_late_answer_to_a_timed_out_read_does_not_derail_the_next_read() {
    let mut pair = Pair::new(slow(Duration::from_secs(2), [swiped_visa()]));
    // The reader takes 2 s to answer the 01-01 this read waits 1 s for.
    let mut impatient = request(swipe());
    impatient.command_timeout = Duration::from_secs(1);
    assert_eq!(
        pair.card_data(impatient).unwrap_err(),
        ReaderEvent::Failed(FailureReason::ReaderNotResponding)
    );
    // Its answer arrives while the next read waits for the answer to its own 01-01.
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
    assert!(pair.conn.stats().late_answers >= 1);
}

#[test]
fn a_late_answer_to_a_timed_out_command_is_not_taken_for_the_next_answer() {
    let mut pair = Pair::new(slow(Duration::from_secs(2), [swiped_visa()]));
    let first = pair
        .conn
        .exchange(
            command::firmware_version(),
            Duration::from_secs(1),
            pair.now,
        )
        .unwrap();
    assert!(matches!(
        pair.end_of(first),
        ConnectionEvent::TimedOut { .. }
    ));
    // The same command again: the first answer arrives 1 s from now, this one's 2 s.
    let started = pair.now;
    let answer = pair.call(command::firmware_version());
    assert!(
        pair.now - started >= Duration::from_secs(2),
        "the late answer was taken ({:?})",
        pair.now - started
    );
    assert!(
        command::FirmwareVersion::from_response(&answer)
            .unwrap()
            .as_str()
            .starts_with("VP3300")
    );
    // Nothing stale is left for a card read to trip over.
    let serial = pair
        .conn
        .exchange(command::serial_number(), Duration::from_secs(1), pair.now)
        .unwrap();
    assert!(matches!(
        pair.end_of(serial),
        ConnectionEvent::TimedOut { .. }
    ));
    let data = pair.card_data(request(swipe())).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Swipe);
}

#[test]
fn complete_gives_up_on_a_reader_that_never_answers_and_leaves_it_idle() {
    let mut pair = Pair::new(DeviceConfig::default());
    pair.deaf_to.push((0x60, 0x12));
    let data = pair.card_data(request(Interfaces::ALL)).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
    let started = pair.now;
    // The machine waits command timeout + margin + 10 s for 60-12, then cancels.
    assert_eq!(
        pair.complete(HostResponse::online(*b"00")),
        ReaderEvent::TimedOut
    );
    let took = pair.now - started;
    assert!(took >= Duration::from_secs(15), "{took:?}");
    assert!(took < Duration::from_secs(21), "{took:?}");
    assert!(!pair.device.is_busy());
    // Idle: the next read starts and reads the card.
    let data = pair.card_data(request(Interfaces::ALL)).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contact);

    // Cancel while the completion waits: both end, the reader is idle.
    let read = pair.conn.read_in_progress().unwrap();
    pair.conn
        .complete(&HostResponse::online(*b"00"), pair.now)
        .unwrap();
    pair.exchange_bytes();
    pair.now += Duration::from_secs(1);
    assert!(matches!(pair.cancel(), ConnectionEvent::Idle { .. }));
    assert_eq!(pair.read_events(read).pop(), Some(ReaderEvent::Cancelled));
    let data = pair.card_data(request(Interfaces::ALL)).unwrap();
    assert_eq!(data.entry_mode(), ReadMethod::Contact);
}

#[test]
fn the_frame_log_shows_the_conversation_without_card_data_in_debug() {
    let mut pair = Pair::new(cards([swiped_visa()]));
    pair.conn.set_frame_log(true);
    pair.card_data(request(swipe())).unwrap();
    let frames: Vec<Frame> = std::iter::from_fn(|| pair.conn.poll_received()).collect();
    assert!(
        frames.iter().any(|f| f.command == 0x02),
        "the 02-40 answer: {frames:?}"
    );
    let shown = format!("{frames:?}");
    assert!(!shown.contains("4788250000121443"), "{shown}");
    assert!(!shown.contains("34373838"), "{shown}");
}
