//! The Rust layers' `tracing` events as records of Python's `logging` (logger `cardpointe`).
//!
//! The events are the layers' own, already redacted at the source (the transport records
//! operation, merchant id, status, duration and retries — never paths, bodies or headers);
//! this bridge formats their fields and the fields of their spans (`orderid`, `retref`) and
//! hands them to `logging`, which decides by level and handler as for any Python library.
//!
//! Asking Python costs the GIL, so the bridge first filters in Rust: each call into the package
//! reads the effective levels of the `cardpointe` and `cardpointe.emulator` loggers
//! (`refresh_levels`), and an event below them is dropped without touching Python (at the
//! default `WARNING` that is every per-request record, about a third of an auth's time on the
//! emulator). Only events that pass are handed to `logging`, which still applies its own
//! `isEnabledFor`, handlers and filters. Events and spans of other crates (hyper, h2, rustls)
//! are never recorded; the package's own spans always are, so a record keeps its context.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
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

/// The effective level of the `cardpointe` logger when the package was last called (Python's
/// numbers; 0 lets everything through until the first call reads it).
static CLIENT_LEVEL: AtomicU8 = AtomicU8::new(0);
/// The same for `cardpointe.emulator`.
static EMULATOR_LEVEL: AtomicU8 = AtomicU8::new(0);

/// Reads the effective levels of the package's two loggers (called on every call into the
/// package, with the GIL held: two attribute look-ups). A level changed in Python applies from
/// the next call on.
pub(crate) fn refresh_levels(py: Python<'_>) {
    for (cell, level) in [(&CLIENT, &CLIENT_LEVEL), (&EMULATOR, &EMULATOR_LEVEL)] {
        let effective = logger(py, cell)
            .and_then(|l| l.call_method0("getEffectiveLevel"))
            .and_then(|v| v.extract::<i64>());
        // Unreadable (a replaced logging module): let everything through to `log`'s own check.
        let effective = effective.map_or(0, |v| u8::try_from(v.clamp(0, 255)).unwrap_or(0));
        level.store(effective, Ordering::Relaxed);
    }
}

/// Python's number for a tracing level.
const fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// Whether the target is the emulator's (`cardpointe.emulator` logger), the client's
/// (`cardpointe`), or neither (never forwarded).
fn logger_of(target: &str) -> Option<&'static PyOnceLock<Py<PyAny>>> {
    if target.starts_with("cardpointe_sim") {
        Some(&EMULATOR)
    } else if target.starts_with("cardpointe") {
        Some(&CLIENT)
    } else {
        None
    }
}

/// Forwards events of the `cardpointe*` targets to Python's `logging`.
struct PythonLogging;

impl<S> Layer<S> for PythonLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        match logger_of(metadata.target()) {
            None => Interest::never(),
            Some(_) if metadata.is_span() => Interest::always(),
            // Events: asked each time (the Python level can change between calls).
            Some(_) => Interest::sometimes(),
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        let Some(cell) = logger_of(metadata.target()) else {
            return false;
        };
        if metadata.is_span() {
            return true;
        }
        let threshold = if std::ptr::eq(cell, &EMULATOR) {
            &EMULATOR_LEVEL
        } else {
            &CLIENT_LEVEL
        };
        python_level(*metadata.level()) >= threshold.load(Ordering::Relaxed)
    }

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
        let Some(cell) = logger_of(target) else {
            return;
        };
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
        let level = python_level(*event.metadata().level());
        // An event during interpreter shutdown has nowhere to go.
        let _ = Python::try_attach(|py| log(py, cell, level, target, &text));
    }
}

/// The client's logger, `logging.getLogger("cardpointe")`.
static CLIENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// The emulator's logger, `logging.getLogger("cardpointe.emulator")`.
static EMULATOR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The logger kept in `cell` (`CLIENT` or `EMULATOR`), looked up once.
fn logger<'py>(py: Python<'py>, cell: &PyOnceLock<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let name = if std::ptr::eq(cell, &EMULATOR) {
        "cardpointe.emulator"
    } else {
        "cardpointe"
    };
    let logger = cell.get_or_try_init(py, || {
        py.import("logging")?
            .call_method1("getLogger", (name,))
            .map(Bound::unbind)
    })?;
    Ok(logger.bind(py).clone())
}

/// `logger.log(level, text)` when that level is enabled: the emulator's records under
/// `cardpointe.emulator`, the client's under `cardpointe`.
fn log(
    py: Python<'_>,
    cell: &PyOnceLock<Py<PyAny>>,
    level: u8,
    target: &str,
    text: &str,
) -> PyResult<()> {
    let logger = logger(py, cell)?;
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
