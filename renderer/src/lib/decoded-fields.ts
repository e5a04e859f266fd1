/**
 * One row of a decoded string's field table (BOLT 11 or BOLT 12): the field by its spec name, what
 * it holds, and what it means. `flags` are the numbers of the errors that name this field;
 * `missing` marks a field an error names that the string does not carry.
 */
export interface DecodedFieldRow {
  readonly name: string;
  readonly label: string;
  /** Shown after the spec name: a BOLT 11 tag letter or a BOLT 12 TLV type. */
  readonly detail: string | null;
  readonly value: string;
  readonly mono: boolean;
  readonly more?: readonly string[];
  readonly explain?: string;
  readonly flags?: readonly number[];
  readonly missing?: boolean;
}
