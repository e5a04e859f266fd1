/**
 * The node the desktop app hosts in its main process, opened and started the way the app does it —
 * everything but the window, so it runs (and is tested) without the Electron binary:
 * - its settings: config.json (the Settings page writes it) under the environment's overrides
 *   (`GLASSWING_PORT`, `GLASSWING_RPC_URL` from `npm start`'s sandbox chain, `GLASSWING_ALIAS`,
 *   `GLASSWING_PASSPHRASE`); a saved (or the default) listen address that is taken falls back to a
 *   free port this run, and what the first start chose is saved for the next;
 * - the command line's endpoint (cli-endpoint.ts), so `glasswing --datadir D …` and the sandbox reach it.
 */
import { createNodeApi } from '../../core/api/node-api';
import type { NodeApi } from '../../core/api';
import { Node, mailboxQuotas, onionPolicy, readSavedSettings, saveSettings } from '../../core/node';
import { NO_CHAIN, checkChainConfig } from '../../core/node/chain-config';
import { parseListenAddress } from '../../core/peer';
import { GLASSWING_VERSION } from '../version';
import { openCliEndpoint, type CliEndpoint } from './cli-endpoint';

export interface DesktopNode {
  readonly node: Node;
  readonly api: NodeApi;
  /** The command line's endpoint, or undefined when it could not listen (logged; the app still runs). */
  readonly cli: CliEndpoint | undefined;
  /** Stops the endpoint, then the node. */
  stop(): Promise<void>;
}

export async function openDesktopNode(opts: {
  readonly datadir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: Record<string, unknown>) => void;
}): Promise<DesktopNode> {
  const { datadir, env, log } = opts;
  const saved = readSavedSettings(datadir);
  const fromEnvironment = env.GLASSWING_PORT !== undefined;
  const listen = fromEnvironment ? { host: '127.0.0.1', port: Number(env.GLASSWING_PORT) }
    : saved.listen === '' ? null : (saved.listen && parseListenAddress(saved.listen)) || { host: '127.0.0.1', port: 9735 };
  // The chain: `npm start`'s sandbox hands its btcd over (GLASSWING_RPC_URL), else config.json's, else none.
  const network = saved.network ?? 'regtest';
  const chainNames = { kind: 'chain.kind', rpcUrl: 'chain.rpcUrl', rpcCookie: 'chain.rpcCookie', esploraUrl: 'chain.esploraUrl' };
  const chain = env.GLASSWING_RPC_URL
    ? checkChainConfig({ kind: 'bitcoind-rpc', rpcUrl: env.GLASSWING_RPC_URL }, network, 'config.bad_chain', chainNames)
    : saved.chain ? checkChainConfig(saved.chain, network, 'config.bad_chain', chainNames) : NO_CHAIN;
  const node = await Node.open({
    datadir,
    alias: env.GLASSWING_ALIAS ?? saved.alias ?? '',
    network,
    chain,
    ...(env.GLASSWING_RPC_URL ? { fromCommandLine: ['chain'] } : {}),
    listen,
    listenFallback: !fromEnvironment,
    messenger: { policy: onionPolicy(saved.onion), mailbox: mailboxQuotas(saved.mailbox) },
    passphrase: env.GLASSWING_PASSPHRASE,
    version: GLASSWING_VERSION,
    log,
  });
  const started = await node.start();
  saveSettings(datadir, {
    ...(saved.network === undefined ? { network } : {}),
    ...(saved.listen === undefined && !fromEnvironment && started.listen[0] ? { listen: started.listen[0] } : {}),
  });
  const api = createNodeApi(node);
  // The command line (and npm start's sandbox) reaches this node as it reaches a daemon.
  let cli: CliEndpoint | undefined;
  try {
    cli = await openCliEndpoint({ api, datadir, network, log });
    log({ event: 'cli_endpoint', url: cli.url });
  } catch (e) {
    log({ event: 'cli_endpoint_failed', message: e instanceof Error ? e.message : String(e) });
  }
  let stopped: Promise<void> | undefined;
  return {
    node, api, cli,
    stop: () => (stopped ??= (async () => {
      await cli?.close();
      await node.stop();
    })()),
  };
}
