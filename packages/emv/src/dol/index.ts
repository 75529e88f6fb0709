// Placeholder: filled in by the dol work.
export {};
