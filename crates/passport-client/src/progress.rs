//! What the registration screen shows, as data: which step runs, how each step
//! stands, how many are done, the elapsed time, the announcement for screen
//! readers, the failure and the button's words. The component only renders it.

use crate::error::PassportError;
use crate::registration::RegistrationStep;

/// How one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Not reached yet.
    Waiting,
    /// Running now.
    Active,
    /// Finished.
    Done,
    /// Where the run failed.
    Failed,
}

impl StepState {
    /// The words the screen (and its tests) use for the state.
    pub fn name(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Active => "in progress",
            StepState::Done => "done",
            StepState::Failed => "failed",
        }
    }

    /// The step's CSS class.
    pub fn class(self) -> &'static str {
        match self {
            StepState::Waiting => "step waiting",
            StepState::Active => "step active",
            StepState::Done => "step done",
            StepState::Failed => "step failed",
        }
    }

    /// The marker beside the step (none while it runs: a spinner shows).
    pub fn marker(self) -> &'static str {
        match self {
            StepState::Waiting => "○",
            StepState::Active => "",
            StepState::Done => "✓",
            StepState::Failed => "✕",
        }
    }
}

/// A failed run, as the screen words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What happened.
    pub message: String,
    /// What the user can do.
    pub advice: String,
    /// The protocol's error code.
    pub code: &'static str,
}

/// One registration run on the screen.
#[derive(Debug, Clone, Default)]
pub struct RegistrationProgress {
    current: Option<RegistrationStep>,
    failed: Option<PassportError>,
    started_ms: Option<f64>,
    ended_ms: Option<f64>,
}

impl RegistrationProgress {
    /// A run that starts now.
    pub fn started(now_ms: f64) -> Self {
        RegistrationProgress {
            started_ms: Some(now_ms),
            ..Default::default()
        }
    }

    /// The workflow reached `step`.
    pub fn reached(&mut self, step: RegistrationStep) {
        self.current = Some(step);
    }

    /// The run ended, with the error if it failed. A run that failed before
    /// its first step (the wallet could not even be connected) fails there.
    pub fn finish(&mut self, now_ms: f64, error: Option<PassportError>) {
        self.ended_ms = Some(now_ms);
        self.current
            .get_or_insert(RegistrationStep::ConnectingWallet);
        self.failed = error;
    }

    /// Whether a run is going on.
    pub fn running(&self) -> bool {
        self.started_ms.is_some() && self.ended_ms.is_none()
    }

    /// How `step` stands.
    pub fn state_of(&self, step: RegistrationStep) -> StepState {
        let Some(current) = self.current else {
            return StepState::Waiting;
        };
        let failed_at = self.failed.as_ref().map(|e| match e {
            PassportError::Registration(r) => r.step,
            _ => current,
        });
        if failed_at == Some(step) {
            return StepState::Failed;
        }
        match step.index().cmp(&current.index()) {
            std::cmp::Ordering::Less => StepState::Done,
            std::cmp::Ordering::Equal if current == RegistrationStep::Done => StepState::Done,
            std::cmp::Ordering::Equal => StepState::Active,
            std::cmp::Ordering::Greater => StepState::Waiting,
        }
    }

    /// How many steps are done.
    pub fn done_count(&self) -> usize {
        RegistrationStep::ALL
            .iter()
            .filter(|s| self.state_of(**s) == StepState::Done)
            .count()
    }

    /// The progress bar's width, in percent.
    pub fn percent(&self) -> usize {
        self.done_count() * 100 / RegistrationStep::ALL.len()
    }

    /// What a screen reader hears: the running step, or where it failed.
    pub fn announcement(&self) -> String {
        match (&self.failed, self.current) {
            (Some(_), Some(step)) => format!("Failed: {}", step.label()),
            (None, Some(step)) => format!("{}…", step.label()),
            _ => String::new(),
        }
    }

    /// Time since the start (until the end, once ended), as `12.3 s`.
    pub fn elapsed(&self, now_ms: f64) -> Option<String> {
        let start = self.started_ms?;
        let end = self.ended_ms.unwrap_or(now_ms);
        // Tenths by integer maths, not float formatting (its cost: BENCHMARKS.md).
        let tenths = ((end - start).max(0.0) / 100.0).round() as u64;
        Some(format!("{}.{} s", tenths / 10, tenths % 10))
    }

    /// The failure, worded for the screen.
    pub fn failure(&self) -> Option<Failure> {
        let err = self.failed.as_ref()?;
        let (message, advice) = match err {
            PassportError::Registration(r) => (r.message.clone(), r.advice.clone()),
            other => (
                other.to_string(),
                "Check your network connection, then try again.".to_owned(),
            ),
        };
        Some(Failure {
            message,
            advice,
            code: err.kind().code(),
        })
    }

    /// The button's words.
    pub fn button_label(&self) -> &'static str {
        if self.running() {
            "Registering…"
        } else if self.failed.is_some() {
            "Try again"
        } else {
            "Register with IMX"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::registration::RegistrationError;
    use RegistrationStep as Step;

    fn states(p: &RegistrationProgress) -> Vec<&'static str> {
        Step::ALL.iter().map(|s| p.state_of(*s).name()).collect()
    }

    #[test]
    fn before_a_run_every_step_waits_and_the_button_invites() {
        let p = RegistrationProgress::default();
        assert!(states(&p).iter().all(|s| *s == "waiting"));
        assert_eq!((p.done_count(), p.percent()), (0, 0));
        assert_eq!(p.announcement(), "");
        assert_eq!(p.elapsed(5_000.0), None);
        assert_eq!(p.button_label(), "Register with IMX");
    }

    #[test]
    fn a_run_shows_the_steps_before_as_done_and_the_current_one_active() {
        let mut p = RegistrationProgress::started(1_000.0);
        assert_eq!(p.button_label(), "Registering…");
        p.reached(Step::Signing);
        assert_eq!(
            states(&p),
            [
                "done",
                "done",
                "done",
                "in progress",
                "waiting",
                "waiting",
                "waiting"
            ]
        );
        assert_eq!((p.done_count(), p.percent()), (3, 42));
        assert_eq!(p.announcement(), "Signing with your wallet…");
        assert_eq!(p.elapsed(2_349.0).as_deref(), Some("1.3 s"));
        p.reached(Step::Done);
        p.finish(3_000.0, None);
        assert!(states(&p).iter().all(|s| *s == "done"));
        assert_eq!(p.percent(), 100);
        assert_eq!(
            p.elapsed(99_000.0).as_deref(),
            Some("2.0 s"),
            "the clock stops at the end"
        );
        assert_eq!(p.failure(), None);
    }

    #[test]
    fn a_failure_marks_its_step_and_offers_to_try_again() {
        let mut p = RegistrationProgress::started(0.0);
        p.reached(Step::Submitting);
        p.finish(
            500.0,
            Some(PassportError::Registration(RegistrationError {
                step: Step::Submitting,
                message: "IMX is unavailable right now.".into(),
                advice: "Try again in a moment.".into(),
                retryable: true,
                kind: ErrorKind::UserRegistrationError,
            })),
        );
        assert_eq!(p.state_of(Step::Submitting), StepState::Failed);
        assert_eq!(p.state_of(Step::Signing), StepState::Done);
        assert_eq!(p.state_of(Step::Confirming), StepState::Waiting);
        assert_eq!(p.announcement(), "Failed: Registering with IMX");
        assert_eq!(p.button_label(), "Try again");
        let failure = p.failure().unwrap();
        assert_eq!(failure.message, "IMX is unavailable right now.");
        assert_eq!(failure.code, "USER_REGISTRATION_ERROR");
    }

    #[test]
    fn a_run_that_could_not_start_fails_at_the_wallet() {
        let mut p = RegistrationProgress::started(0.0);
        p.finish(10.0, Some(PassportError::NotLoggedIn));
        assert_eq!(p.state_of(Step::ConnectingWallet), StepState::Failed);
        let failure = p.failure().unwrap();
        assert_eq!(failure.code, "NOT_LOGGED_IN_ERROR");
        assert!(failure.advice.contains("network"));
    }
}
