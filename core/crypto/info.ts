/**
 * What the crypto backend choice reports, as plain data (getinfo, logs, the app). Types only, in a
 * file of their own so that the app's bundle can name them without the backends (select.ts).
 */
import type { CryptoBackendName, CryptoPrimitiveInfo } from './backend';

export type CryptoBackendRequest = CryptoBackendName | 'auto';

/** What `cryptoBackendInfo()` reports (plain data: safe for getinfo, logs and the app). */
export interface CryptoBackendInfo {
  /** The backend in use. */
  readonly backend: CryptoBackendName;
  /** What was asked for, and by whom. */
  readonly requested: CryptoBackendRequest;
  readonly requestedBy: 'default' | 'environment' | 'option';
  /** Why the backend in use is not the one asked for (or not the first choice, for auto); null if it is. */
  readonly fallback: string | null;
  /** Symmetric primitives node:crypto could not serve here (served by @noble instead). */
  readonly notes: readonly string[];
  /** The implementation behind each primitive. */
  readonly primitives: CryptoPrimitiveInfo;
}
