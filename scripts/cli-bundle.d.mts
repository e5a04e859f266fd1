/** Types of scripts/cli-bundle.mjs (plain JavaScript, so the bin runs it without a compiler). */
export declare function isFresh(): boolean;
export declare function buildCli(): Promise<boolean>;
export declare function bundlePath(): string | undefined;
export declare function cliEntry(): Promise<string | null>;
