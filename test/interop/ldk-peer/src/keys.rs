//! LDK's `KeysManager` for every channel key, but with the wallet's script as the destination of
//! what channels pay us on chain (cooperative closes, swept outputs), so those coins come back to
//! the one wallet the peer spends from.
use std::sync::Arc;

use bitcoin::ScriptBuf;
use lightning::ln::script::ShutdownScript;
use lightning::sign::{InMemorySigner, KeysManager, SignerProvider};

pub struct Keys {
	inner: Arc<KeysManager>,
	wallet_script: ScriptBuf,
}

impl Keys {
	pub fn new(inner: Arc<KeysManager>, wallet_script: ScriptBuf) -> Self {
		Self { inner, wallet_script }
	}
}

impl SignerProvider for Keys {
	type EcdsaSigner = InMemorySigner;

	fn generate_channel_keys_id(&self, inbound: bool, user_channel_id: u128) -> [u8; 32] {
		self.inner.generate_channel_keys_id(inbound, user_channel_id)
	}

	fn derive_channel_signer(&self, channel_keys_id: [u8; 32]) -> InMemorySigner {
		self.inner.derive_channel_signer(channel_keys_id)
	}

	fn get_destination_script(&self, _channel_keys_id: [u8; 32]) -> Result<ScriptBuf, ()> {
		Ok(self.wallet_script.clone())
	}

	fn get_shutdown_scriptpubkey(&self) -> Result<ShutdownScript, ()> {
		ShutdownScript::try_from(self.wallet_script.clone()).map_err(|_| ())
	}
}
