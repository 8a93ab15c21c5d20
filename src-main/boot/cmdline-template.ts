/**
 * Kernel command lines in BootPlans are templates: recipes know what a parameter means
 * ("the URL of this image"), only the per-request renderer knows the value (server address,
 * port, the client's MAC). Placeholders are `{{name}}`:
 *
 *   {{image_url}}   http://<server>:<port>/images/<imageId> — base of the image's files, no trailing '/'
 *   {{iso_url}}     http://<server>:<port>/images/<imageId>.iso — the whole image file
 *   {{server}}      the server's IPv4 address as the client reaches it
 *   {{mac}}         the client's MAC, lowercase colon-separated (52:54:00:12:34:56)
 *   {{mac_hyphen}}  the same with hyphens (52-54-00-12-34-56), as pxelinux's BOOTIF=01-… uses
 *   {{nbd_export}}  the image's NBD export name (its id)
 *   {{nbd_port}}    the NBD server's TCP port
 *
 * Why not `${…}`: iPXE expands `${…}` in every script token itself and offers no escape, and
 * boot configs contain shell-style `${pxeserver}` that archiso's hooks eval; `{{…}}` appears in
 * no kernel command-line syntax, so a template is never mistaken for either.
 */

export const TEMPLATE_NAMES = ['image_url', 'iso_url', 'server', 'mac', 'mac_hyphen', 'nbd_export', 'nbd_port'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type TemplateValues = Record<TemplateName, string>;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

export function placeholder(name: TemplateName): string {
  return `{{${name}}}`;
}

/** Names used by a template, in order of first appearance; unknown names included as written. */
export function templateNames(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) seen.add(m[1]!.trim());
  return [...seen];
}

export class TemplateError extends Error {}

/** Fills every placeholder; an unknown name is a recipe bug and throws with the template for context. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_all, rawName: string) => {
    const name = rawName.trim();
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) {
      throw new TemplateError(`unknown placeholder {{${name}}} in command line "${template}" (known: ${TEMPLATE_NAMES.join(', ')})`);
    }
    return values[name as TemplateName];
  });
}
