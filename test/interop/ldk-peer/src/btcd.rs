//! The peer's whole view of Bitcoin: btcd's JSON-RPC over plain HTTP (`--notls`). It is the block
//! source lightning-block-sync's SPV client polls, the transaction broadcaster, and a fee estimator
//! with fixed regtest rates.
//!
//! Why not lightning-block-sync's own `RpcClient`: btcd v0.26 answers a request without a
//! `"jsonrpc"` member with an empty 200 body (the RpcClient sends none), and btcd's verbose
//! `getblockheader` has no `chainwork` (nor does btcd have `estimatesmartfee` or
//! `getmempoolentry`). So this module speaks JSON-RPC 1.0 itself (one HTTP/1.0 request per call)
//! and builds each header's chainwork: on regtest every block has the same compact target (no
//! retargeting), so the chainwork at height h is (h + 1) × the work of one block.
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bitcoin::block::{Header, Version};
use bitcoin::consensus::encode;
use bitcoin::hashes::hex::FromHex;
use bitcoin::hashes::Hash;
use bitcoin::{Block, BlockHash, CompactTarget, Target, Transaction, TxMerkleNode};
use lightning::chain::chaininterface::{BroadcasterInterface, ConfirmationTarget, FeeEstimator};
use lightning_block_sync::{AsyncBlockSourceResult, BlockData, BlockHeaderData, BlockSource, BlockSourceError};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::log::Log;

/// A JSON-RPC 1.0 client for btcd: one short HTTP/1.0 connection per call (no chunked bodies).
pub struct Rpc {
	host: String,
	port: u16,
	authorization: String,
	next_id: AtomicU64,
}

impl Rpc {
	pub async fn call(&self, method: &str, params: &[Value]) -> std::io::Result<Value> {
		let id = self.next_id.fetch_add(1, Ordering::Relaxed);
		let body = json!({ "jsonrpc": "1.0", "id": id, "method": method, "params": params }).to_string();
		let request = format!(
			"POST / HTTP/1.0\r\nHost: {}:{}\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
			self.host, self.port, self.authorization, body.len(), body
		);
		let exchange = async {
			let mut stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
			stream.write_all(request.as_bytes()).await?;
			let mut response = Vec::new();
			stream.read_to_end(&mut response).await?;
			Ok::<Vec<u8>, std::io::Error>(response)
		};
		let response = tokio::time::timeout(Duration::from_secs(30), exchange)
			.await
			.map_err(|_| invalid(format!("btcd {method}: no answer within 30 s")))??;
		let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| invalid(format!("btcd {method}: no HTTP header")))?;
		let status_line = String::from_utf8_lossy(&response[..response.iter().position(|b| *b == b'\r').unwrap_or(split)]).to_string();
		let body = &response[split + 4..];
		let parsed: Value = serde_json::from_slice(body)
			.map_err(|_| invalid(format!("btcd {method}: {status_line}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]))))?;
		if !parsed["error"].is_null() {
			let message = parsed["error"]["message"].as_str().unwrap_or("error").to_string();
			return Err(std::io::Error::new(std::io::ErrorKind::Other, format!("btcd {method}: {message} ({})", parsed["error"]["code"])));
		}
		Ok(parsed["result"].clone())
	}
}

fn invalid(message: String) -> std::io::Error {
	std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

pub struct Btcd {
	rpc: Arc<Rpc>,
	runtime: tokio::runtime::Handle,
	log: Arc<Log>,
}

impl Btcd {
	pub fn new(host: &str, port: u16, user: &str, pass: &str, runtime: tokio::runtime::Handle, log: Arc<Log>) -> Self {
		let authorization = base64(format!("{}:{}", user, pass).as_bytes());
		let rpc = Arc::new(Rpc { host: host.to_string(), port, authorization, next_id: AtomicU64::new(1) });
		Self { rpc, runtime, log }
	}

	pub async fn call(&self, method: &str, params: &[Value]) -> std::io::Result<Value> {
		self.rpc.call(method, params).await
	}

	/// Checks that btcd serves regtest, the only chain the fixed fee rates and chainwork rule fit.
	pub async fn check_regtest(&self) -> Result<(), String> {
		let info = self.call("getblockchaininfo", &[]).await.map_err(|e| e.to_string())?;
		match info["chain"].as_str() {
			Some("regtest") => Ok(()),
			other => Err(format!("btcd serves {:?}, not regtest", other)),
		}
	}
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value, BlockSourceError> {
	value.get(name).ok_or_else(|| BlockSourceError::persistent(format!("getblockheader without {name}")))
}

/// A verbose `getblockheader` answer as LDK's header data, with the regtest chainwork.
fn header_data(value: &Value) -> Result<BlockHeaderData, BlockSourceError> {
	let bad = |what: &str| BlockSourceError::persistent(format!("getblockheader: bad {what}"));
	let height = field(value, "height")?.as_u64().ok_or_else(|| bad("height"))?;
	let bits = field(value, "bits")?.as_str().and_then(|b| <[u8; 4]>::from_hex(b).ok()).ok_or_else(|| bad("bits"))?;
	let bits = CompactTarget::from_consensus(u32::from_be_bytes(bits));
	let prev_blockhash = match value.get("previousblockhash").and_then(Value::as_str) {
		Some(hash) => hash.parse::<BlockHash>().map_err(|_| bad("previousblockhash"))?,
		None => BlockHash::from_byte_array([0; 32]),
	};
	let header = Header {
		version: Version::from_consensus(field(value, "version")?.as_i64().ok_or_else(|| bad("version"))? as i32),
		prev_blockhash,
		merkle_root: field(value, "merkleroot")?.as_str().and_then(|m| m.parse::<TxMerkleNode>().ok()).ok_or_else(|| bad("merkleroot"))?,
		time: field(value, "time")?.as_u64().ok_or_else(|| bad("time"))? as u32,
		bits,
		nonce: field(value, "nonce")?.as_u64().ok_or_else(|| bad("nonce"))? as u32,
	};
	if let Some(hash) = value.get("hash").and_then(Value::as_str) {
		if hash.parse::<BlockHash>().ok() != Some(header.block_hash()) {
			return Err(BlockSourceError::persistent("getblockheader: fields do not hash to the block hash"));
		}
	}
	let work = Target::from_compact(bits).to_work().to_be_bytes();
	// Regtest work per block is 2; anything that does not fit 128 bits is not regtest.
	if work[..16].iter().any(|b| *b != 0) {
		return Err(BlockSourceError::persistent("block work above 2^128: not a regtest chain"));
	}
	let per_block = u128::from_be_bytes(work[16..].try_into().expect("16 bytes"));
	let mut chainwork = [0u8; 32];
	chainwork[16..].copy_from_slice(&(per_block * (u128::from(height) + 1)).to_be_bytes());
	Ok(BlockHeaderData { header, height: height as u32, chainwork: bitcoin::Work::from_be_bytes(chainwork) })
}

impl BlockSource for Btcd {
	fn get_header<'a>(&'a self, header_hash: &'a BlockHash, _height_hint: Option<u32>) -> AsyncBlockSourceResult<'a, BlockHeaderData> {
		Box::pin(async move {
			let value = self
				.call("getblockheader", &[json!(header_hash.to_string()), json!(true)])
				.await
				.map_err(BlockSourceError::transient)?;
			header_data(&value)
		})
	}

	fn get_block<'a>(&'a self, header_hash: &'a BlockHash) -> AsyncBlockSourceResult<'a, BlockData> {
		Box::pin(async move {
			let value = self
				.call("getblock", &[json!(header_hash.to_string()), json!(0)])
				.await
				.map_err(BlockSourceError::transient)?;
			let hex = value.as_str().ok_or_else(|| BlockSourceError::persistent("getblock did not answer hex"))?;
			let bytes = Vec::<u8>::from_hex(hex).map_err(|_| BlockSourceError::persistent("getblock: bad hex"))?;
			let block: Block = encode::deserialize(&bytes).map_err(|_| BlockSourceError::persistent("getblock: bad block"))?;
			Ok(BlockData::FullBlock(block))
		})
	}

	fn get_best_block<'a>(&'a self) -> AsyncBlockSourceResult<'a, (BlockHash, Option<u32>)> {
		Box::pin(async move {
			let info = self.call("getblockchaininfo", &[]).await.map_err(BlockSourceError::transient)?;
			let hash = info["bestblockhash"].as_str().and_then(|h| h.parse::<BlockHash>().ok());
			let hash = hash.ok_or_else(|| BlockSourceError::persistent("getblockchaininfo without bestblockhash"))?;
			Ok((hash, info["blocks"].as_u64().map(|h| h as u32)))
		})
	}
}

impl BroadcasterInterface for Btcd {
	fn broadcast_transactions(&self, txs: &[&Transaction]) {
		// In order, one after the other: a package (commitment, then its child) must arrive parent first.
		let txs: Vec<Transaction> = txs.iter().map(|tx| (*tx).clone()).collect();
		let rpc = Arc::clone(&self.rpc);
		let log = Arc::clone(&self.log);
		self.runtime.spawn(async move {
			for tx in txs {
				let txid = tx.compute_txid();
				match rpc.call("sendrawtransaction", &[json!(encode::serialize_hex(&tx))]).await {
					Ok(_) => log.line(&format!("broadcast {txid}")),
					Err(e) => log.line(&format!("broadcast {txid} refused: {e}")),
				}
			}
		});
	}
}

/// The commitment feerates a test set with the `set_channel_feerate` command (0: the fixed default).
pub static ANCHOR_CHANNEL_FEE: AtomicU32 = AtomicU32::new(0);
pub static NON_ANCHOR_CHANNEL_FEE: AtomicU32 = AtomicU32::new(0);

fn or_default(set: &AtomicU32, default: u32) -> u32 {
	match set.load(Ordering::Acquire) {
		0 => default,
		v => v,
	}
}

/// Fixed regtest rates in sat per 1000 weight units (253 is the floor every node accepts), except
/// the channels' commitment feerates, which a test may move (LDK then sends update_fee as funder
/// at its next timer tick).
pub struct RegtestFees;

impl FeeEstimator for RegtestFees {
	fn get_est_sat_per_1000_weight(&self, target: ConfirmationTarget) -> u32 {
		match target {
			ConfirmationTarget::MaximumFeeEstimate => 25_000,
			ConfirmationTarget::UrgentOnChainSweep => 5_000,
			ConfirmationTarget::MinAllowedAnchorChannelRemoteFee => 253,
			ConfirmationTarget::MinAllowedNonAnchorChannelRemoteFee => 253,
			ConfirmationTarget::AnchorChannelFee => or_default(&ANCHOR_CHANNEL_FEE, 1_000),
			ConfirmationTarget::NonAnchorChannelFee => or_default(&NON_ANCHOR_CHANNEL_FEE, 2_500),
			ConfirmationTarget::ChannelCloseMinimum => 253,
			ConfirmationTarget::OutputSpendingFee => 2_500,
		}
	}
}

/// RFC 4648 base64 with padding, for the RPC's basic authorization.
pub fn base64(input: &[u8]) -> String {
	const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	let mut out = String::with_capacity((input.len() + 2) / 3 * 4);
	for chunk in input.chunks(3) {
		let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
		let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
		for i in 0..4 {
			if i <= chunk.len() {
				out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
			} else {
				out.push('=');
			}
		}
	}
	out
}
