// Reading a Prometheus /metrics endpoint in tests.

/** Parses the Prometheus text format into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Fetches and parses `http://HOST:PORT/metrics`. */
export async function scrapeMetrics(port: number, host = '127.0.0.1'): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`http://${host}:${port}/metrics`)).text());
}
