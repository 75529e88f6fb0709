/**
 * Shapes of BER-TLV data objects as this library hands them out and takes them in
 * (EMV Book 3 Annex B; ISO/IEC 8825-1 for the underlying BER rules).
 */

/** A decoded data object. `offset` and `headerLength` locate it in the parsed buffer. */
export type TlvNode = {
  /** Tag as uppercase hex, e.g. '9F26'. */
  tag: string;
  /** b6 of the first tag byte: the value is itself a sequence of data objects (a template). */
  constructed: boolean;
  /** The value field (a copy: zeroing the input buffer does not change it). */
  value: Uint8Array;
  /** Present exactly when `constructed`: the objects inside the template. */
  children?: TlvNode[];
  /** Byte index of the first tag byte in the buffer given to the parser. */
  offset: number;
  /** Number of tag bytes plus length bytes; the value starts at `offset + headerLength`. */
  headerLength: number;
};

/**
 * What the encoder takes. A {@link TlvNode} is a valid input. When `children` is given it is
 * encoded as the value (and `value` is ignored); otherwise `value` (bytes or hex) is used as is.
 */
export type TlvInput = {
  tag: string;
  value?: Uint8Array | string;
  children?: readonly TlvInput[];
};

/** Options of `parseTlv` and `parseTlvSingle`; a `maxDepth` outside 1–256 is ERR_BAD_ARGUMENT. */
export type TlvParseOptions = {
  /**
   * Deepest nesting accepted: top-level objects are at depth 1, the objects inside a top-level
   * template at depth 2, and so on. Default 16 (real EMV responses stay under 5); at most 256.
   */
  maxDepth?: number;
  /**
   * Skip '00' and 'FF' bytes before, between and after data objects (at every level), as
   * EMV Book 3 Annex B allows. Without it those bytes are rejected as invalid first tag bytes.
   */
  allowPadding?: boolean;
};
