// The L2 test LAN: a bridge in a `lan` namespace and hosts plugged into it, each with eth0,
// one IPv4 and one IPv6 address (TEST-NET-1 / documentation prefix, inside the lab only).
import { NetnsLab } from './netns.js';

export interface Host {
  ns: string;
  mac: string;
  ipv4: string;
  ipv6: string;
  linkLocal: string;
}

export interface Lan {
  lab: NetnsLab;
  lanNs: string;
  hosts: Record<string, Host>;
}

/** Builds the LAN with hosts named `names` (host i gets .i+1 / ::i+1). */
export async function createLan(tag: string, names: string[]): Promise<Lan> {
  const lab = await NetnsLab.create(tag);
  try {
    const lanNs = await lab.addNamespace('lan');
    await lab.bridge(lanNs, 'br0');
    const hosts: Record<string, Host> = {};
    for (const [i, name] of names.entries()) {
      const ns = await lab.addNamespace(name);
      const n = i + 1;
      const mac = `02:00:00:00:0${Math.floor(n / 16).toString(16)}:${(n % 16).toString(16).padStart(2, '0')}`;
      const host: Host = {
        ns,
        mac,
        ipv4: `192.0.2.${n}`,
        ipv6: `2001:db8::${n.toString(16)}`,
        linkLocal: `fe80::${n.toString(16)}`,
      };
      await lab.plug(
        lanNs,
        'br0',
        { ns, ifname: 'eth0', mac, addrs: [`${host.ipv4}/24`, `${host.ipv6}/64`] },
        `p-${name}`,
      );
      // A predictable link-local address, so tests can state the exact NA destination.
      await lab.exec(ns, 'ip', ['-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'link']);
      await lab.exec(ns, 'ip', ['-6', 'addr', 'add', `${host.linkLocal}/64`, 'dev', 'eth0', 'nodad']);
      hosts[name] = host;
    }
    return { lab, lanNs, hosts };
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}
