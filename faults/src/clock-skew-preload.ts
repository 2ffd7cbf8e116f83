/**
 * Loaded with `node --import <this file>` into ONE broker process to skew its clock by
 * QA_FAULTS_CLOCK_OFFSET_MS (there is no faketime on this machine): `Date.now()`,
 * `new Date()` and `performance.timeOrigin` all move by the offset. A correct broker takes
 * lease time from the store, so this must change nothing the checker can see.
 */
const offsetMs = Number(process.env.QA_FAULTS_CLOCK_OFFSET_MS ?? '0');

if (Number.isFinite(offsetMs) && offsetMs !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const skewedNow = () => realNow() + offsetMs;

  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(skewedNow());
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return skewedNow();
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  const timeOrigin = performance.timeOrigin + offsetMs;
  Object.defineProperty(performance, 'timeOrigin', { get: () => timeOrigin, configurable: true });
}

export {};
