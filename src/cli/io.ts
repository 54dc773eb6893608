// Output sinks for commands, so tests can run a command in-process and capture what it prints.
export interface CommandIO {
  stdout(line: string): void;
  stderr(line: string): void;
}

export const processIO: CommandIO = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};
