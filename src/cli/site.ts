import { Option, type Command } from 'commander';
import { formatZodError } from '../config/load.js';
import { siteSchema } from '../config/schema.js';
import { siteFromStored, siteSettingsOf, toSite } from '../config/sites.js';
import { moduleName } from '../delivery/module-loader.js';
import { OtpgateError } from '../domain/errors.js';
import type { HandlerSpec } from '../domain/site.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';

interface CreateOptions {
  id: string;
  name: string;
  locale: string;
  registration: 'on' | 'off';
}

export function registerSite(program: Command): void {
  const site = program.command('site').description('manage sites (tenants)');

  site
    .command('create')
    .description('create a site with the default policy and delivery chain')
    .requiredOption('--id <id>', 'site id, also its URL prefix: lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'name shown in messages and pages')
    .option('--locale <locale>', 'locale of messages for users without one', 'en')
    .addOption(new Option('--registration <state>', 'self-registration').choices(['on', 'off']).default('on'))
    .action(async (options: CreateOptions, command: Command) => {
      // The config schema is the one source of what a valid site is; the CLI asks it rather than repeat its rules.
      const input = { id: options.id, name: options.name, locale: options.locale, registrationEnabled: options.registration === 'on' };
      const parsed = siteSchema.safeParse(input);
      if (!parsed.success) throw new OtpgateError('invalid_request', `Invalid site: ${formatZodError(parsed.error).join('; ')}.`);
      await withServices(command, async ({ store, clock, config, urls }) => {
        // sites.upsert would silently replace an existing site, so look first.
        if (await store.sites.byId(parsed.data.id)) throw new OtpgateError('site_exists', `Site "${parsed.data.id}" already exists.`);
        const created = toSite(parsed.data, config);
        // Stored as given: the server's defaults (policy included) apply on every read, not frozen now.
        await store.sites.upsert({ id: created.id, name: created.name, settings: siteSettingsOf(input) }, clock.now());
        process.stdout.write(`created site ${created.id} at ${urls.site(created)}\n`);
      });
    });

  site
    .command('list')
    .description('list sites with their delivery chain (primary first)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, config }) => {
        const sites = (await store.sites.list()).map((s) => siteFromStored(s, config.defaults));
        const fallback = config.delivery.defaultHandler;
        const rows = sites.map((s) => ({
          id: s.id,
          name: s.name,
          handlers: s.handlers.length > 0 ? s.handlers.map(handlerName).join(' > ') : `${handlerName(fallback)} (default)`,
          enabled: s.enabled,
          locale: s.locale,
          registration: s.registrationEnabled ? 'on' : 'off',
        }));
        printRows(rows, { json: options.json, empty: 'no sites (create one with `otpgate site create`)' });
      });
    });
}

const handlerName = (spec: HandlerSpec) => spec.name ?? (spec.type === 'module' ? moduleName(spec.path) : spec.type);
