/** The issuer's error: a protocol error code plus the HTTP details of its answer. */
import {
  CheckoutError,
  ERROR_SUMMARIES,
  httpStatusFor,
  type ErrorCode,
} from '../protocol/index.js';

export class HttpError extends CheckoutError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(
      code,
      message ?? ERROR_SUMMARIES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = httpStatusFor(code);
    this.headers = options.headers ?? {};
  }
}
