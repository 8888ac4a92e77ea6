/**
 * The runtime's data layer: builtin corpora, user files, heldout split, difficulty metrics and
 * tokenizers. Everything else in the runtime imports from here.
 */
export { experimentTokenizer, loadExperimentData, type ExperimentData, type LoadOptions, type SplitScores } from "./load.js";
export { DataError } from "./errors.js";
export type { Example, Meta, RawDoc, SourceSplit } from "./types.js";
export type { Tokenizer } from "./tokenizers/types.js";
export { BUILTIN_NAMES, loadBuiltin } from "./corpora/registry.js";
export { readability } from "./metrics/readability.js";
