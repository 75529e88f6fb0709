export { vectorCategories } from './categories.js';
export * from './runner.js';
export * from './vector-file.js';
