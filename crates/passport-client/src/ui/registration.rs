//! The registration screen: what registration is, the button, and each step
//! as it happens, with a progress bar and the elapsed time.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::auth::{use_auth, AuthState};
use crate::browser::time;
use crate::error::PassportError;
use crate::imx::ImxProvider;
use crate::registration::RegistrationStep;

thread_local! {
    // The provider for this page; it is not `Send`, so it
    // lives beside the reactive graph rather than in it.
    static PROVIDER: RefCell<Option<ImxProvider>> = const { RefCell::new(None) };
}

/// Drops this page's IMX provider: signing out leaves no wallet provider behind.
pub(crate) fn forget_provider() {
    PROVIDER.with(|p| p.borrow_mut().take());
}

/// How long the finished list stays before the profile (which says "Registered")
/// takes over: long enough for the browser to paint every step as done.
const SHOW_DONE_MS: u32 = 50;

/// The screen's state.
#[derive(Debug, Clone, Default)]
struct Progress {
    /// The step running now, or the last one reached.
    current: Option<RegistrationStep>,
    /// Set when a step failed.
    failed: Option<PassportError>,
    /// When the run started (ms since the epoch).
    started_ms: Option<f64>,
    /// When the run ended.
    ended_ms: Option<f64>,
    /// Whether a run is going on.
    running: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StepState {
    Waiting,
    Active,
    Done,
    Failed,
}

impl Progress {
    fn state_of(&self, step: RegistrationStep) -> StepState {
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

    fn done_count(&self) -> usize {
        RegistrationStep::ALL
            .iter()
            .filter(|s| self.state_of(**s) == StepState::Done)
            .count()
    }
}

/// Connects the wallet after mount and registers the user with IMX on click.
#[component]
pub fn RegistrationScreen() -> impl IntoView {
    let auth = use_auth();
    let progress = RwSignal::new(Progress::default());
    let now = RwSignal::new(time::now_ms());

    // After mount, like the guide's useEffect: connect early, so a user who
    // is signed out gets the sign-in first. Nothing is loaded or sent to the
    // wallet until the user clicks; the Stark worker starts only then.
    let connect_auth = auth.clone();
    Effect::new(move |_| {
        if PROVIDER.with(|p| p.borrow().is_some()) {
            return;
        }
        let connect = connect_auth.passport.connect_imx();
        spawn_local(async move {
            if let Ok(provider) = connect.await {
                PROVIDER.with(|p| *p.borrow_mut() = Some(provider));
            }
        });
    });

    let ticker = set_interval_with_handle(
        move || now.set(time::now_ms()),
        std::time::Duration::from_millis(100),
    )
    .ok();
    on_cleanup(move || {
        if let Some(handle) = ticker {
            handle.clear();
        }
    });

    let register_auth = auth.clone();
    let register = move |_| {
        if progress.get_untracked().running {
            return;
        }
        time::mark("passport:register");
        progress.set(Progress {
            running: true,
            started_ms: Some(time::now_ms()),
            ..Default::default()
        });
        let auth = register_auth.clone();
        let connect = auth.passport.connect_imx();
        spawn_local(async move {
            let provider = match PROVIDER.with(|p| p.borrow().clone()) {
                Some(provider) => Ok(provider),
                None => connect.await,
            };
            let outcome = match provider {
                Ok(provider) => {
                    PROVIDER.with(|p| *p.borrow_mut() = Some(provider.clone()));
                    let report = move |step| progress.update(|p| p.current = Some(step));
                    provider.register_offchain(&report).await
                }
                Err(err) => Err(err),
            };
            progress.update(|p| {
                p.running = false;
                p.ended_ms = Some(time::now_ms());
                if p.current.is_none() {
                    p.current = Some(RegistrationStep::ConnectingWallet);
                }
            });
            match outcome {
                Ok(_) => {
                    // Paint every step as done before the profile replaces the screen.
                    time::sleep(SHOW_DONE_MS).await;
                    if let Some(user) = auth.passport.stored_user() {
                        auth.set_state(AuthState::SignedIn(user));
                    }
                }
                Err(err) => progress.update(|p| p.failed = Some(err)),
            }
        });
    };

    let steps = move || {
        let p = progress.get();
        RegistrationStep::ALL
            .iter()
            .map(|step| {
                let state = p.state_of(*step);
                let (class, marker, status) = match state {
                    StepState::Waiting => ("step waiting", "○", "waiting"),
                    StepState::Active => ("step active", "", "in progress"),
                    StepState::Done => ("step done", "✓", "done"),
                    StepState::Failed => ("step failed", "✕", "failed"),
                };
                view! {
                    <li class=class data-step=format!("{step:?}") data-state=status>
                        <span class="step-marker" aria-hidden="true">
                            {if state == StepState::Active { view! { <span class="spinner"></span> }.into_any() } else { marker.into_any() }}
                        </span>
                        <span class="step-label">{step.label()}</span>
                        <span class="visually-hidden">{format!(" ({status})")}</span>
                    </li>
                }
            })
            .collect_view()
    };

    let announcement = move || {
        let p = progress.get();
        match (&p.failed, p.current) {
            (Some(_), Some(step)) => format!("Failed: {}", step.label()),
            (None, Some(step)) => format!("{}…", step.label()),
            _ => String::new(),
        }
    };

    let elapsed = move || {
        let p = progress.get();
        p.started_ms.map(|start| {
            let end = p.ended_ms.unwrap_or_else(|| now.get());
            // Tenths by integer maths, not float formatting (its cost: BENCHMARKS.md).
            let tenths = ((end - start).max(0.0) / 100.0).round() as u64;
            format!("{}.{} s", tenths / 10, tenths % 10)
        })
    };

    let total = RegistrationStep::ALL.len();
    view! {
        <section class="card" data-testid="registration">
            <h1>"Register with IMX"</h1>
            <p>
                "Before you can trade on Immutable X, your Passport wallet needs a one-time registration: "
                "your wallet signs a message with your Ethereum key and your Stark key, and IMX records them. "
                "It is free and takes a few seconds."
            </p>
            <div class="progress" role="progressbar" aria-label="Registration progress" aria-valuemin="0"
                aria-valuemax=total.to_string() aria-valuenow=move || progress.get().done_count().to_string()
                data-testid="registration-progress">
                <div class="progress-bar" style:width=move || format!("{}%", progress.get().done_count() * 100 / total)></div>
            </div>
            <ol class="steps" data-testid="registration-steps">{steps}</ol>
            <p class="muted" aria-live="polite" data-testid="registration-status">
                {announcement}
                {move || elapsed().map(|e| view! { <span class="elapsed" data-testid="registration-elapsed">" · " {e}</span> })}
            </p>
            {move || progress.get().failed.map(|err| {
                let advice = match &err {
                    PassportError::Registration(r) => r.advice.clone(),
                    _ => "Check your network connection, then try again.".to_owned(),
                };
                let message = match &err {
                    PassportError::Registration(r) => r.message.clone(),
                    other => other.to_string(),
                };
                view! {
                    <div class="notice error" role="alert" data-testid="registration-error">
                        <p class="error-title">{message}</p>
                        <p>{advice}</p>
                        <p class="muted">"Error code: " {err.kind().code()}</p>
                    </div>
                }
            })}
            <div class="actions">
                <button type="button" data-testid="register" on:click=register
                    disabled=move || progress.get().running>
                    {move || if progress.get().running {
                        "Registering…"
                    } else if progress.get().failed.is_some() {
                        "Try again"
                    } else {
                        "Register with IMX"
                    }}
                </button>
            </div>
        </section>
    }
}
