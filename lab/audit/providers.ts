// Provider suffixes where a customer-chosen endpoint name can be claimed by
// anyone once the customer releases it — the names a dangling CNAME is taken
// over through (docs/incidents.md: "Subdomain takeover"). Each entry cites where the behaviour is
// documented. The list is a starting point, not a verdict: providers change
// their claiming rules, so the audit reports a CNAME to one of these as
// "claimable if released" and a dangling one (NXDOMAIN) as urgent.

export interface ProviderSuffix {
  /** Domain suffix the CNAME target ends with (no leading dot). */
  suffix: string;
  provider: string;
  /** Where the claimability is documented. */
  source: string;
}

const MS =
  'Microsoft Learn: "Prevent dangling DNS entries and avoid subdomain takeover" (https://learn.microsoft.com/azure/security/fundamentals/subdomain-takeover)';
const CITO = 'can-i-take-over-xyz (https://github.com/EdOverflow/can-i-take-over-xyz), fingerprints list';

export const BUILTIN_PROVIDER_SUFFIXES: readonly ProviderSuffix[] = [
  { suffix: 'azurewebsites.net', provider: 'Azure App Service', source: MS },
  { suffix: 'cloudapp.net', provider: 'Azure Cloud Services', source: MS },
  { suffix: 'cloudapp.azure.com', provider: 'Azure public IP DNS label', source: MS },
  { suffix: 'azureedge.net', provider: 'Azure CDN', source: MS },
  { suffix: 'azurefd.net', provider: 'Azure Front Door', source: MS },
  { suffix: 'blob.core.windows.net', provider: 'Azure Storage', source: MS },
  { suffix: 'trafficmanager.net', provider: 'Azure Traffic Manager', source: MS },
  { suffix: 'azure-api.net', provider: 'Azure API Management', source: MS },
  { suffix: 'azurecontainer.io', provider: 'Azure Container Instances', source: MS },
  { suffix: 'search.windows.net', provider: 'Azure Cognitive Search', source: MS },
  { suffix: 's3.amazonaws.com', provider: 'Amazon S3 bucket', source: CITO },
  { suffix: 's3-website.us-east-1.amazonaws.com', provider: 'Amazon S3 website', source: CITO },
  { suffix: 'elasticbeanstalk.com', provider: 'AWS Elastic Beanstalk', source: CITO },
  { suffix: 'github.io', provider: 'GitHub Pages', source: CITO },
  { suffix: 'herokudns.com', provider: 'Heroku', source: CITO },
  { suffix: 'herokuapp.com', provider: 'Heroku', source: CITO },
  { suffix: 'myshopify.com', provider: 'Shopify', source: CITO },
  { suffix: 'ghost.io', provider: 'Ghost', source: CITO },
  { suffix: 'pantheonsite.io', provider: 'Pantheon', source: CITO },
  { suffix: 'surge.sh', provider: 'Surge.sh', source: CITO },
  { suffix: 'netlify.app', provider: 'Netlify', source: CITO },
  { suffix: 'readthedocs.io', provider: 'Read the Docs', source: CITO },
  { suffix: 'helpscoutdocs.com', provider: 'Help Scout', source: CITO },
  { suffix: 'wordpress.com', provider: 'WordPress.com', source: CITO },
];

/** Parse a suffix file: one `suffix [provider…]` per line, `#` comments. Errors name the line. */
export function parseProviderSuffixes(text: string, file: string): ProviderSuffix[] {
  const out: ProviderSuffix[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [suffix, ...rest] = line.split(/\s+/);
    const s = suffix!
      .replace(/^\*?\./, '')
      .replace(/\.$/, '')
      .toLowerCase();
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(s)) throw new Error(`${file}:${i + 1}: expected a domain suffix like "azureedge.net", found "${suffix}"`);
    out.push({ suffix: s, provider: rest.join(' ') || s, source: `${file}:${i + 1}` });
  });
  return out;
}
