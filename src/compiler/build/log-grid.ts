/**
 * Reads a log-spaced grid, `log(MIN..MAX, COUNT)`: the form of `params` in `models` and of the
 * `budget` axis in `vary`. Both need MIN above zero, MIN below MAX and 2 to 1,000,000 points, and
 * say so in their own words (CGX0602).
 */
import type { LogGrid } from "../ast.js";
import { MAX_CELLS } from "../grid.js";
import type { CallItem } from "../syntax.js";
import { argValue, callArgs, fail } from "./reader.js";

/** The words a grid's messages use: `size`/`sizes` with `200k..20M`, or `budget`/`budgets` with `1e12..1e14`. */
export interface GridWords {
  readonly one: string;
  readonly many: string;
  /** A range to show: `200k..20M`. */
  readonly range: string;
  /** Help for a grid of one point. */
  readonly single: string;
  /** Help for a grid too large to plan. */
  readonly usual: string;
  /** The largest MAX allowed, with the message and help past it. */
  readonly upper?: { readonly value: number; readonly message: string; readonly help: string };
}

export function readLogGrid(call: CallItem, words: GridWords): LogGrid {
  const args = callArgs(call, ["range", "count"], [], ["range", "count"]);
  const range = args.get("range")!;
  const expected = `a ${words.one} range like \`${words.range}\``;
  const ri = range.reader.next(expected);
  if (ri.kind !== "range" || ri.from.kind !== "number" || ri.to.kind !== "number") return range.reader.unexpected(ri, expected);
  const lo = ri.from;
  const hi = ri.to;
  range.reader.done(`after the ${words.one} range`);
  const count = argValue(args, "count", (a) => a.integer(`a number of ${words.many}`, 1))!;
  const min = { value: lo.value, span: lo.span };
  const max = { value: hi.value, span: hi.span };
  if (!(min.value > 0)) fail("CGX0602", min.span, `the smallest ${words.one} must be above zero`, `use e.g. \`${words.range.split("..")[0]}\``);
  if (words.upper && max.value > words.upper.value) fail("CGX0402", max.span, words.upper.message, words.upper.help);
  if (min.value >= max.value) fail("CGX0602", ri.span, `the ${words.one} range \`${lo.text}..${hi.text}\` is empty or reversed`, `write the smaller ${words.one} first`);
  if (count.value < 2) fail("CGX0602", count.span, `a log-spaced grid needs at least 2 ${words.many}`, words.single);
  if (count.value > MAX_CELLS) fail("CGX0809", count.span, `a grid of ${count.value} ${words.many} is more than cgx will plan (${MAX_CELLS} cells)`, words.usual);
  return { min, max, count, span: call.span };
}
