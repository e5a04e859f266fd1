/** The offers layer's store port (core/offers/manager/records.ts) over one database. */
import type { OffersStores } from '../offers/manager/records';
import type { Database } from './database';
import { InvoiceRequestsRepository } from './invoice-requests-repository';
import { InvoicesRepository } from './invoices-repository';
import { OffersRepository } from './offers-repository';

export function offersStores(db: Database): OffersStores {
  return {
    offers: new OffersRepository(db),
    requests: new InvoiceRequestsRepository(db),
    invoices: new InvoicesRepository(db),
    atomically: (fn) => db.transaction(fn)(),
  };
}
