/** A half-open range of UTF-16 offsets into one source text, with 1-based line/column of its start and end. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

/** Maps offsets to 1-based line and column numbers; built once per source text. */
export class LineIndex {
  private readonly lineStarts: number[];
  /** The line found last. */
  private hint = 0;

  constructor(readonly text: string) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** Index of the last line start at or before `offset` (already clamped): the lines are searched from the last one found, as spans come mostly in order. */
  private lineOf(offset: number): number {
    const starts = this.lineStarts;
    let lo = this.hint;
    if (starts[lo]! <= offset && (lo + 1 >= starts.length || starts[lo + 1]! > offset)) return lo;
    lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return lo;
  }

  /** 1-based line and column of an offset (offsets past the end clamp to the end). */
  position(offset: number): { line: number; col: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const l = this.lineOf(clamped);
    return { line: l + 1, col: clamped - this.lineStarts[l]! + 1 };
  }

  span(start: number, end: number): Span {
    const a = Math.max(0, Math.min(start, this.text.length));
    const b = Math.max(0, Math.min(end, this.text.length));
    const la = this.lineOf(a);
    const lb = this.lineOf(b);
    return { start, end, line: la + 1, col: a - this.lineStarts[la]! + 1, endLine: lb + 1, endCol: b - this.lineStarts[lb]! + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const s = this.lineStarts[line - 1];
    if (s === undefined) return "";
    const next = this.lineStarts[line];
    const e = next === undefined ? this.text.length : next - 1;
    return this.text.slice(s, e).replace(/\r$/, "");
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

/** The smallest span covering both. */
export function cover(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return {
    start: first.start,
    end: last.end,
    line: first.line,
    col: first.col,
    endLine: last.endLine,
    endCol: last.endCol,
  };
}
