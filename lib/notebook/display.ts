/**
 * Rich display in Deno's Jupyter kernel.
 *
 * The kernel shows a cell's value through its `Symbol.for("Jupyter.display")`
 * method, which returns a MIME bundle: a map from MIME type to content. Text
 * types are strings, JSON types are objects, and images are base64 strings.
 * `Deno.jupyter.display(value)` shows several values from one cell.
 */

/** Key of the method that Deno's Jupyter kernel calls to get a value's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** Map from MIME type to content, as in Jupyter's `display_data` message. */
export type MimeBundle = Record<string, unknown>;

/** A value that Deno's Jupyter kernel shows as rich output. */
export interface Displayable {
  /** Returns the MIME bundle to show. */
  [JUPYTER_DISPLAY](): MimeBundle;
}

/**
 * Wraps a MIME bundle as a value that Deno's Jupyter kernel displays.
 * @throws Error when the bundle has no `text/plain` entry, the fallback of
 *   every frontend.
 */
export function displayable(bundle: MimeBundle): Displayable {
  if (typeof bundle["text/plain"] !== "string") {
    throw new Error(
      `MIME bundle with types ${Object.keys(bundle).join(", ") || "(none)"} lacks "text/plain"; ` +
        `add a plain-text summary`,
    );
  }
  const frozen = Object.freeze({ ...bundle });
  return { [JUPYTER_DISPLAY]: () => frozen };
}

/** Returns the MIME bundle of a value made by {@link displayable} or any other displayable value. */
export function mimeBundleOf(value: Displayable): MimeBundle {
  return value[JUPYTER_DISPLAY]();
}

/** Wraps Markdown text for display, with the same text as the plain-text fallback. */
export function markdown(text: string): Displayable {
  return displayable({ "text/markdown": text, "text/plain": text });
}

/** Wraps an HTML fragment for display, with `plain` shown where HTML is not rendered. */
export function html(fragment: string, plain: string): Displayable {
  return displayable({ "text/html": fragment, "text/plain": plain });
}

/** Encodes bytes as base64, the encoding of binary data in a MIME bundle. */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
