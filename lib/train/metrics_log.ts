/**
 * JSON-lines metrics log of a training run: one object per logged update,
 * appended as the run goes. On resume, lines after the checkpoint's step are
 * dropped (they belong to updates that will run again), along with a torn last
 * line left by a killed process.
 */
import { atomicWrite } from "../io/atomic_write.ts";

/** One line of the log; `step` is the number of updates completed. */
export interface MetricsRecord {
  step: number;
  [key: string]: number | string | boolean | null;
}

/** Appends records to a JSON-lines file. */
export class MetricsLog {
  readonly path: string;
  #file: Deno.FsFile | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /**
   * Keeps only the complete lines with `step <= lastStep`; null empties the file.
   * Call it once when a run starts or resumes.
   */
  async truncate(lastStep: number | null): Promise<void> {
    this.close();
    const kept = lastStep === null
      ? []
      : (await readMetrics(this.path)).filter((r) => r.step <= lastStep);
    await atomicWrite(this.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  }

  /** Appends one record as a line, opening the file on first use. */
  async append(record: MetricsRecord): Promise<void> {
    this.#file ??= await Deno.open(this.path, { append: true, create: true });
    const bytes = new TextEncoder().encode(JSON.stringify(record) + "\n");
    let offset = 0;
    while (offset < bytes.length) offset += await this.#file.write(bytes.subarray(offset));
  }

  /** Closes the file. */
  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

/**
 * Reads a JSON-lines metrics file, skipping a torn last line; a missing file
 * gives an empty list.
 *
 * @throws Error naming the file and line when a line other than the last is not valid JSON.
 */
export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const lines = text.split("\n");
  const records: MetricsRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    try {
      records.push(JSON.parse(lines[i]));
    } catch (err) {
      // A line without its newline is the torn end of a killed write.
      const torn = i === lines.length - 1;
      if (torn) break;
      throw new Error(`${path}:${i + 1} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return records;
}
