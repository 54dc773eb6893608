// Sanity group: how long loading the addon takes (cold import of the generated loader).
export async function run({ record }) {
  const start = process.hrtime.bigint();
  const addon = await import('../../index.js');
  addon.nativeVersion();
  record('native.load.ms', Number(process.hrtime.bigint() - start) / 1e6, 'ms');
}
