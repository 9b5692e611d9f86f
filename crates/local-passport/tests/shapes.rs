//! Account shapes: every kind of Passport account real Passport has
//! (`new`, `zkevm`, `imx-zkevm`, `imx`), made with `users add` or the
//! create-account form, and the `passport` claim, `/userinfo` and wallet each
//! one gets.

mod support;

use local_passport::accounts::{wallet_key, KeySource};
use serde_json::Value;
use support::*;

const PASSWORD: &str = "correct horse battery";

const ZKEVM: [&str; 2] = ["zkevm_eth_address", "zkevm_user_admin_address"];
const IMX: [&str; 3] = [
    "imx_eth_address",
    "imx_stark_address",
    "imx_user_admin_address",
];

/// Each shape and the fields of the `passport` claim it carries (none: no claim).
fn shapes() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("new", vec![]),
        ("zkevm", ZKEVM.to_vec()),
        ("imx-zkevm", [IMX.as_slice(), &ZKEVM].concat()),
        ("imx", IMX.to_vec()),
    ]
}

/// The fields of a `passport` claim, sorted; none when it is absent.
fn fields(passport: Option<&Value>) -> Vec<String> {
    let Some(passport) = passport else {
        return Vec::new();
    };
    let object = passport.as_object().expect("the claim is an object");
    assert!(!object.is_empty(), "an empty claim is left out, not sent");
    for (name, value) in object {
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("{name} is a string"));
        assert!(text.starts_with("0x"), "{name}: {text}");
    }
    let mut names: Vec<String> = object.keys().cloned().collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort();
    names
}

fn address_of(email: &str) -> String {
    imx_crypto::address_of(wallet_key(KeySource::Email(email)).verifying_key()).to_string()
}

/// The claim of the ID token, of `/userinfo` and (when given) the one
/// `users add` printed are the same, with exactly `expected` fields; the
/// wallet TEE Express signs with is the one the claim names, and the Stark
/// key the client derives from its signature is the claim's.
fn check_account(
    server: &Server,
    shape: &str,
    expected: &[&str],
    tokens: &Tokens,
    printed: Option<&Value>,
) -> Value {
    let id = claims(&tokens.id_token);
    let profile = userinfo(server, tokens);
    assert_eq!(
        fields(id.get("passport")),
        sorted(expected),
        "{shape}: ID token"
    );
    assert_eq!(
        fields(profile.get("passport")),
        sorted(expected),
        "{shape}: /userinfo"
    );
    let passport = id.get("passport").cloned().unwrap_or(Value::Null);
    assert_eq!(
        profile.get("passport").cloned().unwrap_or(Value::Null),
        passport
    );
    if let Some(printed) = printed {
        assert_eq!(
            printed["passport"], passport,
            "{shape}: as users add printed"
        );
    }

    let wallet = wallet_address(server, tokens);
    if expected.contains(&"zkevm_user_admin_address") {
        assert_eq!(
            passport["zkevm_user_admin_address"],
            wallet.as_str(),
            "{shape}"
        );
        assert_ne!(passport["zkevm_eth_address"], wallet.as_str(), "{shape}");
    }
    if expected.contains(&"imx_eth_address") {
        assert_eq!(passport["imx_eth_address"], wallet.as_str(), "{shape}");
        assert_ne!(
            passport["imx_user_admin_address"],
            wallet.as_str(),
            "{shape}"
        );
        // The client's own derivation, through the wallet's signature.
        let (_, _, stark_key) = wallet_keys(server, tokens);
        assert_eq!(passport["imx_stark_address"], stark_key.as_str(), "{shape}");
        let accounts = get(&server.url(&format!("v1/users/{wallet}")), None, None);
        assert_eq!(accounts.status, 200, "{shape}: {}", accounts.body);
        assert_eq!(accounts.json()["accounts"][0], stark_key.as_str());
        // Registered already: registering again is the usual conflict.
        let request = prepare_registration(server, tokens);
        assert_eq!(register(server, tokens, &request).status, 409, "{shape}");
    }
    if expected.len() == 5 {
        assert_eq!(
            passport["imx_eth_address"], passport["zkevm_user_admin_address"],
            "one wallet behind both parts"
        );
    }
    passport
}

#[test]
fn every_shape_made_with_users_add_while_the_server_runs_signs_in_with_exactly_its_claim() {
    let server = Server::start(&[]);
    let mut made = Vec::new();
    for (shape, expected) in shapes() {
        let email = format!("{shape}-{}@example.test", random_hex());
        made.push((shape, email.clone()));
        let printed = users_add(&server.data_dir, &email, PASSWORD, &["--shape", shape])
            .unwrap_or_else(|err| panic!("users add --shape {shape}: {err}"));
        assert_eq!(printed["shape"], shape);
        assert_eq!(printed["email"], email.as_str());
        assert!(printed["sub"].as_str().unwrap().starts_with("email|"));
        assert_eq!(printed["wallet_from"], "email");
        // The wallet is derived from the email, whatever the shape.
        assert_eq!(printed["wallet_address"], address_of(&email).as_str());

        let tokens = login(&server, "signin", &email, PASSWORD);
        assert_eq!(claims(&tokens.id_token)["sub"], printed["sub"]);
        check_account(&server, shape, &expected, &tokens, Some(&printed));
        assert_eq!(
            wallet_address(&server, &tokens),
            printed["wallet_address"].as_str().unwrap(),
            "{shape}: TEE Express holds the wallet users add made"
        );
    }
    let listed = users_list(&server.data_dir);
    for (shape, email) in made {
        let account = listed
            .iter()
            .find(|a| a["email"] == email.as_str())
            .unwrap_or_else(|| panic!("{shape} listed"));
        assert_eq!(account["shape"], shape);
        assert_eq!(account["registered"], shape.starts_with("imx"));
        assert_eq!(account["zkevm"].is_object(), shape.contains("zkevm"));
    }
}

#[test]
fn a_zkevm_account_registers_with_imx_and_then_carries_all_five_fields() {
    // Made before any server runs: the server finds the account and can
    // open its wallet (the key-encryption key users add created).
    let dir = temp_dir();
    let email = format!("zk-{}@example.test", random_hex());
    let printed = users_add(&dir, &email, PASSWORD, &["--shape", "zkevm"]).unwrap();
    let server = Server::start_in(&dir, &[]);
    let tokens = login(&server, "signin", &email, PASSWORD);
    let before = check_account(&server, "zkevm", &ZKEVM, &tokens, Some(&printed));

    let request = prepare_registration(&server, &tokens);
    assert_eq!(request.ether_key, before["zkevm_user_admin_address"]);
    let reply = register(&server, &tokens, &request);
    assert_eq!(reply.status, 201, "{}", reply.body);

    let refreshed = refresh(&server, tokens.refresh_token.as_deref().unwrap());
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let id = claims(refreshed.json()["id_token"].as_str().unwrap());
    let passport = &id["passport"];
    assert_eq!(
        fields(Some(passport)),
        sorted(&[IMX.as_slice(), &ZKEVM].concat())
    );
    for field in ZKEVM {
        assert_eq!(passport[field], before[field], "the zkEVM part is kept");
    }
    assert_eq!(passport["imx_eth_address"], request.ether_key.as_str());
    assert_eq!(passport["imx_stark_address"], request.stark_key.as_str());
    let profile = get(
        &server.url("userinfo"),
        None,
        Some(refreshed.json()["access_token"].as_str().unwrap()),
    )
    .json();
    assert_eq!(&profile["passport"], passport);

    // Registered through the wallet or made registered by users add: the
    // same claim for the same wallet.
    let listed = users_list(&dir);
    let account = listed
        .iter()
        .find(|a| a["email"] == email.as_str())
        .unwrap();
    assert_eq!(account["shape"], "imx-zkevm");
    assert_eq!(&account["passport"], passport);
    let other = temp_dir();
    let made = users_add(&other, &email, PASSWORD, &["--shape", "imx-zkevm"]).unwrap();
    assert_eq!(&made["passport"], passport);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn the_create_account_form_makes_each_shape() {
    let server = Server::start(&[]);
    for (shape, expected) in shapes() {
        let email = format!("form-{shape}-{}@example.test", random_hex());
        let pkce = pkce();
        let params = authorize_params(&pkce, "st", "n");
        let reply = submit_form_with(
            &server,
            &params,
            "signup",
            &email,
            PASSWORD,
            &[("shape", shape)],
        );
        assert_eq!(reply.status, 303, "{shape}: {}", reply.body);
        let code = reply.location_param("code").expect("a code");
        let exchanged = exchange_code(&server, &code, &pkce.verifier);
        assert_eq!(exchanged.status, 200, "{}", exchanged.body);
        let json = exchanged.json();
        let tokens = Tokens {
            access_token: json["access_token"].as_str().unwrap().to_owned(),
            id_token: json["id_token"].as_str().unwrap().to_owned(),
            refresh_token: json["refresh_token"].as_str().map(str::to_owned),
            cookie: String::new(),
        };
        let passport = check_account(&server, shape, &expected, &tokens, None);
        // A shape with parts has the wallet of its email; a new account's
        // wallet is made at random on first use, as before.
        let wallet = wallet_address(&server, &tokens);
        assert_eq!(wallet == address_of(&email), shape != "new", "{shape}");
        if shape != "new" {
            let named = passport
                .get("zkevm_user_admin_address")
                .or(passport.get("imx_eth_address"))
                .unwrap();
            assert_eq!(named, wallet.as_str());
        }
    }
    // Without the field (a form from before shapes), the account is new.
    let (_, tokens) = new_user(&server);
    assert!(claims(&tokens.id_token).get("passport").is_none());
}

#[test]
fn an_unknown_shape_is_refused_on_the_form_with_a_clear_message() {
    let server = Server::start(&[]);
    let email = format!("odd-{}@example.test", random_hex());
    for bad in ["legacy", "", "IMX", "imx_zkevm", "<b>zkevm</b>"] {
        let params = authorize_params(&pkce(), "st", "n");
        let reply = submit_form_with(
            &server,
            &params,
            "signup",
            &email,
            PASSWORD,
            &[("shape", bad)],
        );
        assert_eq!(reply.status, 400, "{bad:?}: {}", reply.body);
        assert!(reply.location.is_none(), "no code for {bad:?}");
        assert!(
            reply.body.contains(r#"id="form-error""#)
                && reply
                    .body
                    .contains("Unknown kind of account: choose one of those offered"),
            "{bad:?}: {}",
            reply.body
        );
        assert!(!reply.body.contains("<b>zkevm"), "the value is not echoed");
        // The form again, with its choice back at the default.
        assert!(reply.body.contains(r#"<option value="new" selected>"#));
        assert!(reply.body.contains(&email), "the email is kept");
    }
    assert!(
        users_list(&server.data_dir)
            .iter()
            .all(|a| a["email"] != email.as_str()),
        "no account was made"
    );
    // A refused shape is no failed sign-in: the same address signs up at once.
    let params = authorize_params(&pkce(), "st", "n");
    let reply = submit_form_with(
        &server,
        &params,
        "signup",
        &email,
        PASSWORD,
        &[("shape", "imx")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
}

#[test]
fn the_create_account_form_offers_the_shapes_as_a_local_only_control() {
    let server = Server::start(&[]);
    let mut params = authorize_params(&pkce(), "st", "n");
    let sign_in = get(&authorize_url(&server, &params), None, None);
    assert_eq!(sign_in.status, 200);
    assert!(
        !sign_in.body.contains(r#"name="shape""#),
        "the sign-in form has no shape"
    );
    params.push(("screen_hint".into(), "signup".into()));
    let sign_up = get(&authorize_url(&server, &params), None, None);
    assert_eq!(sign_up.status, 200);
    let body = &sign_up.body;
    assert!(body.contains(r#"<select id="shape" name="shape" aria-describedby="shape-note">"#));
    assert!(body.contains("Local Passport only: the kind of Passport account to create."));
    assert!(
        body.contains(r#"<option value="new" selected>"#),
        "new by default"
    );
    for shape in ["zkevm", "imx-zkevm", "imx"] {
        assert!(
            body.contains(&format!(r#"<option value="{shape}">"#)),
            "{shape}"
        );
    }

    // The sign-in form takes no shape: one sent along is ignored.
    let (email, _) = new_user(&server);
    let pkce = pkce();
    let params = authorize_params(&pkce, "st", "n");
    let reply = submit_form_with(
        &server,
        &params,
        "signin",
        &email,
        "correct horse battery",
        &[("shape", "bogus")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let code = reply.location_param("code").unwrap();
    let tokens = exchange_code(&server, &code, &pkce.verifier).json();
    assert!(claims(tokens["id_token"].as_str().unwrap())
        .get("passport")
        .is_none());
}

#[test]
fn users_add_refuses_what_the_create_account_form_refuses() {
    let dir = temp_dir();
    let taken = "taken@example.test";
    users_add(&dir, taken, PASSWORD, &[]).unwrap();
    let cases: [(&str, &str, &[&str], &str); 8] = [
        ("not-an-email", PASSWORD, &[], "valid email address"),
        ("short@example.test", "short", &[], "at least 8 characters"),
        ("common@example.test", "password123", &[], "most common"),
        ("blank@example.test", "          ", &[], "only spaces"),
        ("TAKEN@Example.test", PASSWORD, &[], "already exists"),
        (
            "shape@example.test",
            PASSWORD,
            &["--shape", "legacy"],
            "legacy",
        ),
        ("seed@example.test", PASSWORD, &["--seed", ""], "--seed"),
        (
            "taken@example.test",
            PASSWORD,
            &["--shape", "zkevm"],
            "already exists",
        ),
    ];
    for (email, password, extra, message) in cases {
        let err = users_add(&dir, email, password, extra)
            .expect_err(&format!("{email} {extra:?} is refused"));
        assert!(err.contains(message), "{email} {extra:?}: {err}");
    }
    // The same seed twice is one wallet: the second account is refused whole.
    users_add(
        &dir,
        "s1@example.test",
        PASSWORD,
        &["--seed", "s", "--shape", "zkevm"],
    )
    .unwrap();
    let err = users_add(&dir, "s2@example.test", PASSWORD, &["--seed", "s"]).unwrap_err();
    assert!(
        err.contains("Another account already has this wallet"),
        "{err}"
    );
    let mut emails: Vec<String> = users_list(&dir)
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_owned())
        .collect();
    emails.sort();
    assert_eq!(emails, ["s1@example.test", taken]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wallets_are_the_same_in_every_data_directory_and_a_seed_overrides_the_email() {
    let (one, two) = (temp_dir(), temp_dir());
    let email = "same@example.test";
    let a = users_add(&one, email, PASSWORD, &["--shape", "imx-zkevm"]).unwrap();
    let b = users_add(&two, email, PASSWORD, &["--shape", "imx-zkevm"]).unwrap();
    assert_ne!(a["sub"], b["sub"], "two accounts");
    assert_eq!(a["passport"], b["passport"], "one derivation");
    assert_eq!(a["wallet_address"], address_of(email).as_str());

    let seeded = users_add(
        &one,
        "seeded@example.test",
        PASSWORD,
        &["--seed", "fixture-1", "--shape", "zkevm"],
    )
    .unwrap();
    let again = users_add(
        &two,
        "other@example.test",
        PASSWORD,
        &["--seed", "fixture-1", "--shape", "zkevm"],
    )
    .unwrap();
    assert_eq!(seeded["wallet_from"], "seed");
    assert_eq!(
        seeded["passport"], again["passport"],
        "the seed decides, not the email"
    );
    assert_ne!(
        seeded["wallet_address"],
        address_of("seeded@example.test").as_str()
    );
    assert_ne!(seeded["wallet_address"], a["wallet_address"]);

    // `users` and `users list` list the same, with shapes and zkEVM addresses.
    let listed = users_list(&one);
    let list = users_cmd(&["list", "--data-dir", one.to_str().unwrap()]);
    assert!(list.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&list.stdout).unwrap(),
        Value::from(listed.clone())
    );
    let account = listed
        .iter()
        .find(|a| a["email"] == "seeded@example.test")
        .unwrap();
    assert_eq!(account["shape"], "zkevm");
    assert_eq!(
        account["zkevm"]["eth_address"],
        seeded["passport"]["zkevm_eth_address"]
    );
    assert_eq!(
        account["zkevm"]["user_admin_address"],
        seeded["wallet_address"]
    );
    assert_eq!(account["registered"], false);
    for dir in [one, two] {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
