/**
 * The few Electron interfaces the host uses, declared locally: the `electron` package is an
 * optional dependency (its binary download needs the internet), so the host must typecheck and
 * its testable parts must run without it. At run time the real module is loaded.
 */
export interface IpcMainInvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
  readonly sender: WebContentsLike;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => void): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): void;
}

export interface WebPreferencesLike {
  readonly preload: string;
  readonly sandbox: boolean;
  readonly contextIsolation: boolean;
  readonly nodeIntegration: boolean;
  readonly nodeIntegrationInWorker: boolean;
  readonly nodeIntegrationInSubFrames: boolean;
  readonly webSecurity: boolean;
  readonly allowRunningInsecureContent: boolean;
  readonly webviewTag: boolean;
  readonly spellcheck: boolean;
  readonly navigateOnDragDrop: boolean;
}

export interface BrowserWindowOptionsLike {
  readonly width: number;
  readonly height: number;
  readonly x?: number;
  readonly y?: number;
  readonly minWidth: number;
  readonly minHeight: number;
  readonly show: boolean;
  readonly title: string;
  readonly backgroundColor: string;
  readonly icon?: string;
  readonly webPreferences: WebPreferencesLike;
}
