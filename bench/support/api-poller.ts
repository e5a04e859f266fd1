/**
 * A separate process for bench/dos: polls `getInfo` on a daemon's WebSocket API every INTERVAL ms
 * until its stdin closes, then prints the round-trip times (ms) as one JSON line — away from the
 * bench process, whose peers' sending and reading would otherwise delay the measurement.
 * Usage: tsx bench/support/api-poller.ts DATADIR INTERVAL_MS
 */
import { connectToDaemon } from '../../main/cli/daemon-client';

const [datadir, interval] = process.argv.slice(2);
const client = await connectToDaemon(datadir!);
await client.api.getInfo({}); // connected and warm
let running = true;
process.stdin.on('end', () => (running = false)).resume();
process.stdout.write('ready\n');
const times: number[] = [];
while (running) {
  const start = performance.now();
  await client.api.getInfo({});
  times.push(performance.now() - start);
  await new Promise((r) => setTimeout(r, Number(interval)));
}
client.close();
process.stdout.write(`${JSON.stringify(times)}\n`);
