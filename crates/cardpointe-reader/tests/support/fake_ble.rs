//! An in-test Bluetooth LE stack: btleplug's own `Central` and `Peripheral` traits implemented
//! over a device that lives in the test, so `BleLink` runs exactly the code it runs against a
//! real VP3300.
//!
//! It models what matters for the link: the GATT table (service 0x1820, characteristic 0x2A80),
//! connection and subscription state, one stream per `notifications()` call, adapter events,
//! and btleplug's habit of leaving the streams of a peripheral handle silent after the device
//! dropped and came back (a reconnect must take a fresh handle).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::BTreeSet;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use async_trait::async_trait;
use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{
    BDAddr, Central, CentralEvent, CentralState, CharPropFlags, Characteristic, Descriptor,
    Peripheral, PeripheralProperties, ScanFilter, Service, ValueNotification, WriteType,
};
use btleplug::platform::PeripheralId;
use futures_core::Stream;
use tokio::sync::mpsc;

/// What the device does with bytes the host writes: it returns the notifications to send.
pub trait Device: Send + 'static {
    fn on_write(&mut self, chunk: &[u8]) -> Vec<Vec<u8>>;

    /// The central connected (again).
    fn on_connect(&mut self) {}
}

impl<F: FnMut(&[u8]) -> Vec<Vec<u8>> + Send + 'static> Device for F {
    fn on_write(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self(chunk)
    }
}

struct Sink {
    epoch: u32,
    tx: mpsc::UnboundedSender<ValueNotification>,
}

struct Shared {
    device: Box<dyn Device>,
    name: String,
    rssi: Option<i16>,
    has_data_characteristic: bool,
    connected: bool,
    subscribed: bool,
    /// Bumped each time the device drops the connection; sinks of older handles go silent.
    epoch: u32,
    sinks: Vec<Sink>,
    log: Vec<String>,
    fail_writes: bool,
    /// A GATT Battery Level (0x2A19) characteristic with this value, if any.
    battery: Option<u8>,
}

/// The device end of the fake stack, for the test to drive and inspect.
#[derive(Clone)]
pub struct FakeDevice {
    shared: Arc<Mutex<Shared>>,
    id: PeripheralId,
    events: Arc<Mutex<Vec<mpsc::UnboundedSender<CentralEvent>>>>,
}

pub fn data_characteristic() -> Characteristic {
    Characteristic {
        uuid: uuid_from_u16(0x2A80),
        service_uuid: uuid_from_u16(0x1820),
        properties: CharPropFlags::WRITE | CharPropFlags::NOTIFY,
        descriptors: BTreeSet::<Descriptor>::new(),
    }
}

fn peripheral_id(index: u8) -> PeripheralId {
    let path = format!("hci0/dev_00_11_22_33_44_{index:02X}");
    bluez_async::DeviceId::from_str(&path)
        .expect("a BlueZ device path")
        .into()
}

impl FakeDevice {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().expect("fake device lock")
    }

    /// The test's record of what the host did, in order.
    pub fn log(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// Exposes a GATT Battery Service with this level.
    pub fn set_battery(&self, percent: Option<u8>) {
        self.lock().battery = percent;
    }

    pub fn set_fail_writes(&self, fail: bool) {
        self.lock().fail_writes = fail;
    }

    pub fn is_connected(&self) -> bool {
        self.lock().connected
    }

    pub fn is_subscribed(&self) -> bool {
        self.lock().subscribed
    }

    /// Sends a notification as the device, to every live subscribed stream.
    pub fn notify(&self, value: &[u8]) {
        let shared = self.lock();
        deliver(&shared, value);
    }

    /// The device drops the connection (out of range): the adapter reports it, and the streams
    /// of every existing handle go silent for good (btleplug's behaviour after a reconnect).
    pub fn drop_connection(&self) {
        {
            let mut shared = self.lock();
            shared.connected = false;
            shared.subscribed = false;
            shared.epoch += 1;
            shared.log.push("device dropped the connection".to_owned());
        }
        self.events.lock().expect("events lock").retain(|tx| {
            tx.send(CentralEvent::DeviceDisconnected(self.id.clone()))
                .is_ok()
        });
    }

    /// Ends every notification stream without an adapter event.
    pub fn end_streams(&self) {
        let mut shared = self.lock();
        shared.sinks.clear();
        shared.connected = false;
        shared.subscribed = false;
    }
}

fn deliver(shared: &Shared, value: &[u8]) {
    if !shared.subscribed {
        return;
    }
    for sink in shared.sinks.iter().filter(|s| s.epoch == shared.epoch) {
        let _ = sink.tx.send(ValueNotification {
            uuid: uuid_from_u16(0x2A80),
            service_uuid: uuid_from_u16(0x1820),
            value: value.to_vec(),
        });
    }
}

/// A btleplug peripheral handle onto a [`FakeDevice`].
#[derive(Clone)]
pub struct FakePeripheral {
    device: FakeDevice,
    /// The device epoch when this handle was made.
    epoch: u32,
}

impl std::fmt::Debug for FakePeripheral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakePeripheral")
            .field("epoch", &self.epoch)
            .finish()
    }
}

struct ChannelStream<T>(mpsc::UnboundedReceiver<T>);

impl<T> Stream for ChannelStream<T> {
    type Item = T;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

fn not_connected() -> btleplug::Error {
    btleplug::Error::NotConnected
}

#[async_trait]
impl Peripheral for FakePeripheral {
    fn id(&self) -> PeripheralId {
        self.device.id.clone()
    }

    fn address(&self) -> BDAddr {
        BDAddr::from([0, 0x11, 0x22, 0x33, 0x44, 0x55])
    }

    fn mtu(&self) -> u16 {
        23
    }

    async fn properties(&self) -> btleplug::Result<Option<PeripheralProperties>> {
        let shared = self.device.lock();
        Ok(Some(PeripheralProperties {
            local_name: Some(shared.name.clone()),
            rssi: shared.rssi,
            services: vec![uuid_from_u16(0x1820)],
            ..PeripheralProperties::default()
        }))
    }

    fn services(&self) -> BTreeSet<Service> {
        let shared = self.device.lock();
        let mut characteristics = BTreeSet::new();
        if shared.has_data_characteristic {
            characteristics.insert(data_characteristic());
        }
        let mut services = BTreeSet::from([Service {
            uuid: uuid_from_u16(0x1820),
            primary: true,
            characteristics,
        }]);
        if shared.battery.is_some() {
            services.insert(Service {
                uuid: uuid_from_u16(0x180F),
                primary: true,
                characteristics: BTreeSet::from([Characteristic {
                    uuid: uuid_from_u16(0x2A19),
                    service_uuid: uuid_from_u16(0x180F),
                    properties: CharPropFlags::READ,
                    descriptors: BTreeSet::new(),
                }]),
            });
        }
        services
    }

    async fn is_connected(&self) -> btleplug::Result<bool> {
        Ok(self.device.lock().connected)
    }

    async fn connect(&self) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        shared.connected = true;
        shared.device.on_connect();
        shared.log.push("connect".to_owned());
        Ok(())
    }

    async fn disconnect(&self) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        shared.connected = false;
        shared.subscribed = false;
        shared.log.push("disconnect".to_owned());
        Ok(())
    }

    async fn discover_services(&self) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        if !shared.connected {
            return Err(not_connected());
        }
        shared.log.push("discover services".to_owned());
        Ok(())
    }

    async fn write(
        &self,
        characteristic: &Characteristic,
        data: &[u8],
        write_type: WriteType,
    ) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        if !shared.connected {
            return Err(not_connected());
        }
        if shared.fail_writes {
            return Err(btleplug::Error::RuntimeError(
                "GATT write rejected".to_owned(),
            ));
        }
        if characteristic.uuid != uuid_from_u16(0x2A80) {
            return Err(btleplug::Error::NoSuchCharacteristic);
        }
        shared
            .log
            .push(format!("write {} ({write_type:?})", data.len()));
        let replies = shared.device.on_write(data);
        for reply in replies {
            deliver(&shared, &reply);
        }
        Ok(())
    }

    async fn read(&self, characteristic: &Characteristic) -> btleplug::Result<Vec<u8>> {
        let shared = self.device.lock();
        match shared.battery {
            Some(level) if characteristic.uuid == uuid_from_u16(0x2A19) => Ok(vec![level]),
            _ => Err(btleplug::Error::NoSuchCharacteristic),
        }
    }

    async fn subscribe(&self, characteristic: &Characteristic) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        if !shared.connected {
            return Err(not_connected());
        }
        if characteristic.uuid != uuid_from_u16(0x2A80) {
            return Err(btleplug::Error::NoSuchCharacteristic);
        }
        shared.subscribed = true;
        shared.log.push("subscribe".to_owned());
        Ok(())
    }

    async fn unsubscribe(&self, _characteristic: &Characteristic) -> btleplug::Result<()> {
        let mut shared = self.device.lock();
        shared.subscribed = false;
        shared.log.push("unsubscribe".to_owned());
        Ok(())
    }

    async fn notifications(
        &self,
    ) -> btleplug::Result<Pin<Box<dyn Stream<Item = ValueNotification> + Send>>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut shared = self.device.lock();
        shared.sinks.push(Sink {
            epoch: self.epoch,
            tx,
        });
        shared.log.push("notifications".to_owned());
        Ok(Box::pin(ChannelStream(rx)))
    }

    async fn write_descriptor(&self, _d: &Descriptor, _data: &[u8]) -> btleplug::Result<()> {
        Err(btleplug::Error::NotSupported("write_descriptor".to_owned()))
    }

    async fn read_descriptor(&self, _d: &Descriptor) -> btleplug::Result<Vec<u8>> {
        Err(btleplug::Error::NotSupported("read_descriptor".to_owned()))
    }
}

/// A btleplug adapter that sees the given devices.
#[derive(Clone)]
pub struct FakeAdapter {
    devices: Vec<FakeDevice>,
    events: Arc<Mutex<Vec<mpsc::UnboundedSender<CentralEvent>>>>,
    scanning: Arc<Mutex<Option<ScanFilter>>>,
    /// The scan filter in force each time the peripherals were listed.
    listed_during: Arc<Mutex<Vec<Option<ScanFilter>>>>,
}

impl FakeAdapter {
    pub fn new() -> Self {
        Self {
            devices: Vec::new(),
            events: Arc::new(Mutex::new(Vec::new())),
            scanning: Arc::new(Mutex::new(None)),
            listed_during: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Adds a device advertising `name`; `has_data_characteristic` false makes it a non-VP3300.
    pub fn add_device(
        &mut self,
        name: &str,
        rssi: Option<i16>,
        has_data_characteristic: bool,
        device: impl Device,
    ) -> FakeDevice {
        let index = u8::try_from(self.devices.len()).expect("few devices");
        let fake = FakeDevice {
            shared: Arc::new(Mutex::new(Shared {
                device: Box::new(device),
                name: name.to_owned(),
                rssi,
                has_data_characteristic,
                connected: false,
                subscribed: false,
                epoch: 0,
                sinks: Vec::new(),
                log: Vec::new(),
                fail_writes: false,
                battery: None,
            })),
            id: peripheral_id(index),
            events: Arc::clone(&self.events),
        };
        self.devices.push(fake.clone());
        fake
    }

    /// The filter of the last scan started, if one is running.
    pub fn scan_filter(&self) -> Option<ScanFilter> {
        self.scanning.lock().expect("scan lock").clone()
    }

    /// The scan filter that was in force each time the peripherals were listed (so a test can
    /// tell that the listing happened during a scan, without racing the scan's timer).
    pub fn filters_when_listed(&self) -> Vec<Option<ScanFilter>> {
        self.listed_during.lock().expect("list lock").clone()
    }

    fn handle(device: &FakeDevice) -> FakePeripheral {
        FakePeripheral {
            epoch: device.lock().epoch,
            device: device.clone(),
        }
    }
}

#[async_trait]
impl Central for FakeAdapter {
    type Peripheral = FakePeripheral;

    async fn events(&self) -> btleplug::Result<Pin<Box<dyn Stream<Item = CentralEvent> + Send>>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.events.lock().expect("events lock").push(tx);
        Ok(Box::pin(ChannelStream(rx)))
    }

    async fn start_scan(&self, filter: ScanFilter) -> btleplug::Result<()> {
        *self.scanning.lock().expect("scan lock") = Some(filter);
        Ok(())
    }

    async fn stop_scan(&self) -> btleplug::Result<()> {
        *self.scanning.lock().expect("scan lock") = None;
        Ok(())
    }

    async fn peripherals(&self) -> btleplug::Result<Vec<FakePeripheral>> {
        let filter = self.scan_filter();
        self.listed_during.lock().expect("list lock").push(filter);
        Ok(self.devices.iter().map(Self::handle).collect())
    }

    async fn peripheral(&self, id: &PeripheralId) -> btleplug::Result<FakePeripheral> {
        self.devices
            .iter()
            .find(|d| &d.id == id)
            .map(Self::handle)
            .ok_or(btleplug::Error::DeviceNotFound)
    }

    async fn add_peripheral(&self, _address: &PeripheralId) -> btleplug::Result<FakePeripheral> {
        Err(btleplug::Error::NotSupported("add_peripheral".to_owned()))
    }

    async fn clear_peripherals(&self) -> btleplug::Result<()> {
        Ok(())
    }

    async fn adapter_info(&self) -> btleplug::Result<String> {
        Ok("fake adapter".to_owned())
    }

    async fn adapter_state(&self) -> btleplug::Result<CentralState> {
        Ok(CentralState::PoweredOn)
    }
}
