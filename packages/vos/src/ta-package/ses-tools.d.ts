/**
 * Types of the part of `ses/tools.js` V-OS uses: SES's source transforms, the very functions a
 * Compartment's `evaluate` applies before it evaluates anything (ses src/transforms.js). Importing
 * the module does not lock anything down.
 */
declare module 'ses/tools.js' {
  /** SES's source transforms; each `reject…` returns the source or throws a SyntaxError. */
  export const transforms: {
    readonly rejectHtmlComments: (src: string) => string;
    readonly rejectImportExpressions: (src: string) => string;
    readonly rejectSomeDirectEvalExpressions: (src: string) => string;
  };
}
