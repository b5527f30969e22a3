// What the parent (run.ts) asks its worker (worker.ts) to do, as JSON on the command line.

/** A resolver or forwarder device: where it stands (plan.ts placeDevice). */
export interface DevicePlace {
  role: 'resolver' | 'forwarder';
  deviceFor?: string;
  inside: string;
  outside: string;
}

export type WorkerRequest =
  | { kind: 'run'; file: string; variant: string; seed: string; outsideNs: string; timeScale: number; place?: DevicePlace; out: string }
  | { kind: 'serve'; file: string; variant: string; seed: string; at: number; outsideNs: string; place?: DevicePlace; out: string }
  | {
      kind: 'probe';
      outsideNs: string;
      authority: { address: string; port: number };
      client: string;
      options: { udpTimeoutMs?: number; tcpTimeoutMs?: number; flows?: number; natSamples?: number; assumeMtu?: number; deadlineMs?: number };
      /** Instead of the checkpoints: a query load through the device and, for comparison, to an authority inside. */
      load?: { qps: number; seconds: number; direct: { address: string; port: number } };
      out: string;
    };

/** What a serving worker writes once its servers listen. */
export interface ServeReady {
  servers: { name: string; host: string; addresses: string[]; zones: string[]; outside: boolean }[];
  rootHints: string;
  trustAnchors: string[];
  applied: string[];
}
