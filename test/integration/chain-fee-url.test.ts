/**
 * `--fee-url`: the chain layer over a real btcd takes its fee estimates from a fee service on
 * 127.0.0.1 (LND's fee.url shape) instead of btcd's `estimatefee` (which never moves on regtest).
 * The estimate follows the service; a bad answer, an HTTP error or a service that is gone is a
 * typed problem reported to the owner while the previous estimate stays and the chain stays in
 * sync; the next good answer moves the estimate again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeeUrlSource, BitcoindRpcSource, chainClock, type SyncProblem } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startFeeService, type FeeService } from '../support/fee-service';
import { openChain, synced, type ChainUnderTest } from './chain-support';

let btcd: Btcd;
let service: FeeService;
let c: ChainUnderTest;
const problems: SyncProblem[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  service = await startFeeService({ 2: 40_000, 6: 10_000 });
  const clock = chainClock(new SystemClock());
  c = openChain(new BitcoindRpcSource({ url: btcd.rpcUrl, clock, timeoutMs: 10_000 }), {
    fees: { feeSource: new FeeUrlSource({ url: service.url, clock, timeoutMs: 2_000 }), feeIntervalMs: 50, onFeeProblem: (p) => problems.push(p) },
  });
  await synced(c, btcd);
}, 60_000);

afterAll(async () => {
  await c?.stop();
  await service?.close();
});

const estimate6 = () => c.chain.sync.feeEstimate(6);
const waitRate = (satPerKw: number) => waitFor(() => (estimate6().satPerKw === satPerKw ? estimate6() : undefined), `the estimate at ${satPerKw} sat/kw`);
const waitProblem = (code: string) => {
  const from = problems.length;
  return waitFor(() => problems.slice(from).find((p) => p.code === code), `a fee problem ${code}`);
};

describe('fee estimates from --fee-url', () => {
  it('come from the service, not btcd: 10,000 sat/kvB for 6 blocks is 2,500 sat/kw', async () => {
    const e = await waitRate(2_500);
    expect(e).toMatchObject({ origin: 'source', fromTarget: 6 });
    expect(c.chain.sync.feeEstimate(2).satPerKw).toBe(10_000);
  });

  it('follow the service when it moves', async () => {
    service.set({ 2: 80_000, 6: 24_000 });
    await waitRate(6_000);
    service.set({ 6: 2_000 });
    await waitRate(500);
  });

  it('keep the previous estimate through garbage, an HTTP error and a dead service; the chain stays in sync', async () => {
    service.set({ 6: 12_000 });
    await waitRate(3_000);
    service.setRaw(200, '{"fee_by_block_target": {"6": "lots"}}');
    expect((await waitProblem('chain.source.bad_response')).message).toContain(service.url);
    expect(estimate6().satPerKw).toBe(3_000);
    service.setRaw(503, 'busy');
    await waitProblem('chain.source.http_status');
    expect(estimate6().satPerKw).toBe(3_000);
    await btcd.mine(1);
    await synced(c, btcd);
    service.set({ 6: 16_000 });
    await waitRate(4_000);
  });

  it('a service that went away is chain.source.unreachable; the estimate stays', async () => {
    await service.close();
    await waitProblem('chain.source.unreachable');
    expect(estimate6().satPerKw).toBe(4_000);
  });
});
