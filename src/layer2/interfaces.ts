// Which host interfaces layer 2 announcements go out on. An interface can carry ARP/NDP
// announcements when it is up, not enslaved to a bridge/bond (the master answers for it), not
// loopback and ARP-capable (broadcast, no NOARP flag) — the same tests MetalLB's announcer makes.
// With no interface list in the advertisements, every such interface is used except those whose
// name matches an exclusion pattern (container and overlay plumbing by default); an explicit list
// in an advertisement names interfaces directly, so the patterns do not apply to it.

export interface HostInterface {
  readonly name: string;
  readonly up: boolean;
  readonly loopback: boolean;
  /** IFF_BROADCAST. */
  readonly broadcast: boolean;
  /** IFF_NOARP. */
  readonly noArp: boolean;
  /** Name of the bridge/bond it is enslaved to, or null. */
  readonly master: string | null;
  /** Lower-case colon-separated MAC, or null when the link has none. */
  readonly mac: string | null;
}

/** Names that are container, CNI or tunnel plumbing rather than the node's LAN. */
export const DEFAULT_EXCLUDED_INTERFACE_PATTERNS: readonly string[] = [
  '^lo$',
  '^docker',
  '^veth',
  '^cali',
  '^flannel',
  '^cni',
  '^cilium',
  '^lxc',
  '^kube-ipvs',
  '^kube-bridge',
  '^nodelocaldns',
  '^vxlan',
  '^genev',
  '^tun',
  '^tap',
  '^wg',
  '^tailscale',
  '^weave',
  '^virbr',
  '^cbr',
  '^ovs-system$',
  '^br-int$',
];

/** Compiles patterns, naming the bad one in the error. */
export function compileInterfacePatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((p, i) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new Error(
        `interface exclusion pattern [${i}] ${JSON.stringify(p)} is invalid: ${(e as Error).message}`,
      );
    }
  });
}

const DEFAULT_EXCLUDE: readonly RegExp[] = compileInterfacePatterns(DEFAULT_EXCLUDED_INTERFACE_PATTERNS);

/** Up, not enslaved, not loopback, ARP-capable. */
export function canAnnounceOn(i: HostInterface): boolean {
  return i.up && i.master === null && !i.loopback && i.broadcast && !i.noArp;
}

/** Interfaces used when an advertisement lists none, sorted by name. */
export function defaultAnnounceInterfaces(
  host: readonly HostInterface[],
  exclude: readonly RegExp[] = DEFAULT_EXCLUDE,
): string[] {
  return host
    .filter((i) => canAnnounceOn(i) && !exclude.some((re) => re.test(i.name)))
    .map((i) => i.name)
    .sort();
}

export interface InterfaceSelection {
  /** Interfaces to announce on, sorted. */
  readonly interfaces: string[];
  /** Requested by name but absent or unusable (down, enslaved, NOARP): worth an event. */
  readonly missing: string[];
}

/** Resolves an advertisement request (`all`, or explicit names) against the host's interfaces. */
export function selectInterfaces(
  request: { all: true } | { all: false; names: readonly string[] },
  host: readonly HostInterface[],
  exclude?: readonly RegExp[],
): InterfaceSelection {
  if (request.all) return { interfaces: defaultAnnounceInterfaces(host, exclude), missing: [] };
  const usable = new Set(host.filter(canAnnounceOn).map((i) => i.name));
  const names = [...new Set(request.names)].sort();
  return {
    interfaces: names.filter((n) => usable.has(n)),
    missing: names.filter((n) => !usable.has(n)),
  };
}
