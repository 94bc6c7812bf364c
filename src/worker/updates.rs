//! The worker threads' side of the update channel, and the pause gate of the trainer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

use super::protocol::{Message, Update};

/// How long a sender waits before trying a full channel again.
const RETRY: Duration = Duration::from_millis(10);

/// Sends updates to the UI and wakes it (the app passes `egui::Context::request_repaint`).
#[derive(Clone)]
pub(crate) struct UpdateSender {
    pub tx: Sender<Message>,
    pub wake: Arc<dyn Fn() + Send + Sync>,
}

impl UpdateSender {
    /// Sends `update`, waiting while the channel is full, unless `cancel` is set first (the
    /// job it belongs to was stopped) or the UI is gone. `run` is `None` for news that belong
    /// to no run, `epoch` `None` for news about a run as a whole.
    pub fn send(
        &self,
        run: Option<u64>,
        epoch: Option<u64>,
        cancel: Option<&AtomicBool>,
        update: Update,
    ) {
        let mut message = Message { run, epoch, update };
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return;
            }
            match self.tx.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return,
                Err(TrySendError::Full(m)) => {
                    message = m;
                    std::thread::sleep(RETRY);
                }
            }
        }
        (self.wake)();
    }

    /// Sends `update` if the channel has room: a picture the UI is too far behind to take is
    /// not worth waiting for (it will ask again).
    pub fn offer(&self, run: u64, epoch: u64, update: Update) {
        let message = Message {
            run: Some(run),
            epoch: Some(epoch),
            update,
        };
        match self.tx.try_send(message) {
            Ok(()) | Err(TrySendError::Full(_)) => (self.wake)(),
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// Holds the trainer between two steps while paused: the thread sleeps on a condition
/// variable until it is resumed or its job is cancelled, instead of polling.
#[derive(Default)]
pub(crate) struct PauseGate {
    paused: Mutex<bool>,
    changed: Condvar,
}

impl PauseGate {
    /// Pauses or resumes.
    pub fn set(&self, paused: bool) {
        *self.paused.lock().unwrap_or_else(PoisonError::into_inner) = paused;
        self.changed.notify_all();
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        *self.paused.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes a waiting thread to look at its cancel flag again (call after setting it).
    pub fn wake(&self) {
        // Taking the lock orders this after a waiter's check of the flag: no lost wake-up.
        drop(self.paused.lock().unwrap_or_else(PoisonError::into_inner));
        self.changed.notify_all();
    }

    /// Returns when not paused, or at once once `cancel` is set (and [`Self::wake`] called).
    pub fn wait_while_paused(&self, cancel: &AtomicBool) {
        let guard = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        let _guard: std::sync::MutexGuard<'_, bool> = self
            .changed
            .wait_while(guard, |paused| *paused && !cancel.load(Ordering::Relaxed))
            .unwrap_or_else(PoisonError::into_inner);
    }
}
