//! Onion message routing for a test peer without gossip: LDK's `DefaultMessageRouter`, except that
//! when it cannot build a blinded path (we are not in a network graph and have more than one peer,
//! e.g. an LSP with a payer and a recipient), the path starts at us. Every party of these tests is
//! our direct peer, so a path introduced by us is always reachable.
use std::sync::Arc;

use bitcoin::secp256k1::{self, PublicKey, Secp256k1};
use lightning::blinded_path::message::{BlindedMessagePath, MessageContext, MessageForwardNode};
use lightning::onion_message::messenger::{Destination, MessageRouter, OnionMessagePath};
use lightning::sign::{KeysManager, ReceiveAuthKey};

use crate::MessageRouter as DefaultRouter;

pub struct PeerMessageRouter {
	inner: DefaultRouter,
	entropy: Arc<KeysManager>,
}

impl PeerMessageRouter {
	pub fn new(inner: DefaultRouter, entropy: Arc<KeysManager>) -> Self {
		Self { inner, entropy }
	}
}

impl MessageRouter for PeerMessageRouter {
	fn find_path(&self, sender: PublicKey, peers: Vec<PublicKey>, destination: Destination) -> Result<OnionMessagePath, ()> {
		self.inner.find_path(sender, peers, destination)
	}

	fn create_blinded_paths<T: secp256k1::Signing + secp256k1::Verification>(
		&self, recipient: PublicKey, local_node_receive_key: ReceiveAuthKey, context: MessageContext, peers: Vec<MessageForwardNode>,
		secp_ctx: &Secp256k1<T>,
	) -> Result<Vec<BlindedMessagePath>, ()> {
		match self.inner.create_blinded_paths(recipient, local_node_receive_key, context.clone(), peers, secp_ctx) {
			Ok(paths) if !paths.is_empty() => Ok(paths),
			_ => Ok(vec![BlindedMessagePath::one_hop(recipient, local_node_receive_key, context, &*self.entropy, secp_ctx)]),
		}
	}
}
