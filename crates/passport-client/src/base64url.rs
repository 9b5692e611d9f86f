//! Base64url without padding (RFC 4648 §5): the encoding of JWT segments, the
//! PKCE challenge and the origin carried in `state`.
//!
//! Hand-written because the general-purpose crate costs the bundle about 6 KB
//! for these two functions. Decoding is as strict as that crate's
//! `URL_SAFE_NO_PAD`: no padding, no other alphabet, no stray trailing bits,
//! so one token has exactly one spelling (the fuzz tests compare the two).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The input is not canonical unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64;

/// Encodes `bytes`.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |group, (i, &b)| group | u32::from(b) << (16 - 8 * i));
        // n bytes need n + 1 characters.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(group >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Decodes `text`.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, InvalidBase64> {
    let text = text.as_ref();
    if text.len() % 4 == 1 {
        return Err(InvalidBase64);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut group = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            group |= sextet(c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits after the last whole byte must be zero.
        if group & ((1 << (24 - 8 * bytes)) - 1) != 0 {
            return Err(InvalidBase64);
        }
        out.extend((0..bytes).map(|i| (group >> (16 - 8 * i)) as u8));
    }
    Ok(out)
}

fn sextet(c: u8) -> Result<u32, InvalidBase64> {
    let value = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return Err(InvalidBase64),
    };
    Ok(u32::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors_round_trip() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn padding_other_alphabets_and_stray_bits_are_refused() {
        for bad in [
            "Zg==", "Zm8=", "+/8", "Z", "Zm9vY", "Zh", "Zm9", "Zm 9v", "Zm9v\n",
        ] {
            assert_eq!(decode(bad), Err(InvalidBase64), "{bad:?}");
        }
    }
}
