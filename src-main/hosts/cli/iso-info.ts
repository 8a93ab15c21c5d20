import type { IsoImage } from '../../iso/iso-image.ts';
import type { IsoSummary } from '../../iso/iso-summary.ts';
import { defaultDataDir } from '../../engine/data-dir.ts';
import { findWimboot, type WimbootStatus } from '../../engine/wimboot-file.ts';
import { bootPlanSection } from './iso-boot-section.ts';

/**
 * `bootcast iso info` prints a list of sections. Each provider looks at the image and its
 * summary and returns a section, or null to stay silent. A new kind of information is a new
 * provider in infoSections; the printer does not change.
 */
export interface InfoSection {
  /** Heading for the text output; null for the untitled first block. */
  title: string | null;
  lines: string[];
  /** Extra top-level members merged into the `--json` output (the summary's own are already there). */
  json?: Record<string, unknown>;
}

export type InfoSectionProvider = (image: IsoImage, summary: IsoSummary) => Promise<InfoSection | null> | InfoSection | null;

export function humanBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]} (${n} bytes)`;
}

function field(label: string, value: string): string {
  return `${label.padEnd(13)}${value}`;
}

const volumeSection: InfoSectionProvider = (_image, s) => {
  const lines = [
    field('Image', s.path),
    field('Size', humanBytes(s.size) + (s.volumeBytes !== s.size ? `; the volume declares ${s.volumeBytes} bytes` : '')),
    field('Volume id', s.volumeId || '(none)'),
  ];
  for (const [label, value] of [
    ['System id', s.systemId],
    ['Volume set', s.volumeSetId],
    ['Publisher', s.publisherId],
    ['Preparer', s.preparerId],
    ['Application', s.applicationId],
    ['Created', s.created ?? ''],
  ] as const) {
    if (value) lines.push(field(label, value));
  }
  const udf = `UDF${s.udfRevision ? ` ${s.udfRevision}` : ''}`;
  lines.push(
    field(
      'File system',
      s.fileSystem === 'udf'
        ? `${udf} (${{ stub: 'the ISO 9660 side is only a stub', none: 'no ISO 9660 side', full: 'the ISO 9660 side has the same files' }[s.isoSide]})`
        : `ISO 9660${s.udf ? ' (the image has UDF too; --fs udf reads it)' : ''}`,
    ),
  );
  const names = { 'rock-ridge': 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO 9660 (no Rock Ridge, no Joliet)', udf }[s.names];
  const also = [s.joliet && s.names !== 'joliet' ? 'Joliet' : '', s.udf && s.names !== 'udf' ? 'UDF' : ''].filter(Boolean);
  lines.push(field('Names', names + (also.length ? ` (image also has ${also.join(', ')})` : '')));
  const hybrid = [
    s.hybrid.mbr ? `MBR (partition types ${s.hybrid.mbrPartitionTypes.map((t) => '0x' + t.toString(16).padStart(2, '0')).join(', ')})` : '',
    s.hybrid.gpt ? 'GPT' : '',
  ].filter(Boolean);
  lines.push(field('Hybrid', hybrid.length ? `yes: ${hybrid.join(' + ')}; the file also boots written to a USB stick` : 'no (CD/DVD layout only)'));
  return { title: null, lines };
};

const elToritoSection: InfoSectionProvider = (_image, s) => {
  if (!s.elTorito) return { title: 'El Torito', lines: ['none: the image is not bootable from CD/DVD'] };
  const lines = [`catalog at sector ${s.elTorito.catalogSector}`];
  for (const b of s.elTorito.images) {
    lines.push(
      `${b.path.padEnd(22)} ${b.platform.padEnd(5)} ${b.media.padEnd(13)} ${b.bootable ? 'bootable' : 'not bootable'}, sector ${b.loadSector}, ${b.sectorCount}×512 loaded, ${humanBytes(b.size)}`,
    );
  }
  return { title: 'El Torito', lines };
};

const bootFilesSection: InfoSectionProvider = (_image, s) => {
  const width = Math.max(0, ...s.bootFiles.map((f) => f.role.length));
  const lines = s.bootFiles.map((f) => `${f.role.padEnd(width)}  ${f.path}${f.kind === 'dir' ? '/' : f.kind === 'symlink' ? ' (symlink)' : `  ${f.size}`}`);
  if (!s.bootFiles.length) lines.push('none found');
  if (!s.bootFilesComplete) lines.push('(search stopped at its entry budget; the list may be incomplete)');
  return { title: 'Boot files', lines };
};

const warningsSection: InfoSectionProvider = (_image, s) => (s.warnings.length ? { title: 'Warnings', lines: s.warnings } : null);

/**
 * In print order. The boot plan section goes after bootFilesSection and shows Windows plans as
 * the engine would, with or without the wimboot `bootcast serve` would find.
 */
export function infoSections(wimboot: WimbootStatus = findWimboot({ dataDir: defaultDataDir() })): InfoSectionProvider[] {
  return [volumeSection, elToritoSection, bootFilesSection, bootPlanSection(wimboot), warningsSection];
}

export async function renderInfo(image: IsoImage, json: boolean, providers: readonly InfoSectionProvider[] = infoSections()): Promise<string> {
  const summary = await image.summary();
  const sections: InfoSection[] = [];
  for (const p of providers) {
    const section = await p(image, summary);
    if (section) sections.push(section);
  }
  if (json) return JSON.stringify(Object.assign({}, summary, ...sections.map((x) => x.json ?? {})), null, 2) + '\n';
  return sections.map((x) => (x.title ? [x.title, ...x.lines.map((l) => '  ' + l)] : x.lines).join('\n')).join('\n\n') + '\n';
}
