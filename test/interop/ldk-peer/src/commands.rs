//! The commands a test sends, one JSON object a line: `{"id": N, "cmd": NAME, ...arguments}`.
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bitcoin::secp256k1::PublicKey;
use lightning::blinded_path::message::BlindedMessagePath;
use lightning::ln::channelmanager::{Bolt11InvoiceParameters, OptionalOfferPaymentParams, PaymentId, RecentPaymentDetails, Retry};
use lightning::ln::types::ChannelId;
use lightning::offers::offer::Offer;
use lightning::routing::router::RouteParametersConfig;
use lightning::sign::EntropySource;
use lightning::util::ser::{Readable, Writeable};
use lightning_invoice::{Bolt11Invoice, Bolt11InvoiceDescription, Description};
use serde_json::{json, Value};

use crate::{hex_decode, hex_encode, Node, Role};

type Answer = Result<Value, String>;

/// Runs one command line; the answer, and whether the peer should stop.
pub async fn handle(node: &Arc<Node>, line: &str) -> (Value, bool) {
	let request: Value = match serde_json::from_str(line) {
		Ok(v) => v,
		Err(e) => return (json!({ "id": null, "ok": false, "error": format!("not JSON: {e}") }), false),
	};
	let id = request.get("id").cloned().unwrap_or(Value::Null);
	let cmd = request.get("cmd").and_then(Value::as_str).unwrap_or("").to_string();
	let result = run(node, &cmd, &request).await;
	let answer = match result {
		Ok(result) => json!({ "id": id, "ok": true, "result": result }),
		Err(error) => json!({ "id": id, "ok": false, "error": error }),
	};
	(answer, cmd == "stop")
}

async fn run(node: &Arc<Node>, cmd: &str, r: &Value) -> Answer {
	match cmd {
		"info" | "node_id" => Ok(json!({
			"node_id": node.channel_manager.get_our_node_id().to_string(),
			"listen_port": node.listen_port,
			"role": format!("{:?}", node.role).to_lowercase(),
			"height": node.channel_manager.current_best_block().height,
			"peers": node.peer_manager.list_peers().len(),
			"channels": node.channel_manager.list_channels().len(),
		})),
		"listen_port" => Ok(json!(node.listen_port)),
		"connect" => connect(node, r).await,
		"disconnect" => {
			let peer = node_id(r, "node_id")?;
			node.known_peers.lock().unwrap().remove(&peer);
			node.peer_manager.disconnect_by_node_id(peer);
			Ok(json!({}))
		},
		"peers" => Ok(json!(node.peer_manager.list_peers().iter().map(|p| json!({
			"node_id": p.counterparty_node_id.to_string(),
			"inbound": p.is_inbound_connection,
			"address": p.socket_address.as_ref().map(|a| a.to_string()),
		})).collect::<Vec<_>>())),
		"offline" => {
			// An often-offline node going away: drop every connection, refuse inbound, stop redialing.
			node.offline.store(true, Ordering::Release);
			node.peer_manager.disconnect_all_peers();
			Ok(json!({}))
		},
		"online" => {
			node.offline.store(false, Ordering::Release);
			redial(node).await;
			Ok(json!({}))
		},
		"new_address" => Ok(json!(node.wallet.address().to_string())),
		"balance" => {
			let (confirmed, locked) = node.wallet.balance();
			let claimable: u64 = node.chain_monitor.get_claimable_balances(&[]).iter().map(|b| b.claimable_amount_satoshis()).sum();
			let channels = node.channel_manager.list_channels();
			let outbound_msat: u64 = channels.iter().map(|c| c.outbound_capacity_msat).sum();
			let inbound_msat: u64 = channels.iter().map(|c| c.inbound_capacity_msat).sum();
			Ok(json!({
				"onchain_sat": confirmed,
				"onchain_locked_sat": locked,
				"claimable_sat": claimable,
				"channel_outbound_msat": outbound_msat,
				"channel_inbound_msat": inbound_msat,
			}))
		},
		"open_channel" => {
			let peer = node_id(r, "node_id")?;
			let amount_sat = u64_arg(r, "amount_sat")?.ok_or("amount_sat is required")?;
			let push_msat = u64_arg(r, "push_msat")?.unwrap_or(0);
			let mut config = node.channel_manager.get_current_config();
			config.channel_handshake_config.announce_for_forwarding = r.get("announce").and_then(Value::as_bool).unwrap_or(false);
			let user_channel_id = u128::from_be_bytes(node.keys_manager.get_secure_random_bytes()[..16].try_into().unwrap());
			let temporary = node
				.channel_manager
				.create_channel(peer, amount_sat, push_msat, user_channel_id, None, Some(config))
				.map_err(|e| format!("{:?}", e))?;
			Ok(json!({ "temporary_channel_id": temporary.to_string() }))
		},
		"hold_claims" => {
			crate::events::HOLD_CLAIMS.store(true, Ordering::Release);
			Ok(json!({}))
		},
		"release_claims" => {
			crate::events::HOLD_CLAIMS.store(false, Ordering::Release);
			let held: Vec<_> = crate::events::HELD_CLAIMS.lock().unwrap().drain(..).collect();
			for preimage in &held {
				node.channel_manager.claim_funds(*preimage);
			}
			Ok(json!({ "released": held.len() }))
		},
		"set_channel_feerate" => {
			// The commitment feerate LDK keeps as funder (sat/kw): it sends update_fee at its next timer tick.
			let per_kw = u64_arg(r, "per_kw")?.ok_or("per_kw is required")?;
			let per_kw = u32::try_from(per_kw).map_err(|_| "per_kw is too large".to_string())?;
			crate::btcd::ANCHOR_CHANNEL_FEE.store(per_kw, Ordering::Release);
			crate::btcd::NON_ANCHOR_CHANNEL_FEE.store(per_kw, Ordering::Release);
			node.channel_manager.timer_tick_occurred();
			Ok(json!({}))
		},
		"list_channels" => Ok(json!(node.channel_manager.list_channels().iter().map(|c| json!({
			"feerate_per_kw": c.feerate_sat_per_1000_weight,
			"channel_id": c.channel_id.to_string(),
			"counterparty_node_id": c.counterparty.node_id.to_string(),
			"funding_txid": c.funding_txo.map(|o| o.txid.to_string()),
			"funding_vout": c.funding_txo.map(|o| o.index),
			"short_channel_id": c.short_channel_id,
			"value_sat": c.channel_value_satoshis,
			"outbound_msat": c.outbound_capacity_msat,
			"inbound_msat": c.inbound_capacity_msat,
			"confirmations": c.confirmations,
			"is_outbound": c.is_outbound,
			"is_channel_ready": c.is_channel_ready,
			"is_usable": c.is_usable,
			"pending_inbound_htlcs": c.pending_inbound_htlcs.len(),
			"pending_outbound_htlcs": c.pending_outbound_htlcs.len(),
			"next_outbound_htlc_limit_msat": c.next_outbound_htlc_limit_msat,
			"next_outbound_htlc_minimum_msat": c.next_outbound_htlc_minimum_msat,
			"is_announced": c.is_announced,
			"channel_type": c.channel_type.as_ref().map(crate::events::channel_type_name),
		})).collect::<Vec<_>>())),
		"create_invoice" => {
			let description = r.get("description").and_then(Value::as_str).unwrap_or("glasswing interop").to_string();
			let description = Description::new(description).map_err(|e| format!("description: {e}"))?;
			let params = Bolt11InvoiceParameters {
				amount_msats: u64_arg(r, "amount_msat")?,
				description: Bolt11InvoiceDescription::Direct(description),
				invoice_expiry_delta_secs: u64_arg(r, "expiry_secs")?.map(|s| s as u32),
				..Default::default()
			};
			let invoice = node.channel_manager.create_bolt11_invoice(params).map_err(|e| format!("{:?}", e))?;
			Ok(json!({ "invoice": invoice.to_string(), "payment_hash": hex_encode(invoice.payment_hash().as_ref()) }))
		},
		"pay_invoice" => {
			let text = str_arg(r, "invoice")?;
			let invoice = Bolt11Invoice::from_str(text).map_err(|e| format!("invoice: {e}"))?;
			let payment_id = PaymentId(node.keys_manager.get_secure_random_bytes());
			node.channel_manager
				.pay_for_bolt11_invoice(&invoice, payment_id, u64_arg(r, "amount_msat")?, RouteParametersConfig::default(), Retry::Timeout(Duration::from_secs(60)))
				.map_err(|e| format!("{:?}", e))?;
			Ok(json!({ "payment_id": hex_encode(&payment_id.0), "payment_hash": hex_encode(invoice.payment_hash().as_ref()) }))
		},
		"create_offer" => {
			let mut builder = node.channel_manager.create_offer_builder().map_err(|e| format!("{:?}", e))?;
			builder = builder.description(r.get("description").and_then(Value::as_str).unwrap_or("glasswing interop").to_string());
			if let Some(amount) = u64_arg(r, "amount_msat")? {
				builder = builder.amount_msats(amount);
			}
			let offer = builder.build().map_err(|e| format!("{:?}", e))?;
			Ok(json!({ "offer": offer.to_string() }))
		},
		"pay_offer" => {
			let offer = Offer::from_str(str_arg(r, "offer")?).map_err(|e| format!("offer: {:?}", e))?;
			let payment_id = PaymentId(node.keys_manager.get_secure_random_bytes());
			let mut params = OptionalOfferPaymentParams::default();
			params.payer_note = r.get("payer_note").and_then(Value::as_str).map(str::to_string);
			node.channel_manager
				.pay_for_offer(&offer, u64_arg(r, "amount_msat")?, payment_id, params)
				.map_err(|e| format!("{:?}", e))?;
			Ok(json!({ "payment_id": hex_encode(&payment_id.0) }))
		},
		"close_channel" => {
			let channel_id = channel_id(r)?;
			let counterparty = match r.get("node_id") {
				Some(_) => node_id(r, "node_id")?,
				None => node
					.channel_manager
					.list_channels()
					.iter()
					.find(|c| c.channel_id == channel_id)
					.map(|c| c.counterparty.node_id)
					.ok_or("no such channel")?,
			};
			if r.get("force").and_then(Value::as_bool).unwrap_or(false) {
				node.channel_manager
					.force_close_broadcasting_latest_txn(&channel_id, &counterparty, "closed by the test".to_string())
					.map_err(|e| format!("{:?}", e))?;
			} else {
				node.channel_manager.close_channel(&channel_id, &counterparty).map_err(|e| format!("{:?}", e))?;
			}
			Ok(json!({}))
		},
		"list_payments" => Ok(json!(node.channel_manager.list_recent_payments().iter().map(|p| match p {
			RecentPaymentDetails::AwaitingInvoice { payment_id } => json!({ "payment_id": hex_encode(&payment_id.0), "status": "awaiting_invoice" }),
			RecentPaymentDetails::Pending { payment_id, payment_hash, total_msat } =>
				json!({ "payment_id": hex_encode(&payment_id.0), "payment_hash": hex_encode(&payment_hash.0), "total_msat": total_msat, "status": "pending" }),
			RecentPaymentDetails::Fulfilled { payment_id, payment_hash } =>
				json!({ "payment_id": hex_encode(&payment_id.0), "payment_hash": payment_hash.map(|h| hex_encode(&h.0)), "status": "fulfilled" }),
			RecentPaymentDetails::Abandoned { payment_id, payment_hash } =>
				json!({ "payment_id": hex_encode(&payment_id.0), "payment_hash": hex_encode(&payment_hash.0), "status": "abandoned" }),
		}).collect::<Vec<_>>())),
		// Async payments, server side (the recipient's LSP): blinded paths the recipient uses to reach
		// us with offer_paths_request / serve_static_invoice.
		"async_recipient_paths" => {
			if node.role != Role::Server {
				return Err("only a --role server peer serves static invoices".into());
			}
			let recipient_id = hex_decode(str_arg(r, "recipient_id")?).ok_or("recipient_id is hex")?;
			let expiry = u64_arg(r, "expiry_secs")?.map(Duration::from_secs);
			let paths = node.channel_manager.blinded_paths_for_async_recipient(recipient_id, expiry).map_err(|()| "no blinded paths")?;
			Ok(json!({ "paths": paths.iter().map(|p| hex_encode(&p.encode())).collect::<Vec<_>>() }))
		},
		// Async payments, recipient side: where our static invoice server is.
		"async_set_server_paths" => {
			let mut paths = Vec::new();
			for hex in r.get("paths").and_then(Value::as_array).ok_or("paths is an array of hex strings")? {
				let bytes = hex.as_str().and_then(hex_decode).ok_or("paths is an array of hex strings")?;
				paths.push(BlindedMessagePath::read(&mut &bytes[..]).map_err(|e| format!("blinded path: {:?}", e))?);
			}
			node.channel_manager.set_paths_to_static_invoice_server(paths).map_err(|()| "refused the paths")?;
			Ok(json!({}))
		},
		"async_offer" => {
			let offer = node.channel_manager.get_async_receive_offer().map_err(|()| "no async offer yet (the server has not persisted a static invoice)")?;
			Ok(json!({ "offer": offer.to_string() }))
		},
		"graph" => {
			let graph = node.graph.read_only();
			let announced = graph.nodes().unordered_iter().filter(|(_, n)| n.announcement_info.is_some()).count();
			Ok(json!({ "channels": graph.channels().len(), "nodes": graph.nodes().len(), "announced_nodes": announced }))
		},
		"mailbox" => Ok(json!(node.mailbox.lock().unwrap().iter().map(|(peer, msgs)| json!({ "peer_node_id": peer.to_string(), "messages": msgs.len() })).collect::<Vec<_>>())),
		"static_invoices" => Ok(json!(node.static_invoices.lock().unwrap().keys().map(|(id, slot)| json!({ "recipient_id": hex_encode(id), "slot": slot })).collect::<Vec<_>>())),
		"stop" => Ok(json!({})),
		"" => Err("cmd is required".into()),
		other => Err(format!("unknown command {other}")),
	}
}

async fn connect(node: &Arc<Node>, r: &Value) -> Answer {
	let peer = node_id(r, "node_id")?;
	let address: SocketAddr = str_arg(r, "address")?.parse().map_err(|_| "address is HOST:PORT with an IP")?;
	node.known_peers.lock().unwrap().insert(peer, address);
	if node.peer_manager.peer_by_node_id(&peer).is_none() {
		let connection = lightning_net_tokio::connect_outbound(node.peer_manager.clone(), peer, address)
			.await
			.ok_or_else(|| format!("could not reach {address}"))?;
		tokio::spawn(connection);
	}
	for _ in 0..200 {
		if node.peer_manager.peer_by_node_id(&peer).is_some() {
			return Ok(json!({ "node_id": peer.to_string() }));
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	Err(format!("no init from {peer} within 10 s"))
}

/// Dials again every peer we dialed before that is not connected now.
pub async fn redial(node: &Arc<Node>) {
	let peers: Vec<(PublicKey, SocketAddr)> = node.known_peers.lock().unwrap().iter().map(|(k, v)| (*k, *v)).collect();
	for (peer, address) in peers {
		if node.peer_manager.peer_by_node_id(&peer).is_some() {
			continue;
		}
		if let Some(connection) = lightning_net_tokio::connect_outbound(node.peer_manager.clone(), peer, address).await {
			tokio::spawn(connection);
		}
	}
}

fn str_arg<'a>(r: &'a Value, key: &str) -> Result<&'a str, String> {
	r.get(key).and_then(Value::as_str).ok_or_else(|| format!("{key} is required (a string)"))
}

/// A u64 given as a JSON number or a decimal string (msat amounts exceed 2^53 only in theory).
fn u64_arg(r: &Value, key: &str) -> Result<Option<u64>, String> {
	match r.get(key) {
		None | Some(Value::Null) => Ok(None),
		Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| format!("{key} is a non-negative integer")),
		Some(Value::String(s)) => s.parse().map(Some).map_err(|_| format!("{key} is a non-negative integer")),
		Some(_) => Err(format!("{key} is a non-negative integer")),
	}
}

fn node_id(r: &Value, key: &str) -> Result<PublicKey, String> {
	PublicKey::from_str(str_arg(r, key)?).map_err(|_| format!("{key} is a 33-byte hex public key"))
}

fn channel_id(r: &Value) -> Result<ChannelId, String> {
	let bytes = hex_decode(str_arg(r, "channel_id")?).ok_or("channel_id is hex")?;
	Ok(ChannelId(bytes.try_into().map_err(|_| "channel_id is 32 bytes")?))
}
