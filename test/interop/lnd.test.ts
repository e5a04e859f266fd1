/**
 * The real-peer rig end to end: btcd (TLS + websockets, as LND's btcd backend needs it) and two
 * LNDs built by scripts/peers/lnd.mjs. Alice is funded from the faucet, opens a channel to Bob,
 * pays Bob's BOLT 11 invoice and closes cooperatively; both see every step on the same chain.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLnd, payWhenRoutable, startLnd, type Lnd } from '../support/lnd';

describe('two LNDs on our btcd', () => {
  let btcd: Btcd;
  let alice: Lnd;
  let bob: Lnd;

  beforeAll(async () => {
    btcd = await startBtcd({ tls: true });
    // LND reports synced_to_chain only when the tip is recent: regtest's genesis is from 2011.
    await btcd.mine(1);
    [alice, bob] = await Promise.all([startLnd(btcd, { alias: 'alice' }), startLnd(btcd, { alias: 'bob' })]);
  }, 180_000);

  it('both LNDs follow btcd and answer getinfo with distinct node ids', async () => {
    const height = await btcd.height();
    const [a, b] = await Promise.all([alice.getInfo(), bob.getInfo()]);
    expect(a.block_height).toBe(height);
    expect(b.block_height).toBe(height);
    expect(a.identity_pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(a.identity_pubkey).not.toBe(b.identity_pubkey);
  });

  it('alice funds from the faucet, opens to bob, pays his invoice, and closes cooperatively', async () => {
    await fundLnd(btcd, alice, 2_000_000n);
    await alice.connect(bob.address);
    await waitFor(async () => ((await bob.listPeers()).includes(alice.nodeId) ? true : undefined), 'bob to see alice');

    const point = await alice.openChannel(bob.nodeId, 1_000_000n, { private: true });
    expect(point).toMatch(/^[0-9a-f]{64}:\d+$/);
    await btcd.mine(1);
    for (const node of [alice, bob]) {
      await waitFor(async () => {
        if ((await node.listChannels()).some((c) => c.channel_point === point && c.active)) return true;
        await btcd.mine(1); // both sides need their confirmations; more blocks never hurt on regtest
        return undefined;
      }, 'the channel to be active on both sides', 60_000);
    }

    const invoice = await bob.addInvoice(42_000_000n, 'rig check');
    const payment = await payWhenRoutable(alice, invoice.paymentRequest);
    expect(payment.failure_reason).toBe('FAILURE_REASON_NONE');
    expect(payment.status).toBe('SUCCEEDED');
    expect(payment.value_msat).toBe('42000000');
    const settled = await bob.lookupInvoice(invoice.paymentHash);
    expect(settled.state).toBe('SETTLED');
    expect(settled.amt_paid_msat).toBe('42000000');
    // Bob's side of the channel holds it once the last revoke_and_ack settles the HTLC.
    await waitFor(async () => ((await bob.channelBalance()).localMsat === 42_000_000n ? true : undefined), 'bob\'s channel balance to be 42 000 sat');

    const closingTxid = await alice.closeChannel(point);
    expect(closingTxid).toMatch(/^[0-9a-f]{64}$/);
    // LND waits for more confirmations of a close the larger the channel (3 to 6): mine until it is done.
    const closed = await waitFor(async () => {
      const found = (await bob.closedChannels()).find((c) => c.channel_point === point);
      if (!found) await btcd.mine(1);
      return found;
    }, 'bob to record the close', 60_000);
    expect(closed.close_type).toBe('COOPERATIVE_CLOSE');
    expect(closed.closing_tx_hash).toBe(closingTxid);
    // Bob's 42 000 sat came back to his wallet on chain (the closing output pays him directly).
    await waitFor(async () => ((await bob.walletBalance()).confirmedSat === 42_000n ? true : undefined), 'bob\'s wallet to hold his 42 000 sat', 30_000);
    expect((await alice.listChannels()).length).toBe(0);
  }, 240_000);
});
