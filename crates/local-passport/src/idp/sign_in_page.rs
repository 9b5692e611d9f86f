//! The sign-in / create-account page and the error page of the provider.

use super::authorize_request::{AuthorizeParams, ValidRequest};
use crate::accounts::Shape;
use crate::html::{escape, page};

/// Which form the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    /// Existing account.
    SignIn,
    /// New account.
    SignUp,
}

/// The authorization request's parameters that the page carries along.
fn carried(p: &AuthorizeParams) -> [(&'static str, &Option<String>); 9] {
    [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("scope", &p.scope),
        ("state", &p.state),
        ("nonce", &p.nonce),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
        ("audience", &p.audience),
    ]
}

/// A line above the form: an error to correct, or a notice.
#[derive(Debug, Clone, Copy)]
pub enum FormMessage<'a> {
    /// What went wrong with the last submission.
    Error(&'a str),
    /// Information, such as the stand-in for a social sign-in.
    Notice(&'a str),
}

/// What each shape is called on the create-account form.
fn shape_label(shape: Shape) -> &'static str {
    match shape {
        Shape::New => "new: no wallet yet (no passport claim)",
        Shape::Zkevm => "zkevm: a zkEVM wallet, not registered with IMX",
        Shape::ImxZkevm => "imx-zkevm: a zkEVM wallet, registered with IMX",
        Shape::Imx => "imx: registered with IMX only",
    }
}

/// The create-account form's choice of account shape: a control real
/// Passport does not have, labelled as the local Passport's own.
fn shape_choice(selected: Shape) -> String {
    let options: String = Shape::ALL
        .iter()
        .map(|&shape| {
            format!(
                r#"<option value="{value}"{selected}>{label}</option>"#,
                value = shape.as_str(),
                selected = if shape == selected { " selected" } else { "" },
                label = escape(shape_label(shape)),
            )
        })
        .collect();
    format!(
        r#"<label for="shape">Account kind (local Passport only)</label>
<select id="shape" name="shape" aria-describedby="shape-note">{options}</select>
<p class="muted" id="shape-note">Local Passport only: the kind of Passport account to create.</p>
"#
    )
}

/// The form, carrying the authorization request in hidden fields. The
/// create-account form also offers the account's shape, `shape` selected.
pub fn render(
    request: &ValidRequest,
    mode: FormMode,
    message: Option<FormMessage<'_>>,
    email: &str,
    shape: Shape,
    csrf: &str,
) -> String {
    let p = &request.params;
    let hidden: String = carried(p)
        .iter()
        .filter_map(|(name, value)| {
            value.as_ref().map(|v| {
                format!(
                    r#"<input type="hidden" name="{name}" value="{}">"#,
                    escape(v)
                )
            })
        })
        .collect();
    let (title, submit, other_mode, other_label, autocomplete) = match mode {
        FormMode::SignIn => (
            "Sign in",
            "Sign in",
            "signup",
            "New here? Create an account",
            "current-password",
        ),
        FormMode::SignUp => (
            "Create your account",
            "Create account",
            "signin",
            "Have an account? Sign in",
            "new-password",
        ),
    };
    let mode_value = if mode == FormMode::SignUp {
        "signup"
    } else {
        "signin"
    };
    let error_html = match message {
        Some(FormMessage::Error(text)) => format!(
            r#"<p class="error" role="alert" id="form-error">{}</p>"#,
            escape(text)
        ),
        Some(FormMessage::Notice(text)) => {
            format!(r#"<p class="notice" id="form-notice">{}</p>"#, escape(text))
        }
        None => String::new(),
    };
    let described = if matches!(message, Some(FormMessage::Error(_))) {
        r#" aria-describedby="form-error""#
    } else {
        ""
    };
    let body = format!(
        r#"<h1>{title}</h1>
<p class="muted">to continue to <strong>{client}</strong></p>
{error_html}
<form method="post" action="/authorize" novalidate>
{hidden}
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="mode" value="{mode_value}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{email}"{described} autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="{autocomplete}" required minlength="{minlength}"{described}>
{shape_choice}<button type="submit" id="submit">{submit}</button>
</form>
<p class="muted"><a id="switch-mode" href="{switch_href}">{other_label}</a></p>"#,
        client = escape(&request.client_name),
        email = escape(email),
        csrf = escape(csrf),
        minlength = if mode == FormMode::SignUp { 8 } else { 1 },
        shape_choice = if mode == FormMode::SignUp {
            shape_choice(shape)
        } else {
            String::new()
        },
        switch_href = escape(&switch_href(request, other_mode)),
    );
    page(title, &body)
}

/// A link that shows the same authorization request with the other form.
fn switch_href(request: &ValidRequest, mode: &str) -> String {
    let mut url = url::Url::parse("http://x/authorize").expect("static URL");
    {
        let mut q = url.query_pairs_mut();
        let p = &request.params;
        for (name, value) in carried(p) {
            if let Some(v) = value {
                q.append_pair(name, v);
            }
        }
        q.append_pair("prompt", "login");
        q.append_pair("screen_hint", mode);
    }
    format!("/authorize?{}", url.query().unwrap_or_default())
}

pub use crate::html::error_page;
