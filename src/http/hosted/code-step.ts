import type { FastifyReply } from 'fastify';
import { isOtpgateError, type OtpgateError } from '../../domain/errors.js';
import { RESTART_CODES } from './messages.js';

/** One submission of a code form: "resend" sends a new code under the same identifier, anything else verifies. */
export interface CodeSubmission<T> {
  action: string;
  resend(): Promise<{ identifier: string }>;
  verify(): Promise<T>;
  /** The code was right: finish (sign in, change the phone, ...). */
  done(result: T): Promise<FastifyReply> | FastifyReply;
  /** The code form again: with the new identifier after a resend (problem null), or with the problem. */
  again(identifier: string | null, problem: OtpgateError | null): FastifyReply;
  /** The code form cannot help any more: back to where the number was typed, with the problem. */
  restart(problem: OtpgateError): FastifyReply;
}

/** The same outcome handling for every code form (login, registration, second factor, phone change). */
export async function submitCode<T>(submission: CodeSubmission<T>): Promise<FastifyReply> {
  try {
    if (submission.action === 'resend') {
      const { identifier } = await submission.resend();
      return submission.again(identifier, null);
    }
    return await submission.done(await submission.verify());
  } catch (error) {
    if (!isOtpgateError(error)) throw error;
    return RESTART_CODES.has(error.code) ? submission.restart(error) : submission.again(null, error);
  }
}
