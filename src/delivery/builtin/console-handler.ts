import type { OneTimePasswordDeliveryHandler } from '../contract.js';

/**
 * The development default: prints the message to the terminal instead of sending it. It is the one place
 * a code is printed on purpose, which is why production mode refuses it unless explicitly allowed.
 */
export function createConsoleHandler(write: (line: string) => void = (line) => process.stdout.write(line)): OneTimePasswordDeliveryHandler {
  return {
    async sendOneTimePassword(request) {
      const to = `${request.channel.toUpperCase()} to ${request.phoneNumber}`;
      const heading = `[otpgate console handler] ${to} (site ${request.siteId}, ${request.useCase}):`;
      write(`\n${heading}\n${request.defaultText}\n\n`);
      return { result: 'SUCCESS', providerMessageId: `console-${request.identifier.slice(0, 8)}-${request.attempt}` };
    },
  };
}
