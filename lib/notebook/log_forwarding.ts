/**
 * Forwarding of standard-error output into the notebook.
 *
 * The project's logger writes progress lines with `Deno.stderr.writeSync`.
 * Deno's Jupyter kernel (checked with Deno 2.9.6) shows `console.error` output
 * in the notebook but drops raw writes to standard error, so without this a
 * training cell runs for minutes with no sign of progress anywhere.
 */

let restoreActive: (() => void) | null = null;

/**
 * Sends every later write to `Deno.stderr` (sync or async) through
 * `console.error`, which the kernel shows as the cell's stderr stream.
 * Calling it again while active does nothing.
 * @returns A function that restores the original writers.
 */
export function forwardStderrToNotebook(): () => void {
  if (restoreActive !== null) return restoreActive;
  const stderr = Deno.stderr;
  const decoder = new TextDecoder();
  const hadOwnSync = Object.hasOwn(stderr, "writeSync");
  const hadOwnAsync = Object.hasOwn(stderr, "write");
  const originalSync = stderr.writeSync;
  const originalAsync = stderr.write;
  const forward = (bytes: Uint8Array): number => {
    // console.error adds its own line break.
    console.error(decoder.decode(bytes).replace(/\n$/, ""));
    return bytes.length;
  };
  // NOTE: this replaces methods of the global Deno.stderr object, so it affects every
  // module in the kernel; call it only in notebooks.
  stderr.writeSync = forward;
  stderr.write = (bytes: Uint8Array) => Promise.resolve(forward(bytes));
  restoreActive = () => {
    if (hadOwnSync) stderr.writeSync = originalSync;
    else delete (stderr as Partial<typeof stderr>).writeSync;
    if (hadOwnAsync) stderr.write = originalAsync;
    else delete (stderr as Partial<typeof stderr>).write;
    restoreActive = null;
  };
  return restoreActive;
}
