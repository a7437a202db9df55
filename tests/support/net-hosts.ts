import { execFileSync } from "node:child_process";
import { accessSync, constants, readlinkSync, statSync } from "node:fs";

/**
 * Separate "hosts" on this one machine (docs/adr/0027-separate-hosts-in-tests.md):
 * each host is a Linux network namespace with its own loopback and one veth
 * link to a bridge in the root namespace. The bridge holds the gateway
 * address, where the test's private Redis listens; no forwarding or NAT is
 * set up, so nothing leaves the machine. The hosts share the filesystem (the
 * media root), as workers sharing a NAS would. Needs root (CAP_NET_ADMIN) and
 * iproute2's `ip`.
 *
 * Names carry this process's pid (`ffc<pid>-<k>br`, `ffc<pid>-<k>h<N>`), so
 * runs side by side never meet, and what a killed run left behind is found
 * and removed by the next one.
 */

/** One simulated host: a network namespace with its address on the bridge. */
export type NetHost = {
  /** `ffc<pid>-<k>h<N>`: the namespace's name and that of the veth end on the bridge. */
  readonly namespace: string;
  /** Its address on the bridge, e.g. 10.77.12.11. */
  readonly address: string;
  /** The command prefix that runs a program on this host (ServiceStartOptions.commandPrefix). */
  readonly exec: readonly string[];
};

const IP_CANDIDATES = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];
/** Interface names are at most 15 characters (IFNAMSIZ); ours stay within that for up to 9 hosts. */
const MAX_HOSTS = 9;
const NAME = /^ffc(\d+)-\d+(?:br|h\d)$/;

const live = new Set<NetHosts>();
let exitHookInstalled = false;

function findIp(): string | undefined {
  return IP_CANDIDATES.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(ipPath: string, args: string[]): string {
  return execFileSync(ipPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function quietly(action: () => unknown): void {
  try {
    action();
  } catch {
    // Already gone, or never made.
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Why separate hosts cannot be made here (not root, no `ip`, namespaces
 * refused), or null when they can: the probe makes and removes a namespace.
 */
export function netHostsUnavailable(): string | null {
  const ip = findIp();
  if (!ip) return "iproute2's `ip` is not installed (Debian: apt-get install iproute2; scripts/test installs it)";
  if (process.getuid?.() !== 0) return "network namespaces need root (CAP_NET_ADMIN); this runs as a normal user";
  // Named like a host, so a probe left by a run killed right here is removed as a leftover later.
  const probe = `ffc${process.pid}-0h0`;
  try {
    run(ip, ["netns", "add", probe]);
    run(ip, ["netns", "del", probe]);
    return null;
  } catch (error) {
    quietly(() => run(ip, ["netns", "del", probe]));
    const stderr = String((error as { stderr?: unknown }).stderr ?? error).trim();
    return `\`ip netns add\` failed: ${stderr}`;
  }
}

/** The network namespace a process is in, as the kernel names it (`net:[4026532…]`); undefined once it is gone. */
export function netnsOfPid(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** A bridge with a gateway address and `count` hosts attached to it. */
export class NetHosts {
  readonly hosts: NetHost[] = [];
  readonly bridge: string;
  /** The root namespace's address on the bridge: where a service for every host listens. */
  gateway = "";
  private readonly prefix: string;

  private constructor(
    private readonly ip: string,
    k: number,
  ) {
    this.prefix = `ffc${process.pid}-${k}`;
    this.bridge = `${this.prefix}br`;
  }

  /**
   * Makes the bridge and the hosts. Removes first what earlier runs, since
   * killed, left behind; on any failure removes what it made and throws.
   */
  static create(count: number): NetHosts {
    const ip = findIp();
    if (!ip) throw new Error("iproute2's `ip` is not installed");
    if (count < 1 || count > MAX_HOSTS) throw new Error(`1 to ${MAX_HOSTS} hosts, not ${count}`);
    removeLeftovers(ip);
    const net = new NetHosts(ip, freeRunNumber(ip));
    live.add(net);
    if (!exitHookInstalled) installExitHooks();
    try {
      net.makeBridge();
      for (let n = 1; n <= count; n += 1) net.addHost(n);
    } catch (error) {
      net.destroy();
      throw error;
    }
    return net;
  }

  /** Which host a process runs on, by its network namespace; undefined for the root namespace or a gone process. */
  hostOf(pid: number): NetHost | undefined {
    const netns = netnsOfPid(pid);
    if (netns === undefined) return undefined;
    return this.hosts.find((host) => netns === `net:[${statSync(`/run/netns/${host.namespace}`).ino}]`);
  }

  /** Runs a command on a host and returns its stdout (throws on a non-zero exit). */
  execOn(host: NetHost, command: string, args: string[]): string {
    return execFileSync(this.ip, ["netns", "exec", host.namespace, command, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 15_000,
    });
  }

  /**
   * Removes everything, whatever state a failed test left: kills what still
   * runs in each namespace (a namespace lives on with its processes), deletes
   * the namespaces (their veth pairs go with them) and the bridge. Synchronous,
   * so the process's exit event can run it; safe to call twice.
   */
  destroy(): void {
    for (const host of this.hosts) removeNamespace(this.ip, host.namespace);
    quietly(() => run(this.ip, ["link", "del", this.bridge]));
    live.delete(this);
  }

  private makeBridge(): void {
    run(this.ip, ["link", "add", this.bridge, "type", "bridge"]);
    const taken = new Set(
      [...run(this.ip, ["-o", "-4", "addr", "show"]).matchAll(/inet 10\.77\.(\d+)\./g)].map((m) => m[1]),
    );
    // Start somewhere that depends on the pid, so two runs rarely try the same subnet.
    for (let i = 0; i < 254; i += 1) {
      const subnet = ((process.pid + i) % 254) + 1;
      if (taken.has(String(subnet))) continue;
      const gateway = `10.77.${subnet}.1`;
      run(this.ip, ["addr", "add", `${gateway}/24`, "dev", this.bridge]);
      // Another run may have taken the same subnet between our look and our add: then move on.
      const holders = run(this.ip, ["-o", "-4", "addr", "show"])
        .split("\n")
        .filter((line) => line.includes(`inet 10.77.${subnet}.`));
      if (holders.length === 1) {
        this.gateway = gateway;
        run(this.ip, ["link", "set", this.bridge, "up"]);
        return;
      }
      run(this.ip, ["addr", "del", `${gateway}/24`, "dev", this.bridge]);
    }
    throw new Error("no free 10.77.x.0/24 subnet for the test bridge");
  }

  private addHost(n: number): void {
    const namespace = `${this.prefix}h${n}`;
    const address = this.gateway.replace(/\.1$/, `.${n + 10}`);
    // Recorded first, so destroy() removes a half-made host too.
    this.hosts.push({ namespace, address, exec: [this.ip, "netns", "exec", namespace] });
    run(this.ip, ["netns", "add", namespace]);
    run(this.ip, ["link", "add", namespace, "type", "veth", "peer", "name", "eth0", "netns", namespace]);
    run(this.ip, ["link", "set", namespace, "master", this.bridge, "up"]);
    run(this.ip, ["-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
    run(this.ip, ["-n", namespace, "link", "set", "eth0", "up"]);
    run(this.ip, ["-n", namespace, "link", "set", "lo", "up"]);
    run(this.ip, ["-n", namespace, "route", "add", "default", "via", this.gateway]);
  }
}

/**
 * The last resort when afterAll never runs: the exit event (a crash,
 * process.exit) and SIGINT, SIGTERM, SIGHUP (Ctrl-C, a runner stopping its
 * fork), after which the signal does what it would have done, unless
 * someone else listens for it. Synchronous, as the exit event requires.
 */
function installExitHooks(): void {
  const destroyAll = () => {
    for (const each of live) each.destroy();
  };
  process.on("exit", destroyAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      destroyAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  exitHookInstalled = true;
}

function removeNamespace(ip: string, namespace: string): void {
  quietly(() => {
    for (const pid of run(ip, ["netns", "pids", namespace]).split(/\s+/).filter(Boolean)) {
      quietly(() => process.kill(Number(pid), "SIGKILL"));
    }
  });
  quietly(() => run(ip, ["netns", "del", namespace]));
  // The veth end on the bridge goes with the namespace once its processes are gone; this covers a slow exit.
  quietly(() => run(ip, ["link", "del", namespace]));
}

function namespacesAndLinks(ip: string): string[] {
  const names: string[] = [];
  quietly(() =>
    names.push(
      ...run(ip, ["netns", "list"])
        .split("\n")
        .map((line) => line.split(" ")[0] ?? ""),
    ),
  );
  quietly(() =>
    names.push(...[...run(ip, ["-o", "link", "show"]).matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1] ?? "")),
  );
  return names.filter(Boolean);
}

/**
 * The first k whose names no namespace or link of this process uses yet:
 * the e2e files share one process (vitest's single fork), so the pid alone
 * does not make a name unique, and module state does not outlive a file.
 */
function freeRunNumber(ip: string): number {
  const used = namespacesAndLinks(ip);
  for (let k = 1; k <= 9; k += 1) {
    if (!used.some((name) => name.startsWith(`ffc${process.pid}-${k}`))) return k;
  }
  throw new Error(`ffc${process.pid}-1 to -9 are all in use: earlier NetHosts of this process were not destroyed`);
}

/** Namespaces and links of earlier runs whose process is gone (killed before its exit hook ran). */
function removeLeftovers(ip: string): void {
  const dead = (name: string) => {
    const match = NAME.exec(name);
    return match !== null && Number(match[1]) !== process.pid && !pidAlive(Number(match[1]));
  };
  // Namespaces first: removing one kills what runs in it and takes its veth pair with it.
  const names = namespacesAndLinks(ip).filter(dead);
  const namespaces = new Set<string>();
  quietly(() => {
    for (const line of run(ip, ["netns", "list"]).split("\n")) namespaces.add(line.split(" ")[0] ?? "");
  });
  for (const name of names.filter((n) => namespaces.has(n))) removeNamespace(ip, name);
  for (const name of names.filter((n) => !namespaces.has(n))) quietly(() => run(ip, ["link", "del", name]));
}
