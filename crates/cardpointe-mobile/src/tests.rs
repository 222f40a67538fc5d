//! The exported API driven from Rust, as the bindings drive it: the virtual reader, the app's
//! BLE link (a Rust stand-in for the app's adapter over the virtual peripheral) and the
//! tokenizer against the emulator.

use std::sync::{Arc, Mutex, OnceLock};

use cardpointe_sim::Sim;

use crate::*;

fn visa(method: PresentMethod) -> VirtualCard {
    VirtualCard {
        card: TestCardKind::Visa,
        method,
        delay_ms: 20,
    }
}

fn request(amount_minor: u64) -> ReadRequest {
    ReadRequest {
        amount_minor,
        swipe: true,
        insert: true,
        tap: false,
        card_timeout_seconds: 10,
        fallback: true,
    }
}

/// The app's adapter, in Rust: writes go to the virtual peripheral, its notifications to the
/// link.
#[derive(Default)]
struct Adapter {
    peripheral: OnceLock<Arc<VirtualPeripheral>>,
    link: OnceLock<Arc<BleLink>>,
    writes: Mutex<Vec<usize>>,
}

impl BleTransport for Adapter {
    fn write(&self, data: Vec<u8>) {
        self.writes.lock().unwrap().push(data.len());
        self.peripheral.get().unwrap().write(data);
    }
    fn max_write_size(&self) -> u32 {
        self.peripheral.get().unwrap().notification_size()
    }
    fn reconnect(&self) {
        self.link.get().unwrap().on_connected();
    }
    fn disconnect(&self) {}
    fn battery_percent(&self) -> Option<u8> {
        None
    }
}

struct Observer(Arc<Adapter>);

impl PeripheralObserver for Observer {
    fn on_notification(&self, data: Vec<u8>) {
        if let Some(link) = self.0.link.get() {
            link.on_notification(data);
        }
    }
    fn on_disconnected(&self) {
        if let Some(link) = self.0.link.get() {
            link.on_disconnected();
        }
    }
}

fn ble_source(cards: Vec<VirtualCard>) -> (Arc<Adapter>, ReaderSource) {
    let adapter = Arc::new(Adapter::default());
    let peripheral =
        VirtualPeripheral::new(cards, Arc::new(Observer(Arc::clone(&adapter)))).unwrap();
    let name = peripheral.name();
    adapter.peripheral.set(peripheral).unwrap();
    let link = BleLink::new(Arc::clone(&adapter) as Arc<dyn BleTransport>);
    adapter.link.set(Arc::clone(&link)).unwrap();
    (adapter, ReaderSource::Bluetooth { link, name })
}

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<ReaderUiEvent>>,
    statuses: Mutex<Vec<ConnectionStatus>>,
}

impl ReaderListener for Recorder {
    fn on_event(&self, event: ReaderUiEvent) {
        self.events.lock().unwrap().push(event);
    }
    fn on_status(&self, status: ConnectionStatus) {
        self.statuses.lock().unwrap().push(status);
    }
}

#[tokio::test]
async fn a_chip_read_over_the_apps_link_completes_with_the_hosts_answer() {
    let (adapter, source) = ble_source(vec![visa(PresentMethod::Insert)]);
    let recorder = Arc::new(Recorder::default());
    let listener: Arc<dyn ReaderListener> = recorder.clone();
    let reader = connect_reader(source, Some(listener), ReaderOptions::default())
        .await
        .unwrap();
    assert!(!reader.info().is_virtual);
    assert!(reader.info().name.starts_with("IDTECH-VP3300"));
    let card = reader.read_card(request(1999)).await.unwrap();
    assert_eq!(card.read_method(), ReadMethodKind::Chip);
    assert_eq!(card.masked_pan().as_deref(), Some("4788********1443"));
    assert!(!format!("{card:?}").contains("47882500001"));
    let outcome = reader
        .complete(HostAnswer::Approved { emv: None })
        .await
        .unwrap();
    assert!(outcome.approved);
    assert_eq!(outcome.response_code.as_deref(), Some("00"));
    let events = recorder.events.lock().unwrap().clone();
    assert!(events.contains(&ReaderUiEvent::CardInserted), "{events:?}");
    assert!(adapter.writes.lock().unwrap().iter().all(|&n| n <= 20));
    reader.disconnect().await.unwrap();
    assert!(matches!(
        reader.cancel().await,
        Err(ReaderError::NotConnected(_))
    ));
}

#[tokio::test]
async fn a_forged_issuer_answer_makes_the_chip_card_decline() {
    let source = ReaderSource::Virtual {
        cards: vec![visa(PresentMethod::Insert)],
    };
    let reader = connect_reader(source, None, ReaderOptions::default())
        .await
        .unwrap();
    let _card = reader.read_card(request(1999)).await.unwrap();
    let not_hex = HostAnswer::Approved {
        emv: Some("zz".into()),
    };
    assert!(matches!(
        reader.complete(not_hex).await,
        Err(ReaderError::InvalidRequest(_))
    ));
    let forged = HostAnswer::Approved {
        emv: Some("00112233445566773030".into()),
    };
    let outcome = reader.complete(forged).await.unwrap();
    assert!(!outcome.approved, "{outcome:?}");
    reader.disconnect().await.unwrap();
}

#[tokio::test]
async fn the_apps_disconnect_reaches_the_status_and_fails_the_read() {
    let (adapter, source) = ble_source(vec![]);
    let recorder = Arc::new(Recorder::default());
    let listener: Arc<dyn ReaderListener> = recorder.clone();
    let reader = connect_reader(source, Some(listener), ReaderOptions::default())
        .await
        .unwrap();
    let read = {
        let reader = Arc::clone(&reader);
        tokio::spawn(async move { reader.read_card(request(100)).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    adapter.link.get().unwrap().on_disconnected();
    let result = read.await.unwrap();
    assert!(
        matches!(result, Err(ReaderError::NotConnected(_))),
        "{result:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        reader.status(),
        ConnectionStatus::NotConnected {
            reason: Some(DisconnectReason::ReaderDisconnected)
        }
    );
    let statuses = recorder.statuses.lock().unwrap().clone();
    assert!(
        statuses.contains(&ConnectionStatus::NotConnected {
            reason: Some(DisconnectReason::ReaderDisconnected)
        }),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn cancel_ends_a_read_waiting_for_a_card() {
    let reader = connect_reader(
        ReaderSource::Virtual { cards: vec![] },
        None,
        ReaderOptions::default(),
    )
    .await
    .unwrap();
    let read = {
        let reader = Arc::clone(&reader);
        tokio::spawn(async move { reader.read_card(request(100)).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    reader.cancel().await.unwrap();
    assert!(matches!(read.await.unwrap(), Err(ReaderError::Cancelled)));
    reader.disconnect().await.unwrap();
}

async fn emulator_tokenizer(sim: &Sim) -> Arc<Tokenizer> {
    let (username, password) = sim.credentials();
    Tokenizer::new(CardSecureConfig {
        url: sim.base_url(),
        username: username.to_owned(),
        password: password.to_owned(),
        merchant_id: sim.merchid().to_owned(),
        root_certificates_pem: Some(sim.root_certificate_pem().to_owned()),
        timeout_ms: Some(10_000),
    })
    .unwrap()
}

#[tokio::test]
async fn keyed_cards_reader_cards_and_accounts_tokenize_on_the_emulator() {
    let sim = Sim::builder().start().await.unwrap();
    let tokenizer = emulator_tokenizer(&sim).await;
    let token = tokenizer
        .tokenize_card(
            "4111 1111 1111 1111".into(),
            "12/30".into(),
            Some("123".into()),
        )
        .await
        .unwrap();
    assert!(token.token.starts_with('9'));
    assert_eq!(token.last_four, "1111");
    assert_eq!(token.brand, Some(CardBrand::Visa));
    assert!(matches!(
        tokenizer
            .tokenize_card("4111 1111 1111 1112".into(), "12/30".into(), None)
            .await,
        Err(TokenizeError::Invalid(CardEntryError::LuhnCheckFailed(_)))
    ));
    let ach = tokenizer
        .tokenize_ach("036001808".into(), "1234567890".into())
        .await
        .unwrap();
    assert_eq!(ach.last_four, "7890");
    assert!(matches!(
        tokenizer.tokenize_google_pay("{}".into()).await,
        Err(TokenizeError::Invalid(CardEntryError::WalletPayload(_)))
    ));

    let reader = connect_reader(
        ReaderSource::Virtual {
            cards: vec![visa(PresentMethod::Swipe)],
        },
        None,
        ReaderOptions::default(),
    )
    .await
    .unwrap();
    let card = reader.read_card(request(700)).await.unwrap();
    let token = tokenizer.tokenize_reader_card(card).await.unwrap();
    assert_eq!(token.last_four, "1443");
    reader.disconnect().await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_host_and_a_bad_url_are_typed_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = CardSecureConfig {
        url: format!("https://127.0.0.1:{port}"),
        username: "testing".into(),
        password: "testing123".into(),
        merchant_id: "496160873888".into(),
        root_certificates_pem: None,
        timeout_ms: Some(2_000),
    };
    let tokenizer = Tokenizer::new(config.clone()).unwrap();
    let error = tokenizer
        .tokenize_card("4111111111111111".into(), "1230".into(), None)
        .await
        .unwrap_err();
    assert!(matches!(error, TokenizeError::Connect(_)), "{error:?}");
    assert!(!error.to_string().contains("41111111"));
    config.url = "ftp://example".into();
    assert!(matches!(
        Tokenizer::new(config),
        Err(TokenizeError::Configuration(_))
    ));
}
