//! Every LDK `Event` becomes one JSON line on stdout, then the peer does what the event asks:
//! funds channels from the wallet, claims payments it receives, sweeps outputs channels hand back,
//! serves static invoices and keeps onion messages for offline peers when it is a server.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bitcoin::secp256k1::Secp256k1;
use lightning::events::{Event, EventsProvider, ReplayEvent};
use lightning::sign::{OutputSpender, SpendableOutputDescriptor};
use lightning::chain::chaininterface::{BroadcasterInterface, ConfirmationTarget, FeeEstimator};
use lightning::types::features::ChannelTypeFeatures;
use lightning::types::payment::PaymentPreimage;
use serde_json::{json, Value};

use crate::btcd::RegtestFees;
use crate::{emit, hex_encode, Node};

/// Set by the `hold_claims` command: payments to us stay claimable (their HTLCs in flight) until `release_claims`.
pub static HOLD_CLAIMS: AtomicBool = AtomicBool::new(false);
pub static HELD_CLAIMS: Mutex<Vec<PaymentPreimage>> = Mutex::new(Vec::new());

pub fn process(node: &Arc<Node>) {
	let handler = |event: Event| -> Result<(), ReplayEvent> {
		handle(node, event);
		Ok(())
	};
	node.channel_manager.process_pending_events(&handler);
	node.chain_monitor.process_pending_events(&handler);
	node.onion_messenger.process_pending_events(&handler);
}

/// The variant's name, from its Debug form (`Name { .. }` or `Name(..)`).
fn name_of(event: &Event) -> String {
	let debug = format!("{:?}", event);
	debug.split(|c: char| c == ' ' || c == '{' || c == '(').next().unwrap_or("Unknown").to_string()
}

fn describe(event: &Event) -> Value {
	let mut v = json!({ "event": name_of(event) });
	let fields = match event {
		Event::FundingGenerationReady { temporary_channel_id, counterparty_node_id, channel_value_satoshis, .. } => json!({
			"temporary_channel_id": temporary_channel_id.to_string(),
			"counterparty_node_id": counterparty_node_id.to_string(),
			"channel_value_sat": channel_value_satoshis,
		}),
		Event::ChannelPending { channel_id, counterparty_node_id, funding_txo, channel_type, .. } => json!({
			"channel_id": channel_id.to_string(),
			"counterparty_node_id": counterparty_node_id.to_string(),
			"funding_txid": funding_txo.txid.to_string(),
			"funding_vout": funding_txo.vout,
			"channel_type": channel_type.as_ref().map(channel_type_name),
		}),
		Event::ChannelReady { channel_id, counterparty_node_id, channel_type, .. } => json!({
			"channel_id": channel_id.to_string(),
			"counterparty_node_id": counterparty_node_id.to_string(),
			"channel_type": channel_type_name(channel_type),
		}),
		Event::ChannelClosed { channel_id, reason, counterparty_node_id, channel_capacity_sats, last_local_balance_msat, .. } => json!({
			"channel_id": channel_id.to_string(),
			"reason": reason.to_string(),
			"counterparty_node_id": counterparty_node_id.map(|n| n.to_string()),
			"capacity_sat": channel_capacity_sats,
			"last_local_balance_msat": last_local_balance_msat,
		}),
		Event::PaymentClaimable { payment_hash, amount_msat, purpose, payment_id, .. } => json!({
			"payment_hash": hex_encode(&payment_hash.0),
			"amount_msat": amount_msat,
			"purpose": purpose_name(purpose),
			"payment_id": payment_id.map(|p| hex_encode(&p.0)),
		}),
		Event::PaymentClaimed { payment_hash, amount_msat, purpose, .. } => json!({
			"payment_hash": hex_encode(&payment_hash.0),
			"amount_msat": amount_msat,
			"purpose": purpose_name(purpose),
		}),
		Event::PaymentSent { payment_id, payment_preimage, payment_hash, amount_msat, fee_paid_msat, bolt12_invoice } => json!({
			"payment_id": payment_id.map(|p| hex_encode(&p.0)),
			"payment_hash": hex_encode(&payment_hash.0),
			"payment_preimage": hex_encode(&payment_preimage.0),
			"amount_msat": amount_msat,
			"fee_paid_msat": fee_paid_msat,
			"bolt12_invoice": bolt12_invoice.as_ref().map(|i| format!("{:?}", i).split(['(', ' ']).next().unwrap_or("").to_string()),
		}),
		Event::PaymentFailed { payment_id, payment_hash, reason } => json!({
			"payment_id": hex_encode(&payment_id.0),
			"payment_hash": payment_hash.map(|h| hex_encode(&h.0)),
			"reason": reason.map(|r| format!("{:?}", r)),
		}),
		Event::PaymentPathFailed { payment_id, payment_hash, payment_failed_permanently, short_channel_id, .. } => json!({
			"payment_id": payment_id.map(|p| hex_encode(&p.0)),
			"payment_hash": hex_encode(&payment_hash.0),
			"permanently": payment_failed_permanently,
			"short_channel_id": short_channel_id,
		}),
		Event::PaymentPathSuccessful { payment_id, payment_hash, .. } => json!({
			"payment_id": hex_encode(&payment_id.0),
			"payment_hash": payment_hash.map(|h| hex_encode(&h.0)),
		}),
		Event::PaymentForwarded { prev_node_id, next_node_id, total_fee_earned_msat, outbound_amount_forwarded_msat, .. } => json!({
			"prev_node_id": prev_node_id.map(|n| n.to_string()),
			"next_node_id": next_node_id.map(|n| n.to_string()),
			"fee_earned_msat": total_fee_earned_msat,
			"amount_forwarded_msat": outbound_amount_forwarded_msat,
		}),
		Event::HTLCHandlingFailed { prev_channel_id, failure_type, failure_reason } => json!({
			"prev_channel_id": prev_channel_id.to_string(),
			"failure_type": format!("{:?}", failure_type),
			"failure_reason": failure_reason.as_ref().map(|r| format!("{:?}", r)),
		}),
		Event::SpendableOutputs { outputs, channel_id } => json!({
			"outputs": outputs.len(),
			"channel_id": channel_id.map(|c| c.to_string()),
		}),
		Event::ConnectionNeeded { node_id, addresses } => json!({
			"node_id": node_id.to_string(),
			"addresses": addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
		}),
		Event::InvoiceReceived { payment_id, .. } => json!({ "payment_id": hex_encode(&payment_id.0) }),
		Event::DiscardFunding { channel_id, .. } => json!({ "channel_id": channel_id.to_string() }),
		Event::OnionMessageIntercepted { peer_node_id, .. } => json!({ "peer_node_id": peer_node_id.to_string() }),
		Event::OnionMessagePeerConnected { peer_node_id } => json!({ "peer_node_id": peer_node_id.to_string() }),
		Event::PersistStaticInvoice { recipient_id, invoice_slot, .. } => json!({
			"recipient_id": hex_encode(recipient_id),
			"invoice_slot": invoice_slot,
		}),
		Event::StaticInvoiceRequested { recipient_id, invoice_slot, .. } => json!({
			"recipient_id": hex_encode(recipient_id),
			"invoice_slot": invoice_slot,
		}),
		Event::OpenChannelRequest { temporary_channel_id, counterparty_node_id, funding_satoshis, .. } => json!({
			"temporary_channel_id": temporary_channel_id.to_string(),
			"counterparty_node_id": counterparty_node_id.to_string(),
			"funding_sat": funding_satoshis,
		}),
		_ => json!({}),
	};
	if let (Some(target), Value::Object(extra)) = (v.as_object_mut(), fields) {
		target.extend(extra);
	}
	v
}

/// The BOLT 9 names of a channel type's bits, joined by `+` (e.g. `static_remotekey`).
pub fn channel_type_name(t: &ChannelTypeFeatures) -> String {
	let mut names = Vec::new();
	if t.supports_static_remote_key() {
		names.push("static_remotekey");
	}
	if t.supports_anchors_zero_fee_htlc_tx() {
		names.push("anchors_zero_fee_htlc_tx");
	}
	if t.supports_scid_privacy() {
		names.push("scid_alias");
	}
	if t.supports_zero_conf() {
		names.push("zeroconf");
	}
	if t.supports_taproot() {
		names.push("taproot");
	}
	if names.is_empty() {
		names.push("legacy");
	}
	names.join("+")
}

fn purpose_name(purpose: &lightning::events::PaymentPurpose) -> &'static str {
	use lightning::events::PaymentPurpose::*;
	match purpose {
		Bolt11InvoicePayment { .. } => "bolt11",
		Bolt12OfferPayment { .. } => "bolt12_offer",
		Bolt12RefundPayment { .. } => "bolt12_refund",
		SpontaneousPayment(_) => "spontaneous",
	}
}

fn handle(node: &Arc<Node>, event: Event) {
	emit(describe(&event));
	match event {
		Event::FundingGenerationReady { temporary_channel_id, counterparty_node_id, channel_value_satoshis, output_script, .. } => {
			let feerate = u64::from(RegtestFees.get_est_sat_per_1000_weight(ConfirmationTarget::NonAnchorChannelFee));
			let result = node
				.wallet
				.pay_to(output_script, channel_value_satoshis, feerate)
				.and_then(|tx| {
					node.channel_manager
						.funding_transaction_generated(temporary_channel_id, counterparty_node_id, tx)
						.map_err(|e| format!("{:?}", e))
				});
			if let Err(e) = result {
				emit(json!({ "event": "FundingFailed", "temporary_channel_id": temporary_channel_id.to_string(), "error": e }));
				let _ = node.channel_manager.force_close_broadcasting_latest_txn(&temporary_channel_id, &counterparty_node_id, e);
			}
		},
		Event::PaymentClaimable { purpose, .. } => {
			// Claim everything we can: the preimage is ours (our invoice, offer or a keysend) — unless
			// a test asked to hold claims (`hold_claims`), then at `release_claims`.
			if let Some(preimage) = purpose.preimage() {
				if HOLD_CLAIMS.load(Ordering::Acquire) {
					HELD_CLAIMS.lock().unwrap().push(preimage);
				} else {
					node.channel_manager.claim_funds(preimage);
				}
			}
		},
		Event::SpendableOutputs { outputs, .. } => sweep(node, outputs),
		Event::ConnectionNeeded { node_id, addresses } => {
			for address in addresses {
				if let Ok(mut resolved) = std::net::ToSocketAddrs::to_socket_addrs(&address.to_string()) {
					if let Some(addr) = resolved.next() {
						node.known_peers.lock().unwrap().insert(node_id, addr);
						break;
					}
				}
			}
		},
		Event::DiscardFunding { funding_info, .. } => {
			if let lightning::events::FundingInfo::Tx { transaction } = funding_info {
				node.wallet.unlock(&transaction);
			}
		},
		Event::PersistStaticInvoice { invoice, invoice_request_path, invoice_slot, recipient_id, invoice_persisted_path } => {
			// BOLT 12 async payments (bolts#1149 as LDK 0.2 ships it): keep the recipient's static
			// invoice, then tell it so (`static_invoice_persisted`) so that it publishes its offer.
			node.static_invoices.lock().unwrap().insert((recipient_id, invoice_slot), (invoice, invoice_request_path));
			node.channel_manager.static_invoice_persisted(invoice_persisted_path);
		},
		Event::StaticInvoiceRequested { recipient_id, invoice_slot, reply_path, invoice_request } => {
			let found = node.static_invoices.lock().unwrap().get(&(recipient_id.clone(), invoice_slot)).cloned();
			match found {
				Some((invoice, invoice_request_path)) => {
					if let Err(e) = node.channel_manager.respond_to_static_invoice_request(invoice, reply_path, invoice_request, invoice_request_path) {
						emit(json!({ "event": "StaticInvoiceResponseFailed", "error": format!("{:?}", e) }));
					}
				},
				None => emit(json!({ "event": "StaticInvoiceMissing", "recipient_id": hex_encode(&recipient_id), "invoice_slot": invoice_slot })),
			}
		},
		Event::OnionMessageIntercepted { peer_node_id, message } => {
			node.mailbox.lock().unwrap().entry(peer_node_id).or_default().push(message);
		},
		Event::OnionMessagePeerConnected { peer_node_id } => {
			let waiting = node.mailbox.lock().unwrap().remove(&peer_node_id).unwrap_or_default();
			for message in waiting {
				match node.onion_messenger.forward_onion_message(message, &peer_node_id) {
					Ok(()) => emit(json!({ "event": "MailboxForwarded", "peer_node_id": peer_node_id.to_string() })),
					Err(e) => emit(json!({ "event": "MailboxForwardFailed", "peer_node_id": peer_node_id.to_string(), "error": format!("{:?}", e) })),
				}
			}
		},
		_ => {},
	}
}

/// Sweeps what a closed channel hands back into the wallet. Outputs already paying the wallet's
/// script (our destination and shutdown script) are the wallet's coins as they are.
fn sweep(node: &Arc<Node>, outputs: Vec<SpendableOutputDescriptor>) {
	let to_sweep: Vec<&SpendableOutputDescriptor> = outputs
		.iter()
		.filter(|d| !matches!(d, SpendableOutputDescriptor::StaticOutput { output, .. } if &output.script_pubkey == node.wallet.script()))
		.collect();
	if to_sweep.is_empty() {
		return;
	}
	let feerate = RegtestFees.get_est_sat_per_1000_weight(ConfirmationTarget::OutputSpendingFee);
	match node.keys_manager.spend_spendable_outputs(&to_sweep, Vec::new(), node.wallet.script().clone(), feerate, None, &Secp256k1::new()) {
		Ok(tx) => {
			emit(json!({ "event": "SweepBroadcast", "txid": tx.compute_txid().to_string() }));
			node.btcd.broadcast_transactions(&[&tx]);
		},
		Err(()) => emit(json!({ "event": "SweepFailed", "outputs": to_sweep.len() })),
	}
}
