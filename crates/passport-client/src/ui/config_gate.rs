//! Loads the runtime configuration before anything else renders.

use leptos::prelude::*;

use crate::browser::config_file::load_config;
use crate::error::ConfigError;
use crate::Passport;

// A signal set by one spawned task, not `LocalResource` + `<Suspense>`: the
// gate loads once per page and never refetches, and Suspense's machinery would
// be the app's only use of it (its cost, measured: BENCHMARKS.md).
#[derive(Clone)]
enum ConfigState {
    Loading,
    Ready(Passport),
    Failed(ConfigError),
}

/// Renders `children` once `config.json` is loaded, with the resolved
/// [`PassportConfig`](crate::PassportConfig) and the [`Passport`] client
/// built from it in context; renders `error` with the problem otherwise.
#[component]
pub fn ConfigGate<E, EV>(
    /// What to show when the configuration cannot be used.
    error: E,
    /// The app, rendered with the configuration in context.
    children: ChildrenFn,
) -> impl IntoView
where
    E: Fn(ConfigError) -> EV + Send + Sync + 'static,
    EV: IntoView + 'static,
{
    let state = RwSignal::new(ConfigState::Loading);
    leptos::task::spawn_local(async move {
        state.set(match load_config().await.map(Passport::new) {
            Ok(passport) => ConfigState::Ready(passport),
            Err(err) => ConfigState::Failed(err),
        });
    });
    move || match state.get() {
        ConfigState::Loading => {
            view! { <p class="status" aria-busy="true">"Loading…"</p> }.into_any()
        }
        ConfigState::Ready(passport) => {
            provide_context(passport.config().clone());
            provide_context(passport);
            children().into_any()
        }
        ConfigState::Failed(err) => error(err).into_any(),
    }
}
