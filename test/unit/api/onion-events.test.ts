import { describe, expect, it } from 'vitest';
import { onionEventParties, type OnionMessageEventBody } from '../../../core/api';

describe('onionEventParties', () => {
  const a = '02'.padEnd(66, 'a');
  const b = '03'.padEnd(66, 'b');
  it.each<[OnionMessageEventBody, string | null, string[]]>([
    [{ type: 'onion.received', messageId: 'm', from: a, size: 1 }, a, []],
    [{ type: 'onion.forwarded', messageId: 'm', from: a, to: b, size: 1 }, b, []],
    [{ type: 'onion.dropped', messageId: 'm', from: null, to: b, reason: 'queue_full', detail: '', code: null, size: 1 } as unknown as OnionMessageEventBody, b, []],
    [{ type: 'onion.mailbox_wake', nodeId: b, messages: 1, bytes: 10 }, b, []],
  ])('files %j under the right peer', (event, peer, tlvTypes) => {
    expect(onionEventParties(event)).toEqual({ peer, tlvTypes });
  });
});
