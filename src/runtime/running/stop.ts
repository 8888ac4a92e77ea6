/**
 * A request to stop training (the first Ctrl-C, or SIGTERM): each cell finishes the step it is
 * in, marks itself "interrupted" and returns, keeping its last checkpoint; no new cell starts.
 * One flag per process: the parent sets it for a one-process run, a worker for its own cell.
 */
let requested: NodeJS.Signals | null = null;

export function requestStop(signal: NodeJS.Signals): void {
  requested ??= signal;
}

/** The signal that asked to stop, or null. */
export function stopRequested(): NodeJS.Signals | null {
  return requested;
}
