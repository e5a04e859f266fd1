/** Types of eslint/layers.js (the layer table), for the tests that read it. */
export interface Layer {
  readonly level: number;
  readonly folders: readonly string[];
  readonly role: string;
}
export declare const LAYERS: readonly Layer[];
export declare const SHARED_FILES: readonly string[];
export declare const SIBLINGS: readonly (readonly [string, string])[];
export declare const RENDERER_MAY_IMPORT: string;
export declare const NODE_ONLY_API: readonly string[];
export declare const CORE_FORBIDDEN_PACKAGES: readonly string[];
export declare function levelOf(folder: string): number | undefined;
export declare function mayImport(from: string, to: string): boolean;
