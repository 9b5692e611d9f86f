//! The registration screen: what registration is, the button, and each step
//! as it happens, with a progress bar and the elapsed time. What it shows is
//! [`RegistrationProgress`]; this file only renders it and runs the workflow.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::auth::{use_auth, AuthContext, AuthState};
use crate::browser::once::{self, Once};
use crate::browser::time;
use crate::progress::{RegistrationProgress, StepState};
use crate::registration::RegistrationStep;

/// The longest wait for a paint; a hidden tab runs no animation frames.
const PAINT_WAIT_MS: f64 = 100.0;

/// Connects the wallet after mount and registers the user with IMX on click.
#[component]
pub fn RegistrationScreen() -> impl IntoView {
    let auth = use_auth();
    let loading = auth.loading_engine;
    let progress = RwSignal::new(RegistrationProgress::default());
    let now = RwSignal::new(time::now_ms());
    // After mount, like the guide's useEffect: connect early, so a user who is
    // signed out gets the sign-in first. Nothing is sent to the wallet and the
    // Stark worker is not loaded until the user clicks.
    let early = auth.clone();
    Effect::new(move |_| early.connect_imx(|_| {}));
    // The clock only moves the elapsed time, which only a running run shows.
    let ticker = set_interval_with_handle(
        move || {
            if progress.with_untracked(RegistrationProgress::running) {
                now.set(time::now_ms());
            }
        },
        std::time::Duration::from_millis(100),
    )
    .ok();
    on_cleanup(move || ticker.into_iter().for_each(|t| t.clear()));
    let register = move |_| {
        if !progress.with_untracked(RegistrationProgress::running) {
            run(auth.clone(), progress);
        }
    };
    let steps = move || {
        let p = progress.get();
        RegistrationStep::ALL.iter().map(|step| {
            let state = p.state_of(*step);
            view! {
                <li class=state.class() data-step=format!("{step:?}") data-state=state.name()>
                    <span class="step-marker" aria-hidden="true">
                        {if state == StepState::Active { view! { <span class="spinner"></span> }.into_any() } else { state.marker().into_any() }}
                    </span>
                    <span class="step-label">{step.label()}</span>
                    <span class="visually-hidden">{format!(" ({})", state.name())}</span>
                </li>
            }
        }).collect_view()
    };
    let total = RegistrationStep::ALL.len().to_string();
    view! {
        <section class="card" data-testid="registration">
            <h1>"Register with IMX"</h1>
            <p>
                "Before you can trade on Immutable X, your Passport wallet needs a one-time registration: "
                "your wallet signs a message with your Ethereum key and your Stark key, and IMX records them. "
                "It is free and takes a few seconds."
            </p>
            <div class="progress" role="progressbar" aria-label="Registration progress" aria-valuemin="0"
                aria-valuemax=total aria-valuenow=move || progress.with(|p| p.done_count().to_string())
                data-testid="registration-progress">
                <div class="progress-bar" style:width=move || progress.with(|p| format!("{}%", p.percent()))></div>
            </div>
            <ol class="steps" data-testid="registration-steps">{steps}</ol>
            <p class="muted" aria-live="polite" data-testid="registration-status">
                {move || progress.with(RegistrationProgress::announcement)}
                {move || progress.with(|p| p.elapsed(now.get())).map(|e| view! { <span class="elapsed" data-testid="registration-elapsed">" · " {e}</span> })}
            </p>
            {move || progress.with(RegistrationProgress::failure).map(|f| view! {
                <div class="notice error" role="alert" data-testid="registration-error">
                    <p class="error-title">{f.message}</p>
                    <p>{f.advice}</p>
                    <p class="muted">"Error code: " {f.code}</p>
                </div>
            })}
            <div class="actions">
                <button type="button" data-testid="register" on:click=register disabled=move || progress.with(RegistrationProgress::running)>
                    {move || if loading.get() && progress.with(RegistrationProgress::running) {
                        "Loading registration…"
                    } else {
                        progress.with(RegistrationProgress::button_label)
                    }}
                </button>
            </div>
        </section>
    }
}

/// One registration run: the provider (connecting first if needed), each step
/// into `progress`, and the registered user into the auth state at the end.
fn run(auth: AuthContext, progress: RwSignal<RegistrationProgress>) {
    #[cfg(feature = "marks")]
    time::mark("passport:register");
    progress.set(RegistrationProgress::started(time::now_ms()));
    auth.clone().connect_imx(move |provider| {
        let auth = auth.clone();
        spawn_local(async move {
            let outcome = match provider {
                Ok(provider) => {
                    let report = move |step| progress.update(|p| p.reached(step));
                    provider.register_offchain(report).await
                }
                Err(err) => Err(err),
            };
            let failed = outcome.err();
            let registered = failed.is_none();
            progress.update(|p| p.finish(time::now_ms(), failed));
            if registered {
                // Every step is painted as done before the profile (which
                // says "Registered") replaces the screen.
                painted().await;
                if let Some(user) = auth.passport.stored_user() {
                    auth.set_state(AuthState::SignedIn(user));
                }
            }
        });
    });
}

/// Resolves once the browser has painted the page as it is now: the second
/// animation frame from here runs after the first one's paint. At most
/// [`PAINT_WAIT_MS`], for a hidden tab.
async fn painted() {
    let painted = Once::new();
    let fill = painted.clone();
    request_animation_frame(move || request_animation_frame(move || fill.fill(())));
    let _timer = once::fill_after(&painted, PAINT_WAIT_MS, ());
    painted.wait().await;
}
