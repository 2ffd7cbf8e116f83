import type { HealthOp } from './health-history.ts';
import type { Op, Outcome, Snapshot } from './history.ts';

type Invocation<T extends Op> = Omit<T, 'opId' | 'invokedAt' | 'completedAt' | 'outcome'>;
type Completion<T extends Op> = Partial<Omit<T, 'opId' | 'invokedAt' | 'completedAt' | 'type'>> & {
  outcome: Outcome;
};

/**
 * Writes the history. An operation is recorded when it is INVOKED (outcome unknown until
 * it completes), so one cut short by the end of the run stays in the history as unknown.
 * Times are the harness's monotonic clock, in ms since the recorder was made.
 */
export class Recorder {
  private readonly origin = performance.now();
  private readonly ops: Op[] = [];
  private readonly open = new Set<Op>();
  readonly snapshots: Snapshot[] = [];
  /** The maintainer's health and policy operations, written by ./health-actor.ts. */
  readonly health: HealthOp[] = [];
  private nextId = 1;

  /** An opId for a record kept outside `ops` (the health operations), unique with them. */
  allocateOpId(): number {
    return this.nextId++;
  }

  now(): number {
    return performance.now() - this.origin;
  }

  invoke<T extends Op>(invocation: Invocation<T>): { complete(completion: Completion<T>): T } {
    const invokedAt = this.now();
    const op = {
      ...invocation,
      opId: this.nextId++,
      invokedAt,
      completedAt: invokedAt,
      outcome: 'unknown',
    } as T;
    this.ops.push(op);
    this.open.add(op);
    return {
      complete: (completion) => {
        Object.assign(op, completion, { completedAt: this.now() });
        this.open.delete(op);
        return op;
      },
    };
  }

  /** The history so far; operations still open count as unknown, completed "now". */
  history(): Op[] {
    const now = this.now();
    for (const op of this.open) op.completedAt = now;
    return this.ops;
  }

  /** The latest answer (or give-up) time of any operation. */
  lastCompletion(): number {
    return this.ops.reduce((latest, op) => Math.max(latest, op.completedAt), 0);
  }

  get openCount(): number {
    return this.open.size;
  }
}
