//! The one tokio runtime of the crate: the reader sessions, the virtual reader's clock and the
//! HTTPS calls run on it, whatever executor the generated Kotlin or Swift polls our futures
//! from (UniFFI's futures are runtime-agnostic; ours hand their work to this runtime and wait
//! for the answer).

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// Two workers: a reader session and an HTTPS call never wait on each other.
const WORKERS: usize = 2;

/// The runtime, built on first use; `None` when the platform refused its threads.
fn runtime() -> Option<&'static Runtime> {
    static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name("cardpointe-mobile")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
}

/// Why work could not run on the runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuntimeFailure {
    /// The runtime's threads could not be started.
    Unavailable,
    /// The task ended without an answer (it panicked).
    TaskLost,
}

/// Aborts the task when the caller stops waiting (a cancelled coroutine or Swift task).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `future` on the runtime and waits for its output from any executor.
pub(crate) async fn run<T, F>(future: F) -> Result<T, RuntimeFailure>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let runtime = runtime().ok_or(RuntimeFailure::Unavailable)?;
    let mut task = AbortOnDrop(runtime.spawn(future));
    (&mut task.0).await.map_err(|_| RuntimeFailure::TaskLost)
}

/// Runs `future` to completion from a plain (non-async) foreign call.
#[cfg(feature = "test-emulator")]
pub(crate) fn block_on<T, F: Future<Output = T>>(future: F) -> Result<T, RuntimeFailure> {
    Ok(runtime()
        .ok_or(RuntimeFailure::Unavailable)?
        .block_on(future))
}

/// Spawns `future` on the runtime (background work the caller does not wait for).
pub(crate) fn spawn<F>(future: F) -> Result<JoinHandle<()>, RuntimeFailure>
where
    F: Future<Output = ()> + Send + 'static,
{
    Ok(runtime().ok_or(RuntimeFailure::Unavailable)?.spawn(future))
}
