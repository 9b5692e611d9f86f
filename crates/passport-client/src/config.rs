//! Settings, their defaults and the environment presets: the one place for all of them.
//!
//! The app reads `config.json` at start ([`RuntimeConfig`]), picks a preset by
//! `environment`, applies the file's overrides field by field and fills what is
//! still missing from the page's own location ([`RuntimeConfig::resolve`]).

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::error::ConfigError;

/// The name of the runtime configuration file, served next to `index.html`.
pub const CONFIG_FILE: &str = "config.json";

/// Which set of endpoints the app talks to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The local Passport started by the README's run command.
    #[default]
    Local,
    /// Immutable's sandbox (testnet) endpoints.
    Sandbox,
    /// Immutable's production endpoints.
    Production,
}

/// How logout ends the provider's session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogoutMode {
    /// Navigate to the provider's logout endpoint, which returns to `logout_redirect_uri`.
    #[default]
    Redirect,
    /// Call the provider's logout endpoint in a hidden frame and stay on the page.
    Silent,
}

/// Endpoint defaults of one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The OIDC authority (issuer base URL).
    pub authority: &'static str,
    /// The IMX public API.
    pub imx_api_url: &'static str,
    /// Magic's TEE Express, the wallet service that holds the user's Ethereum key.
    pub magic_tee_url: &'static str,
    /// The publishable key sent to TEE Express as `X-Magic-API-Key`.
    pub magic_publishable_api_key: &'static str,
    /// The OIDC provider id sent to TEE Express as `X-OIDC-Provider-ID`.
    pub magic_provider_id: &'static str,
    /// A client id that works without configuration (only the local Passport has one).
    pub client_id: Option<&'static str>,
    /// The API audience requested at `/authorize`.
    pub audience: &'static str,
    /// The scopes requested; `offline_access` is what yields a refresh token.
    pub scope: &'static str,
}

/// Scopes the Passport SDK requests by default.
pub const DEFAULT_SCOPE: &str = "openid offline_access email transact";
/// The audience of Immutable's platform API.
pub const DEFAULT_AUDIENCE: &str = passport_wire::API_AUDIENCE;

/// TEE Express, which Immutable's SDK 2.14 reaches for every IMX wallet
/// (`packages/wallet/src/magic/magicTEESigner.ts`, `packages/passport/sdk/src/config/config.ts`).
pub const MAGIC_TEE_URL: &str = "https://tee.express.magiclabs.com/";
/// The publishable key of Immutable's Magic app, the same for sandbox and
/// production (`@imtbl/passport` 2.14, `packages/passport/sdk/src/config/config.ts`).
pub const MAGIC_PUBLISHABLE_API_KEY: &str = passport_wire::magic::PUBLISHABLE_API_KEY;
/// Immutable's OIDC provider id at Magic (same file).
pub const MAGIC_PROVIDER_ID: &str = passport_wire::magic::PROVIDER_ID;

// Sandbox and production, as `@imtbl/passport` 2.14.0 configures itself
// without overrides: the authority `https://auth.immutable.com` for both
// (`packages/passport/sdk/src/config/config.ts`), the IMX API
// `https://api.sandbox.x.immutable.com` / `https://api.x.immutable.com`
// (`packages/internal/generated-clients/src/config/config.ts`, `imxApiConfig`),
// the audience and scopes the SDK's sample apps request, and TEE Express above.
// tests/e2e/presets.test.mjs runs the app on exactly these, hosts routed to a
// local Passport: a wrong host, path, audience or header fails it.
impl Environment {
    /// The endpoint defaults of this environment.
    pub fn preset(self) -> Preset {
        match self {
            Environment::Local => Preset {
                authority: "http://127.0.0.1:8081/",
                imx_api_url: "http://127.0.0.1:8081/",
                // The local Passport's wallet origin plays TEE Express and
                // accepts Immutable's key and provider id by default.
                magic_tee_url: "http://127.0.0.1:8082/",
                magic_publishable_api_key: MAGIC_PUBLISHABLE_API_KEY,
                magic_provider_id: MAGIC_PROVIDER_ID,
                client_id: Some("local-passport-app"),
                audience: DEFAULT_AUDIENCE,
                scope: DEFAULT_SCOPE,
            },
            Environment::Sandbox => Preset {
                authority: "https://auth.immutable.com/",
                imx_api_url: "https://api.sandbox.x.immutable.com/",
                magic_tee_url: MAGIC_TEE_URL,
                magic_publishable_api_key: MAGIC_PUBLISHABLE_API_KEY,
                magic_provider_id: MAGIC_PROVIDER_ID,
                client_id: None,
                audience: DEFAULT_AUDIENCE,
                scope: DEFAULT_SCOPE,
            },
            Environment::Production => Preset {
                authority: "https://auth.immutable.com/",
                imx_api_url: "https://api.x.immutable.com/",
                magic_tee_url: MAGIC_TEE_URL,
                magic_publishable_api_key: MAGIC_PUBLISHABLE_API_KEY,
                magic_provider_id: MAGIC_PROVIDER_ID,
                client_id: None,
                audience: DEFAULT_AUDIENCE,
                scope: DEFAULT_SCOPE,
            },
        }
    }
}

/// The contents of `config.json`: an environment and optional overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// `local` (default), `sandbox` or `production`.
    #[serde(default)]
    pub environment: Environment,
    /// OIDC authority; written with or without a trailing slash.
    pub authority: Option<String>,
    /// The application's client id, as registered with Passport.
    pub client_id: Option<String>,
    /// Where the provider sends the user back; defaults to this page's origin + `/redirect`.
    ///
    /// Security: must be registered with the provider exactly as written here.
    pub redirect_uri: Option<String>,
    /// Where the provider sends the user after logout; defaults to the app's home.
    pub logout_redirect_uri: Option<String>,
    /// `redirect` (default) or `silent`.
    pub logout_mode: Option<LogoutMode>,
    /// API audience for the access token.
    pub audience: Option<String>,
    /// Space-separated scopes; must contain `openid`.
    pub scope: Option<String>,
    /// IMX public API base URL.
    pub imx_api_url: Option<String>,
    /// Magic's TEE Express base URL (the wallet service).
    pub magic_tee_url: Option<String>,
    /// The publishable key TEE Express knows the app's Passport by.
    pub magic_publishable_api_key: Option<String>,
    /// The OIDC provider id TEE Express verifies ID tokens against.
    pub magic_provider_id: Option<String>,
}

/// Where the app is running, used to fill defaults such as the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLocation {
    /// The page's origin, e.g. `http://localhost:8080`.
    pub origin: String,
    /// The app's base path, starting and ending with `/` (`/` unless deployed under a sub-path).
    pub base_path: String,
}

/// The resolved settings the client works with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportConfig {
    /// The environment whose preset filled the defaults.
    pub environment: Environment,
    /// OIDC authority.
    pub authority: Address,
    /// The application's client id.
    pub client_id: String,
    /// The login callback URL.
    pub redirect_uri: Address,
    /// The URL the provider returns to after logout.
    pub logout_redirect_uri: Address,
    /// How logout ends the provider session.
    pub logout_mode: LogoutMode,
    /// API audience.
    pub audience: String,
    /// Space-separated scopes.
    pub scope: String,
    /// IMX public API base URL.
    pub imx_api_url: Address,
    /// Magic's TEE Express base URL.
    pub magic_tee_url: Address,
    /// `X-Magic-API-Key` for TEE Express.
    pub magic_publishable_api_key: String,
    /// `X-OIDC-Provider-ID` for TEE Express.
    pub magic_provider_id: String,
}

impl RuntimeConfig {
    /// Parses `config.json`, naming the offending field on error.
    pub fn parse(json: &str) -> Result<Self, ConfigError> {
        let mut de = serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let field = (path != ".").then_some(path);
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("is not valid JSON ({inner})")
            } else {
                inner.to_string()
            };
            config_error(field.as_deref(), message)
        })
    }

    /// Applies the preset and the page location, and checks every value.
    pub fn resolve(self, page: &PageLocation) -> Result<PassportConfig, ConfigError> {
        let preset = self.environment.preset();
        let app_root = url_field(
            "(page origin)",
            &format!("{}{}", page.origin, page.base_path),
        )?;

        let client_id = match self.client_id.or(preset.client_id.map(str::to_owned)) {
            Some(id) if !id.trim().is_empty() => id,
            Some(_) => return Err(config_error(Some("client_id"), "must not be empty")),
            None => {
                return Err(config_error(
                    Some("client_id"),
                    format!(
                        "is required for the `{}` environment: set it to the client id of your \
                         application in Immutable Hub",
                        environment_name(self.environment)
                    ),
                ))
            }
        };

        let redirect_uri = match self.redirect_uri {
            Some(value) => url_field("redirect_uri", &value)?,
            None => app_root.join("redirect"),
        };
        check_callback_is_served(&redirect_uri, page)?;
        let logout_redirect_uri = match self.logout_redirect_uri {
            Some(value) => url_field("logout_redirect_uri", &value)?,
            None => app_root.clone(),
        };

        let scope = self.scope.unwrap_or_else(|| preset.scope.to_owned());
        if !scope.split_whitespace().any(|s| s == "openid") {
            return Err(config_error(Some("scope"), "must include `openid`"));
        }
        let audience = self.audience.unwrap_or_else(|| preset.audience.to_owned());

        Ok(PassportConfig {
            environment: self.environment,
            authority: url_field(
                "authority",
                self.authority.as_deref().unwrap_or(preset.authority),
            )?,
            client_id,
            redirect_uri,
            logout_redirect_uri,
            logout_mode: self.logout_mode.unwrap_or_default(),
            audience,
            scope,
            imx_api_url: url_field(
                "imx_api_url",
                self.imx_api_url.as_deref().unwrap_or(preset.imx_api_url),
            )?,
            magic_tee_url: url_field(
                "magic_tee_url",
                self.magic_tee_url
                    .as_deref()
                    .unwrap_or(preset.magic_tee_url),
            )?,
            magic_publishable_api_key: non_empty(
                "magic_publishable_api_key",
                self.magic_publishable_api_key,
                preset.magic_publishable_api_key,
            )?,
            magic_provider_id: non_empty(
                "magic_provider_id",
                self.magic_provider_id,
                preset.magic_provider_id,
            )?,
        })
    }
}

impl PassportConfig {
    /// An endpoint below the authority, whether or not the authority ends with `/`.
    pub fn authority_endpoint(&self, path: &str) -> Address {
        self.authority.join(path)
    }

    /// An endpoint below the IMX API base URL.
    pub fn imx_endpoint(&self, path: &str) -> Address {
        self.imx_api_url.join(path)
    }

    /// An endpoint of TEE Express.
    pub fn tee_endpoint(&self, path: &str) -> Address {
        self.magic_tee_url.join(path)
    }

    /// The route of the login callback below the app's `base_path` (`/…/`):
    /// the path segments of `redirect_uri` there (one or many; a trailing
    /// slash adds none), so the callback page is wherever the configuration
    /// says it is. `None` when the redirect URI is on another origin or not
    /// below the base path; [`RuntimeConfig::resolve`] refuses those for the
    /// page it resolves for.
    pub fn callback_route(&self, page_origin: &str, base_path: &str) -> Option<Vec<String>> {
        callback_segments(&self.redirect_uri, page_origin, base_path)
    }
}

/// The segments of `redirect_uri` below `base_path` on `page_origin`.
fn callback_segments(
    redirect_uri: &Address,
    page_origin: &str,
    base_path: &str,
) -> Option<Vec<String>> {
    if redirect_uri.origin() != page_origin {
        return None;
    }
    let below = redirect_uri.path().strip_prefix(base_path)?;
    let segments: Vec<String> = below
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    (!segments.is_empty()).then_some(segments)
}

/// The app finishes sign-in on its own callback page, so the redirect URI
/// must be a page of this app: on the page's origin and below its base path.
/// Anything else would leave the sign-in window on a page that never answers;
/// refusing it when the configuration loads names the field and the fix.
fn check_callback_is_served(redirect_uri: &Address, page: &PageLocation) -> Result<(), ConfigError> {
    if callback_segments(redirect_uri, &page.origin, &page.base_path).is_some() {
        return Ok(());
    }
    let app_root = format!("{}{}", page.origin, page.base_path);
    let why = if redirect_uri.origin() != page.origin {
        format!(
            "is on `{}`, but this app runs on `{}`: sign-in can only finish on the app's own \
             pages, and storage is separate for each origin",
            redirect_uri.origin(),
            page.origin
        )
    } else if redirect_uri.path().strip_prefix(page.base_path.as_str()).is_none() {
        format!(
            "is outside the app's base path `{}`, where no page of this app is served",
            page.base_path
        )
    } else {
        "is the app's home page; the callback needs a page of its own".to_owned()
    };
    Err(config_error(
        Some("redirect_uri"),
        format!("`{redirect_uri}` {why}. Use a URL below `{app_root}`, such as `{app_root}redirect`"),
    ))
}

fn environment_name(env: Environment) -> &'static str {
    match env {
        Environment::Local => "local",
        Environment::Sandbox => "sandbox",
        Environment::Production => "production",
    }
}

fn non_empty(field: &str, value: Option<String>, preset: &str) -> Result<String, ConfigError> {
    match value {
        Some(v) if v.trim().is_empty() => Err(config_error(Some(field), "must not be empty")),
        Some(v) => Ok(v),
        None => Ok(preset.to_owned()),
    }
}

fn url_field(field: &str, value: &str) -> Result<Address, ConfigError> {
    Address::parse(value).map_err(|_| {
        config_error(
            Some(field),
            format!("`{value}` must be an absolute http(s) URL, like https://example.com/"),
        )
    })
}

fn config_error(field: Option<&str>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        file: CONFIG_FILE.to_owned(),
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PageLocation {
        PageLocation {
            origin: "http://localhost:8080".into(),
            base_path: "/".into(),
        }
    }

    #[test]
    fn empty_file_means_local_passport_with_page_relative_redirect() {
        let config = RuntimeConfig::parse("{}")
            .unwrap()
            .resolve(&page())
            .unwrap();
        assert_eq!(config.environment, Environment::Local);
        assert_eq!(config.client_id, "local-passport-app");
        assert_eq!(
            config.redirect_uri.as_str(),
            "http://localhost:8080/redirect"
        );
        assert_eq!(
            config.logout_redirect_uri.as_str(),
            "http://localhost:8080/"
        );
        assert_eq!(config.scope, DEFAULT_SCOPE);
    }

    #[test]
    fn redirect_follows_the_host_the_page_was_opened_on() {
        let page = PageLocation {
            origin: "http://127.0.0.1:8080".into(),
            base_path: "/".into(),
        };
        let config = RuntimeConfig::default().resolve(&page).unwrap();
        assert_eq!(
            config.redirect_uri.as_str(),
            "http://127.0.0.1:8080/redirect"
        );
    }

    #[test]
    fn sub_path_deploys_keep_the_base_path() {
        let page = PageLocation {
            origin: "https://example.org".into(),
            base_path: "/apps/passport/".into(),
        };
        let config = RuntimeConfig::default().resolve(&page).unwrap();
        assert_eq!(
            config.redirect_uri.as_str(),
            "https://example.org/apps/passport/redirect"
        );
        assert_eq!(
            config.logout_redirect_uri.as_str(),
            "https://example.org/apps/passport/"
        );
    }

    #[test]
    fn production_without_client_id_is_invalid_configuration_naming_the_field() {
        let err = RuntimeConfig::parse(r#"{"environment":"production"}"#)
            .unwrap()
            .resolve(&page())
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("client_id"));
        assert!(err
            .to_string()
            .starts_with("config.json: field `client_id`: is required"));
        let err: crate::PassportError = err.into();
        assert_eq!(err.kind().code(), "INVALID_CONFIGURATION");
    }

    #[test]
    fn production_preset_points_at_immutable() {
        let config = RuntimeConfig::parse(r#"{"environment":"production","client_id":"abc"}"#)
            .unwrap()
            .resolve(&page())
            .unwrap();
        assert_eq!(config.authority.as_str(), "https://auth.immutable.com/");
        assert_eq!(config.imx_api_url.as_str(), "https://api.x.immutable.com/");
        assert_eq!(config.audience, "platform_api");
    }

    #[test]
    fn overrides_win_field_by_field() {
        let json = r#"{"environment":"sandbox","client_id":"c1","authority":"http://auth.test:9000",
            "scope":"openid email","imx_api_url":"http://imx.test/v","logout_mode":"silent"}"#;
        let config = RuntimeConfig::parse(json)
            .unwrap()
            .resolve(&page())
            .unwrap();
        assert_eq!(
            config.authority_endpoint("/oauth/token").as_str(),
            "http://auth.test:9000/oauth/token"
        );
        assert_eq!(
            config.imx_endpoint("v1/users/0x1").as_str(),
            "http://imx.test/v/v1/users/0x1"
        );
        assert_eq!(config.scope, "openid email");
        assert_eq!(config.logout_mode, LogoutMode::Silent);
        assert_eq!(
            config.tee_endpoint("v1/wallet").as_str(),
            "https://tee.express.magiclabs.com/v1/wallet"
        );
        assert_eq!(config.magic_publishable_api_key, "pk_live_10F423798A540ED7");
        assert_eq!(
            config.magic_provider_id,
            "aa80b860-8869-4f13-9000-6a6ad3d20017"
        );
    }

    #[test]
    fn authority_with_or_without_trailing_slash_joins_the_same() {
        for authority in ["http://a.test/tenant", "http://a.test/tenant/"] {
            let json = format!(r#"{{"authority":"{authority}"}}"#);
            let config = RuntimeConfig::parse(&json)
                .unwrap()
                .resolve(&page())
                .unwrap();
            assert_eq!(
                config.authority_endpoint("authorize").as_str(),
                "http://a.test/tenant/authorize"
            );
        }
    }

    #[test]
    fn unknown_environment_names_the_field() {
        let err = RuntimeConfig::parse(r#"{"environment":"staging"}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("environment"));
        assert!(err.message.contains("unknown variant `staging`"), "{err}");
    }

    #[test]
    fn misspelt_key_is_refused_not_ignored() {
        let err = RuntimeConfig::parse(r#"{"clientId":"x"}"#).unwrap_err();
        assert!(err.message.contains("unknown field `clientId`"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = RuntimeConfig::parse(r#"{"client_id": 42}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("client_id"));
    }

    #[test]
    fn broken_json_says_so() {
        let err = RuntimeConfig::parse(r#"{"client_id": "x""#).unwrap_err();
        assert!(err.message.starts_with("is not valid JSON"), "{err}");
    }

    #[test]
    fn invalid_urls_name_their_field() {
        for field in [
            "authority",
            "redirect_uri",
            "logout_redirect_uri",
            "imx_api_url",
            "magic_tee_url",
        ] {
            let json = format!(r#"{{"{field}":"not a url"}}"#);
            let err = RuntimeConfig::parse(&json)
                .unwrap()
                .resolve(&page())
                .unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field));
        }
        let err = RuntimeConfig::parse(r#"{"authority":"ftp://x.test"}"#)
            .unwrap()
            .resolve(&page())
            .unwrap_err();
        assert!(err.message.contains("absolute http(s) URL"));
    }

    #[test]
    fn scope_without_openid_is_refused() {
        let err = RuntimeConfig::parse(r#"{"scope":"email"}"#)
            .unwrap()
            .resolve(&page())
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("scope"));
    }

    fn resolve_at(json: &str, origin: &str, base_path: &str) -> Result<PassportConfig, ConfigError> {
        RuntimeConfig::parse(json).unwrap().resolve(&PageLocation {
            origin: origin.into(),
            base_path: base_path.into(),
        })
    }

    /// Redirect URIs as integrators register them in Immutable Hub: the
    /// default `/redirect`, a nested `/auth/callback` (a common choice),
    /// deeper paths, a trailing slash, and all of these under a base path.
    #[test]
    fn the_callback_route_is_every_segment_of_the_redirect_uri_below_the_base() {
        let table: &[(&str, &str, &[&str])] = &[
            // (base path, redirect_uri path, route segments)
            ("/", "", &["redirect"]), // the default
            ("/", "/redirect", &["redirect"]),
            ("/", "/callback", &["callback"]),
            ("/", "/auth/callback", &["auth", "callback"]),
            ("/", "/a/b/c/", &["a", "b", "c"]),
            ("/", "/redirect/", &["redirect"]),
            ("/passport/", "", &["redirect"]),
            ("/passport/", "/passport/callback", &["callback"]),
            ("/passport/", "/passport/auth/callback", &["auth", "callback"]),
            ("/apps/passport/", "/apps/passport/a/b/c/", &["a", "b", "c"]),
        ];
        for &(base, path, segments) in table {
            let json = if path.is_empty() {
                "{}".to_owned()
            } else {
                format!(r#"{{"redirect_uri":"http://localhost:8080{path}"}}"#)
            };
            let config = resolve_at(&json, "http://localhost:8080", base)
                .unwrap_or_else(|e| panic!("{base} {path}: {e}"));
            let route = config.callback_route("http://localhost:8080", base);
            let expected: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
            assert_eq!(route, Some(expected), "{base} {path}");
        }
    }

    #[test]
    fn a_redirect_uri_the_app_cannot_serve_is_refused_naming_the_field_and_why() {
        let table: &[(&str, &str, &str)] = &[
            // (base path, redirect_uri, what the message says)
            ("/", "http://127.0.0.1:8080/redirect", "but this app runs on `http://localhost:8080`"),
            ("/", "https://localhost:8080/redirect", "but this app runs on"),
            ("/", "http://localhost:9999/redirect", "but this app runs on"),
            ("/", "https://game.example/redirect", "but this app runs on"),
            ("/passport/", "http://localhost:8080/redirect", "outside the app's base path `/passport/`"),
            ("/passport/", "http://localhost:8080/passportx/redirect", "outside the app's base path"),
            ("/", "http://localhost:8080/", "the app's home page"),
            ("/passport/", "http://localhost:8080/passport/", "the app's home page"),
        ];
        for &(base, uri, says) in table {
            let err = resolve_at(&format!(r#"{{"redirect_uri":"{uri}"}}"#), "http://localhost:8080", base)
                .unwrap_err();
            assert_eq!(err.field.as_deref(), Some("redirect_uri"), "{uri}");
            assert!(err.message.contains(says), "{uri}: {}", err.message);
            assert!(
                err.message.contains(&format!("http://localhost:8080{base}redirect")),
                "{uri}: the message shows a URL that works: {}",
                err.message
            );
        }
    }

    #[test]
    fn the_local_wallet_is_the_local_passports_tee_express() {
        let config = RuntimeConfig::default().resolve(&page()).unwrap();
        assert_eq!(
            config.tee_endpoint("v1/wallet/sign/message").as_str(),
            "http://127.0.0.1:8082/v1/wallet/sign/message"
        );
    }

    #[test]
    fn production_and_sandbox_wallets_are_magics_tee_express_with_immutables_keys() {
        for environment in ["sandbox", "production"] {
            let json = format!(r#"{{"environment":"{environment}","client_id":"c"}}"#);
            let config = RuntimeConfig::parse(&json)
                .unwrap()
                .resolve(&page())
                .unwrap();
            assert_eq!(
                config.magic_tee_url.as_str(),
                "https://tee.express.magiclabs.com/"
            );
            assert_eq!(config.magic_publishable_api_key, "pk_live_10F423798A540ED7");
            assert_eq!(
                config.magic_provider_id,
                "aa80b860-8869-4f13-9000-6a6ad3d20017"
            );
        }
        let err = RuntimeConfig::parse(r#"{"magic_provider_id":" "}"#)
            .unwrap()
            .resolve(&page())
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("magic_provider_id"));
        let err = RuntimeConfig::parse(r#"{"wallet_frame_url":"http://x.test/"}"#).unwrap_err();
        assert!(
            err.message.contains("unknown field"),
            "the frame is gone: {err}"
        );
    }
}
