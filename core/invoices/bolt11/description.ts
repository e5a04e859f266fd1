/**
 * What `describeBolt11` (describe.ts) returns, as plain JSON data. Types only, in a file of their
 * own so that the app's bundle can name them (through core/api) without the decoder.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Bolt11ErrorDescription {
  readonly code: string;
  /** `parse`: not a well-formed invoice; `semantic`: well-formed but breaks a reader requirement. */
  readonly family: 'parse' | 'semantic';
  readonly message: string;
  /** What the code means in general. */
  readonly explanation: string;
  /** The unknown even feature bits, for `bolt11.unknown_required_feature` ("SHOULD indicate the unknown bit"). */
  readonly bits?: number[];
}

export interface Bolt11Description {
  readonly kind: 'bolt11_invoice';
  /** True when there is no error at all. */
  readonly valid: boolean;
  /** Every field present, by its spec name; empty when the string did not parse. */
  readonly fields: Record<string, JsonValue>;
  readonly errors: Bolt11ErrorDescription[];
}
