//! ChaCha20-Poly1305 (RFC 8439 §2.8) from `ring` (BoringSSL's assembly) and raw ChaCha20 (§2.4) from
//! RustCrypto's `chacha20`, without node:crypto's per-call cost: node:crypto builds a cipher object
//! and context for every call (3–4 µs here), which is all of the work for a BOLT 8 length prefix
//! (2 bytes) and most of it for an onion's streams. ring's AEAD serves where the process has no
//! OpenSSL to borrow (host_openssl.rs). The JavaScript side (core/crypto/backend-addon-ciphers.ts)
//! decides which inputs come here, checks every length first and allocates every output; the same
//! calling convention as the curve functions in lib.rs.
//!
//! Each call copies its input into `out` and then works in place there, so an output that overlaps
//! an input is not undefined behaviour (the JavaScript side never passes one).

use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20::ChaCha20;
use napi::{Error, Result, Status};
use napi_derive::napi;
use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, CHACHA20_POLY1305};

use crate::{need, Bytes};

const TAG: usize = 16;

fn invalid(what: &str) -> Error {
    Error::new(Status::InvalidArg, what.to_string())
}

/// Copies `input` into `out` (the same length, checked by the caller); memmove, so overlap is harmless.
#[inline]
fn copy_into(input: &Bytes, out: &mut Bytes) {
    unsafe { std::ptr::copy(input.as_ptr(), out.as_mut_ptr(), input.len()) }
}

/// ring's key for one call (ChaCha20-Poly1305 has no key schedule: this copies 32 bytes).
#[inline]
fn aead_key(key: &Bytes) -> Result<LessSafeKey> {
    need(key, 32, "key")?;
    UnboundKey::new(&CHACHA20_POLY1305, key.as_slice()).map(LessSafeKey::new).map_err(|_| invalid("key refused"))
}

#[inline]
fn aead_nonce(nonce: &Bytes) -> Result<Nonce> {
    need(nonce, 12, "nonce")?;
    Nonce::try_assume_unique_for_key(nonce.as_slice()).map_err(|_| invalid("nonce refused"))
}

/// AEAD seal: the ciphertext of `plaintext` into `out` (as long as `plaintext`) and its tag into
/// `tag` (16 bytes). Always true.
#[napi]
pub fn aead_seal(key: Bytes, nonce: Bytes, ad: Bytes, plaintext: Bytes, mut out: Bytes, mut tag: Bytes) -> Result<bool> {
    let sealing = aead_key(&key)?;
    let nonce = aead_nonce(&nonce)?;
    need(&out, plaintext.len(), "ciphertext out")?;
    need(&tag, TAG, "tag out")?;
    copy_into(&plaintext, &mut out);
    let sealed = sealing
        .seal_in_place_separate_tag(nonce, Aad::from(ad.as_slice()), out.as_mut_slice())
        .map_err(|_| invalid("plaintext too long for ChaCha20-Poly1305"))?;
    tag.as_mut_slice().copy_from_slice(sealed.as_ref());
    Ok(true)
}

/// AEAD open: checks `tag` over `ciphertext` (constant time) and writes the plaintext into `out`
/// (as long as `ciphertext`). False, with `out` zeroed, if the tag does not match.
#[napi]
pub fn aead_open(key: Bytes, nonce: Bytes, ad: Bytes, ciphertext: Bytes, tag: Bytes, mut out: Bytes) -> Result<bool> {
    let opening = aead_key(&key)?;
    let nonce = aead_nonce(&nonce)?;
    need(&tag, TAG, "tag")?;
    need(&out, ciphertext.len(), "plaintext out")?;
    let expected = Tag::try_from(tag.as_slice()).map_err(|_| invalid("tag refused"))?;
    copy_into(&ciphertext, &mut out);
    match opening.open_in_place_separate_tag(nonce, Aad::from(ad.as_slice()), expected, out.as_mut_slice(), 0..) {
        Ok(_) => Ok(true),
        Err(_) => {
            out.as_mut_slice().fill(0);
            Ok(false)
        }
    }
}

/// Raw ChaCha20: `data` XORed with the keystream from block `counter` into `out` (as long as
/// `data`). The caller has checked that counter + blocks(data) stays below 2^32.
#[napi]
pub fn chacha20_xor(key: Bytes, nonce: Bytes, counter: u32, data: Bytes, mut out: Bytes) -> Result<bool> {
    need(&key, 32, "key")?;
    need(&nonce, 12, "nonce")?;
    need(&out, data.len(), "out")?;
    copy_into(&data, &mut out);
    let mut cipher = ChaCha20::new(key.as_slice().into(), nonce.as_slice().into());
    cipher.try_seek(u64::from(counter) * 64).map_err(|_| invalid("ChaCha20 block counter out of range"))?;
    cipher.try_apply_keystream(out.as_mut_slice()).map_err(|_| invalid("ChaCha20 stream too long"))?;
    Ok(true)
}

/// The crates inside, AEAD then stream cipher, separated by ';' (for the backend's description).
#[napi]
pub fn cipher_version() -> String {
    "ring 0.17.14;RustCrypto chacha20 0.9.1".to_string()
}
