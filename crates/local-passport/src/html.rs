//! Server-rendered pages: one layout, escaping for every interpolated value.

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A complete page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title} · Local Passport</title>
<link rel="stylesheet" href="/assets/passport.css">
</head>
<body>
<main class="box">
<p class="brand" aria-hidden="true">◆ Local Passport</p>
{body}
</main>
</body>
</html>"#,
        title = escape(title),
    )
}

/// The stylesheet of the server's own pages.
pub const STYLESHEET: &str = r#"
:root{--bg:#f3f4f8;--fg:#1b1d29;--muted:#5b6075;--box:#fff;--line:#d5d9e5;--accent:#0d5bd7;--accent-fg:#fff;--err:#b3261e;--err-bg:#fdecea;--focus:#ff9f1c}
@media (prefers-color-scheme:dark){:root{--bg:#0f1117;--fg:#e8eaf2;--muted:#a0a6bd;--box:#181b24;--line:#2c3140;--accent:#5b9dff;--accent-fg:#0b1020;--err:#ff8a80;--err-bg:#3a1d1b}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:1rem}
.box{width:100%;max-width:24rem;background:var(--box);border:1px solid var(--line);border-radius:12px;padding:1.5rem}
.brand{font-weight:700;color:var(--accent);margin:0 0 .5rem}
h1{font-size:1.3rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}
button{font:inherit;font-weight:600;width:100%;min-height:2.75rem;margin-top:1rem;border:0;border-radius:8px;background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.link{background:none;color:var(--accent);text-decoration:underline;margin-top:.5rem}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.error{background:var(--err-bg);color:var(--err);padding:.6rem .8rem;border-radius:8px}
.muted{color:var(--muted);font-size:.9rem}
code{overflow-wrap:anywhere}
"#;

/// The Content-Security-Policy of every page: its own stylesheet, no script,
/// never framed. No `form-action`: browsers apply it to the redirect that
/// follows the sign-in form too, and that redirect goes to the application.
pub const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/// Adds the headers a sign-in page needs against clickjacking, MIME sniffing
/// and referrer leaks to every HTML response (the sign-in form, error and
/// logout pages), whatever handler produced it.
pub async fn page_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        let headers = response.headers_mut();
        // A page that sets its own policy (the embedded login prompt, framed
        // by its client's origins) keeps it; every other page is never framed.
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            );
        }
        no_sniffing_no_referrer(headers);
    }
    response
}

/// What every page and file of this server sends: its type taken as
/// declared, and no `Referer` (URLs here can carry codes and state).
pub fn no_sniffing_no_referrer(headers: &mut axum::http::HeaderMap) {
    use axum::http::{header, HeaderValue};
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A page for requests that cannot be sent back to the client.
pub fn error_page(message: &str) -> String {
    page(
        "Sign-in error",
        &format!(
            r#"<h1>Sign-in cannot continue</h1>
<p class="error" role="alert">{}</p>
<p class="muted">If you followed a link from an application, tell its developers: the request it sent is not valid for this Passport.</p>"#,
            escape(message)
        ),
    )
}
