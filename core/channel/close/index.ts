/** core/channel/close: cooperative close (BOLT 2 shutdown, closing_signed, option_simple_close; BOLT 3 closing transactions). */
export * from './errors';
export * from './closing-tx';
export * from './negotiation';
export * from './closer';
