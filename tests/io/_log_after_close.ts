/**
 * Logs 50 lines 20 ms apart, then prints "finished" to standard output.
 * The log test closes the reading end of this process's standard error first.
 */
import { log } from "../../lib/io/log.ts";

for (let i = 0; i < 50; i++) {
  log.info(`line ${i}`);
  await new Promise((done) => setTimeout(done, 20));
}
console.log("finished");
