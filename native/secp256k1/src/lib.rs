//! Glasswing's N-API binding over libsecp256k1 (through the `secp256k1-sys` crate's FFI).
//!
//! The calling convention is made for the JavaScript side (core/crypto/backend-libsecp.ts): every
//! input is a Uint8Array of the exact length that side has already checked, every output is written
//! into a Uint8Array that side allocated, and a failure libsecp256k1 reports (a point that does not
//! parse, a sum at infinity, a signature that does not verify) comes back as `false` or -1, never
//! as an exception. A wrong length is a programming error on our side and throws (no memory is
//! touched). Nothing here creates JavaScript objects, so nothing allocates external buffers (which
//! Electron's V8 sandbox forbids).
//!
//! One context, created on first use and randomized (as libsecp256k1 recommends, against side
//! channels) with the seed given to `contextRandomize`. Operations take it by shared reference;
//! only its creation mutates it.

use std::os::raw::{c_int, c_uchar, c_uint};
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValueType};
use napi::{sys, Error, Result, Status};
use napi_derive::napi;
use secp256k1_sys as ffi;
use secp256k1_sys::recovery as rec;

mod chacha;
mod host_openssl;

struct Ctx(NonNull<ffi::Context>);
// libsecp256k1 contexts are safe to share between threads for every operation except
// randomization and destruction; this one is randomized once, before it is shared, and never freed.
unsafe impl Send for Ctx {}
unsafe impl Sync for Ctx {}

static CONTEXT: OnceLock<Ctx> = OnceLock::new();

/// A Uint8Array argument, borrowed for the duration of the call (no copy, no napi reference).
/// napi's own `&[u8]` conversion does the work; the wrapper exists because `#[napi]` functions
/// cannot take slice references as arguments.
pub struct Bytes {
    ptr: *mut u8,
    len: usize,
}

impl Bytes {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }
    #[inline]
    fn as_ptr(&self) -> *const u8 {
        self.ptr
    }
    #[inline]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr
    }
    #[inline]
    fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
    #[inline]
    fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl TypeName for Bytes {
    fn type_name() -> &'static str {
        "Uint8Array"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl FromNapiValue for Bytes {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let slice = <&mut [u8] as FromNapiValue>::from_napi_value(env, value)?;
        Ok(Bytes { ptr: slice.as_mut_ptr(), len: slice.len() })
    }
}

fn create(seed: Option<*const u8>) -> Ctx {
    unsafe {
        let ctx = ffi::secp256k1_context_create(ffi::SECP256K1_START_SIGN | ffi::SECP256K1_START_VERIFY);
        if let Some(seed) = seed {
            ffi::secp256k1_context_randomize(ctx, seed);
        }
        Ctx(ctx)
    }
}

#[inline]
fn ctx() -> *const ffi::Context {
    CONTEXT.get_or_init(|| create(None)).0.as_ptr()
}

#[inline]
fn need(buf: &Bytes, len: usize, what: &str) -> Result<()> {
    if buf.len() == len {
        Ok(())
    } else {
        Err(Error::new(Status::InvalidArg, format!("{what}: expected {len} bytes, got {}", buf.len())))
    }
}

#[inline]
fn need_point(buf: &Bytes, what: &str) -> Result<()> {
    if buf.len() == 33 || buf.len() == 65 {
        Ok(())
    } else {
        Err(Error::new(Status::InvalidArg, format!("{what}: expected 33 or 65 bytes, got {}", buf.len())))
    }
}

/// Parses a SEC1 point (33 or 65 bytes); None if it is not on the curve.
#[inline]
fn parse(point: &Bytes) -> Option<ffi::PublicKey> {
    unsafe {
        let mut pk = ffi::PublicKey::new();
        if ffi::secp256k1_ec_pubkey_parse(ctx(), &mut pk, point.as_ptr(), point.len()) == 1 {
            Some(pk)
        } else {
            None
        }
    }
}

/// Writes the 33-byte compressed encoding of `pk` into `out`.
#[inline]
fn serialize(pk: &ffi::PublicKey, out: &mut Bytes) {
    unsafe {
        let mut len: usize = 33;
        ffi::secp256k1_ec_pubkey_serialize(ctx(), out.as_mut_ptr(), &mut len, pk, ffi::SECP256K1_SER_COMPRESSED as c_uint);
    }
}

/// The version of libsecp256k1 inside (for the backend's description).
#[napi]
pub fn library_version() -> String {
    "libsecp256k1 0.8.0 (secp256k1-sys 0.14.1)".to_string()
}

/// Creates the context randomized with `seed` (32 bytes). Returns false if the context already
/// existed (a second load in the same process: it keeps its first randomization).
#[napi]
pub fn context_randomize(seed: Bytes) -> Result<bool> {
    need(&seed, 32, "seed")?;
    let mut fresh = false;
    CONTEXT.get_or_init(|| {
        fresh = true;
        create(Some(seed.as_ptr()))
    });
    Ok(fresh)
}

#[napi]
pub fn is_point(point: Bytes) -> Result<bool> {
    need_point(&point, "point")?;
    Ok(parse(&point).is_some())
}

/// scalar·G into `out` (33 bytes); false if the scalar is zero or not below n.
#[napi]
pub fn point_from_scalar(scalar: Bytes, mut out: Bytes) -> Result<bool> {
    need(&scalar, 32, "scalar")?;
    need(&out, 33, "out")?;
    unsafe {
        let mut pk = ffi::PublicKey::new();
        if ffi::secp256k1_ec_pubkey_create(ctx(), &mut pk, scalar.as_ptr()) != 1 {
            return Ok(false);
        }
        serialize(&pk, &mut out);
    }
    Ok(true)
}

/// The BIP340 x-only key of scalar·G into `out` (32 bytes).
#[napi]
pub fn x_only_from_scalar(scalar: Bytes, mut out: Bytes) -> Result<bool> {
    need(&scalar, 32, "scalar")?;
    need(&out, 32, "out")?;
    unsafe {
        let mut pk = ffi::PublicKey::new();
        if ffi::secp256k1_ec_pubkey_create(ctx(), &mut pk, scalar.as_ptr()) != 1 {
            return Ok(false);
        }
        let mut full = [0u8; 33];
        let mut len: usize = 33;
        ffi::secp256k1_ec_pubkey_serialize(ctx(), full.as_mut_ptr(), &mut len, &pk, ffi::SECP256K1_SER_COMPRESSED as c_uint);
        ptr::copy_nonoverlapping(full.as_ptr().add(1), out.as_mut_ptr(), 32);
    }
    Ok(true)
}

/// scalar·P into `out`; false if P is not on the curve (or the scalar is out of range).
#[napi]
pub fn point_multiply(point: Bytes, scalar: Bytes, mut out: Bytes) -> Result<bool> {
    need_point(&point, "point")?;
    need(&scalar, 32, "scalar")?;
    need(&out, 33, "out")?;
    let Some(mut pk) = parse(&point) else { return Ok(false) };
    unsafe {
        if ffi::secp256k1_ec_pubkey_tweak_mul(ctx(), &mut pk, scalar.as_ptr()) != 1 {
            return Ok(false);
        }
    }
    serialize(&pk, &mut out);
    Ok(true)
}

/// a + b into `out`; false if either is not on the curve or the sum is the point at infinity.
#[napi]
pub fn point_add(a: Bytes, b: Bytes, mut out: Bytes) -> Result<bool> {
    need_point(&a, "a")?;
    need_point(&b, "b")?;
    need(&out, 33, "out")?;
    let (Some(pa), Some(pb)) = (parse(&a), parse(&b)) else { return Ok(false) };
    unsafe {
        let mut sum = ffi::PublicKey::new();
        let ins: [*const ffi::PublicKey; 2] = [&pa, &pb];
        if ffi::secp256k1_ec_pubkey_combine(ctx(), &mut sum, ins.as_ptr(), 2) != 1 {
            return Ok(false);
        }
        serialize(&sum, &mut out);
    }
    Ok(true)
}

/// P + tweak·G into `out`; false if P is not on the curve or the sum is the point at infinity.
#[napi]
pub fn point_add_scalar(point: Bytes, tweak: Bytes, mut out: Bytes) -> Result<bool> {
    need_point(&point, "point")?;
    need(&tweak, 32, "tweak")?;
    need(&out, 33, "out")?;
    let Some(mut pk) = parse(&point) else { return Ok(false) };
    unsafe {
        if ffi::secp256k1_ec_pubkey_tweak_add(ctx(), &mut pk, tweak.as_ptr()) != 1 {
            return Ok(false);
        }
    }
    serialize(&pk, &mut out);
    Ok(true)
}

/// ECDH with libsecp256k1's default hash, SHA-256(0x02 | (y & 1) || x) of scalar·P, which is BOLT 8's
/// ECDH exactly, into `out` (32 bytes); false if P is not on the curve.
#[napi]
pub fn ecdh(scalar: Bytes, point: Bytes, mut out: Bytes) -> Result<bool> {
    need(&scalar, 32, "scalar")?;
    need_point(&point, "point")?;
    need(&out, 32, "out")?;
    let Some(pk) = parse(&point) else { return Ok(false) };
    unsafe {
        let ok = ffi::secp256k1_ecdh(
            ctx(),
            out.as_mut_ptr(),
            &pk,
            scalar.as_ptr(),
            ffi::secp256k1_ecdh_hash_function_default,
            ptr::null_mut(),
        );
        Ok(ok == 1)
    }
}

/// RFC 6979 ECDSA (no extra data; libsecp256k1 returns the low-S form) of a 32-byte digest: the
/// compact r || s into `out` (64 bytes), and the recovery id returned (-1 for a bad scalar).
#[napi]
pub fn ecdsa_sign(digest: Bytes, scalar: Bytes, mut out: Bytes) -> Result<i32> {
    need(&digest, 32, "digest")?;
    need(&scalar, 32, "scalar")?;
    need(&out, 64, "out")?;
    unsafe {
        let mut sig = rec::RecoverableSignature::new();
        if rec::secp256k1_ecdsa_sign_recoverable(ctx(), &mut sig, digest.as_ptr(), scalar.as_ptr(), None, ptr::null()) != 1 {
            return Ok(-1);
        }
        let mut recid: c_int = 0;
        rec::secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx(), out.as_mut_ptr(), &mut recid, &sig);
        Ok(recid)
    }
}

/// ECDSA verification of a compact signature (libsecp256k1 accepts only low S); false also for r
/// or s not below n and for a key that does not parse.
#[napi]
pub fn ecdsa_verify(signature: Bytes, digest: Bytes, point: Bytes) -> Result<bool> {
    need(&signature, 64, "signature")?;
    need(&digest, 32, "digest")?;
    need_point(&point, "point")?;
    let Some(pk) = parse(&point) else { return Ok(false) };
    unsafe {
        let mut sig = ffi::Signature::new();
        if ffi::secp256k1_ecdsa_signature_parse_compact(ctx(), &mut sig, signature.as_ptr()) != 1 {
            return Ok(false);
        }
        Ok(ffi::secp256k1_ecdsa_verify(ctx(), &sig, digest.as_ptr(), &pk) == 1)
    }
}

/// SEC 1 public-key recovery into `out` (33 bytes); false if no key results.
#[napi]
pub fn ecdsa_recover(signature: Bytes, recovery_id: i32, digest: Bytes, mut out: Bytes) -> Result<bool> {
    need(&signature, 64, "signature")?;
    need(&digest, 32, "digest")?;
    need(&out, 33, "out")?;
    if !(0..=3).contains(&recovery_id) {
        return Err(Error::new(Status::InvalidArg, "recovery id: expected 0..3".to_string()));
    }
    unsafe {
        let mut sig = rec::RecoverableSignature::new();
        if rec::secp256k1_ecdsa_recoverable_signature_parse_compact(ctx(), &mut sig, signature.as_ptr(), recovery_id) != 1 {
            return Ok(false);
        }
        let mut pk = ffi::PublicKey::new();
        if rec::secp256k1_ecdsa_recover(ctx(), &mut pk, &sig, digest.as_ptr()) != 1 {
            return Ok(false);
        }
        serialize(&pk, &mut out);
    }
    Ok(true)
}

/// BIP340 signature of a 32-byte message with 32 bytes of auxiliary randomness into `out` (64 bytes).
#[napi]
pub fn schnorr_sign(message: Bytes, scalar: Bytes, aux: Bytes, mut out: Bytes) -> Result<bool> {
    need(&message, 32, "message")?;
    need(&scalar, 32, "scalar")?;
    need(&aux, 32, "aux")?;
    need(&out, 64, "out")?;
    unsafe {
        let mut keypair = ffi::Keypair::new();
        if ffi::secp256k1_keypair_create(ctx(), &mut keypair, scalar.as_ptr()) != 1 {
            return Ok(false);
        }
        let ok = ffi::secp256k1_schnorrsig_sign32(ctx(), out.as_mut_ptr() as *mut c_uchar, message.as_ptr(), &keypair, aux.as_ptr());
        keypair.non_secure_erase();
        Ok(ok == 1)
    }
}

/// BIP340 verification; false for a key off the curve, r >= p or s >= n.
#[napi]
pub fn schnorr_verify(signature: Bytes, message: Bytes, x_only: Bytes) -> Result<bool> {
    need(&signature, 64, "signature")?;
    need(&message, 32, "message")?;
    need(&x_only, 32, "x-only key")?;
    unsafe {
        let mut pk = ffi::XOnlyPublicKey::new();
        if ffi::secp256k1_xonly_pubkey_parse(ctx(), &mut pk, x_only.as_ptr()) != 1 {
            return Ok(false);
        }
        Ok(ffi::secp256k1_schnorrsig_verify(ctx(), signature.as_ptr(), message.as_ptr(), 32, &pk) == 1)
    }
}
