// The values of paravm's options and the files they name, checked before anything starts:
// each failure is a UsageError that says what would have been accepted.

import { readFileSync, statSync } from "node:fs";
import { MAX_RAM } from "../machine/memory.js";
import { formatSize, parseSize } from "../util/size.js";
import { UsageError } from "./usageError.js";

/** The largest --memory, in whole MiB under WebAssembly's 4 GiB (the VM's memory is one wasm32 Memory). */
export const MAX_MEMORY = Math.floor(MAX_RAM / 2 ** 20) * 2 ** 20;
/** setTimeout's limit: 2^31 - 1 ms. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** Linux on RISC-V keeps this many bytes of its command line (COMMAND_LINE_SIZE 1024, with the NUL). */
export const MAX_APPEND_BYTES = 1023;

export function memoryOption(text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const bytes = parseSize(text);
  const range = `${formatSize(min)}..${formatSize(MAX_MEMORY)}`;
  if (bytes === null) throw new UsageError(`--memory wants a size such as 512M or 2G (${range}), not '${text}'`);
  if (bytes < min || bytes > MAX_MEMORY)
    throw new UsageError(`--memory wants ${range} (WebAssembly memory ends at 4 GiB), not '${text}'`);
  return bytes;
}

export function integerOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  // Digits, or a plain number in e-notation such as 1e6; nothing else Number() would take ("0x10", " 2", "").
  const n = /^\d+(\.\d+)?(e\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} wants ${min}..${max}, not '${text}'`);
  return n;
}

/** Seconds (a fraction allowed), more than 0; null when the option is absent. */
export function secondsOption(name: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const s = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(s > 0 && s <= MAX_TIMEOUT_SECONDS))
    throw new UsageError(`--${name} wants seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}, not '${text}'`);
  return s;
}

export function appendOption(text: string): string {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_APPEND_BYTES)
    throw new UsageError(`--append is ${bytes} bytes; Linux on RISC-V reads at most ${MAX_APPEND_BYTES}`);
  return text;
}

/**
 * The bytes of the file an option names. A directory, a device or an empty file is refused: a
 * kernel, initrd, firmware or device tree is never one (a pipe is fine: --kernel <(zcat …)).
 */
/** `option` names the option in messages; "" for a positional FILE. */
export function readInputFile(option: string, path: string): Uint8Array {
  const what = option ? `--${option} ${path}` : path;
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${what} is a directory, not a file`);
    if (!st.isFile() && !st.isFIFO()) throw new UsageError(`${what} is not a regular file`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: ${describeFileError(e)}`);
  }
  if (bytes.length === 0) throw new UsageError(`${what} is empty`);
  return bytes;
}

/** A file system error in a few words: "no such file", "permission denied", or its code. */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a directory";
  if (code === "EISDIR") return "is a directory";
  return code ?? (e as Error).message;
}
