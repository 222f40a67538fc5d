//! The device model: [`VirtualVp3300`] and how it is set up ([`DeviceConfig`], [`Scenario`]).
//! The crate documentation describes what it answers and how to drive it.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cardpointe_vp3300::command::id;
use cardpointe_vp3300::{Decoded, Frame, FrameDecoder, FrameError, FrameKind, StatusCode};
use zeroize::Zeroizing;

use crate::cards::{Entry, Presentation, TestCard};
use crate::dukpt::Bdk;
use crate::payload::{self, ChipRead, Keys};
use cardpointe_vp3300::Ksn;

/// Something that goes wrong, chosen per device.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scenario {
    /// Everything works.
    #[default]
    Normal,
    /// The chip card is pulled out after the application was selected: 60-11 answers outcome
    /// 3005 "smart card absent".
    CardRemovedEarly,
    /// The chip cannot be read: 60-10 answers outcome 3004 "fallback" (error DFEF61 F220); the
    /// customer then swipes the same card, which reads as a fallback swipe.
    BadChipFallback,
    /// No card is ever presented: card commands answer status 08 at their timeout.
    NoCard,
    /// The reader is busy: card commands (02-40, 60-10) answer status 0B "command not allowed".
    Busy,
    /// The battery is low: the battery level reads this percentage (through the link; the
    /// NEO 2 protocol has no battery command). The reader keeps working.
    LowBattery {
        /// Battery level, percent.
        percent: u8,
    },
    /// The link drops when the card is read, before the reader answers (once). The reader
    /// abandons the transaction, as a VP3300 does when its central goes away.
    DisconnectMidTransaction,
    /// The first answer to a card command is corrupted in transit (one data bit flipped, so
    /// its CRC fails) (once).
    CorruptedFrame,
    /// Every answer leaves the reader this long after the command arrived.
    SlowFirmware {
        /// The delay.
        delay: Duration,
    },
}

/// How the virtual reader is set up.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DeviceConfig {
    /// Serial number (12-01 answers it padded to 15 bytes; the BLE name ends with its last five
    /// characters).
    pub serial: String,
    /// Firmware version string (29-00).
    pub firmware: String,
    /// The base derivation key the reader's IPEK comes from.
    pub bdk: Bdk,
    /// The initial KSN; each card read uses the next counter value.
    pub initial_ksn: Ksn,
    /// Cards presented, one per card command, in order.
    pub cards: VecDeque<Presentation>,
    /// What goes wrong.
    pub scenario: Scenario,
    /// The largest notification (a 23-byte ATT MTU leaves 20).
    pub notification_size: usize,
    /// Battery level in percent, when the unit reports one.
    pub battery_percent: Option<u8>,
}

impl Default for DeviceConfig {
    /// Serial `538T012345`, ANSI X9.24 test BDK and KSN, the UAT approving cards (each
    /// presented the best way the reader offers), no scenario, 20-byte notifications, battery
    /// at 80 %.
    fn default() -> Self {
        Self {
            serial: "538T012345".to_owned(),
            firmware: "VP3300 Bluetooth NEO v1.01.090".to_owned(),
            bdk: Bdk::ANSI_TEST,
            initial_ksn: Ksn::ANSI_TEST_INITIAL,
            cards: TestCard::uat_cards()
                .into_iter()
                .map(Presentation::best)
                .collect(),
            scenario: Scenario::Normal,
            notification_size: 20,
            battery_percent: Some(80),
        }
    }
}

impl DeviceConfig {
    /// The default device with `scenario`.
    #[must_use]
    pub fn with_scenario(scenario: Scenario) -> Self {
        Self {
            scenario,
            ..Self::default()
        }
    }

    /// The default device that will be presented exactly these cards.
    #[must_use]
    pub fn with_cards(cards: impl IntoIterator<Item = Presentation>) -> Self {
        Self {
            cards: cards.into_iter().collect(),
            ..Self::default()
        }
    }

    /// The advertised Bluetooth name: `IDTECH-VP3300-` and the serial's last five characters.
    #[must_use]
    pub fn ble_name(&self) -> String {
        let tail: String = self
            .serial
            .chars()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("IDTECH-VP3300-{tail}")
    }
}

/// What happens to the link itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceLinkEvent {
    /// The reader dropped the connection.
    Disconnected,
}

/// The card command waiting for a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CardCommand {
    /// 02-40 with these interfaces.
    Activate {
        msr: bool,
        ctls: bool,
        contact: bool,
    },
    /// 60-10 (takes an insert, and a swipe).
    ContactStart,
}

impl CardCommand {
    const fn command(self) -> u8 {
        match self {
            Self::Activate { .. } => id::ACTIVATE_TRANSACTION.0,
            Self::ContactStart => id::CONTACT_START.0,
        }
    }

    /// How a card is read, or `None` when this command does not take that entry.
    fn accepts(self, card: &TestCard, entry: Option<Entry>) -> Option<Entry> {
        let (msr, ctls, contact) = match self {
            Self::Activate { msr, ctls, contact } => (msr, ctls, contact),
            Self::ContactStart => (true, false, true),
        };
        match entry {
            Some(Entry::Swipe) if msr => Some(Entry::Swipe),
            Some(Entry::Tap) if ctls && card.has_chip() => Some(Entry::Tap),
            Some(Entry::Insert) if contact && card.has_chip() => Some(Entry::Insert),
            Some(_) => None,
            None if contact && card.has_chip() => Some(Entry::Insert),
            None if ctls && card.has_chip() => Some(Entry::Tap),
            None if msr => Some(Entry::Swipe),
            None => None,
        }
    }
}

#[derive(Debug)]
enum Txn {
    Idle,
    /// A card command waits for a card.
    Waiting {
        command: CardCommand,
        deadline: Duration,
        /// The card on its way, and when it arrives.
        arriving: Option<(Duration, Presentation)>,
        request_tlvs: Vec<u8>,
        /// A swipe after a failed chip read.
        fallback: bool,
    },
    /// 60-10 answered "start success"; waiting for 60-11.
    Inserted {
        card: TestCard,
        request_tlvs: Vec<u8>,
        deadline: Duration,
    },
    /// 60-11 answered "go online"; waiting for 60-12.
    Online {
        card: TestCard,
        counter: u32,
        deadline: Duration,
    },
}

/// The virtual VP3300 device model (see the module docs).
#[derive(Debug)]
pub struct VirtualVp3300 {
    config: DeviceConfig,
    decoder: FrameDecoder,
    now: Duration,
    txn: Txn,
    /// Encoded answers and when they leave the reader.
    outbox: VecDeque<(Duration, Bytes)>,
    /// Bytes on their way to the host, cut into notifications as they are polled.
    wire: BytesMut,
    link_events: VecDeque<DeviceLinkEvent>,
    counter: u32,
    disconnect_armed: bool,
    corrupt_armed: bool,
    fallback_pending: Option<TestCard>,
    received: Vec<(u8, u8)>,
    rtc: ([u8; 2], [u8; 4]),
    last_result: Option<Bytes>,
}

/// How long a contact transaction waits for the host's next command when 60-10 gives none.
const DEFAULT_NEXT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

impl VirtualVp3300 {
    /// A powered-on reader, idle.
    #[must_use]
    pub fn new(config: DeviceConfig) -> Self {
        let disconnect_armed = config.scenario == Scenario::DisconnectMidTransaction;
        let corrupt_armed = config.scenario == Scenario::CorruptedFrame;
        Self {
            config,
            decoder: FrameDecoder::reader(),
            now: Duration::ZERO,
            txn: Txn::Idle,
            outbox: VecDeque::new(),
            wire: BytesMut::new(),
            link_events: VecDeque::new(),
            counter: 0,
            disconnect_armed,
            corrupt_armed,
            fallback_pending: None,
            received: Vec::new(),
            rtc: ([0x12, 0x00], [0x20, 0x26, 0x01, 0x01]),
            last_result: None,
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// The battery level the reader reports, in percent.
    #[must_use]
    pub fn battery_percent(&self) -> Option<u8> {
        match self.config.scenario {
            Scenario::LowBattery { percent } => Some(percent),
            _ => self.config.battery_percent,
        }
    }

    /// The `(command, sub-command)` of every frame received, in order (for tests).
    #[must_use]
    pub fn received(&self) -> &[(u8, u8)] {
        &self.received
    }

    /// Whether a transaction is in progress (a card command waiting, or a contact
    /// transaction between its steps).
    #[must_use]
    pub fn is_busy(&self) -> bool {
        !matches!(self.txn, Txn::Idle)
    }

    /// The KSN of the last card read.
    #[must_use]
    pub fn last_ksn(&self) -> Option<Ksn> {
        (self.counter > 0).then(|| self.config.initial_ksn.with_counter(self.counter))
    }

    /// Queues another card to present.
    pub fn push_card(&mut self, presentation: Presentation) {
        self.config.cards.push_back(presentation);
    }

    /// Bytes the host wrote (any chunking).
    pub fn receive(&mut self, bytes: &[u8], now: Duration) {
        self.advance(now);
        self.decoder.push(bytes);
        while let Some(item) = self.decoder.decode() {
            match item {
                Ok(Decoded::Frame(frame)) => self.on_frame(&frame),
                // A frame whose CRC fails gets status 04 (spec 2.3).
                Err(FrameError::BadCrc { command, .. }) => {
                    self.answer(command, StatusCode::CrcError, Bytes::new());
                }
                Err(FrameError::TooLarge { .. }) => {
                    self.answer(0x00, StatusCode::FrameTooLarge, Bytes::new());
                }
                Ok(_) | Err(_) => {}
            }
        }
        self.release();
    }

    /// The next notification to the host: at most [`DeviceConfig::notification_size`] bytes.
    /// Frames that leave the reader together share notifications, as on a real link.
    pub fn poll_notification(&mut self) -> Option<Bytes> {
        self.release();
        if self.wire.is_empty() {
            return None;
        }
        let size = self.config.notification_size.max(1).min(self.wire.len());
        Some(self.wire.split_to(size).freeze())
    }

    /// The next link event.
    pub fn poll_link_event(&mut self) -> Option<DeviceLinkEvent> {
        self.link_events.pop_front()
    }

    /// When the reader next needs [`VirtualVp3300::handle_timeout`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let txn = match &self.txn {
            Txn::Idle => None,
            Txn::Waiting {
                deadline, arriving, ..
            } => Some(
                arriving
                    .as_ref()
                    .map_or(*deadline, |(at, _)| (*at).min(*deadline)),
            ),
            Txn::Inserted { deadline, .. } | Txn::Online { deadline, .. } => Some(*deadline),
        };
        let outbox = self.outbox.front().map(|(at, _)| *at);
        match (txn, outbox) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Lets time pass: cards arrive, timeouts fire, delayed answers leave.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.advance(now);
        self.release();
    }

    /// The host reconnected after the link dropped: the reader starts with a clean receive
    /// buffer and nothing in flight (it abandoned any transaction when the link went).
    pub fn reconnected(&mut self) {
        self.decoder.reset();
        self.wire.clear();
        self.outbox.clear();
        self.abandon();
    }

    fn advance(&mut self, now: Duration) {
        self.now = self.now.max(now);
        loop {
            let now = self.now;
            match &mut self.txn {
                Txn::Waiting {
                    arriving, deadline, ..
                } => {
                    let due = arriving
                        .as_ref()
                        .is_some_and(|(at, _)| *at <= now && *at <= *deadline);
                    if let Some((_, presentation)) = arriving.take_if(|_| due) {
                        self.card_arrives(presentation);
                        continue;
                    }
                    if *deadline <= now {
                        self.card_timeout();
                        continue;
                    }
                }
                Txn::Inserted { deadline, .. } | Txn::Online { deadline, .. } => {
                    if *deadline <= now {
                        // The host never sent the next step: the reader gives up silently.
                        self.txn = Txn::Idle;
                        continue;
                    }
                }
                Txn::Idle => {}
            }
            break;
        }
    }

    /// Moves answers whose time has come onto the wire.
    fn release(&mut self) {
        while self.outbox.front().is_some_and(|(at, _)| *at <= self.now) {
            if let Some((_, bytes)) = self.outbox.pop_front() {
                self.wire.extend_from_slice(&bytes);
            }
        }
    }

    fn delay(&self) -> Duration {
        match self.config.scenario {
            Scenario::SlowFirmware { delay } => delay,
            _ => Duration::ZERO,
        }
    }

    fn send(&mut self, frame: &Frame) {
        let mut bytes = BytesMut::from(&frame.encode()[..]);
        let is_card_answer = matches!(frame.command, 0x02 | 0x60);
        if self.corrupt_armed && is_card_answer {
            self.corrupt_armed = false;
            // Flip one bit of the last data byte (or of the status when there is no data).
            let at = bytes.len().saturating_sub(3).max(11);
            if let Some(byte) = bytes.get_mut(at) {
                *byte ^= 0x01;
            }
        }
        let at = self.now.saturating_add(self.delay());
        self.outbox.push_back((at, bytes.freeze()));
    }

    fn answer(&mut self, command: u8, status: StatusCode, data: impl Into<Bytes>) {
        self.send(&Frame::response(command, status, data));
    }

    fn on_frame(&mut self, frame: &Frame) {
        let sub = match frame.kind {
            FrameKind::Command { sub_command } | FrameKind::Unsolicited { sub_command } => {
                sub_command
            }
            FrameKind::Response { .. } => return,
            _ => return,
        };
        let cmd = frame.command;
        self.received.push((cmd, sub));
        if cmd == id::CALLBACK {
            // The host's answer to a 61-xx callback: nothing to say back.
            return;
        }
        let continues_txn = matches!(
            ((cmd, sub), &self.txn),
            (id::CANCEL | (0x05, 0x02), _)
                | (id::CONTACT_AUTHENTICATE, Txn::Inserted { .. })
                | (id::CONTACT_COMPLETE, Txn::Online { .. })
        );
        if self.is_busy() && !continues_txn {
            // While a transaction runs the reader takes only cancel, stop and the next step;
            // anything else cancels the transaction first (spec 4.3).
            self.abandon();
        }
        let data = &frame.data[..];
        match (cmd, sub) {
            id::PING => self.answer(cmd, StatusCode::Ok, Bytes::new()),
            // `command::FirmwareVersion` / `SerialNumber` are `#[non_exhaustive]` tuple
            // structs, so their `to_response` cannot be reached from here; same bytes.
            id::FIRMWARE_VERSION => {
                let version = Bytes::copy_from_slice(self.config.firmware.as_bytes());
                self.answer(cmd, StatusCode::Ok, version);
            }
            id::SERIAL_NUMBER => {
                let mut serial = self.config.serial.as_bytes().to_vec();
                serial.resize(serial.len().max(15), 0);
                self.answer(cmd, StatusCode::Ok, serial);
            }
            id::SET_POLL_MODE => match data {
                [mode] if *mode <= 2 => self.answer(cmd, StatusCode::Ok, Bytes::new()),
                _ => self.answer(cmd, StatusCode::IncorrectParameter, Bytes::new()),
            },
            id::SET_CONFIGURATION => {
                let status = if payload::well_formed(data) {
                    StatusCode::Ok
                } else {
                    StatusCode::MalformattedData
                };
                self.answer(cmd, status, Bytes::new());
            }
            id::GET_CONFIGURATION => {
                let mut tlvs = Vec::new();
                payload::put_tlv(&mut tlvs, 0xDF_EE7E, &[0x00]);
                payload::put_tlv(&mut tlvs, 0xDF_EF37, &[0x07]);
                payload::put_tlv(&mut tlvs, 0x9F1A, &[0x08, 0x40]);
                self.answer(cmd, StatusCode::Ok, tlvs);
            }
            id::GET_TRANSACTION_RESULT => match self.last_result.clone() {
                Some(result) => self.answer(cmd, StatusCode::Ok, result),
                None => self.answer(cmd, StatusCode::DataDoesNotExist, Bytes::new()),
            },
            id::RTC_SET_TIME | id::RTC_SET_DATE => self.set_rtc(sub, data),
            id::RTC_GET_TIME => self.answer(cmd, StatusCode::Ok, self.rtc.0.to_vec()),
            id::RTC_GET_DATE => self.answer(cmd, StatusCode::Ok, self.rtc.1.to_vec()),
            (0x77, 0x82) => self.answer(cmd, StatusCode::Ok, self.config.ble_name().into_bytes()),
            id::CANCEL | (0x05, 0x02) => {
                self.abandon();
                self.answer(cmd, StatusCode::Ok, Bytes::new());
            }
            id::ACTIVATE_TRANSACTION => self.activate(data),
            id::CONTACT_START => self.contact_start(data),
            id::CONTACT_AUTHENTICATE => self.authenticate(),
            id::CONTACT_COMPLETE => self.complete(data),
            (
                0x01 | 0x02 | 0x03 | 0x04 | 0x05 | 0x12 | 0x14 | 0x18 | 0x25 | 0x29 | 0x60 | 0x77,
                _,
            ) => {
                self.answer(cmd, StatusCode::UnknownSubCommand, Bytes::new());
            }
            _ => self.answer(cmd, StatusCode::UnknownCommand, Bytes::new()),
        }
    }

    fn set_rtc(&mut self, sub: u8, data: &[u8]) {
        let bcd_ok = data.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9);
        let status = match (sub, data) {
            (0x01, [h, m]) if bcd_ok => {
                self.rtc.0 = [*h, *m];
                StatusCode::Ok
            }
            (0x03, [a, b, c, d]) if bcd_ok => {
                self.rtc.1 = [*a, *b, *c, *d];
                StatusCode::Ok
            }
            _ => StatusCode::IncorrectParameter,
        };
        self.answer(0x25, status, Bytes::new());
    }

    /// Ends any transaction without an answer; a card not yet presented stays in the
    /// customer's hand for the next one.
    fn abandon(&mut self) {
        if let Txn::Waiting {
            arriving: Some((_, presentation)),
            ..
        } = std::mem::replace(&mut self.txn, Txn::Idle)
        {
            self.config.cards.push_front(presentation);
        }
    }

    fn busy(&mut self, command: u8) -> bool {
        if self.config.scenario == Scenario::Busy {
            self.answer(command, StatusCode::CommandNotAllowed, Bytes::new());
            return true;
        }
        false
    }

    /// 02-40: timeout byte, then TLVs (DFEF37 selects the interfaces; default all but contact).
    fn activate(&mut self, data: &[u8]) {
        let cmd = id::ACTIVATE_TRANSACTION.0;
        let Some((&timeout, tlvs)) = data.split_first() else {
            self.answer(cmd, StatusCode::IncorrectParameter, Bytes::new());
            return;
        };
        if timeout == 0 || !payload::well_formed(tlvs) {
            self.answer(cmd, StatusCode::MalformattedData, Bytes::new());
            return;
        }
        if self.busy(cmd) {
            return;
        }
        let bits = match payload::find_tag(tlvs, 0xDFEF37) {
            Ok(Some([bits])) => *bits,
            _ => 0x03,
        };
        let command = CardCommand::Activate {
            msr: bits & 0x01 != 0,
            ctls: bits & 0x02 != 0,
            contact: bits & 0x04 != 0,
        };
        let fallback = bits == 0x01 && self.fallback_pending.is_some();
        self.wait_for_card(
            command,
            Duration::from_secs(u64::from(timeout)),
            tlvs,
            fallback,
        );
    }

    /// 60-10: fallback flag, TimeOut1 and TimeOut2 (big-endian seconds), then TLVs.
    fn contact_start(&mut self, data: &[u8]) {
        let cmd = id::CONTACT_START.0;
        let (Some(&[_fallback, t1_hi, t1_lo, t2_hi, t2_lo]), Some(tlvs)) =
            (data.get(..5), data.get(5..))
        else {
            self.answer(cmd, StatusCode::IncorrectParameter, Bytes::new());
            return;
        };
        if !payload::well_formed(tlvs) {
            self.answer(cmd, StatusCode::MalformattedData, Bytes::new());
            return;
        }
        if self.busy(cmd) {
            return;
        }
        let card_timeout = u64::from(u16::from_be_bytes([t1_hi, t1_lo])).max(1);
        let _next_timeout = u16::from_be_bytes([t2_hi, t2_lo]);
        self.wait_for_card(
            CardCommand::ContactStart,
            Duration::from_secs(card_timeout),
            tlvs,
            false,
        );
    }

    fn wait_for_card(
        &mut self,
        command: CardCommand,
        timeout: Duration,
        tlvs: &[u8],
        fallback: bool,
    ) {
        let arriving = if self.config.scenario == Scenario::NoCard {
            None
        } else if let Some(card) = self.fallback_pending.take() {
            // After a failed chip read the customer swipes the same card.
            Some(Presentation::by(card, Entry::Swipe))
        } else {
            self.config.cards.pop_front()
        };
        self.txn = Txn::Waiting {
            command,
            deadline: self.now.saturating_add(timeout),
            arriving: arriving.map(|p| (self.now.saturating_add(p.delay), p)),
            request_tlvs: tlvs.to_vec(),
            fallback,
        };
    }

    fn next_ksn(&mut self) -> Ksn {
        // Counters with more than 10 one-bits are never used (ANSI X9.24-1).
        loop {
            self.counter = self.counter.wrapping_add(1) & 0x1F_FFFF;
            if self.counter != 0 && self.counter.count_ones() <= 10 {
                break;
            }
        }
        self.config.initial_ksn.with_counter(self.counter)
    }

    fn card_timeout(&mut self) {
        if let Txn::Waiting { command, .. } = std::mem::replace(&mut self.txn, Txn::Idle) {
            self.answer(command.command(), StatusCode::Timeout, Bytes::new());
        }
    }

    fn card_arrives(&mut self, presentation: Presentation) {
        let Txn::Waiting {
            command,
            request_tlvs,
            fallback,
            ..
        } = &self.txn
        else {
            return;
        };
        let (command, request_tlvs, fallback) = (*command, request_tlvs.clone(), *fallback);
        let Some(entry) = command.accepts(&presentation.card, presentation.entry) else {
            // The reader does not take the card this way (e.g. a tap during 60-10): it keeps
            // waiting until its timeout.
            return;
        };
        if self.disconnect_armed {
            self.disconnect_armed = false;
            self.link_events.push_back(DeviceLinkEvent::Disconnected);
            self.txn = Txn::Idle;
            return;
        }
        let card = presentation.card;
        let cmd = command.command();
        match entry {
            Entry::Swipe => {
                let ksn = self.next_ksn();
                let keys = self.keys(ksn);
                let record = payload::msr_record(&card, &keys);
                let tlvs = payload::swipe_tlvs(&record, fallback);
                let data = match command {
                    // The unified 02-40 answer starts with the attribution byte (spec 4.3).
                    CardCommand::Activate { .. } => with_attribution(0xEC, &tlvs),
                    CardCommand::ContactStart => Zeroizing::new(tlvs.to_vec()),
                };
                self.finish_card_command(cmd, StatusCode::Ok, &data);
            }
            Entry::Tap => {
                let ksn = self.next_ksn();
                let keys = self.keys(ksn);
                let tlvs = payload::online_request_tlvs(
                    &card,
                    &keys,
                    ChipRead::Contactless,
                    &request_tlvs,
                );
                // Contactless EMV, EMV data encrypted: attribution 0x41 (spec 4.3).
                let data = with_attribution(0x41, &tlvs);
                self.finish_card_command(cmd, StatusCode::RequestOnlineAuthorization, &data);
            }
            Entry::Insert => match command {
                CardCommand::Activate { .. } => {
                    // 02-40 with the contact bit: a card in the slot ends the CTLS/MSR poll.
                    self.txn = Txn::Idle;
                    self.answer(cmd, StatusCode::CancelledByCardInsertion, Bytes::new());
                }
                CardCommand::ContactStart => self.inserted(card, request_tlvs),
            },
        }
    }

    fn finish_card_command(&mut self, cmd: u8, status: StatusCode, data: &[u8]) {
        self.txn = Txn::Idle;
        let data = Bytes::copy_from_slice(data);
        self.last_result = Some(data.clone());
        self.answer(cmd, status, data);
    }

    fn keys(&self, ksn: Ksn) -> Keys<'_> {
        Keys {
            bdk: &self.config.bdk,
            ksn,
            serial: &self.config.serial,
        }
    }

    fn display(&mut self, text: &str) {
        let mut data = vec![0x03];
        data.extend_from_slice(text.as_bytes());
        self.send(&Frame::unsolicited(id::CALLBACK, 0x01, data));
    }

    /// A chip card in the slot during 60-10.
    fn inserted(&mut self, card: TestCard, request_tlvs: Vec<u8>) {
        let cmd = id::CONTACT_START.0;
        self.display("PLEASE WAIT");
        if self.config.scenario == Scenario::BadChipFallback {
            let mut tlvs = Vec::new();
            payload::put_tlv(&mut tlvs, 0xDF_EE25, &[0x30, 0x04]);
            payload::put_tlv(&mut tlvs, 0xDF_EF61, &[0xF2, 0x20]);
            self.display("USE MAGSTRIPE");
            self.fallback_pending = Some(card);
            self.finish_card_command(cmd, StatusCode::Ok, &tlvs);
            return;
        }
        let mut tlvs = Vec::new();
        payload::put_tlv(&mut tlvs, 0xDF_EE25, &[0x00, 0x10]);
        payload::put_tlv(&mut tlvs, 0x4F, card.aid());
        payload::put_tlv(&mut tlvs, 0x50, card.label().as_bytes());
        payload::put_tlv(&mut tlvs, 0xDF_EF5B, &card.masked_pan_bcd());
        payload::put_tlv(&mut tlvs, 0x9F39, &[0x05]);
        self.answer(cmd, StatusCode::Ok, tlvs);
        self.txn = Txn::Inserted {
            card,
            request_tlvs,
            deadline: self.now.saturating_add(DEFAULT_NEXT_COMMAND_TIMEOUT),
        };
    }

    /// 60-11: offline data authentication, CVM, first GENERATE AC → "go online".
    fn authenticate(&mut self) {
        let cmd = id::CONTACT_AUTHENTICATE.0;
        let Txn::Inserted {
            card, request_tlvs, ..
        } = std::mem::replace(&mut self.txn, Txn::Idle)
        else {
            self.answer(cmd, StatusCode::CommandNotAllowed, Bytes::new());
            return;
        };
        if self.config.scenario == Scenario::CardRemovedEarly {
            let mut tlvs = Vec::new();
            payload::put_tlv(&mut tlvs, 0xDF_EE25, &[0x30, 0x05]);
            self.finish_card_command(cmd, StatusCode::Ok, &tlvs);
            return;
        }
        if self.disconnect_armed {
            self.disconnect_armed = false;
            self.link_events.push_back(DeviceLinkEvent::Disconnected);
            return;
        }
        let ksn = self.next_ksn();
        let keys = self.keys(ksn);
        let tlvs = payload::online_request_tlvs(&card, &keys, ChipRead::Contact, &request_tlvs);
        self.last_result = Some(Bytes::copy_from_slice(&tlvs));
        self.answer(cmd, StatusCode::Ok, Bytes::copy_from_slice(&tlvs));
        self.txn = Txn::Online {
            card,
            counter: self.counter,
            deadline: self.now.saturating_add(DEFAULT_NEXT_COMMAND_TIMEOUT),
        };
    }

    /// 60-12: host result byte, then TLVs (8A, 91, scripts). The card approves when the host
    /// accepted with ARC `00` and, if the host sent Issuer Authentication Data (91), its ARPC
    /// is the emulated issuer's answer to this card's ARQC ([`crate::issuer_authentication`]); a wrong one fails
    /// issuer authentication and the card declines.
    fn complete(&mut self, data: &[u8]) {
        let cmd = id::CONTACT_COMPLETE.0;
        let Txn::Online { card, counter, .. } = std::mem::replace(&mut self.txn, Txn::Idle) else {
            self.answer(cmd, StatusCode::CommandNotAllowed, Bytes::new());
            return;
        };
        let Some((&host_result, tlvs)) = data.split_first() else {
            self.answer(cmd, StatusCode::IncorrectParameter, Bytes::new());
            return;
        };
        let arc = match payload::find_tag(tlvs, 0x8A) {
            Ok(Some(&[a, b])) => [a, b],
            Ok(_) => *b"Z3",
            Err(()) => {
                self.answer(cmd, StatusCode::MalformattedData, Bytes::new());
                return;
            }
        };
        let issuer_authenticated = match payload::find_tag(tlvs, 0x91) {
            Ok(Some(iad)) => {
                iad == crate::issuer::issuer_authentication(&payload::arqc(&card, counter), arc)
            }
            _ => true,
        };
        let approved = host_result == 0x00 && arc == *b"00" && issuer_authenticated;
        self.display(if approved { "APPROVED" } else { "DECLINED" });
        let tlvs = payload::completion_tlvs(&card, counter, approved, arc, issuer_authenticated);
        self.finish_card_command(cmd, StatusCode::Ok, &tlvs);
    }
}

/// The unified answer's attribution byte followed by the TLVs.
fn with_attribution(attribution: u8, tlvs: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut data = Zeroizing::new(Vec::with_capacity(tlvs.len() + 1));
    data.push(attribution);
    data.extend_from_slice(tlvs);
    data
}
