//! A progress bar on stderr for runs with several collections or that take more than a second;
//! only when stderr is a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::event::{Event, Reporter};
use crate::secret::Redacted;

pub struct ProgressReporter {
    bar: ProgressBar,
    started: Instant,
    collections: usize,
    visible: bool,
}

impl ProgressReporter {
    /// `requests`: how many requests the run may send (the bar's length).
    pub fn new(requests: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(requests), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Self {
            bar,
            started: Instant::now(),
            collections: 0,
            visible: false,
        }
    }

    fn show_if_long(&mut self) {
        if !self.visible
            && (self.collections > 1 || self.started.elapsed() > Duration::from_secs(1))
        {
            self.visible = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }
}

impl Reporter for ProgressReporter {
    fn event(&mut self, event: &Redacted<Event>) -> std::io::Result<()> {
        let event: &Event = event;
        match event {
            Event::RunStarted { collections } => self.collections = *collections,
            Event::RequestStarted { name, .. } => self.bar.set_message(name.clone()),
            Event::RequestFinished(_) => self.bar.inc(1),
            Event::RunFinished(_) => self.bar.finish_and_clear(),
            _ => {}
        }
        self.show_if_long();
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.bar.finish_and_clear();
        Ok(())
    }
}
