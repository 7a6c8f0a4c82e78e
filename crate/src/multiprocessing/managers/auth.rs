//! CPython's connection authentication (`multiprocessing.connection.deliver_challenge` and
//! `answer_challenge`): one side sends a random challenge, the other answers with an HMAC
//! of it under the shared key, then the roles swap. The key itself never crosses.
//! CPython 3.11 uses HMAC-MD5; this is HMAC-SHA256, as CPython 3.12 moved to.

use crate::error::{PyErr, PyResult};
use crate::multiprocessing::Connection;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const CHALLENGE: &[u8] = b"#CHALLENGE#";
const WELCOME: &[u8] = b"#WELCOME#";
const FAILURE: &[u8] = b"#FAILURE#";
const MESSAGE_LENGTH: usize = 40;

/// `multiprocessing.AuthenticationError(message)`.
fn authentication_error(message: &str) -> PyErr {
    PyErr::Other { class: "multiprocessing.context.AuthenticationError".into(), message: message.into() }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length")
}

fn digest(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut m = mac(key);
    m.update(message);
    m.finalize().into_bytes().to_vec()
}

/// A random challenge: from the run's random stream mixed with the clock, so that two
/// connections never see the same one.
fn challenge() -> Vec<u8> {
    let mut out = Vec::with_capacity(MESSAGE_LENGTH);
    while out.len() < MESSAGE_LENGTH {
        let r = crate::hooks::random_u64() ^ crate::clock::now_ns().rotate_left(17);
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.truncate(MESSAGE_LENGTH);
    out
}

/// The server's side first: challenges the other end and welcomes it only if it proved
/// that it knows `key`.
pub(crate) fn deliver_challenge(c: &Connection, key: &[u8]) -> PyResult<()> {
    let message = challenge();
    c.send_bytes(&[CHALLENGE, &message].concat())?;
    let response = c.recv_bytes()?;
    let mut m = mac(key);
    m.update(&message);
    // A constant-time comparison, as CPython's `hmac.compare_digest`.
    if m.verify_slice(&response).is_ok() {
        c.send_bytes(WELCOME)
    } else {
        c.send_bytes(FAILURE)?;
        Err(authentication_error("digest received was wrong"))
    }
}

/// The other side: answers a challenge with its HMAC and learns whether it was accepted.
pub(crate) fn answer_challenge(c: &Connection, key: &[u8]) -> PyResult<()> {
    let message = c.recv_bytes()?;
    let Some(rest) = message.strip_prefix(CHALLENGE) else {
        return Err(PyErr::Other {
            class: "AssertionError".into(),
            message: format!("message = {:?}", String::from_utf8_lossy(&message)),
        });
    };
    c.send_bytes(&digest(key, rest))?;
    if c.recv_bytes()? != WELCOME {
        return Err(authentication_error("digest sent was rejected"));
    }
    Ok(())
}
