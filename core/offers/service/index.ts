/** The offers service: the OffersManager wired to the onion messenger, the store and the clock. */
export * from './service';
export * from './views';
