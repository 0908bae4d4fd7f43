/** Provenance of a run: code version (git commit) and the machine it ran on. */

/** The machine a run ran on. */
export interface MachineInfo {
  hostname: string;
  os: string;
  arch: string;
  /** Logical CPU cores. */
  cpus: number;
  deno: string;
  v8: string;
}

/**
 * Returns the git commit of the repository at `repoDir`, with "-dirty" appended
 * when tracked files under `paths` have uncommitted changes (default: `lib`, `bin`).
 * @throws Error when git is missing or `repoDir` is not a git working tree.
 */
export async function codeVersion(
  repoDir: string,
  paths: string[] = ["lib", "bin"],
): Promise<string> {
  const head = await git(repoDir, ["rev-parse", "HEAD"]);
  const status = await git(repoDir, [
    "status",
    "--porcelain",
    "--untracked-files=no",
    "--",
    ...paths,
  ]);
  return status.trim() === "" ? head.trim() : `${head.trim()}-dirty`;
}

async function git(cwd: string, args: string[]): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
  } catch (err) {
    throw new Error(
      `failed to run git ${args[0]} in ${cwd}: ${(err as Error).message}; install git`,
      { cause: err },
    );
  }
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${message}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Describes the current machine (needs Deno's `--allow-sys` for the hostname). */
export function machineInfo(): MachineInfo {
  let hostname = "unknown";
  try {
    hostname = Deno.hostname();
  } catch {
    // NOTE: without --allow-sys the hostname stays "unknown".
  }
  return {
    hostname,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}
