/**
 * The offers service inside real Nodes in this process (PeerManagers over loopback TCP, the real
 * onion messenger, SQLite files): trying an offer's paths in turn, waiting for an answer that
 * never comes, and the decode method.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, publicKeyFromPrivate, randomPrivateKey, toHex } from '../../../core/crypto';
import type { NodeApi, NodeEvent } from '../../../core/api';
import { Node } from '../../../core/node';
import { createNodeApi } from '../../../core/api/node-api';
import { buildOffer, decodeOffer, encodeOffer } from '../../../core/offers';
import { chainHash } from '../../../core/wire';
import { tempDir } from '../../support/tmp';

async function startNode(alias: string): Promise<{ node: Node; api: NodeApi; address: string; id: string; events: NodeEvent[] }> {
  const node = await Node.open({ datadir: tempDir('glasswing-offers-svc-'), alias, network: 'regtest', listen: { host: '127.0.0.1', port: 0 }, version: 'test' });
  const { listen } = await node.start();
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  return { node, api: createNodeApi(node), address: `${toHex(node.nodeId)}@${listen[0]}`, id: toHex(node.nodeId), events };
}

describe('OffersService in in-process nodes', () => {
  let m: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let p: Awaited<ReturnType<typeof startNode>>;
  const ghost = toHex(publicKeyFromPrivate(randomPrivateKey())); // a peer nobody can reach

  beforeAll(async () => {
    [m, b, p] = await Promise.all([startNode('m'), startNode('b'), startNode('p')]);
    await m.api.connect({ address: b.address });
    await p.api.connect({ address: b.address });
  });
  afterAll(async () => {
    await Promise.all([m.node.stop(), b.node.stop(), p.node.stop()]);
  });

  it('tries the next offer path when the first one’s introduction node cannot be reached', async () => {
    const { offer } = await m.api.createOffer({ description: 'two ways', amountMsat: '42', paths: [[ghost], [b.id]] });
    const fetched = await p.api.fetchInvoice({ offer: offer.bolt12 });
    expect(fetched.sentVia).toEqual({ pathIndex: 1, firstHop: b.id });
    expect(p.events.filter((e) => e.type === 'offer.invoice_requested' && e.offerId === offer.offerId).map((e) => (e as { pathIndex: number }).pathIndex)).toEqual([0, 1]);
  });

  it('fails with offers.unreachable naming every attempt when no path can be routed', async () => {
    const { offer } = await m.api.createOffer({ description: 'nowhere', amountMsat: '42', paths: [[ghost]] });
    await expect(p.api.fetchInvoice({ offer: offer.bolt12 })).rejects.toMatchObject({ code: 'offers.unreachable', message: expect.stringContaining(`path 0 via ${ghost}`) });
    const sent = await p.api.listInvoiceRequests({ role: 'sent', offerId: offer.offerId });
    expect(sent.invoiceRequests).toEqual([expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'offers.unreachable' }) })]);
  });

  it('fails with offers.no_answer when the issuer stays silent (a forged offer over another offer’s path is ignored)', async () => {
    const { offer: real } = await m.api.createOffer({ description: 'real', amountMsat: '42', paths: [[b.id]] });
    const paths = decodeOffer(real.bolt12, { nowSeconds: Date.now() / 1000, chains: [chainHash('regtest')] }).fields.paths!;
    const forged = encodeOffer(buildOffer({ chains: [chainHash('regtest')], description: 'forged', amount: 42n, paths }));
    await expect(p.api.fetchInvoice({ offer: forged, timeoutSeconds: 1 })).rejects.toMatchObject({ code: 'offers.no_answer' });
    expect(m.events.find((e) => e.type === 'offer.invoice_request_ignored')).toMatchObject({ reason: 'wrong_path', offerId: null });
    expect(p.events.at(-1)).toMatchObject({ type: 'offer.fetch_failed', code: 'offers.no_answer' });
  });

  it('refuses amounts and quantities above 2^64 - 1 as bad arguments', async () => {
    await expect(m.api.createOffer({ description: 'huge', amountMsat: '18446744073709551616' })).rejects.toMatchObject({ code: 'offers.bad_argument' });
    await expect(p.api.createRefund({ description: 'huge', amountMsat: '99999999999999999999' })).rejects.toMatchObject({ code: 'offers.bad_argument' });
  });

  it('decodes any BOLT 12 string for the node’s chain, listing every error', async () => {
    const { offer } = await m.api.createOffer({ description: 'decode me', amountMsat: '7' });
    expect(await m.api.decodeBolt12({ string: offer.bolt12 })).toMatchObject({ kind: 'offer', valid: true, fields: { offer_amount: '7' } });
    const mainnet = encodeOffer(buildOffer({ description: 'mainnet', issuerId: fromHex(m.id) }));
    const described = await m.api.decodeBolt12({ string: mainnet });
    expect(described).toMatchObject({ kind: 'offer', valid: false, errors: [expect.objectContaining({ code: 'offer.unsupported_chain', family: 'semantic' })] });
    expect(await m.api.decodeBolt12({ string: 'lno1+' })).toMatchObject({ valid: false, errors: [expect.objectContaining({ family: 'parse' })] });
  });
});
