//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second
//! factor of a sign-in. A code is accepted for the step before and after the server's (clock
//! drift) and only once: a code seen at sign-in cannot be replayed.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret, base32 (how authenticator apps take it).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads base32 (any case, spaces and padding ignored); None when it is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = ALPHABET.iter().position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The code for time step `step`.
pub fn code(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    binary % 10u32.pow(DIGITS)
}

/// The step `code` belongs to, when it is right for now (one step either side) and newer than
/// `last_used`; None otherwise.
pub fn verify(secret_base32: &str, code_text: &str, now_unix: i64, last_used: Option<i64>) -> Option<i64> {
    let secret = from_base32(secret_base32)?;
    let digits: String = code_text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let given: u32 = digits.parse().ok()?;
    let now = now_unix.div_euclid(STEP_SECONDS);
    (now - 1..=now + 1).find(|&step| last_used.is_none_or(|last| step > last) && code(&secret, step) == given)
}

/// What an authenticator app scans (as a QR code) or takes typed in.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (the 8-digit values, taken modulo 10^6).
    #[test]
    fn matches_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in
            [(59, 94287082u32), (1111111109, 7081804), (1111111111, 14050471), (1234567890, 89005924)]
        {
            assert_eq!(code(secret, time / STEP_SECONDS), expected % 1_000_000, "t = {time}");
        }
    }

    #[test]
    fn base32_round_trips_and_refuses_other_letters() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(from_base32(&base32(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("mzxw 6ytb oi=="), Some(b"foobar".to_vec()));
        assert_eq!(from_base32("MZ1W"), None);
    }

    #[test]
    fn a_code_is_good_for_one_step_either_side_and_only_once() {
        let secret = base32(b"12345678901234567890");
        let now = 1_111_111_111;
        let step = now / STEP_SECONDS;
        let current = format!("{:06}", code(b"12345678901234567890", step));
        assert_eq!(verify(&secret, &current, now, None), Some(step));
        assert_eq!(verify(&secret, &current, now + STEP_SECONDS, None), Some(step), "a step late");
        assert_eq!(verify(&secret, &current, now + 2 * STEP_SECONDS, None), None, "two steps late");
        assert_eq!(verify(&secret, &current, now, Some(step)), None, "replayed");
        assert_eq!(verify(&secret, "12345", now, None), None);
        assert_eq!(verify(&secret, "abcdef", now, None), None);
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(verify(&secret, &spaced, now, None), Some(step));
    }

    #[test]
    fn new_secrets_are_160_random_bits() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(from_base32(&a).map(|s| s.len()), Some(SECRET_BYTES));
        assert!(otpauth_uri("Rounds Demo Clinic", "nina@example.org", &a)
            .starts_with("otpauth://totp/Rounds%20Demo%20Clinic:nina%40example.org?secret="));
    }
}
