// Placeholder: filled in by the cvn work.
export {};
