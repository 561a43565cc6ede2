import type { UpstreamAccount } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { classifyStatus, outcomeFromError, shouldFailover, type UpstreamOutcome } from "./classify-outcome.ts";
import type { PlanOptions, RoutePlan, Router, RoutingTable } from "./router.ts";

export interface FailoverRequest extends PlanOptions {
  config: RoutingTable;
  /** The model the client asked for. */
  model: string;
  /** At most this many accounts are tried (proxy.max_attempts). */
  maxAttempts: number;
  /** Total budget in ms from the call: no new attempt starts after it (the running one is bounded by its own timeouts). */
  deadlineMs?: number;
}

export interface AttemptContext {
  account: UpstreamAccount;
  targetModel: string;
  /** 1 for the first account tried. */
  attempt: number;
  /** Epoch ms by which the whole request should be over, when a deadline was given. */
  deadlineAt?: number;
  plan: RoutePlan;
  /**
   * Report the upstream's answer yourself when you have it (status and headers of a non-2xx response,
   * `success` with ttfbMs once the first byte or event arrived). When you do not, a thrown error is
   * turned into an outcome by outcomeFromError, and a return counts as a success without timing.
   * An `http` outcome marks the error thrown next as the upstream's own answer: the one relayed to the
   * client when no account is left to try.
   */
  report(outcome: UpstreamOutcome): void;
}

export interface FailoverResult<T> {
  value: T;
  account: UpstreamAccount;
  targetModel: string;
  /** Accounts that failed before this one, with their errors (for logs). */
  failures: { account: UpstreamAccount; error: unknown }[];
  /** Health reports after bytes went out (e.g. the stream broke mid-way): counted, never retried. */
  report(outcome: UpstreamOutcome): void;
  /** Ends the account's in-flight slot. Call when the response is completely sent (stream ended or failed). */
  release(): void;
}

/** The part of the router the failover loop uses (tests may stand in a simpler one). */
export type RouterPort = Pick<Router, "plan" | "begin" | "end" | "report"> & Partial<Pick<Router, "prepare">>;

const PANIC = { panic: true } as const;

/**
 * Tries the plan's accounts in order until one answers (a panic plan's past their open breakers, see
 * RoutePlan.panic). The attempt function must resolve only once it is
 * safe to commit (for a stream: after its first event arrived, before any byte went to the client) and must
 * throw on anything earlier. Errors that shouldFailover() rejects (client errors, client gone) are thrown at
 * once, without trying another account. When no account is left to try, the client gets:
 * - the last error answer an upstream gave this request (its status, message, type and rate-limit headers),
 *   when one did: the client learns what the upstream said rather than what the gateway concluded from it.
 *   A 401/403 is not relayed: it is about the gateway's credential for that account, not the client's key;
 * - otherwise (timeouts, connection failures, nothing tried) the router's 503/429 with Retry-After when every
 *   account is now cooling or open; a 504 (with that Retry-After) when every attempt timed out; else the last error.
 */
export async function runWithFailover<T>(
  router: RouterPort,
  clock: () => number,
  request: FailoverRequest,
  attempt: (ctx: AttemptContext) => Promise<T>,
): Promise<FailoverResult<T>> {
  const planOpts: PlanOptions = { sessionKey: request.sessionKey, provider: request.provider, panic: request.panic };
  // A conversation another gateway process bound: its binding is looked up first (shared sessions only).
  const prepared = router.prepare?.(request.config, request.model, planOpts);
  if (prepared) await prepared;
  const plan = router.plan(request.config, request.model, planOpts);
  const deadlineAt = request.deadlineMs === undefined ? undefined : clock() + request.deadlineMs;
  const failures: FailoverResult<T>["failures"] = [];
  let lastAnswer: unknown;
  let tried = 0;

  for (const account of plan.candidates) {
    if (tried >= request.maxAttempts) break;
    if (deadlineAt !== undefined && clock() >= deadlineAt) break;
    // Another request may have taken the half-open probe since the plan was made.
    if (!router.begin(account.id, plan.panic ? PANIC : undefined)) continue;
    tried++;
    let reported: UpstreamOutcome | undefined;
    const report = (outcome: UpstreamOutcome) => {
      reported = outcome;
      router.report(account.id, outcome, plan.stickyKey);
    };
    let value: T;
    try {
      value = await attempt({ account, targetModel: plan.targetModel, attempt: tried, deadlineAt, plan, report });
    } catch (error) {
      if (!reported) {
        reported = outcomeFromError(error);
        if (reported) router.report(account.id, reported, plan.stickyKey);
      }
      router.end(account.id);
      if (!shouldFailover(error)) throw error;
      failures.push({ account, error });
      if (reported?.kind === "http" && classifyStatus(reported.status, reported.errorCode) !== "auth") lastAnswer = error;
      continue;
    }
    if (!reported) router.report(account.id, { kind: "success" }, plan.stickyKey);
    return committed(router, account, value, plan.targetModel, failures);
  }

  if (lastAnswer !== undefined) throw lastAnswer;
  // No upstream answered. The accounts may now all be cooling or open: answer like the router does, with
  // Retry-After (asked without panic mode, which would hand back a plan instead).
  const last = failures.at(-1);
  try {
    router.plan(request.config, request.model, { ...planOpts, panic: false });
  } catch (e) {
    if (e instanceof GatewayError && (e.status === 503 || e.status === 429)) {
      // Every attempt timed out (which opened the breakers): a timeout says more than "unavailable", and
      // clients key their own deadline handling on 504. The plan's Retry-After still travels with it.
      if (failures.length && failures.every((f) => f.error instanceof GatewayError && f.error.code === "timeout")) {
        const t = last!.error as GatewayError;
        throw new GatewayError(t.status, t.code, t.message, { ...t.options, retryAfter: e.options.retryAfter });
      }
      throw e;
    }
  }
  if (last) throw last.error;
  if (deadlineAt !== undefined && clock() >= deadlineAt) {
    throw new GatewayError(504, "timeout", "the request's deadline passed before an upstream account could be tried");
  }
  throw new GatewayError(503, "unavailable", `every upstream account for model ${plan.targetModel} is busy probing; try again`, {
    retryable: true,
    retryAfter: 1,
  });
}

/**
 * The result's callbacks live as long as the answer (a stream: often minutes). They are made here, outside the async
 * runWithFailover, because a closure made inside an async function keeps everything that function holds across its
 * awaits, the attempt function included, and with it the whole request (its body can be hundreds of KB).
 */
function committed<T>(
  router: RouterPort,
  account: UpstreamAccount,
  value: T,
  targetModel: string,
  failures: FailoverResult<T>["failures"],
): FailoverResult<T> {
  let released = false;
  return {
    value,
    account,
    targetModel,
    failures,
    report: (outcome) => router.report(account.id, outcome),
    release() {
      if (released) return;
      released = true;
      router.end(account.id);
    },
  };
}
