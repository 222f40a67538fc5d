//! An app's logs name the transaction: the auth's span carries its order id and retref, and
//! the calls on a transaction (capture, void, refund, inquire, sigcap) carry its retref — with
//! no card data beside them.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cardpointe::{Amount, AuthRequest, CaptureRequest, HasOutcome, PaymentSource};
use cardpointe_sim::Sim;

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[tokio::test]
async fn auth_and_capture_spans_carry_the_order_id_and_the_retref() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::builder().start().await.unwrap();
    let gateway = support::gateway_for(&sim);
    let card = PaymentSource::Card("4111111111111111".parse().unwrap());
    let auth = AuthRequest::new(Amount::from_minor(1250).unwrap(), card)
        .with_expiry("1230".parse().unwrap());
    let outcome = gateway.auth(auth).await.unwrap();
    assert!(outcome.is_approved());
    let order_id = outcome.order_id().as_str().to_owned();
    let retref = outcome.retref().unwrap().clone();
    let capture = CaptureRequest::new(retref.clone());
    assert!(gateway.capture(&capture).await.unwrap().is_approved());
    sim.shutdown().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains(&format!("cardpointe.auth{{orderid={order_id}")),
        "no auth span with the order id in:\n{text}"
    );
    assert!(
        text.contains(&format!("cardpointe.capture{{retref={}}}", retref.as_str())),
        "no capture span with the retref in:\n{text}"
    );
    assert!(
        !text.contains("4111111111111111"),
        "card number in the logs:\n{text}"
    );
}
