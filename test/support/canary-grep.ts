/**
 * Looks for secrets in text that left the app (bodies, headers, SSE, log lines), fast enough for tens
 * of megabytes and thousands of needles:
 * - canaries, as they are and in any letter case, also without their prefix: every hex run of the text
 *   is cut into windows of the canaries' hex length and each window looked up in a set;
 * - the word "canary" itself, in any case (nothing the app says contains it, so any hit is a lead);
 * - sealed material (ciphertexts, IVs, tags, wrapped keys), by base64 and hex windows the same way;
 * - a `sealedIdentity` field with any value but "restricted".
 */
export interface GrepHit {
  readonly where: string;
  readonly what: string;
  readonly excerpt: string;
}

const HEX_WINDOW = 24;
const BASE64_WINDOW = 16;

export class SecretGrep {
  readonly hits: GrepHit[] = [];
  bytes = 0;
  texts = 0;
  private readonly hex = new Map<string, string>();
  private readonly base64 = new Map<string, string>();

  /** `canaries` are `PREFIX-<hex>` with at least HEX_WINDOW hex digits. */
  constructor(readonly canaries: readonly string[]) {
    for (const canary of canaries) {
      const core = /[0-9a-f]{24,}$/i.exec(canary)?.[0];
      if (!core) throw new Error(`a canary needs ${HEX_WINDOW} hex digits at its end: ${canary}`);
      this.hex.set(core.slice(0, HEX_WINDOW).toLowerCase(), canary);
    }
  }

  /** Sealed material that must not leave either: base64 (as stored in events) and its hex form. */
  addSealed(label: string, base64: string): void {
    if (base64.length < BASE64_WINDOW) throw new Error(`sealed material too short to look for: ${label}`);
    this.base64.set(base64.slice(0, BASE64_WINDOW), label);
    this.hex.set(Buffer.from(base64, 'base64').toString('hex').slice(0, HEX_WINDOW), label);
  }

  /** The hits in one text, also recorded in `hits`. */
  scan(where: string, text: string): GrepHit[] {
    this.texts += 1;
    this.bytes += Buffer.byteLength(text);
    const found: GrepHit[] = [];
    const hit = (what: string, index: number) => found.push({ where, what, excerpt: text.slice(Math.max(0, index - 60), index + 80) });
    const lower = text.toLowerCase();
    for (let index = lower.indexOf('canary'); index !== -1; index = lower.indexOf('canary', index + 1)) hit('the word "canary"', index);
    for (const run of lower.matchAll(/[0-9a-f]{24,}/g)) {
      for (let i = 0; i + HEX_WINDOW <= run[0].length; i++) {
        const secret = this.hex.get(run[0].slice(i, i + HEX_WINDOW));
        if (secret !== undefined) hit(secret, run.index + i);
      }
    }
    if (this.base64.size > 0) {
      for (const run of text.matchAll(/[A-Za-z0-9+/]{16,}/g)) {
        for (let i = 0; i + BASE64_WINDOW <= run[0].length; i++) {
          const secret = this.base64.get(run[0].slice(i, i + BASE64_WINDOW));
          if (secret !== undefined) hit(secret, run.index + i);
        }
      }
    }
    for (const field of text.matchAll(/sealedIdentity\\?"\s*:\s*(?!\\?"restricted\\?")/g)) hit('sealedIdentity with a value', field.index);
    this.hits.push(...found);
    return found;
  }
}
