/** Provenance of a run: code version (git commit and content identity) and the machine it ran on. */
import { sha256Hex } from "./run_id.ts";

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

/** The version of the code that produced a run. */
export interface CodeVersion {
  /** Git commit checked out (HEAD), for provenance. */
  commit: string;
  /** True when tracked files under the code paths differ from HEAD. */
  dirty: boolean;
  /**
   * Content identity of the code paths, such as "lib@1a2b3c4d5e6f+bin@0f9e8d7c6b5a":
   * the git tree hash of each path at HEAD, plus "+dirty@<hash of the diff>"
   * when tracked files differ. Commits that touch only other paths (docs,
   * tests, configs) keep it, so interrupted runs still resume after them.
   */
  identity: string;
}

/**
 * Computes the code version of the repository at `repoDir` for the code
 * `paths` (default `lib` and `bin`).
 * @throws Error when git is missing or `repoDir` is not a git working tree.
 */
export async function codeVersion(
  repoDir: string,
  paths: string[] = ["lib", "bin"],
): Promise<CodeVersion> {
  const commit = (await git(repoDir, ["rev-parse", "HEAD"])).trim();
  const trees: string[] = [];
  for (const path of paths) {
    const tree = (await git(repoDir, ["rev-parse", `HEAD:${path}`])).trim();
    trees.push(`${path}@${tree.slice(0, 12)}`);
  }
  // NOTE: untracked files under the code paths are not part of the identity.
  const diff = await git(repoDir, ["diff", "HEAD", "--", ...paths]);
  const dirty = diff.trim() !== "";
  const identity = dirty
    ? `${trees.join("+")}+dirty@${(await sha256Hex(diff)).slice(0, 12)}`
    : trees.join("+");
  return { commit, dirty, identity };
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
