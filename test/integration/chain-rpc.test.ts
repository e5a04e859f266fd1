/** The chain scenario suite over btcd's JSON-RPC (blocks mode). */
import { chainScenarios } from './chain-scenarios';

chainScenarios('bitcoind-rpc');
