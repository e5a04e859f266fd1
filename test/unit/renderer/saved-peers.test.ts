import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NodeEvent, SavedPeerInfo } from '../../../core/api';
import { reconnectAddress, savedPeerStatus, sortSavedPeers, touchesSavedPeers } from '../../../renderer/src/lib/saved-peers';

const NOW = 1_760_000_000_000;
const base: SavedPeerInfo = {
  nodeId: '02'.padEnd(66, 'a'), label: null, addresses: ['127.0.0.1:9735'], connected: false, reconnect: true, state: 'waiting',
  failedAttempts: 0, nextAttemptAt: null, lastError: null, gaveUpReason: null, lastSeen: null, createdAt: NOW - 60_000,
};
const saved = (over: Partial<SavedPeerInfo>): SavedPeerInfo => ({ ...base, ...over });

describe('saved peers in words', () => {
  it('says when the next attempt is and how many failed', () => {
    expect(savedPeerStatus(saved({ nextAttemptAt: NOW + 12_400, failedAttempts: 3 }), NOW)).toEqual({
      label: 'retrying', tone: 'warn', detail: 'Next attempt in 12 s (3 attempts in a row failed).',
    });
    expect(savedPeerStatus(saved({ nextAttemptAt: NOW + 1000, failedAttempts: 0 }), NOW).tone).toBe('accent');
    expect(savedPeerStatus(saved({ nextAttemptAt: null }), NOW).label).toBe('waiting');
    expect(savedPeerStatus(saved({ state: 'connecting', failedAttempts: 1 }), NOW).detail).toBe('Trying again (1 attempt failed so far).');
  });

  it('shows why reconnection stopped by itself, and that a stopped one can be turned back on', () => {
    const gaveUp = savedPeerStatus(saved({ state: 'gave_up', reconnect: false, gaveUpReason: 'never answered: 8 attempts in a row failed' }), NOW);
    expect(gaveUp).toEqual({ label: 'stopped trying', tone: 'bad', detail: 'Stopped by itself: never answered: 8 attempts in a row failed.' });
    expect(savedPeerStatus(saved({ state: 'off', reconnect: false }), NOW).label).toBe('not reconnecting');
    expect(savedPeerStatus(saved({ state: 'connected', connected: true }), NOW).tone).toBe('good');
  });

  it('reconnects at the most recently used address, if there is one', () => {
    expect(reconnectAddress(base)).toBe(`${base.nodeId}@127.0.0.1:9735`);
    expect(reconnectAddress(saved({ addresses: [] }))).toBeNull();
  });

  it('orders connected, then being retried, then left alone; by name within each', () => {
    const list = sortSavedPeers([
      saved({ nodeId: '03'.padEnd(66, '1'), state: 'off' }),
      saved({ nodeId: '03'.padEnd(66, '2'), state: 'gave_up' }),
      saved({ nodeId: '03'.padEnd(66, '3'), state: 'connected', label: 'zed' }),
      saved({ nodeId: '03'.padEnd(66, '4'), state: 'connected', label: 'amy' }),
      saved({ nodeId: '03'.padEnd(66, '5'), state: 'waiting' }),
    ]);
    expect(list.map((p) => p.nodeId.at(-1))).toEqual(['4', '3', '5', '2', '1']);
  });

  it('words every state at any time without throwing, and never a negative wait', () => {
    const state = fc.constantFrom<SavedPeerInfo['state']>('connected', 'connecting', 'waiting', 'off', 'gave_up');
    fc.assert(
      fc.property(state, fc.option(fc.integer({ min: NOW - 1e9, max: NOW + 1e9 })), fc.nat(1000), fc.option(fc.string()), (s, next, failures, reason) => {
        const status = savedPeerStatus(saved({ state: s, nextAttemptAt: next, failedAttempts: failures, gaveUpReason: reason }), NOW);
        return status.label.length > 0 && status.detail.length > 0 && !/in -|NaN|undefined/.test(s === 'gave_up' ? status.detail.replace(reason ?? '', '') : status.detail);
      }),
    );
  });

  it('reloads on the events that change saved peers, not on traffic', () => {
    const e = (body: object) => ({ seq: 1, time: NOW, ...body }) as NodeEvent;
    expect(touchesSavedPeers(e({ type: 'peer.reconnect_stopped', nodeId: base.nodeId, by: 'policy', attempts: 8, reason: 'x' }))).toBe(true);
    expect(touchesSavedPeers(e({ type: 'peer.forgotten', nodeId: base.nodeId }))).toBe(true);
    expect(touchesSavedPeers(e({ type: 'peer.connection_failed', address: 'a', nodeId: base.nodeId, direction: 'outbound', reason: 'r', code: 'c' }))).toBe(true);
    expect(touchesSavedPeers(e({ type: 'peer.connection_failed', address: 'a', nodeId: null, direction: 'inbound', reason: 'r', code: 'c' }))).toBe(false);
    expect(touchesSavedPeers(e({ type: 'wire.message', direction: 'in', nodeId: base.nodeId, messageType: 'ping', typeNumber: 18, size: 4 }))).toBe(false);
    expect(touchesSavedPeers(e({ type: 'peer.pong', nodeId: base.nodeId, rttMs: 3 }))).toBe(false);
  });
});
