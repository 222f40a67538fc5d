//! The one Tokio runtime under every Python call: sync methods block on it with the GIL
//! released; asyncio methods spawn on it and resolve their future from its threads.

use std::future::Future;
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The process-wide runtime (two worker threads: the calls are I/O bound).
pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("cardpointe")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the cardpointe runtime: {e}")))
}

/// Runs `future` to completion with the GIL released (other Python threads keep running).
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    crate::logging::refresh_levels(py);
    Ok(py.detach(|| rt.block_on(future)))
}

/// Spawns `future` on the runtime; when it finishes, `convert` turns its output into a Python
/// value (or exception) with the GIL held, and `done(value, error)` is called — the asyncio
/// side (`cardpointe.aio`) resolves its future there, on the loop's thread.
pub(crate) fn spawn<F, C>(future: F, convert: C, done: Py<PyAny>) -> PyResult<()>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    C: FnOnce(Python<'_>, F::Output) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let rt = runtime()?;
    Python::attach(crate::logging::refresh_levels);
    rt.spawn(async move {
        let output = future.await;
        Python::attach(|py| {
            let result = match convert(py, output) {
                Ok(value) => done.call1(py, (value, py.None())),
                Err(error) => done.call1(py, (py.None(), error.value(py).clone())),
            };
            if let Err(error) = result {
                // The callback itself failed (the loop is closed): nothing is left to tell.
                error.write_unraisable(py, None);
            }
        });
    });
    Ok(())
}
