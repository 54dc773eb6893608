// One structured logger for every ferrolb process (pino): JSON lines on stderr with an ISO
// time, the level as a word and the component's identity fields, the way MetalLB's speaker and
// controller log. Levels follow MetalLB's --log-level: all, debug, info, warn, error, none.
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';

export const LOG_LEVELS = ['all', 'debug', 'info', 'warn', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What components log through: a message plus structured fields. */
export interface Log {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/** The level named by `--log-level`; throws naming the flag and the choices. */
export function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === text.trim().toLowerCase());
  if (level === undefined) throw new Error(`--log-level: "${text}" is not one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

const PINO_LEVEL: Record<LogLevel, string> = {
  all: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  none: 'silent',
};

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Fields on every line, e.g. `{ component: 'speaker', node: 'node1' }`. */
  readonly base: Record<string, string>;
  /** Where lines go; stderr (synchronously, so nothing is lost on exit) by default. */
  readonly destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Log {
  const logger: Pino = pino(
    {
      level: PINO_LEVEL[opts.level],
      base: opts.base,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors passed as fields keep their message and stack instead of becoming `{}`.
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: object): void => {
      if (fields === undefined) logger[level](msg);
      else logger[level](fields, msg);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
