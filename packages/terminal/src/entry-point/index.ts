/** entry-point/: EMV Contactless Book B Entry Point (PPSE directory, candidate list, final selection). */
export { buildCandidateList, type Candidate } from './candidate-list.js';
export { type DirectoryEntry, parsePpseDirectory } from './ppse-directory.js';
export type { SelectedApplication } from './select-application.js';
