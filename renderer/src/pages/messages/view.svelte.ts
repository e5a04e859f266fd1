/**
 * What the Messages page remembers while it is open: the log filter, the selected row, and the
 * draft of the send form (which "Reply" fills in).
 */
import { NO_FILTER, type OnionLogFilter, type OnionLogRow } from '../../lib/onion';
import type { ValueFormat } from '../../lib/send-form';

export interface SendDraft {
  destination: string;
  tlvType: string;
  value: string;
  format: ValueFormat;
  via: string;
  replyPath: boolean;
  waitSeconds: number;
  inReplyTo: string | null;
}

export function emptyDraft(): SendDraft {
  return { destination: '', tlvType: '65537', value: '', format: 'text', via: '', replyPath: false, waitSeconds: 0, inReplyTo: null };
}

export class MessagesView {
  #filter = $state<OnionLogFilter>(NO_FILTER);
  #selected = $state<string | null>(null);
  #draft = $state<SendDraft>(emptyDraft());
  #replyRequests = $state(0);

  get filter(): OnionLogFilter {
    return this.#filter;
  }

  set filter(value: OnionLogFilter) {
    this.#filter = value;
  }

  /** Key of the selected log row. */
  get selected(): string | null {
    return this.#selected;
  }

  set selected(key: string | null) {
    this.#selected = key;
  }

  /** The send form's fields (bound by the form). */
  get draft(): SendDraft {
    return this.#draft;
  }

  /** Increases each time "Reply" is used, so the form can take focus. */
  get replyRequests(): number {
    return this.#replyRequests;
  }

  /** Prepares an answer over the reply path a delivered message carried. */
  replyTo(row: OnionLogRow): void {
    const path = row.event.replyPath;
    if (typeof path !== 'string' || !row.messageId) return;
    this.#draft = { ...emptyDraft(), tlvType: this.#draft.tlvType, destination: path, inReplyTo: row.messageId };
    this.#replyRequests++;
  }

  resetDraft(): void {
    this.#draft = { ...emptyDraft(), tlvType: this.#draft.tlvType };
  }
}
