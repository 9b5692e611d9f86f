//! What was answered with success survives a restart and a `kill -9`; the
//! command-line tools read the same data.

mod support;

use std::process::Command;

use support::*;

#[test]
fn accounts_keys_and_sessions_survive_a_restart() {
    let mut server = Server::process(&[]);
    let (email, tokens) = new_user(&server);
    let jwks_before = get(&server.url(".well-known/jwks.json"), None, None).json();
    let address_before = wallet_address(&server, &tokens);
    server.restart();
    let jwks_after = get(&server.url(".well-known/jwks.json"), None, None).json();
    assert_eq!(
        jwks_before, jwks_after,
        "the signing key is kept in the database"
    );
    // The same password signs in again, and the wallet is the same.
    let again = login(&server, "signin", &email, "correct horse battery");
    let address_after = wallet_address(&server, &again);
    assert_eq!(address_before, address_after);
}

#[test]
fn a_registration_answered_201_survives_kill_9() {
    let mut server = Server::process(&[]);
    let (email, tokens) = new_user(&server);
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
    server.kill9();
    server.restart();
    let accounts = get(
        &server.url(&format!("v1/users/{}", request.ether_key)),
        None,
        None,
    );
    assert_eq!(accounts.status, 200, "the registration is still there");
    let again = login(&server, "signin", &email, "correct horse battery");
    assert_eq!(
        claims(&again.id_token)["passport"]["imx_stark_address"],
        request.stark_key.as_str()
    );
    // No duplicate: registering again is a conflict.
    let request = prepare_registration(&server, &again);
    assert_eq!(register(&server, &again, &request).status, 409);
}

#[test]
fn wallet_keys_are_sealed_at_rest() {
    let server = Server::start(&[]);
    let (_, tokens) = new_user(&server);
    let _ = prepare_registration(&server, &tokens);
    let kek = std::fs::read_to_string(server.data_dir.join("kek.key")).unwrap();
    assert_eq!(
        kek.trim().len(),
        64,
        "a 32-byte key-encryption key beside the database"
    );
    let db = rusqlite::Connection::open(server.data_dir.join("local-passport.sqlite3")).unwrap();
    let sealed: Vec<u8> = db
        .query_row("SELECT sealed_key FROM wallets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        sealed.len(),
        12 + 32 + 16,
        "nonce, ciphertext and tag: not a bare 32-byte key"
    );
}

#[test]
fn users_command_lists_accounts_and_registration_state() {
    let mut server = Server::process(&[]);
    let (registered, tokens) = new_user(&server);
    let (unregistered, _) = new_user(&server);
    let request = prepare_registration(&server, &tokens);
    assert_eq!(register(&server, &tokens, &request).status, 201);
    server.kill9();
    let output = Command::new(env!("CARGO_BIN_EXE_local-passport"))
        .args(["users", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .unwrap();
    assert!(output.status.success());
    let users: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let find = |email: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()
            .clone()
    };
    assert_eq!(find(&registered)["registered"], true);
    assert_eq!(
        find(&registered)["imx"]["stark_key"],
        request.stark_key.as_str()
    );
    assert_eq!(find(&unregistered)["registered"], false);
}

/// A database made by migration 1 alone (the schema before account shapes),
/// holding an account with a wallet, is upgraded when the server opens it:
/// the account signs in with the same wallet, gets no `passport` claim, is
/// listed as `new`, and the upgraded database takes shaped accounts.
#[test]
fn a_database_at_migration_1_upgrades_and_its_account_still_signs_in_and_is_listed() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use local_passport::db::{self, migrations};

    let dir = temp_dir();
    let email = "before@example.test";
    let wallet = {
        let mut conn = rusqlite::Connection::open(dir.join("local-passport.sqlite3")).unwrap();
        migrations::migrate_to(&mut conn, 1).unwrap();
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let user = db::User {
            sub: "email|before".into(),
            email: email.into(),
            nickname: "before".into(),
            password_hash: argon2::Argon2::default()
                .hash_password(b"correct horse battery", &salt)
                .unwrap()
                .to_string(),
        };
        // As that version stored it: keyed on the confusable skeleton.
        insert_user_as_before_migration_3(&conn, &user);
        // Its wallet, sealed as the old TEE Express stored it.
        let kek = local_passport::kek::Kek::load_or_create(&dir).unwrap();
        let key = k256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let address = imx_crypto::address_of(key.verifying_key()).to_string();
        db::insert_wallet(
            &conn,
            &user.sub,
            &address,
            &kek.seal(&user.sub, &key.to_bytes()),
            1,
        )
        .unwrap();
        assert_eq!(migrations::version(&conn).unwrap(), 1);
        address
    };

    let server = Server::start_in(&dir, &[]);
    let tokens = login(&server, "signin", email, "correct horse battery");
    assert_eq!(claims(&tokens.id_token)["sub"], "email|before");
    assert!(claims(&tokens.id_token).get("passport").is_none());
    assert_eq!(wallet_address(&server, &tokens), wallet);
    let listed = users_list(&dir);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["email"], email);
    assert_eq!(listed[0]["shape"], "new");
    assert_eq!(listed[0]["wallet_address"], wallet.as_str());
    let conn = rusqlite::Connection::open(dir.join("local-passport.sqlite3")).unwrap();
    assert_eq!(migrations::version(&conn).unwrap(), migrations::LATEST);
    drop(conn);

    let made = users_add(
        &dir,
        "after@example.test",
        "correct horse battery",
        &["--shape", "zkevm"],
    )
    .unwrap();
    let after = login(
        &server,
        "signin",
        "after@example.test",
        "correct horse battery",
    );
    assert_eq!(claims(&after.id_token)["passport"], made["passport"]);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keys_command_prints_address_stark_key_and_signature() {
    // Hardhat's well-known development account 0.
    let output = Command::new(env!("CARGO_BIN_EXE_local-passport"))
        .args([
            "keys",
            "--eth-private-key",
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "--sign-hash",
            "0x2f0b4e1e",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let keys: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        keys["eth_address"],
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    );
    let stark_key = keys["stark_key"].as_str().unwrap();
    assert_eq!(stark_key.len(), 66);
    let key = imx_crypto::derive_stark_private_key(
        &k256::ecdsa::SigningKey::from_slice(
            &hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
                .unwrap(),
        )
        .unwrap(),
    );
    assert_eq!(stark_key, key.public_key().to_string());
    let signature: imx_crypto::StarkSignature =
        keys["stark_signature"].as_str().unwrap().parse().unwrap();
    assert!(imx_crypto::verify(
        &stark_key.parse().unwrap(),
        &"0x2f0b4e1e".parse().unwrap(),
        &signature
    ));

    let bad = Command::new(env!("CARGO_BIN_EXE_local-passport"))
        .args(["keys", "--eth-private-key", "1234"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("0x"));
}

#[test]
fn a_database_held_by_another_process_fails_the_request_loses_nothing_and_is_logged_once() {
    let server = Server::process(&[]);
    let (_, tokens) = new_user(&server);
    let refresh_token = tokens.refresh_token.clone().expect("a refresh token");
    // Another process takes the write lock and keeps it past the server's
    // busy timeout: the rotation cannot be written.
    let holder =
        rusqlite::Connection::open(server.data_dir.join("local-passport.sqlite3")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let failed = refresh(&server, &refresh_token);
    holder.execute_batch("ROLLBACK").unwrap();

    assert_eq!(failed.status, 500);
    let body = failed.json();
    assert_eq!(body["error"], "server_error");
    // The cause is the operator's, not the client's.
    assert!(
        !failed.body.contains("database") && !failed.body.contains("locked"),
        "the cause was sent: {}",
        failed.body
    );
    let log = server.log();
    assert_eq!(
        log.matches("database is locked").count(),
        1,
        "the cause is logged exactly once: {log}"
    );
    assert!(
        !log.contains(&refresh_token),
        "the log holds the refresh token"
    );
    // The failed rotation changed nothing: the same token still refreshes.
    assert_eq!(refresh(&server, &refresh_token).status, 200);
}

/// Inserts a user as schema versions 1 and 2 did: `email_key` was the
/// address's confusable skeleton, and there was no `skeleton` column.
fn insert_user_as_before_migration_3(conn: &rusqlite::Connection, user: &local_passport::db::User) {
    conn.execute(
        "INSERT INTO users (sub, email, nickname, password_hash, created_at, email_key)
         VALUES (?1, ?2, ?3, ?4, 1, ?5)",
        rusqlite::params![
            user.sub,
            user.email,
            user.nickname,
            user.password_hash,
            local_passport::db::email_skeleton(&user.email)
        ],
    )
    .unwrap();
}

/// Accounts made before migration 3 (keyed on the skeleton) sign in after it
/// under every spelling that is the same address, and only under those.
#[test]
fn accounts_keyed_on_the_skeleton_before_migration_3_still_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use local_passport::db::{self, migrations};

    let dir = temp_dir();
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
    // Addresses whose skeleton differs from their folded form (m, 1, 0, I).
    let emails = [
        "Mallory01@Example.test",
        "\u{00C9}mile@example.test",
        "bi11@exam.test",
    ];
    {
        let mut conn = rusqlite::Connection::open(dir.join("local-passport.sqlite3")).unwrap();
        migrations::migrate_to(&mut conn, 2).unwrap();
        for (n, email) in emails.iter().enumerate() {
            let user = db::User {
                sub: format!("email|old{n}"),
                email: (*email).into(),
                nickname: "old".into(),
                password_hash: hash.clone(),
            };
            insert_user_as_before_migration_3(&conn, &user);
        }
    }
    let server = Server::start_in(&dir, &[]);
    for (n, spelling) in [
        "mallory01@example.test",
        "MALLORY01@EXAMPLE.TEST",
        "\u{00E9}mile@example.test",
        "E\u{0301}MILE@example.test",
        "bi11@exam.test",
    ]
    .iter()
    .enumerate()
    {
        let tokens = login(&server, "signin", spelling, "correct horse battery");
        let expected = match n {
            0 | 1 => "email|old0",
            2 | 3 => "email|old1",
            _ => "email|old2",
        };
        assert_eq!(claims(&tokens.id_token)["sub"], expected, "{spelling}");
    }
    // Another real address that only looks the same is no longer the account.
    let reply = submit_form(
        &server,
        &authorize_params(&pkce(), "s", "n"),
        "signin",
        "bill@exam.test",
        "correct horse battery",
    );
    assert_eq!(reply.status, 400);
    let conn = rusqlite::Connection::open(dir.join("local-passport.sqlite3")).unwrap();
    assert_eq!(migrations::version(&conn).unwrap(), migrations::LATEST);
    drop(conn);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
