//! A one-key P2WPKH wallet for funding channels and receiving what channels pay back on chain.
//! It learns its coins from the blocks the SPV client connects (it is a `chain::Listen`), so it sees
//! only confirmed outputs; a reorg forgets coins above the fork (spends are not restored: tests that
//! reorg should not rely on this wallet's balance).
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use bitcoin::absolute::LockTime;
use bitcoin::block::Header;
use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{Address, Amount, CompressedPublicKey, Network, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use lightning::chain::{BestBlock, Listen};
use lightning::chain::transaction::TransactionData;

/// P2WPKH: one input spends 68 vbytes (272 weight), an output 31 vbytes, the rest 11 vbytes.
const INPUT_WEIGHT: u64 = 272;
const OUTPUT_WEIGHT: u64 = 124;
const BASE_WEIGHT: u64 = 44;
const DUST_SAT: u64 = 546;

#[derive(Clone)]
pub struct Coin {
	pub outpoint: OutPoint,
	pub txout: TxOut,
	pub height: u32,
}

pub struct Wallet {
	secret: SecretKey,
	pubkey: CompressedPublicKey,
	script: ScriptBuf,
	address: Address,
	coins: Mutex<HashMap<OutPoint, Coin>>,
	/// Coins promised to a funding transaction not yet seen spent.
	locked: Mutex<HashSet<OutPoint>>,
}

impl Wallet {
	/// The wallet key is sha256(seed ‖ "glasswing-ldk-peer wallet"), apart from LDK's keys.
	pub fn from_seed(seed: &[u8; 32]) -> Self {
		let mut preimage = seed.to_vec();
		preimage.extend_from_slice(b"glasswing-ldk-peer wallet");
		let secret = SecretKey::from_slice(&sha256::Hash::hash(&preimage).to_byte_array()).expect("a hash is a valid key");
		let secp = Secp256k1::signing_only();
		let pubkey = CompressedPublicKey(secret.public_key(&secp));
		let address = Address::p2wpkh(&pubkey, Network::Regtest);
		let script = address.script_pubkey();
		Self { secret, pubkey, script, address, coins: Mutex::new(HashMap::new()), locked: Mutex::new(HashSet::new()) }
	}

	pub fn address(&self) -> &Address {
		&self.address
	}

	pub fn script(&self) -> &ScriptBuf {
		&self.script
	}

	/// Confirmed sat, and sat of coins locked in funding transactions not yet confirmed.
	pub fn balance(&self) -> (u64, u64) {
		let coins = self.coins.lock().unwrap();
		let locked = self.locked.lock().unwrap();
		let mut free = 0;
		let mut held = 0;
		for coin in coins.values() {
			if locked.contains(&coin.outpoint) {
				held += coin.txout.value.to_sat();
			} else {
				free += coin.txout.value.to_sat();
			}
		}
		(free, held)
	}

	pub fn coins(&self) -> Vec<Coin> {
		self.coins.lock().unwrap().values().cloned().collect()
	}

	/// A signed transaction paying `value_sat` to `script` (first output), change back to the
	/// wallet, at `feerate_sat_per_kw`. Its inputs stay locked until a block spends them or
	/// `unlock` frees them.
	pub fn pay_to(&self, script: ScriptBuf, value_sat: u64, feerate_sat_per_kw: u64) -> Result<Transaction, String> {
		let coins = self.coins.lock().unwrap();
		let mut locked = self.locked.lock().unwrap();
		let mut available: Vec<&Coin> = coins.values().filter(|c| !locked.contains(&c.outpoint)).collect();
		// Largest first: fewest inputs.
		available.sort_by(|a, b| b.txout.value.cmp(&a.txout.value).then(a.outpoint.cmp(&b.outpoint)));
		let mut chosen: Vec<&Coin> = Vec::new();
		let mut total = 0u64;
		let fee_for = |inputs: u64, outputs: u64| (BASE_WEIGHT + inputs * INPUT_WEIGHT + outputs * OUTPUT_WEIGHT) * feerate_sat_per_kw / 1000;
		for coin in available {
			if total >= value_sat + fee_for(chosen.len() as u64, 2) {
				break;
			}
			total += coin.txout.value.to_sat();
			chosen.push(coin);
		}
		let fee_with_change = fee_for(chosen.len() as u64, 2);
		if chosen.is_empty() || total < value_sat + fee_for(chosen.len() as u64, 1) {
			return Err(format!("wallet has {} sat spendable, needs {} plus fee", total, value_sat));
		}
		let mut output = vec![TxOut { value: Amount::from_sat(value_sat), script_pubkey: script }];
		let change = total.saturating_sub(value_sat + fee_with_change);
		if change >= DUST_SAT {
			output.push(TxOut { value: Amount::from_sat(change), script_pubkey: self.script.clone() });
		}
		let input = chosen
			.iter()
			.map(|c| TxIn { previous_output: c.outpoint, script_sig: ScriptBuf::new(), sequence: Sequence::ENABLE_RBF_NO_LOCKTIME, witness: Witness::new() })
			.collect();
		let mut tx = Transaction { version: Version::TWO, lock_time: LockTime::ZERO, input, output };
		self.sign(&mut tx, &chosen)?;
		for coin in &chosen {
			locked.insert(coin.outpoint);
		}
		Ok(tx)
	}

	/// Frees the inputs of a funding transaction LDK discarded.
	pub fn unlock(&self, tx: &Transaction) {
		let mut locked = self.locked.lock().unwrap();
		for input in &tx.input {
			locked.remove(&input.previous_output);
		}
	}

	fn sign(&self, tx: &mut Transaction, coins: &[&Coin]) -> Result<(), String> {
		let secp = Secp256k1::signing_only();
		let mut witnesses = Vec::with_capacity(coins.len());
		{
			let mut cache = SighashCache::new(&*tx);
			for (i, coin) in coins.iter().enumerate() {
				let sighash = cache
					.p2wpkh_signature_hash(i, &coin.txout.script_pubkey, coin.txout.value, EcdsaSighashType::All)
					.map_err(|e| format!("sighash: {e}"))?;
				let signature = secp.sign_ecdsa(&Message::from_digest(sighash.to_byte_array()), &self.secret);
				let signature = bitcoin::ecdsa::Signature { signature, sighash_type: EcdsaSighashType::All };
				witnesses.push(Witness::p2wpkh(&signature, &self.pubkey.0));
			}
		}
		for (input, witness) in tx.input.iter_mut().zip(witnesses) {
			input.witness = witness;
		}
		Ok(())
	}
}

impl Listen for Wallet {
	fn filtered_block_connected(&self, _header: &Header, txdata: &TransactionData, height: u32) {
		let mut coins = self.coins.lock().unwrap();
		let mut locked = self.locked.lock().unwrap();
		for (_, tx) in txdata.iter() {
			for input in &tx.input {
				coins.remove(&input.previous_output);
				locked.remove(&input.previous_output);
			}
			let txid = tx.compute_txid();
			for (vout, out) in tx.output.iter().enumerate() {
				if out.script_pubkey == self.script {
					let outpoint = OutPoint { txid, vout: vout as u32 };
					coins.insert(outpoint, Coin { outpoint, txout: out.clone(), height });
				}
			}
		}
	}

	fn blocks_disconnected(&self, fork_point: BestBlock) {
		self.coins.lock().unwrap().retain(|_, c| c.height <= fork_point.height);
	}
}
