//! The live progress bar (indicatif, on stderr): time through the run,
//! requests and their rate, sessions, conflicts and errors. Drawn only
//! when stderr is a terminal and `--quiet` is not given.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use crate::stats::Recorder;

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(250);

/// A running progress bar; [`Progress::finish`] clears it.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    task: JoinHandle<()>,
}

impl Progress {
    /// Starts a bar over `length` (the run's duration), reading `recorder`.
    pub fn start(recorder: Arc<Recorder>, length: Duration, quiet: bool) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            // Hidden by indicatif itself when stderr is not a terminal.
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(length.as_millis() as u64), target);
        if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:24}] {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        let ticking = bar.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut last = (Instant::now(), 0_u64);
            loop {
                tokio::time::sleep(TICK).await;
                let live = &recorder.live;
                let requests = live.requests.load(Ordering::Relaxed);
                let now = Instant::now();
                let rate = (requests - last.1) as f64 / (now - last.0).as_secs_f64().max(1e-3);
                last = (now, requests);
                ticking.set_position(started.elapsed().as_millis() as u64);
                ticking.set_message(format!(
                    "{requests} requests ({rate:.0}/s) · {} sessions · {} conflicts · {} errors",
                    live.sessions.load(Ordering::Relaxed),
                    live.conflicts.load(Ordering::Relaxed),
                    live.errors.load(Ordering::Relaxed),
                ));
            }
        });
        Self { bar, task }
    }

    /// Stops and clears the bar.
    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}
