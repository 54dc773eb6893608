// `--host` / `--port` of the monitoring endpoint, shared by the speaker, controller and standalone
// commands: port 0 turns the endpoint off.

export type MonitoringFlag = { readonly host: string; readonly port: number } | null;

/** The endpoint to serve, null for off, or an error message naming the flag. */
export function monitoringFlag(host: string | null, port: string | null): MonitoringFlag | string {
  if (port === null) return null;
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `--port: ${port} is not a port number (0..65535)`;
  if (Number(port) === 0) return null;
  return { host: host ?? '::', port: Number(port) };
}
