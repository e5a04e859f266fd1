//! LDK's log and ours go to one file in the data directory; stdout carries only JSON lines.
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use lightning::util::logger::{Level, Logger, Record};

pub struct Log {
	file: Mutex<File>,
}

impl Log {
	pub fn open(path: &Path) -> std::io::Result<Self> {
		Ok(Self { file: Mutex::new(OpenOptions::new().create(true).append(true).open(path)?) })
	}

	pub fn line(&self, text: &str) {
		let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
		let mut file = self.file.lock().unwrap();
		let _ = writeln!(file, "{ms} {text}");
	}
}

impl Logger for Log {
	fn log(&self, record: Record) {
		// Trace for routing and payments (why a route was not found), Debug for the rest.
		let trace_ok = record.module_path.contains("routing") || record.module_path.contains("outbound_payment");
		if record.level < Level::Debug && !(trace_ok && record.level == Level::Trace) {
			return;
		}
		self.line(&format!("{:<5} [{}:{}] {}", record.level, record.module_path, record.line, record.args));
	}
}
