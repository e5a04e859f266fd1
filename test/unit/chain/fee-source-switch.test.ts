/**
 * ChainSync.setFeeSource — the fee service switched while the node runs (the fee setting): the next
 * estimate comes from the new service, the old one is asked no more, an answer or a failure of the
 * old one still in flight when the switch happens is dropped, and `undefined` returns to the chain
 * source's own estimates. The sync loop runs for real (system timers, a SQLite file) over an
 * in-memory chain (SimChain, answering as a source does); the fee services are ours to answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ChainSourceError, ChainTracker, type ChainRequest, type ChainSource, type ChainSourceInfo, type FeeRates, type Lookup, type LookupResult } from '../../../core/chain';
import { ChainSync, chainClock, type FeeRatesSource, type SyncProblem } from '../../../core/runtime/chain';
import { SystemClock } from '../../../core/runtime/clock';
import { openDatabase, type Database } from '../../../core/store';
import { ChainRepository } from '../../../core/store/chain-repository';
import { waitFor } from '../../support/btcd';
import { tempDir } from '../../support/tmp';
import { SimChain } from './sim';

/** SimChain as a `blocks` source; its own estimate is `rate` sat/kvB for every target. */
class SimSource implements ChainSource {
  readonly kind = 'bitcoind-rpc' as const;
  readonly mode = 'blocks' as const;
  readonly endpoint = 'sim';
  rate = 4_000;
  constructor(readonly sim: SimChain) {}
  #ask<K extends ChainRequest['kind']>(req: Extract<ChainRequest, { kind: K }>) {
    return this.sim.answer(req) as Extract<ReturnType<SimChain['answer']>, { kind: K }>;
  }
  connect(): Promise<ChainSourceInfo> {
    return Promise.resolve({ kind: 'bitcoind-rpc', flavor: 'bitcoind', version: null, network: 'regtest' });
  }
  tip = async () => this.#ask({ kind: 'tip' }).tip;
  blockHash = async (height: number) => this.#ask({ kind: 'block_hash', height }).hash;
  header = async (hash: string) => this.#ask({ kind: 'header', hash }).header;
  block = async (hash: string) => this.#ask({ kind: 'block', hash }).block;
  mempoolTxids = async () => [...this.#ask({ kind: 'mempool' }).txids];
  transactions = async (txids: readonly string[]) => [...this.#ask({ kind: 'transactions', txids }).txs];
  lookups = async (items: readonly Lookup[]): Promise<LookupResult[]> => [...this.#ask({ kind: 'lookups', items }).results];
  feeRates = async (targets: readonly number[]): Promise<FeeRates> => new Map(targets.map((t) => [t, this.rate]));
  broadcast = () => Promise.reject(new Error('not in these tests'));
}

/** A fee service whose answers the test gives: at once (`rate`), or held until released. */
class Service implements FeeRatesSource {
  calls = 0;
  hold = false;
  #held: { resolve: (r: FeeRates) => void; reject: (e: Error) => void }[] = [];
  constructor(readonly endpoint: string, public rate: number) {}
  feeRates(): Promise<FeeRates> {
    this.calls++;
    if (!this.hold) return Promise.resolve(new Map([[6, this.rate]]));
    return new Promise((resolve, reject) => this.#held.push({ resolve, reject }));
  }
  get waiting(): number {
    return this.#held.length;
  }
  release(rate: number): void {
    for (const h of this.#held.splice(0)) h.resolve(new Map([[6, rate]]));
  }
  fail(): void {
    for (const h of this.#held.splice(0)) h.reject(new ChainSourceError('chain.source.unreachable', `${this.endpoint}: gone`));
  }
}

const dbs: Database[] = [];
const syncs: ChainSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) await s.stop();
  for (const d of dbs.splice(0)) d.close();
});

function start(feeSource: FeeRatesSource | undefined, problems: SyncProblem[] = []): { sync: ChainSync; source: SimSource } {
  const sim = new SimChain();
  for (let i = 0; i < 3; i++) sim.mine();
  const db = openDatabase(join(tempDir('glasswing-fee-switch-'), 'glasswing.sqlite'));
  dbs.push(db);
  const source = new SimSource(sim);
  const sync = new ChainSync({
    tracker: new ChainTracker({ store: new ChainRepository(db), mode: 'blocks', maxReorgDepth: 20 }),
    source,
    clock: chainClock(new SystemClock()),
    network: 'regtest',
    onEvent: () => undefined,
    pollIntervalMs: 20,
    feeIntervalMs: 20,
    feeSource,
    onFeeProblem: (p) => problems.push(p),
  });
  syncs.push(sync);
  sync.start();
  return { sync, source };
}

/** sat/kvB → sat/kw, as the estimator keeps it. */
const perKw = (satPerKvb: number) => satPerKvb / 4;
const estimateIs = (sync: ChainSync, satPerKvb: number) => waitFor(() => (sync.feeEstimate(6).satPerKw === perKw(satPerKvb) ? true : undefined), `the estimate at ${satPerKvb} sat/kvB`);

describe('ChainSync.setFeeSource', () => {
  it('the next estimate comes from the new service, and the old one is asked no more', async () => {
    const first = new Service('first', 8_000);
    const second = new Service('second', 12_000);
    const { sync } = start(first);
    await estimateIs(sync, 8_000);
    sync.setFeeSource(second, 20);
    await estimateIs(sync, 12_000);
    expect(sync.feeEstimate(6)).toMatchObject({ origin: 'source', fromTarget: 6 });
    // Polls are one at a time: once the second answered, nothing is in flight to the first.
    const asked = first.calls;
    const now = second.calls;
    await waitFor(() => (second.calls >= now + 3 ? true : undefined), 'three more polls of the second service');
    expect(first.calls).toBe(asked);
    second.rate = 16_000;
    await estimateIs(sync, 16_000);
  });

  it('an answer of the old service still in flight at the switch is dropped', async () => {
    const first = new Service('first', 8_000);
    const second = new Service('second', 12_000);
    const { sync } = start(first);
    await estimateIs(sync, 8_000);
    first.hold = true;
    await waitFor(() => (first.waiting > 0 ? true : undefined), 'a poll of the first service in flight');
    // The second service holds its answer too: until it is released, only the old answer could move the estimate.
    second.hold = true;
    sync.setFeeSource(second, 20);
    first.release(40_000);
    // The round that waited for it ends without taking it; the next asks the second service.
    await waitFor(() => (second.waiting > 0 ? true : undefined), 'a poll of the second service');
    expect(sync.feeEstimate(6).satPerKw).toBe(perKw(8_000));
    second.release(12_000);
    await estimateIs(sync, 12_000);
    expect(first.waiting).toBe(0);
  });

  it('a failure of the old service in flight at the switch is not reported', async () => {
    const problems: SyncProblem[] = [];
    const first = new Service('first', 8_000);
    const second = new Service('second', 12_000);
    const { sync } = start(first, problems);
    await estimateIs(sync, 8_000);
    first.hold = true;
    await waitFor(() => (first.waiting > 0 ? true : undefined), 'a poll of the first service in flight');
    sync.setFeeSource(second, 20);
    first.fail();
    await estimateIs(sync, 12_000);
    expect(problems).toEqual([]);
    // The second service's own failures are.
    second.hold = true;
    await waitFor(() => (second.waiting > 0 ? true : undefined), 'a poll of the second service in flight');
    second.fail();
    await waitFor(() => (problems.length > 0 ? true : undefined), 'the second service\'s failure reported');
    expect(problems[0]).toMatchObject({ code: 'chain.source.unreachable', message: expect.stringContaining('second') });
  });

  it('undefined returns to the chain source\'s estimates, as at a start without a service; a service can be switched on later', async () => {
    const { sync, source } = start(undefined);
    await estimateIs(sync, 4_000);
    const service = new Service('later', 20_000);
    sync.setFeeSource(service, 20);
    await estimateIs(sync, 20_000);
    sync.setFeeSource(undefined);
    source.rate = 6_000;
    await estimateIs(sync, 6_000);
    expect(sync.feeEstimate(6).origin).toBe('source');
  });
});
