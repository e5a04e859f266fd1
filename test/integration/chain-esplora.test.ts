/** The chain scenario suite over the Esplora source, through an Esplora-shaped server on btcd (filtered mode). */
import { chainScenarios } from './chain-scenarios';

chainScenarios('esplora');
