/**
 * Command-line handling shared by the entry points under bin/: option parsing,
 * and a one-line report of invalid input that exits with status 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit status for invalid input: unknown flags, bad flag values, invalid configs or set names. */
export const INVALID_INPUT_EXIT_CODE = 2;

/**
 * Error for invalid command-line input. Entry points that catch it report its
 * message with `exitWithUsageError`, so it exits with status 2 and no stack trace.
 */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * Prints `<command>: <message>; run with --help for the options` as one line
 * to standard error and exits with status 2.
 */
export function exitWithUsageError(command: string, message: string): never {
  console.error(`${command}: ${oneLine(message)}; run with --help for the options`);
  Deno.exit(INVALID_INPUT_EXIT_CODE);
}

/**
 * Parses `Deno.args` with `parseArgs` from node:util. An unknown option, a
 * missing value, an ambiguous value such as `--seed -1`, or an unexpected
 * positional argument ends the process through `exitWithUsageError`.
 *
 * @param command name printed before the message, such as "tokenize".
 * @param config the `parseArgs` config; `args` defaults to `Deno.args`.
 * @throws TypeError for any other error of `parseArgs`, which means the config itself is wrong.
 */
export function parseCliArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ args: Deno.args, ...config });
  } catch (err) {
    if (isParseArgsInputError(err)) exitWithUsageError(command, err.message);
    throw err;
  }
}

/** Returns true for the errors that `parseArgs` raises on bad input, all coded ERR_PARSE_ARGS_*. */
function isParseArgsInputError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** Joins a multi-line message (the ambiguous-value message of node:util in Deno 2.9.6 has three lines) and drops a final period. */
function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, " ").replace(/\.$/, "");
}
