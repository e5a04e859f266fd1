/**
 * What the Offers page keeps while the app runs: the selected offer and the drafts of its forms
 * (so switching tabs loses nothing), and the last result of each action.
 */
import type { FetchInvoiceResult, SendInvoiceResult } from '../../../../core/api/offers';
import type { ApiFailure } from '../../lib/api-error';
import { emptyFetchDraft, emptyOfferDraft, emptyRefundDraft, type FetchDraft, type OfferDraft, type RefundDraft } from '../../lib/offer-form';

export type OffersTab = '' | 'pay' | 'decode' | 'refunds';

export function tabOf(sub: string): OffersTab {
  return sub === 'pay' || sub === 'decode' || sub === 'refunds' ? sub : '';
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ApiFailure };

export class OffersView {
  #selected = $state<string | null>(null);
  #offerDraft = $state<OfferDraft>(emptyOfferDraft());
  #fetchDraft = $state<FetchDraft>(emptyFetchDraft());
  #refundDraft = $state<RefundDraft>(emptyRefundDraft());
  #decodeText = $state('');
  #refundToAnswer = $state('');
  #fetched = $state.raw<Outcome<FetchInvoiceResult> | null>(null);
  #fetchedFor = $state<string | null>(null);
  #answered = $state.raw<Outcome<SendInvoiceResult> | null>(null);

  /** The offer whose detail is open. */
  get selected(): string | null {
    return this.#selected;
  }

  set selected(id: string | null) {
    this.#selected = id;
  }

  get offerDraft(): OfferDraft {
    return this.#offerDraft;
  }

  resetOfferDraft(): void {
    this.#offerDraft = emptyOfferDraft();
  }

  get fetchDraft(): FetchDraft {
    return this.#fetchDraft;
  }

  get refundDraft(): RefundDraft {
    return this.#refundDraft;
  }

  resetRefundDraft(): void {
    this.#refundDraft = emptyRefundDraft();
  }

  get decodeText(): string {
    return this.#decodeText;
  }

  set decodeText(text: string) {
    this.#decodeText = text;
  }

  get refundToAnswer(): string {
    return this.#refundToAnswer;
  }

  set refundToAnswer(text: string) {
    this.#refundToAnswer = text;
  }

  /** The last fetchInvoice: the invoice, or why there is none. */
  get fetched(): Outcome<FetchInvoiceResult> | null {
    return this.#fetched;
  }

  set fetched(v: Outcome<FetchInvoiceResult> | null) {
    this.#fetched = v;
  }

  /** The offer string the last fetch asked about (its answer is shown only while the field holds it). */
  get fetchedFor(): string | null {
    return this.#fetchedFor;
  }

  set fetchedFor(offer: string | null) {
    this.#fetchedFor = offer;
  }

  get answered(): Outcome<SendInvoiceResult> | null {
    return this.#answered;
  }

  set answered(v: Outcome<SendInvoiceResult> | null) {
    this.#answered = v;
  }
}
