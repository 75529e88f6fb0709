// Placeholder: filled in by the cryptogram work.
export {};
