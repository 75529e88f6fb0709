// Placeholder: filled in by the tlv work.
export {};
