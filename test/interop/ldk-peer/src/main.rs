//! Glasswing's LDK 0.2 test peer: one rust-lightning node on a btcd regtest chain, driven by JSON
//! lines. Each line on stdin is a command `{"id": N, "cmd": "...", ...}`; each answer is one line
//! `{"id": N, "ok": true, "result": ...}` or `{"id": N, "ok": false, "error": "..."}`; every LDK
//! `Event` is reported as a line `{"event": "Name", ...}`. LDK's log goes to `DATA_DIR/ldk.log`.
//!
//!   glasswing-ldk-peer --data-dir DIR --btcd 127.0.0.1:PORT --rpc-user U --rpc-pass P
//!                      [--listen-port N] [--seed HEX32] [--role plain|server|client]
//!
//! `--role server`: an always-online LSP: holds HTLCs for often-offline payers (`enable_htlc_hold`),
//! serves static invoices for async recipients and keeps onion messages for offline peers
//! (a mailbox). `--role client`: an often-offline node: asks its LSP to hold the HTLCs it sends to a
//! static invoice (`hold_outbound_htlcs_at_next_hop`) and can be an async recipient.
//!
//! State lives in memory only (the monitors' persister completes at once): a restart is a new node.
mod btcd;
mod commands;
mod events;
mod keys;
mod log;
mod router;
mod wallet;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bitcoin::secp256k1::PublicKey;
use bitcoin::Network;
use lightning::blinded_path::message::BlindedMessagePath;
use lightning::chain::chainmonitor::{self, Persist};
use lightning::util::persist::MonitorName;
use lightning::chain::channelmonitor::{ChannelMonitor, ChannelMonitorUpdate};
use lightning::chain::{ChannelMonitorUpdateStatus, Filter};
use lightning::ln::channelmanager::{self, ChainParameters};
use lightning::ln::peer_handler::{IgnoringMessageHandler, MessageHandler};
use lightning::ln::msgs::OnionMessage;
use lightning::offers::static_invoice::StaticInvoice;
use lightning::onion_message::messenger::DefaultMessageRouter;
use lightning::ln::msgs::SocketAddress;
use lightning::routing::gossip::{NetworkGraph, P2PGossipSync};
use lightning::routing::utxo::UtxoLookup;
use lightning::routing::router::DefaultRouter;
use lightning::routing::scoring::{ProbabilisticScorer, ProbabilisticScoringDecayParameters, ProbabilisticScoringFeeParameters};
use lightning::sign::{EntropySource, InMemorySigner, KeysManager, NodeSigner};
use lightning::util::config::UserConfig;
use lightning_block_sync::poll::ChainPoller;
use lightning_block_sync::{SpvClient, UnboundedCache};
use lightning_net_tokio::SocketDescriptor;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::btcd::{Btcd, RegtestFees};
use crate::keys::Keys;
use crate::log::Log;
use crate::wallet::Wallet;

pub type ChainMonitor = chainmonitor::ChainMonitor<
	InMemorySigner,
	Arc<dyn Filter + Send + Sync>,
	Arc<Btcd>,
	Arc<RegtestFees>,
	Arc<Log>,
	Arc<MemoryPersister>,
	Arc<KeysManager>,
>;
pub type Graph = NetworkGraph<Arc<Log>>;
/// Gossip from peers into our graph (no UTXO lookup: regtest peers of a test are trusted), so a
/// payer can route through an announced LSP channel to a recipient's blinded path.
pub type GossipSync = P2PGossipSync<Arc<Graph>, Arc<dyn UtxoLookup + Send + Sync>, Arc<Log>>;
pub type Scorer = ProbabilisticScorer<Arc<Graph>, Arc<Log>>;
pub type Router = DefaultRouter<Arc<Graph>, Arc<Log>, Arc<KeysManager>, Arc<RwLock<Scorer>>, ProbabilisticScoringFeeParameters, Scorer>;
pub type MessageRouter = DefaultMessageRouter<Arc<Graph>, Arc<Log>, Arc<KeysManager>>;
pub type PeerMessageRouter = crate::router::PeerMessageRouter;
pub type ChannelManager = channelmanager::ChannelManager<
	Arc<ChainMonitor>,
	Arc<Btcd>,
	Arc<KeysManager>,
	Arc<KeysManager>,
	Arc<Keys>,
	Arc<RegtestFees>,
	Arc<Router>,
	Arc<PeerMessageRouter>,
	Arc<Log>,
>;
pub type OnionMessenger = lightning::onion_message::messenger::OnionMessenger<
	Arc<KeysManager>,
	Arc<KeysManager>,
	Arc<Log>,
	Arc<ChannelManager>,
	Arc<PeerMessageRouter>,
	Arc<ChannelManager>,
	Arc<ChannelManager>,
	IgnoringMessageHandler,
	IgnoringMessageHandler,
>;
pub type PeerManager = lightning::ln::peer_handler::PeerManager<
	SocketDescriptor,
	Arc<ChannelManager>,
	Arc<GossipSync>,
	Arc<OnionMessenger>,
	Arc<Log>,
	Arc<IgnoringMessageHandler>,
	Arc<KeysManager>,
	Arc<ChainMonitor>,
>;

/// Monitors live in memory: every write completes at once. A test peer that restarts is a new node.
pub struct MemoryPersister;

impl Persist<InMemorySigner> for MemoryPersister {
	fn persist_new_channel(&self, _name: MonitorName, _monitor: &ChannelMonitor<InMemorySigner>) -> ChannelMonitorUpdateStatus {
		ChannelMonitorUpdateStatus::Completed
	}
	fn update_persisted_channel(
		&self, _name: MonitorName, _update: Option<&ChannelMonitorUpdate>, _monitor: &ChannelMonitor<InMemorySigner>,
	) -> ChannelMonitorUpdateStatus {
		ChannelMonitorUpdateStatus::Completed
	}
	fn archive_persisted_channel(&self, _name: MonitorName) {}
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
	Plain,
	/// An always-online LSP: HTLC holding, static invoice server, mailbox.
	Server,
	/// An often-offline node: async payer and async recipient.
	Client,
}

/// Static invoices a server keeps for its async recipients, by (recipient id, slot).
pub type StaticInvoices = HashMap<(Vec<u8>, u16), (StaticInvoice, BlindedMessagePath)>;

/// Everything the command handlers and the event handler share.
pub struct Node {
	pub role: Role,
	pub btcd: Arc<Btcd>,
	pub keys_manager: Arc<KeysManager>,
	pub wallet: Arc<Wallet>,
	pub channel_manager: Arc<ChannelManager>,
	pub chain_monitor: Arc<ChainMonitor>,
	pub onion_messenger: Arc<OnionMessenger>,
	pub peer_manager: Arc<PeerManager>,
	pub graph: Arc<Graph>,
	pub log: Arc<Log>,
	pub listen_port: u16,
	/// Peers we dialed, redialed every few seconds while we are online.
	pub known_peers: Mutex<HashMap<PublicKey, SocketAddr>>,
	pub offline: AtomicBool,
	pub static_invoices: Mutex<StaticInvoices>,
	/// The mailbox: onion messages for peers that were offline, forwarded when they connect.
	pub mailbox: Mutex<HashMap<PublicKey, Vec<OnionMessage>>>,
}

/// Writes one JSON line on stdout (answers and events share it; each line is written whole).
pub fn emit(value: Value) {
	let mut out = std::io::stdout().lock();
	let _ = writeln!(out, "{}", value);
	let _ = out.flush();
}

struct Args {
	data_dir: PathBuf,
	btcd_host: String,
	btcd_port: u16,
	rpc_user: String,
	rpc_pass: String,
	listen_port: u16,
	seed: Option<[u8; 32]>,
	role: Role,
}

fn parse_args() -> Result<Args, String> {
	let mut map = HashMap::new();
	let mut it = std::env::args().skip(1);
	while let Some(flag) = it.next() {
		let name = flag.strip_prefix("--").ok_or_else(|| format!("unexpected argument {flag}"))?.to_string();
		let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
		map.insert(name, value);
	}
	let need = |k: &str| map.get(k).cloned().ok_or_else(|| format!("--{k} is required"));
	let btcd = need("btcd")?;
	let (host, port) = btcd.rsplit_once(':').ok_or("--btcd is HOST:PORT")?;
	let seed = match map.get("seed") {
		Some(hex) => {
			let bytes = hex_decode(hex).ok_or("--seed is 64 hex digits")?;
			Some(<[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| "--seed is 64 hex digits")?)
		},
		None => None,
	};
	let role = match map.get("role").map(String::as_str) {
		None | Some("plain") => Role::Plain,
		Some("server") => Role::Server,
		Some("client") => Role::Client,
		Some(other) => return Err(format!("--role {other}: plain, server or client")),
	};
	Ok(Args {
		data_dir: PathBuf::from(need("data-dir")?),
		btcd_host: host.to_string(),
		btcd_port: port.parse().map_err(|_| "--btcd port is a number")?,
		rpc_user: need("rpc-user")?,
		rpc_pass: need("rpc-pass")?,
		listen_port: map.get("listen-port").map(|p| p.parse()).transpose().map_err(|_| "--listen-port is a number")?.unwrap_or(0),
		seed,
		role,
	})
}

pub fn hex_decode(hex: &str) -> Option<Vec<u8>> {
	if hex.len() % 2 != 0 {
		return None;
	}
	(0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

pub fn hex_encode(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

fn random_seed() -> [u8; 32] {
	let mut seed = [0u8; 32];
	let mut urandom = std::fs::File::open("/dev/urandom").expect("/dev/urandom");
	std::io::Read::read_exact(&mut urandom, &mut seed).expect("32 random bytes");
	seed
}

fn user_config(role: Role) -> UserConfig {
	let mut config = UserConfig::default();
	// LND opens announced channels by default; accept them as well as private ones.
	config.channel_handshake_limits.force_announced_channel_preference = false;
	// Regtest: one confirmation is enough, and a short delay keeps force-close tests short.
	config.channel_handshake_config.minimum_depth = 1;
	config.channel_handshake_config.our_to_self_delay = 144;
	config.channel_handshake_limits.max_minimum_depth = 6;
	config.accept_forwards_to_priv_channels = true;
	match role {
		Role::Plain => {},
		Role::Server => config.enable_htlc_hold = true,
		Role::Client => config.hold_outbound_htlcs_at_next_hop = true,
	}
	config
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
	let args = match parse_args() {
		Ok(args) => args,
		Err(e) => {
			eprintln!("glasswing-ldk-peer: {e}");
			std::process::exit(2);
		},
	};
	if let Err(e) = run(args).await {
		emit(json!({ "event": "Fatal", "error": e }));
		std::process::exit(1);
	}
}

async fn run(args: Args) -> Result<(), String> {
	std::fs::create_dir_all(&args.data_dir).map_err(|e| format!("data dir: {e}"))?;
	let log = Arc::new(Log::open(&args.data_dir.join("ldk.log")).map_err(|e| format!("log: {e}"))?);
	let btcd = Arc::new(Btcd::new(&args.btcd_host, args.btcd_port, &args.rpc_user, &args.rpc_pass, tokio::runtime::Handle::current(), log.clone()));
	btcd.check_regtest().await?;
	let fees = Arc::new(RegtestFees);

	let seed = args.seed.unwrap_or_else(random_seed);
	let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
	let keys_manager = Arc::new(KeysManager::new(&seed, now.as_secs(), now.subsec_nanos(), true));
	let wallet = Arc::new(Wallet::from_seed(&seed));
	let keys = Arc::new(Keys::new(keys_manager.clone(), wallet.script().clone()));

	let chain_monitor: Arc<ChainMonitor> = Arc::new(ChainMonitor::new(
		None,
		btcd.clone(),
		log.clone(),
		fees.clone(),
		Arc::new(MemoryPersister),
		keys_manager.clone(),
		keys_manager.get_peer_storage_key(),
	));

	let tip = lightning_block_sync::init::validate_best_block_header(&*btcd).await.map_err(|e| format!("btcd best block: {:?}", e))?;
	let graph = Arc::new(Graph::new(Network::Regtest, log.clone()));
	let scorer = Arc::new(RwLock::new(Scorer::new(ProbabilisticScoringDecayParameters::default(), graph.clone(), log.clone())));
	let router = Arc::new(Router::new(graph.clone(), log.clone(), keys_manager.clone(), scorer, ProbabilisticScoringFeeParameters::default()));
	let message_router = Arc::new(PeerMessageRouter::new(MessageRouter::new(graph.clone(), keys_manager.clone()), keys_manager.clone()));
	let channel_manager = Arc::new(ChannelManager::new(
		fees.clone(),
		chain_monitor.clone(),
		btcd.clone(),
		router,
		message_router.clone(),
		log.clone(),
		keys_manager.clone(),
		keys_manager.clone(),
		keys.clone(),
		user_config(args.role),
		ChainParameters { network: Network::Regtest, best_block: tip.to_best_block() },
		now.as_secs() as u32,
	));

	let messenger_args = (
		keys_manager.clone(),
		keys_manager.clone(),
		log.clone(),
		channel_manager.clone(),
		message_router,
		channel_manager.clone(),
		channel_manager.clone(),
		IgnoringMessageHandler {},
		IgnoringMessageHandler {},
	);
	let onion_messenger = Arc::new(if args.role == Role::Server {
		// The mailbox: messages for offline peers become OnionMessageIntercepted events.
		OnionMessenger::new_with_offline_peer_interception(
			messenger_args.0, messenger_args.1, messenger_args.2, messenger_args.3, messenger_args.4,
			messenger_args.5, messenger_args.6, messenger_args.7, messenger_args.8,
		)
	} else {
		OnionMessenger::new(
			messenger_args.0, messenger_args.1, messenger_args.2, messenger_args.3, messenger_args.4,
			messenger_args.5, messenger_args.6, messenger_args.7, messenger_args.8,
		)
	});

	let peer_manager = Arc::new(PeerManager::new(
		MessageHandler {
			chan_handler: channel_manager.clone(),
			route_handler: Arc::new(GossipSync::new(graph.clone(), None, log.clone())),
			onion_message_handler: onion_messenger.clone(),
			custom_message_handler: Arc::new(IgnoringMessageHandler {}),
			send_only_message_handler: chain_monitor.clone(),
		},
		now.as_secs() as u32,
		&keys_manager.get_secure_random_bytes(),
		log.clone(),
		keys_manager.clone(),
	));

	let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.listen_port)).await.map_err(|e| format!("listen: {e}"))?;
	let listen_port = listener.local_addr().map_err(|e| e.to_string())?.port();

	let node = Arc::new(Node {
		role: args.role,
		btcd: btcd.clone(),
		keys_manager: keys_manager.clone(),
		wallet: wallet.clone(),
		channel_manager: channel_manager.clone(),
		chain_monitor: chain_monitor.clone(),
		onion_messenger: onion_messenger.clone(),
		peer_manager: peer_manager.clone(),
		graph: graph.clone(),
		log: log.clone(),
		listen_port,
		known_peers: Mutex::new(HashMap::new()),
		offline: AtomicBool::new(false),
		static_invoices: Mutex::new(HashMap::new()),
		mailbox: Mutex::new(HashMap::new()),
	});

	// Inbound connections (refused while "offline").
	{
		let node = node.clone();
		tokio::spawn(async move {
			loop {
				let Ok((stream, _)) = listener.accept().await else { continue };
				if node.offline.load(Ordering::Acquire) {
					drop(stream);
					continue;
				}
				let Ok(stream) = stream.into_std() else { continue };
				let pm = node.peer_manager.clone();
				tokio::spawn(async move { lightning_net_tokio::setup_inbound(pm, stream).await });
			}
		});
	}

	// The chain: poll btcd's best block and connect blocks to the monitors, the manager and the wallet.
	{
		let btcd = btcd.clone();
		let chain_listener = (chain_monitor.clone(), Arc::new((channel_manager.clone(), wallet.clone())));
		tokio::spawn(async move {
			let mut cache = UnboundedCache::new();
			let poller = ChainPoller::new(btcd, Network::Regtest);
			let mut spv = SpvClient::new(tip, poller, &mut cache, &chain_listener);
			loop {
				if let Err(e) = spv.poll_best_tip().await {
					emit(json!({ "event": "ChainPollFailed", "error": format!("{:?}", e) }));
				}
				tokio::time::sleep(Duration::from_millis(200)).await;
			}
		});
	}

	// The background loop: events, HTLC forwards, messages out, timers, redials.
	{
		let node = node.clone();
		tokio::spawn(async move {
			let mut ticks: u64 = 0;
			loop {
				events::process(&node);
				if node.channel_manager.needs_pending_htlc_processing() {
					node.channel_manager.process_pending_htlc_forwards();
				}
				node.peer_manager.process_events();
				ticks += 1;
				if ticks % 100 == 0 {
					// Every 10 s: LDK's timers expect roughly one tick a minute; faster is harmless on regtest.
					node.channel_manager.timer_tick_occurred();
					node.peer_manager.timer_tick_occurred();
					node.chain_monitor.rebroadcast_pending_claims();
				}
				if ticks % 20 == 0 && !node.offline.load(Ordering::Acquire) {
					commands::redial(&node).await;
					// BOLT 7: a node_announcement counts only once the node has an announced channel;
					// repeat it so that it follows the channel's announcement on regtest.
					let mut alias = [0u8; 32];
					alias[..13].copy_from_slice(b"glasswing-ldk");
					let address = SocketAddress::TcpIpV4 { addr: [127, 0, 0, 1], port: node.listen_port };
					node.peer_manager.broadcast_node_announcement([0; 3], alias, vec![address]);
				}
				tokio::time::sleep(Duration::from_millis(100)).await;
			}
		});
	}

	emit(json!({
		"event": "Started",
		"node_id": channel_manager.get_our_node_id().to_string(),
		"listen_port": listen_port,
		"role": format!("{:?}", args.role).to_lowercase(),
		"height": tip.height,
	}));

	let mut lines = BufReader::new(tokio::io::stdin()).lines();
	while let Ok(Some(line)) = lines.next_line().await {
		if line.trim().is_empty() {
			continue;
		}
		let node = node.clone();
		// Commands run one at a time, in order (a test script reads like a story).
		let (answer, stop) = commands::handle(&node, &line).await;
		emit(answer);
		if stop {
			break;
		}
	}
	// stdin closed: the test is done with us.
	node.peer_manager.disconnect_all_peers();
	Ok(())
}
