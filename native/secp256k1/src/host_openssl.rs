//! ChaCha20-Poly1305 (RFC 8439 §2.8) from the OpenSSL already in the process. Node links OpenSSL 3
//! into its binary and exports its symbols for addons; node:crypto calls the same code, but builds
//! a JavaScript cipher object and an OpenSSL context for every call (3–4 µs here). This keeps one
//! context per thread and sets only the key and nonce per call (`EVP_CipherInit_ex2`), so a 64 KiB
//! message costs what OpenSSL's assembly costs, and a 2-byte BOLT 8 length prefix almost nothing.
//!
//! The symbols are looked up at run time (dlsym), never linked: where they are missing (Electron's
//! BoringSSL has another API, Windows has no dlsym here), `host_cipher_version` answers null and
//! the JavaScript side uses ring's AEAD (chacha.rs) and node:crypto instead.

use std::cell::Cell;
use std::ffi::{c_void, CStr};
use std::os::raw::{c_char, c_int, c_uchar};
use std::sync::OnceLock;

use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::{need, Bytes};

type Ctx = c_void;
type Cipher = c_void;

const EVP_CTRL_AEAD_GET_TAG: c_int = 0x10;
const EVP_CTRL_AEAD_SET_TAG: c_int = 0x11;
const OPENSSL_VERSION: c_int = 0;

struct Api {
    ctx_new: unsafe extern "C" fn() -> *mut Ctx,
    init: unsafe extern "C" fn(*mut Ctx, *const Cipher, *const c_uchar, *const c_uchar, c_int, *const c_void) -> c_int,
    update: unsafe extern "C" fn(*mut Ctx, *mut c_uchar, *mut c_int, *const c_uchar, c_int) -> c_int,
    finish: unsafe extern "C" fn(*mut Ctx, *mut c_uchar, *mut c_int) -> c_int,
    ctrl: unsafe extern "C" fn(*mut Ctx, c_int, c_int, *mut c_void) -> c_int,
    cipher: usize,
    version: String,
}

static API: OnceLock<Option<Api>> = OnceLock::new();

#[cfg(unix)]
fn symbol(name: &CStr) -> Option<*mut c_void> {
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    if p.is_null() {
        None
    } else {
        Some(p)
    }
}

#[cfg(not(unix))]
fn symbol(_name: &CStr) -> Option<*mut c_void> {
    None
}

fn find() -> Option<Api> {
    unsafe {
        let fetch: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> *const Cipher =
            std::mem::transmute(symbol(c"EVP_CIPHER_fetch")?);
        let version: unsafe extern "C" fn(c_int) -> *const c_char = std::mem::transmute(symbol(c"OpenSSL_version")?);
        let api = Api {
            ctx_new: std::mem::transmute(symbol(c"EVP_CIPHER_CTX_new")?),
            init: std::mem::transmute(symbol(c"EVP_CipherInit_ex2")?),
            update: std::mem::transmute(symbol(c"EVP_CipherUpdate")?),
            finish: std::mem::transmute(symbol(c"EVP_CipherFinal_ex")?),
            ctrl: std::mem::transmute(symbol(c"EVP_CIPHER_CTX_ctrl")?),
            cipher: 0,
            version: String::new(),
        };
        // Fetched once and kept for the life of the process (never freed).
        let cipher = fetch(std::ptr::null_mut(), c"ChaCha20-Poly1305".as_ptr(), std::ptr::null());
        if cipher.is_null() {
            return None;
        }
        let text = version(OPENSSL_VERSION);
        let name = if text.is_null() { "OpenSSL".to_string() } else { CStr::from_ptr(text).to_string_lossy().into_owned() };
        Some(Api { cipher: cipher as usize, version: name, ..api })
    }
}

fn api() -> Option<&'static Api> {
    API.get_or_init(find).as_ref()
}

thread_local! {
    /// This thread's context, made on first use and reused by every call (never freed: one per thread).
    static CONTEXT: Cell<*mut Ctx> = const { Cell::new(std::ptr::null_mut()) };
}

fn context(api: &Api) -> Result<*mut Ctx> {
    CONTEXT.with(|c| {
        if c.get().is_null() {
            let ctx = unsafe { (api.ctx_new)() };
            if ctx.is_null() {
                return Err(Error::new(Status::GenericFailure, "OpenSSL: no cipher context".to_string()));
            }
            c.set(ctx);
        }
        Ok(c.get())
    })
}

fn unavailable() -> Error {
    Error::new(Status::GenericFailure, "the host's OpenSSL ChaCha20-Poly1305 is not available".to_string())
}

fn too_long() -> Error {
    Error::new(Status::InvalidArg, "input too long for one OpenSSL call".to_string())
}

/// What serves `host_aead_seal` / `host_aead_open` (e.g. "OpenSSL 3.0.19 27 Jan 2026"), or None
/// where the process has no usable OpenSSL 3.
#[napi]
pub fn host_cipher_version() -> Option<String> {
    api().map(|a| a.version.clone())
}

/// Runs one AEAD call on this thread's context: key and nonce set, `ad` authenticated, `input`
/// enciphered into `out` (the same length; the JavaScript side never passes arrays that overlap).
/// OpenSSL's answer to its last step.
unsafe fn run(api: &Api, encrypt: bool, key: &Bytes, nonce: &Bytes, ad: &Bytes, input: &Bytes, out: &mut Bytes, tag: *mut c_uchar) -> Result<bool> {
    let len = c_int::try_from(out.len()).map_err(|_| too_long())?;
    let ad_len = c_int::try_from(ad.len()).map_err(|_| too_long())?;
    let ctx = context(api)?;
    let mut n: c_int = 0;
    let fail = || Error::new(Status::GenericFailure, "OpenSSL refused a ChaCha20-Poly1305 step".to_string());
    if (api.init)(ctx, api.cipher as *const Cipher, key.as_ptr(), nonce.as_ptr(), c_int::from(encrypt), std::ptr::null()) != 1 {
        return Err(fail());
    }
    if ad_len > 0 && (api.update)(ctx, std::ptr::null_mut(), &mut n, ad.as_ptr(), ad_len) != 1 {
        return Err(fail());
    }
    if len > 0 && (api.update)(ctx, out.as_mut_ptr(), &mut n, input.as_ptr(), len) != 1 {
        return Err(fail());
    }
    if !encrypt && (api.ctrl)(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag as *mut c_void) != 1 {
        return Err(fail());
    }
    // ChaCha20-Poly1305 writes nothing at the end; decrypting, this is where the tag is checked.
    let mut tail = [0u8; 16];
    let ok = (api.finish)(ctx, tail.as_mut_ptr(), &mut n) == 1;
    if encrypt {
        if !ok || (api.ctrl)(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag as *mut c_void) != 1 {
            return Err(fail());
        }
    }
    Ok(ok)
}

/// As `aead_seal` (chacha.rs), by the host's OpenSSL.
#[napi]
pub fn host_aead_seal(key: Bytes, nonce: Bytes, ad: Bytes, plaintext: Bytes, mut out: Bytes, mut tag: Bytes) -> Result<bool> {
    let api = api().ok_or_else(unavailable)?;
    need(&key, 32, "key")?;
    need(&nonce, 12, "nonce")?;
    need(&out, plaintext.len(), "ciphertext out")?;
    need(&tag, 16, "tag out")?;
    unsafe { run(api, true, &key, &nonce, &ad, &plaintext, &mut out, tag.as_mut_ptr()) }
}

/// As `aead_open` (chacha.rs), by the host's OpenSSL: false, with `out` zeroed, for a wrong tag.
#[napi]
pub fn host_aead_open(key: Bytes, nonce: Bytes, ad: Bytes, ciphertext: Bytes, tag: Bytes, mut out: Bytes) -> Result<bool> {
    let api = api().ok_or_else(unavailable)?;
    need(&key, 32, "key")?;
    need(&nonce, 12, "nonce")?;
    need(&tag, 16, "tag")?;
    need(&out, ciphertext.len(), "plaintext out")?;
    // OpenSSL reads the expected tag through a mutable pointer; give it a copy.
    let mut expected = [0u8; 16];
    expected.copy_from_slice(tag.as_slice());
    unsafe {
        let ok = run(api, false, &key, &nonce, &ad, &ciphertext, &mut out, expected.as_mut_ptr())?;
        if !ok {
            out.as_mut_slice().fill(0);
        }
        Ok(ok)
    }
}
