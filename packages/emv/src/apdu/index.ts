// Placeholder: filled in by the apdu work.
export {};
