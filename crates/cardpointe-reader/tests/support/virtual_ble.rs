//! The virtual VP3300 of `cardpointe-vp3300-sim` behind the in-test btleplug stack: the device model
//! answers GATT writes, and a task runs its clock (card arrivals, timeouts, slow answers,
//! dropped links) and sends what it says as notifications.

use std::sync::{Arc, Mutex};

use cardpointe_vp3300_sim::{DeviceConfig, DeviceLinkEvent, VirtualVp3300};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::fake_ble::{Device, FakeAdapter, FakeDevice};

struct Model {
    device: Arc<Mutex<VirtualVp3300>>,
    epoch: Instant,
    wake: Arc<Notify>,
}

impl Device for Model {
    fn on_write(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        let mut device = self.device.lock().unwrap();
        device.receive(chunk, self.epoch.elapsed());
        let mut out = Vec::new();
        while let Some(notification) = device.poll_notification() {
            out.push(notification.to_vec());
        }
        drop(device);
        self.wake.notify_one();
        out
    }

    fn on_connect(&mut self) {
        self.device.lock().unwrap().reconnected();
        self.wake.notify_one();
    }
}

/// An adapter that sees one virtual VP3300 built from `config`.
pub fn adapter(config: DeviceConfig) -> (FakeAdapter, FakeDevice, Arc<Mutex<VirtualVp3300>>) {
    let name = config.ble_name();
    let device = Arc::new(Mutex::new(VirtualVp3300::new(config)));
    let wake = Arc::new(Notify::new());
    let epoch = Instant::now();
    let mut adapter = FakeAdapter::new();
    let fake = adapter.add_device(
        &name,
        Some(-42),
        true,
        Model {
            device: Arc::clone(&device),
            epoch,
            wake: Arc::clone(&wake),
        },
    );
    tokio::spawn(clock(Arc::clone(&device), fake.clone(), wake, epoch));
    (adapter, fake, device)
}

async fn clock(
    device: Arc<Mutex<VirtualVp3300>>,
    fake: FakeDevice,
    wake: Arc<Notify>,
    epoch: Instant,
) {
    loop {
        let next = device.lock().unwrap().poll_timeout();
        match next {
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(epoch + at) => {}
                    () = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
        let (notifications, dropped) = {
            let mut device = device.lock().unwrap();
            device.handle_timeout(epoch.elapsed());
            let mut out = Vec::new();
            while let Some(n) = device.poll_notification() {
                out.push(n);
            }
            let dropped = device.poll_link_event() == Some(DeviceLinkEvent::Disconnected);
            (out, dropped)
        };
        for n in notifications {
            fake.notify(&n);
        }
        if dropped {
            fake.drop_connection();
        }
    }
}
