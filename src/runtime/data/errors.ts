/**
 * The data layer's one error type. Like the compiler's diagnostics, every error says what is wrong
 * (`message`, lower-case, naming the file, line or source) and what to do about it (`help`), so the
 * CLI can print both without knowing where the error came from.
 */
export class DataError extends Error {
  override readonly name = "DataError";
  readonly help: string;

  constructor(message: string, help: string) {
    super(message);
    this.help = help;
  }
}
