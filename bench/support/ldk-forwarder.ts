/**
 * An LDK node (rust-lightning 0.1, the `lightningdevkit` WebAssembly build) alone in its process,
 * for bench/forward.ts: it listens on 127.0.0.1, prints one JSON line `{ nodeId, port }` on stdout,
 * and forwards the onion messages its peers send through it until stdin closes. Its logger drops
 * records unread, so it spends nothing on logs.
 */
import { LdkNode, loadLdk } from '../../test/interop/support/ldk-node';

await loadLdk();
const node = new LdkNode({ keepLogs: false });
const port = await node.listen();
process.stdout.write(`${JSON.stringify({ nodeId: node.nodeId, port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void node.close().then(() => process.exit(0));
});
