/**
 * bench/event-bus: publishing on the node's event bus while its history is filling and once it is
 * full (5,000 events, the default: every publish then drops the oldest). The flood campaign found
 * a full history cost 25× an empty one; side by side here, the two should be close.
 */
import { EventBus } from '../core/node/event-bus';
import type { NodeEventBody } from '../core/node/events';
import { measure, printTable } from './harness';

const EVENT: NodeEventBody = { type: 'wire.message', direction: 'in', nodeId: '02'.padEnd(66, 'a'), messageType: 'onion_message', typeNumber: 513, size: 1_400 };

export async function run(): Promise<void> {
  const filling = () => new EventBus({ now: () => 0 });
  let bus = filling();
  let published = 0;
  const empty = measure('publish, history below its cap', () => {
    if (++published === 4_000) {
      bus = filling();
      published = 0;
    }
    bus.publish(EVENT);
  });
  const full = filling();
  for (let i = 0; i < 5_000; i++) full.publish(EVENT);
  const atCap = measure('publish, history full (drops one per publish)', () => void full.publish(EVENT));
  printTable(['case', 'publishes/s', 'vs below cap'], [
    [empty.name, empty.opsPerSec, '1.00'],
    [atCap.name, atCap.opsPerSec, (atCap.opsPerSec / empty.opsPerSec).toFixed(2)],
  ]);
}
