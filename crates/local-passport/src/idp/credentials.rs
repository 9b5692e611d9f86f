//! The sign-up form's policy: which email addresses and passwords a new
//! account may have, and the one spelling an address is stored in.

use unicode_normalization::UnicodeNormalization;

/// Argon2 takes any length, but nobody types more; the cap bounds the work.
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

pub(crate) const TOO_LONG: &str = "This password is too long: use at most 1024 bytes.";

/// An email address as accounts store it: trimmed, and in NFC, so an
/// address typed with decomposed accents is the same account.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().nfc().collect()
}

/// Whether `email` (normalised) is an address a new account may have.
pub(crate) fn check_email(email: &str) -> Result<(), &'static str> {
    // One `@`; a local part of at most 64 bytes without leading, trailing or
    // doubled dots; a domain of dot-separated labels (letters, digits, hyphens
    // not at either end, any non-ASCII letter for internationalised names).
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            let dots_ok = |part: &str| {
                !part.is_empty()
                    && !part.starts_with('.')
                    && !part.ends_with('.')
                    && !part.contains("..")
            };
            let label_ok = |label: &str| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            };
            local.len() <= 64
                && dots_ok(local)
                && !domain.contains('@')
                && dots_ok(domain)
                && domain.split('.').all(label_ok)
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c));
    if valid {
        Ok(())
    } else {
        Err("Enter a valid email address, like name@example.com.")
    }
}

/// Invisible formatting characters (zero-width, bidirectional overrides, BOM,
/// soft hyphen): they make two different addresses look the same.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The most common passwords of 8 characters or more (from the published
/// breach-corpus top lists); compared without case.
const COMMON_PASSWORDS: [&str; 40] = [
    "password",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "password1",
    "iloveyou",
    "11111111",
    "00000000",
    "abc12345",
    "qwerty123",
    "1q2w3e4r",
    "password123",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "trustno1",
    "superman",
    "letmein1",
    "12341234",
    "87654321",
    "qwertyui",
    "asdfghjk",
    "zaq12wsx",
    "passw0rd",
    "starwars",
    "whatever",
    "1qaz2wsx",
    "michelle",
    "jennifer",
    "computer",
    "internet",
    "corvette",
    "mercedes",
    "123123123",
    "987654321",
    "qwerty12",
    "1234qwer",
];

/// The minimum policy for a new password: 8 characters or more (and at most
/// 1024 bytes), not only spaces, not one of the most common passwords.
pub(crate) fn check_new_password(password: &str) -> Result<(), &'static str> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(TOO_LONG);
    }
    if password.chars().count() < 8 {
        return Err("Choose a password of at least 8 characters.");
    }
    if password.trim().is_empty() {
        return Err("Choose a password that is not only spaces.");
    }
    if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        return Err(
            "This password is one of the most common ones and easy to guess. Choose another.",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_and_internationalised_addresses_are_valid() {
        for email in [
            "name@example.com",
            "first.last+tag@sub.example.co.uk",
            "josé@exämple.de",
            "a@b",
            "x-y@my-host.example",
        ] {
            assert_eq!(check_email(email), Ok(()), "{email}");
        }
    }

    #[test]
    fn malformed_or_deceptive_addresses_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        for email in [
            "",
            "name",
            "@example.com",
            "name@",
            "a@b@c",
            ".name@example.com",
            "name.@example.com",
            "na..me@example.com",
            "name@-example.com",
            "name@example-.com",
            "name@exa_mple.com",
            "na me@example.com",
            "name@exam\u{200B}ple.com",
            "name\u{202E}@example.com",
            long_local.as_str(),
            long_label.as_str(),
        ] {
            assert!(check_email(email).is_err(), "{email:?}");
        }
        assert!(check_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn an_address_is_trimmed_and_composed() {
        assert_eq!(
            normalise_email("  jose\u{0301}@example.com "),
            "jos\u{e9}@example.com"
        );
    }

    #[test]
    fn a_new_password_needs_eight_characters_not_all_spaces_and_not_common() {
        assert_eq!(check_new_password("correct horse battery"), Ok(()));
        assert_eq!(
            check_new_password("ünïcødé!"),
            Ok(()),
            "8 characters, more bytes"
        );
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("        ").is_err());
        assert!(
            check_new_password("Password1").is_err(),
            "common, whatever the case"
        );
        assert_eq!(check_new_password(&"x".repeat(1025)), Err(TOO_LONG));
        assert_eq!(check_new_password(&"x".repeat(1024)), Ok(()));
    }
}
