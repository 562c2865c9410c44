import { PinoLogger } from 'nestjs-pino';
import { type Level, type Logger as Pino, symbols } from 'pino';

/**
 * Captures what the app logs, line by line, without touching src/: the app's one pino logger
 * (nestjs-pino's root, shared by pino-http's per-request children and Nest's Logger) is pointed at an
 * in-memory stream and set to the given level. Children created per request read both from the root,
 * so every request and every service log line lands in `lines`. `restore()` puts the stdout stream
 * and the level back.
 *
 * Logs written while the app starts (before this is installed) are not captured; they come before any
 * request, so they hold no data. The root is a singleton per test file (nestjs-pino keeps one pino-http
 * instance per module registry), hence the restore: a later app in the same file starts clean.
 */
export interface LogCapture {
  readonly lines: string[];
  restore(): void;
}

type Streamed = Pino & { [key: symbol]: unknown };

export const captureLogs = (lines: string[], level: Level = 'trace'): LogCapture => {
  const root = PinoLogger.root as Streamed | undefined;
  if (!root) throw new Error('No pino root logger: start the app (createApp) before capturing its logs.');
  const stream = symbols.streamSym as unknown as symbol;
  const original = { stream: root[stream], level: root.level };
  root[stream] = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(line);
    },
  };
  root.level = level;
  return {
    lines,
    restore() {
      root[stream] = original.stream;
      root.level = original.level;
    },
  };
};
