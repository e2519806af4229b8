/** A site's colours and logo, checked again at render time: stored sites outlive the schema that checked them. */
export interface Brand {
  name: string;
  logoUrl: string | null;
  primary: string;
  /** Text on a primary-coloured button: black or white, whichever reads better. */
  onPrimary: string;
  /** Links: the primary colour when it is dark enough on white (WCAG AA), else near-black. */
  link: string;
}

const DEFAULT_PRIMARY = '#1d4ed8';

export function brandOf(site: { name: string; branding?: { logoUrl?: string; primaryColor?: string } } | null): Brand {
  const color = site?.branding?.primaryColor;
  const primary = color && /^#[0-9a-fA-F]{6}$/.test(color) ? color.toLowerCase() : DEFAULT_PRIMARY;
  const light = luminance(primary);
  const logo = site?.branding?.logoUrl;
  return {
    name: site?.name ?? 'otpgate',
    // Only http(s) and data: images: a logo URL must never be a script URL.
    logoUrl: logo && /^(https?:\/\/|data:image\/(png|jpeg|gif|webp|svg\+xml)[;,])/i.test(logo) ? logo : null,
    primary,
    onPrimary: contrast(light, 0) >= contrast(light, 1) ? '#111111' : '#ffffff',
    link: contrast(light, 1) >= 4.5 ? primary : '#1a1a1a',
  };
}

/** WCAG relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
