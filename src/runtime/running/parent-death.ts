/**
 * Linux's parent-death signal for worker processes: prctl(PR_SET_PDEATHSIG, SIGKILL) makes the
 * kernel kill a worker the moment its parent dies, even mid-step. Called through koffi (already
 * loaded for OpenBLAS); where it is unavailable, the IPC disconnect handler does the same a little
 * later. A worker killed this way leaves its cell lock to a dead pid, which the next run recovers.
 */
import { createRequire } from "node:module";

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

export function dieWithParent(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
    const prctl = koffi.load("libc.so.6").func("int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)");
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) !== 0) return false;
    // The parent may have died before the call: then we were already re-parented.
    if (process.ppid === 1) process.exit(1);
    return true;
  } catch {
    return false;
  }
}
