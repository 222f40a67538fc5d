//! The Rust layers' `tracing` events as records of Python's `logging` (logger `cardpointe`).
//!
//! The events are the layers' own, already redacted at the source (the transport records
//! operation, merchant id, status, duration and retries — never paths, bodies or headers);
//! this bridge formats their fields and the fields of their spans (`orderid`, `retref`) and
//! hands them to `logging`, which decides by level and handler as for any Python library.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// `key=value` pairs of an event or span (the `message` field kept apart).
#[derive(Default)]
struct Fields {
    message: String,
    pairs: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.pairs, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.pairs, " {}={value}", field.name());
        }
    }
}

/// The formatted fields of a span, kept in its extensions.
struct SpanFields(String);

/// Forwards events of the `cardpointe*` targets to Python's `logging`.
struct PythonLogging;

impl<S> Layer<S> for PythonLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.pairs));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Some(span) = ctx.span(id)
            && let Some(existing) = span.extensions_mut().get_mut::<SpanFields>()
        {
            existing.0.push_str(&fields.pairs);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let target = event.metadata().target();
        if !target.starts_with("cardpointe") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut text = fields.message;
        text.push_str(&fields.pairs);
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                let _ = write!(text, " [{}", span.name());
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    text.push_str(&f.0);
                }
                text.push(']');
            }
        }
        let level = match *event.metadata().level() {
            Level::ERROR => 40,
            Level::WARN => 30,
            Level::INFO => 20,
            Level::DEBUG => 10,
            Level::TRACE => 5,
        };
        // An event during interpreter shutdown has nowhere to go.
        let _ = Python::try_attach(|py| log(py, level, target, &text));
    }
}

/// `logging.getLogger(name).log(level, text)` when that level is enabled: the emulator's
/// records under `cardpointe.emulator`, the client's under `cardpointe`.
fn log(py: Python<'_>, level: u8, target: &str, text: &str) -> PyResult<()> {
    static CLIENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static EMULATOR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let (cell, name) = if target.starts_with("cardpointe_sim") {
        (&EMULATOR, "cardpointe.emulator")
    } else {
        (&CLIENT, "cardpointe")
    };
    let logger = cell.get_or_try_init(py, || {
        py.import("logging")?
            .call_method1("getLogger", (name,))
            .map(Bound::unbind)
    })?;
    let logger = logger.bind(py);
    if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        logger.call_method1("log", (level, "%s: %s", target, text))?;
    }
    Ok(())
}

/// Installs the bridge as the process's tracing subscriber (once; a host that installed its
/// own subscriber first keeps it).
pub(crate) fn install() {
    let subscriber = tracing_subscriber::registry().with(PythonLogging);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
