/**
 * Ether moved inside a transaction, from a node's call tracer (`debug_traceTransaction` with
 * `{"tracer":"callTracer"}`: geth, erigon, nethermind, reth, Alchemy, QuickNode…). Each frame
 * names `from`, `to` and `value`; a frame with an `error` reverted, and with it every frame
 * under it, so none of their ether moved. Value moves in CALL, CREATE, CREATE2 and
 * SELFDESTRUCT frames; DELEGATECALL and STATICCALL move none, CALLCODE pays the caller itself.
 */
export type CallFrame = { type?: string; from?: string; to?: string; value?: string; error?: string; calls?: CallFrame[] };

const MOVES_VALUE = new Set(['CALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT']);

/** A call-tracer answer (a node without the tracer answers structLogs or an error instead). */
export const isCallFrame = (v: unknown): v is CallFrame =>
  typeof v === 'object' && v !== null && typeof (v as CallFrame).type === 'string' && typeof (v as CallFrame).from === 'string';

/** Ether `me` received and sent in the successful frames of the tree (the root frame included). */
export function etherMoves(root: CallFrame, me: string): { in: bigint; out: bigint } {
  const total = { in: 0n, out: 0n };
  const walk = (f: CallFrame) => {
    if (f.error) return;
    const value = f.value ? BigInt(f.value) : 0n;
    if (value > 0n && MOVES_VALUE.has((f.type ?? '').toUpperCase())) {
      if (f.to?.toLowerCase() === me) total.in += value;
      if (f.from?.toLowerCase() === me) total.out += value;
    }
    for (const c of f.calls ?? []) walk(c);
  };
  walk(root);
  return total;
}
