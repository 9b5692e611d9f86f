//! Account shapes: the kinds of Passport account real Passport has, told
//! apart by the ID token's `passport` claim (SDK 2.14: `PassportMetadata` in
//! `packages/auth/src/types.ts`, the passport SDK's `toUserImx`), and the
//! deterministic wallets that let the local Passport mint each of them.
//!
//! An account is made of parts: its wallet (the Ethereum key TEE Express
//! holds and signs with), a zkEVM part (`zkevm_eth_address`,
//! `zkevm_user_admin_address`) and an IMX registration (`imx_eth_address`,
//! `imx_stark_address`, `imx_user_admin_address`). Its claim is built from
//! the parts it has, and its shape is which of them those are.

use std::fmt;
use std::str::FromStr;

use imx_crypto::{address_of, derive_stark_private_key, keccak256, EthAddress};
use k256::ecdsa::SigningKey;
use rusqlite::{Connection, TransactionBehavior};

use crate::db::{self, Registration, User, ZkevmAccount};
use crate::jwt::{passport_claim_of, PassportClaim};
use crate::kek::Kek;

/// The kind of Passport account, by the `passport` claim its ID tokens carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// A new account: no `passport` claim.
    New,
    /// A zkEVM wallet, not registered with IMX: `zkevm_eth_address` and
    /// `zkevm_user_admin_address` (the common case today).
    Zkevm,
    /// A zkEVM wallet, registered with IMX: all five fields.
    ImxZkevm,
    /// Registered with IMX only: the three `imx_*` fields.
    Imx,
}

impl Shape {
    /// Every shape, in the order the sign-up form offers them.
    pub const ALL: [Shape; 4] = [Shape::New, Shape::Zkevm, Shape::ImxZkevm, Shape::Imx];

    /// The name the CLI, the form and the listings use.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::New => "new",
            Shape::Zkevm => "zkevm",
            Shape::ImxZkevm => "imx-zkevm",
            Shape::Imx => "imx",
        }
    }

    /// Whether accounts of this shape have a zkEVM part.
    pub fn has_zkevm(self) -> bool {
        matches!(self, Shape::Zkevm | Shape::ImxZkevm)
    }

    /// Whether accounts of this shape are registered with IMX.
    pub fn has_imx(self) -> bool {
        matches!(self, Shape::ImxZkevm | Shape::Imx)
    }

    /// The shape of an account with these parts.
    pub fn of(zkevm: bool, imx: bool) -> Shape {
        match (zkevm, imx) {
            (false, false) => Shape::New,
            (true, false) => Shape::Zkevm,
            (true, true) => Shape::ImxZkevm,
            (false, true) => Shape::Imx,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown account shape: use new, zkevm, imx-zkevm or imx")]
pub struct UnknownShape;

impl FromStr for Shape {
    type Err = UnknownShape;

    /// Exactly one of the names [`Shape::as_str`] gives.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Shape::ALL
            .into_iter()
            .find(|shape| shape.as_str() == s)
            .ok_or(UnknownShape)
    }
}

/// What a deterministic wallet key is derived from.
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// The account's email, through [`db::email_key`] (its normalised
    /// address, NFKC and case-folded): one key however the
    /// address is spelt, the same in every data directory.
    Email(&'a str),
    /// A seed string, as given (`users add --seed`).
    Seed(&'a str),
}

/// Domain strings: a key from an email and one from a seed never coincide,
/// nor do they with any other use of the hash.
const EMAIL_KEY_DOMAIN: &[u8] = b"local-passport wallet key from email v1\0";
const SEED_KEY_DOMAIN: &[u8] = b"local-passport wallet key from seed v1\0";

/// The deterministic Ethereum key of a source: Keccak-256 of the domain
/// string, the input (the email key or the seed, UTF-8) and a 4-byte
/// big-endian counter from 0, the first digest that is a valid secp256k1
/// scalar (counter 0 but for odds of about 2^-128).
///
/// Anyone who knows the email or seed can derive the key: these wallets are
/// for local development and tests, never for value.
pub fn wallet_key(source: KeySource<'_>) -> SigningKey {
    let (domain, input) = match source {
        KeySource::Email(email) => (EMAIL_KEY_DOMAIN, db::email_key(email)),
        KeySource::Seed(seed) => (SEED_KEY_DOMAIN, seed.to_owned()),
    };
    (0u32..)
        .find_map(|counter| {
            let digest = keccak256(&[domain, input.as_bytes(), &counter.to_be_bytes()].concat());
            SigningKey::from_slice(&digest).ok()
        })
        .expect("a valid scalar within 2^32 tries")
}

/// The zkEVM wallet address of an account whose wallet (its admin, the
/// `zkevm_user_admin_address`) is `admin`.
///
/// Real Passport's zkEVM wallet is a smart-contract wallet at a counterfactual
/// address (CREATE2 from Immutable's wallet factory, salted by the admin
/// address), deployed on first use. The local Passport has no chain and no
/// factory, so it stands in with an address derived from the admin's alone:
/// the last 20 bytes of Keccak-256("local-passport zkevm counterfactual
/// wallet:" ‖ admin's 20 bytes). Deterministic, distinct from the admin
/// address and from the IMX user admin address, and nobody holds its key.
pub fn zkevm_wallet_address(admin: &EthAddress) -> EthAddress {
    let hash = keccak256(
        &[
            b"local-passport zkevm counterfactual wallet:".as_slice(),
            admin.as_bytes(),
        ]
        .concat(),
    );
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&hash[12..]);
    EthAddress(bytes)
}

/// The zkEVM part of an account with this wallet key.
pub fn zkevm_part(key: &SigningKey) -> ZkevmAccount {
    let admin = address_of(key.verifying_key());
    ZkevmAccount {
        eth_address: zkevm_wallet_address(&admin).to_string(),
        user_admin_address: admin.to_string(),
    }
}

/// The IMX registration of an account with this wallet key, as registering
/// through the wallet would make it: the wallet's address, the Stark key
/// derived from the wallet's signature of the derivation message (as the
/// client derives it), and the user admin address the IMX API records.
pub fn imx_part(key: &SigningKey) -> Registration {
    let ether = address_of(key.verifying_key());
    Registration {
        ether_key: ether.to_string(),
        stark_key: derive_stark_private_key(key).public_key().to_string(),
        user_admin_address: crate::imx::user_admin_address(&ether),
    }
}

/// An account with its parts, as listed and as created.
pub struct Account {
    /// The user (no `Debug`: it holds the password hash).
    pub user: User,
    /// When it was created.
    pub created_at: i64,
    /// Its wallet's address, once it has a wallet.
    pub wallet_address: Option<String>,
    /// Its zkEVM part.
    pub zkevm: Option<ZkevmAccount>,
    /// Its IMX registration.
    pub imx: Option<Registration>,
}

impl Account {
    /// Its shape, by the parts it has.
    pub fn shape(&self) -> Shape {
        Shape::of(self.zkevm.is_some(), self.imx.is_some())
    }

    /// The `passport` claim its tokens carry (`None`: no claim).
    pub fn claim(&self) -> Option<PassportClaim> {
        passport_claim_of(self.zkevm.as_ref(), self.imx.as_ref())
    }

    /// What `users` prints of it: never the password hash or a key.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "sub": self.user.sub,
            "email": self.user.email,
            "nickname": self.user.nickname,
            "created_at": self.created_at,
            "shape": self.shape().as_str(),
            "wallet_address": self.wallet_address,
            "zkevm": self.zkevm,
            "registered": self.imx.is_some(),
            "imx": self.imx,
            "passport": self.claim(),
        })
    }
}

/// The `passport` claim of `sub`: its zkEVM part and its IMX registration.
pub fn passport_claim(conn: &Connection, sub: &str) -> rusqlite::Result<Option<PassportClaim>> {
    let zkevm = db::zkevm_of_user(conn, sub)?;
    let imx = db::registration_of_user(conn, sub)?;
    Ok(passport_claim_of(zkevm.as_ref(), imx.as_ref()))
}

/// Every account with its parts, oldest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Account>> {
    db::list_users(conn)?
        .into_iter()
        .map(|(user, created_at, imx)| {
            Ok(Account {
                wallet_address: db::wallet_of(conn, &user.sub)?.map(|(address, _)| address),
                zkevm: db::zkevm_of_user(conn, &user.sub)?,
                imx,
                created_at,
                user,
            })
        })
        .collect()
}

/// Why an account was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCreated {
    /// An account with this email (however spelt) exists.
    EmailTaken,
    /// The derived wallet is another account's (the same `--seed` twice).
    WalletTaken,
    /// The address looks like an account's in another script (a Cyrillic
    /// `аlice@` beside `alice@`).
    LookAlike,
    /// A part of the address mixes scripts.
    MixedScripts,
}

impl NotCreated {
    /// The message, for the sign-up form.
    pub fn message(self) -> &'static str {
        match self {
            NotCreated::EmailTaken => "An account with this email already exists. Sign in instead.",
            NotCreated::WalletTaken => "Another account already has this wallet: use another seed.",
            NotCreated::LookAlike => {
                "An account with an address that looks the same already exists. \
                 Check the address, or sign in instead."
            }
            NotCreated::MixedScripts => {
                "This address mixes letters of different scripts (like a Cyrillic а among \
                 Latin letters). Type it in one script."
            }
        }
    }
}

impl fmt::Display for NotCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for NotCreated {}

/// An account about to be created: its user and the parts its shape has,
/// derived (the Stark key among them) before any database lock is taken.
pub struct NewAccount {
    user: User,
    key: Option<SigningKey>,
    wallet_address: Option<String>,
    zkevm: Option<ZkevmAccount>,
    imx: Option<Registration>,
}

impl NewAccount {
    /// The parts of `user` as an account of `shape`.
    ///
    /// The wallet is derived from `wallet` when given, otherwise from the
    /// email when the shape has a part (the parts name the wallet, so TEE
    /// Express must sign with the key they name); a `new` account without
    /// `wallet` gets its wallet on first use of TEE Express, from a random
    /// key, as before shapes existed.
    pub fn derive(user: User, shape: Shape, wallet: Option<KeySource<'_>>) -> Self {
        let source = match wallet {
            Some(source) => Some(source),
            None if shape != Shape::New => Some(KeySource::Email(&user.email)),
            None => None,
        };
        let key = source.map(wallet_key);
        NewAccount {
            wallet_address: key
                .as_ref()
                .map(|key| address_of(key.verifying_key()).to_string()),
            zkevm: key.as_ref().filter(|_| shape.has_zkevm()).map(zkevm_part),
            imx: key.as_ref().filter(|_| shape.has_imx()).map(imx_part),
            key,
            user,
        }
    }

    /// Stores the account with all its parts, or nothing: one write
    /// transaction, which also keeps out a server or another `users add`
    /// writing at the same time. The wallet key is sealed under `kek` for the
    /// account, as TEE Express stores the keys it creates.
    pub fn store(
        self,
        conn: &mut Connection,
        kek: &Kek,
        now: i64,
    ) -> anyhow::Result<Result<Account, NotCreated>> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sub = &self.user.sub;
        // The look-alike check and the insert in one write transaction.
        if db::look_alike_account(&tx, &self.user.email)?.is_some() {
            return Ok(Err(NotCreated::LookAlike));
        }
        if !db::insert_user(&tx, &self.user, now)? {
            return Ok(Err(NotCreated::EmailTaken));
        }
        if db::mixes_scripts(&self.user.email) {
            return Ok(Err(NotCreated::MixedScripts));
        }
        if let (Some(key), Some(address)) = (&self.key, &self.wallet_address) {
            if db::wallet_address_taken(&tx, address)? {
                return Ok(Err(NotCreated::WalletTaken));
            }
            db::insert_wallet(&tx, sub, address, &kek.seal(sub, &key.to_bytes()), now)?;
        }
        if let Some(zkevm) = &self.zkevm {
            if !db::insert_zkevm_account(&tx, sub, zkevm, now)? {
                return Ok(Err(NotCreated::WalletTaken));
            }
        }
        if let Some(imx) = &self.imx {
            if !db::insert_registration(&tx, sub, imx, now)? {
                return Ok(Err(NotCreated::WalletTaken));
            }
        }
        tx.commit()?;
        Ok(Ok(Account {
            user: self.user,
            created_at: now,
            wallet_address: self.wallet_address,
            zkevm: self.zkevm,
            imx: self.imx,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(key: &SigningKey) -> String {
        address_of(key.verifying_key()).to_string()
    }

    #[test]
    fn shapes_parse_from_their_names_only() {
        for shape in Shape::ALL {
            assert_eq!(shape.as_str().parse::<Shape>(), Ok(shape));
            assert_eq!(Shape::of(shape.has_zkevm(), shape.has_imx()), shape);
        }
        for bad in ["", "IMX", "imx_zkevm", "zkevm ", "legacy"] {
            assert_eq!(bad.parse::<Shape>(), Err(UnknownShape), "{bad:?}");
        }
    }

    #[test]
    fn the_email_key_is_deterministic_and_the_same_however_the_email_is_spelt() {
        let key = wallet_key(KeySource::Email("alice@example.test"));
        assert_eq!(
            address(&key),
            address(&wallet_key(KeySource::Email("alice@example.test")))
        );
        assert_eq!(
            address(&key),
            address(&wallet_key(KeySource::Email("ALICE@Example.TEST"))),
            "one account however it is spelt, one wallet"
        );
    }

    #[test]
    fn the_derivation_is_pinned() {
        // The documented derivation, computed independently: Keccak-256 of
        // the domain, the email key and counter 0.
        let email_key = db::email_key("alice@example.test");
        let digest = keccak256(
            &[
                b"local-passport wallet key from email v1\0".as_slice(),
                email_key.as_bytes(),
                &[0, 0, 0, 0],
            ]
            .concat(),
        );
        let expected = SigningKey::from_slice(&digest).unwrap();
        let key = wallet_key(KeySource::Email("alice@example.test"));
        assert_eq!(key.to_bytes(), expected.to_bytes());
        // And the same address in every version: a change here moves every
        // developer's test accounts. It moved once, with schema migration 3,
        // when the email key became the normalised address instead of its
        // confusable skeleton (was 0x7fb990bba57c523eba6d9e439932206e9599f722);
        // wallets already stored kept their keys.
        assert_eq!(address(&key), PINNED_ALICE_ADDRESS);
    }

    const PINNED_ALICE_ADDRESS: &str = "0xc374c9bb1304a2ca7948047b7be8e2641dea6147";

    #[test]
    fn emails_get_distinct_keys() {
        let keys: std::collections::BTreeSet<String> = [
            "alice@example.test",
            "bob@example.test",
            "alice@example.org",
            "alice+1@example.test",
        ]
        .into_iter()
        .map(|email| address(&wallet_key(KeySource::Email(email))))
        .collect();
        assert_eq!(keys.len(), 4);
    }

    #[test]
    fn a_seed_overrides_the_email_and_is_deterministic() {
        let from_email = address(&wallet_key(KeySource::Email("alice@example.test")));
        let from_seed = address(&wallet_key(KeySource::Seed("alice@example.test")));
        assert_ne!(from_email, from_seed, "seed and email keys are apart");
        assert_eq!(
            from_seed,
            address(&wallet_key(KeySource::Seed("alice@example.test")))
        );
        assert_ne!(
            address(&wallet_key(KeySource::Seed("one"))),
            address(&wallet_key(KeySource::Seed("two")))
        );
        // A seed is taken as given: no case folding.
        assert_ne!(
            address(&wallet_key(KeySource::Seed("Seed"))),
            address(&wallet_key(KeySource::Seed("seed")))
        );
    }

    #[test]
    fn the_zkevm_and_imx_parts_name_the_wallet_and_differ_from_each_other() {
        let key = wallet_key(KeySource::Email("carol@example.test"));
        let eoa = address(&key);
        let zkevm = zkevm_part(&key);
        let imx = imx_part(&key);
        assert_eq!(zkevm.user_admin_address, eoa);
        assert_eq!(imx.ether_key, eoa);
        assert_ne!(zkevm.eth_address, eoa);
        assert_ne!(zkevm.eth_address, imx.user_admin_address);
        assert_ne!(imx.user_admin_address, eoa);
        assert_eq!(zkevm, zkevm_part(&key), "deterministic");
        let other = zkevm_part(&wallet_key(KeySource::Email("dave@example.test")));
        assert_ne!(zkevm.eth_address, other.eth_address);
    }

    /// The client derives the Stark key from the wallet's personal signature
    /// of the derivation message (its `s` seeds the key for the address):
    /// the claim's Stark key is that one.
    #[test]
    fn the_imx_stark_key_is_the_one_the_client_derives_from_the_wallet_signature() {
        let key = wallet_key(KeySource::Seed("stark"));
        let signature =
            imx_crypto::personal_sign(&key, imx_crypto::STARK_DERIVATION_MESSAGE.as_bytes());
        let client_side =
            imx_crypto::stark_private_key_from_seed(&signature.s, &address_of(key.verifying_key()));
        assert_eq!(
            imx_part(&key).stark_key,
            client_side.public_key().to_string()
        );
    }

    #[test]
    fn create_makes_every_part_of_a_shape_in_one_go() {
        let dir = std::env::temp_dir().join(format!(
            "local-passport-accounts-{}-{}",
            std::process::id(),
            crate::secrets::random_id()
        ));
        let mut conn = db::open(&dir).unwrap();
        let kek = Kek::load_or_create(&dir).unwrap();
        for (n, shape) in Shape::ALL.into_iter().enumerate() {
            let user = User {
                sub: format!("email|{n}"),
                email: format!("{shape}@example.test"),
                nickname: shape.to_string(),
                password_hash: "x".into(),
            };
            let account = NewAccount::derive(user.clone(), shape, None)
                .store(&mut conn, &kek, 1)
                .unwrap()
                .unwrap();
            assert_eq!(account.shape(), shape);
            let listed = list(&conn).unwrap();
            let listed = listed.iter().find(|a| a.user.sub == user.sub).unwrap();
            assert_eq!(listed.shape(), shape);
            assert_eq!(listed.claim(), account.claim());
            assert_eq!(passport_claim(&conn, &user.sub).unwrap(), account.claim());
            // A new account gets its wallet on first use, as before.
            assert_eq!(account.wallet_address.is_some(), shape != Shape::New);
            let again = NewAccount::derive(user.clone(), shape, None)
                .store(&mut conn, &kek, 1)
                .unwrap();
            assert!(matches!(again, Err(NotCreated::EmailTaken)));
        }
        // The same seed twice is one wallet: the second account is refused whole.
        let seeded = |sub: &str, email: &str| User {
            sub: sub.into(),
            email: email.into(),
            nickname: "s".into(),
            password_hash: "x".into(),
        };
        let first = seeded("email|s1", "s1@example.test");
        NewAccount::derive(first, Shape::Zkevm, Some(KeySource::Seed("s")))
            .store(&mut conn, &kek, 1)
            .unwrap()
            .unwrap();
        let second = seeded("email|s2", "s2@example.test");
        let refused = NewAccount::derive(second, Shape::Zkevm, Some(KeySource::Seed("s")))
            .store(&mut conn, &kek, 1)
            .unwrap();
        assert!(matches!(refused, Err(NotCreated::WalletTaken)));
        assert!(db::user_by_sub(&conn, "email|s2").unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
