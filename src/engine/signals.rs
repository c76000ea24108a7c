//! SIGINT (Ctrl-C) and SIGTERM (a cancelled CI job, `timeout`): both stop a run cleanly
//! and stop `baton mock`. One listener for every command.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// Which signal stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// Wait for SIGINT or SIGTERM.
pub async fn wait() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Signal::Interrupt
}

/// A run's watch on signals: `cancel` becomes true on the first one, and `received` says
/// which it was.
pub struct Watch {
    pub cancel: watch::Receiver<bool>,
    seen: Arc<Mutex<Option<Signal>>>,
}

impl Watch {
    /// Start watching in the current runtime.
    pub fn start() -> Self {
        let (tx, cancel) = watch::channel(false);
        let seen = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&seen);
        tokio::spawn(async move {
            let s = wait().await;
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
            let _ = tx.send(true);
        });
        Self { cancel, seen }
    }

    pub fn received(&self) -> Option<Signal> {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}
