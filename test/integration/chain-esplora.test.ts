/** The chain scenario suite over the Esplora source, through an Esplora-shaped server on btcd (filtered mode). */
import { expect, it } from 'vitest';
import { chainScenarios } from './chain-scenarios';
import { event, key, openChain, synced } from './chain-support';

const h = chainScenarios('esplora');

it('pages through a script history of more than 25 confirmed transactions (/txs/chain/:last_seen_txid)', async () => {
  const k = key('esplora long history');
  const paid: string[] = [];
  for (let i = 0; i < 30; i++) paid.push(await h.btcd.fund(k.address, 1_000n + BigInt(i)));
  await h.btcd.mine(1);
  const c = openChain(h.source());
  await synced(c, h.btcd);
  const { id } = c.chain.tracker.watchScript({ script: k.scriptHex, heightHint: 0 }, 'test');
  c.chain.sync.wake();
  for (const txid of paid) await event(c, 'chain.script_paid', (e) => e.txid === txid && e.status.kind === 'confirmed');
  const view = c.chain.tracker.view(id);
  expect(view?.kind === 'script' && view.txs.length).toBe(30);
  expect(h.shim!.requests.get('/scripthash/:hash/txs/chain')).toBeGreaterThanOrEqual(1);
  await c.stop();
});
