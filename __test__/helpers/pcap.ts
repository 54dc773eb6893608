// A reader for classic pcap files (what `tcpdump -w` writes): timestamps and raw frames.

export interface PcapFrame {
  /** Capture time in microseconds since the epoch. */
  tsUs: number;
  data: Buffer;
}

export function parsePcap(file: Buffer): PcapFrame[] {
  if (file.length < 24) return [];
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const be = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && !be) throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (off: number) => (le ? file.readUInt32LE(off) : file.readUInt32BE(off));
  const frames: PcapFrame[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const caplen = u32(off + 8);
    if (off + 16 + caplen > file.length) break; // a record cut short by the stop
    frames.push({
      tsUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      data: file.subarray(off + 16, off + 16 + caplen),
    });
    off += 16 + caplen;
  }
  return frames;
}
