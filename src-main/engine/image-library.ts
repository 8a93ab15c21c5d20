import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BootPlan, ImageInfo } from '../shared/api.ts';
import { IsoImage } from '../iso/iso-image.ts';
import { inspectImage } from '../boot/inspect-image.ts';
import { inspectSignedChain } from '../boot/secure-boot/signed-chain.ts';
import { imageIdFor } from './image-id.ts';
import { withSetupSource, type SetupSourceView } from '../boot/windows/setup-injection.ts';
import { withWimboot, type WimbootStatus } from './wimboot-file.ts';

/** One image in the library: its open reader (null when it could not be opened) and what the UI shows. */
export interface LibraryImage {
  info: ImageInfo;
  iso: IsoImage | null;
  /** Size and modification time when the image was read: a change means the reader is stale. */
  seen?: { size: number; mtimeMs: number };
}

interface StoredImage {
  path: string;
  selectedPlan?: string;
}

/**
 * The images Bootcast serves, keyed by id. Images are read in place (never copied or mounted);
 * the list of paths and each image's chosen plan persist in images.json so a restart serves the
 * same library. An image that fails to open stays in the list with its error, so the user sees
 * why instead of silently losing it.
 */
export class ImageLibrary {
  private readonly images = new Map<string, LibraryImage>();
  /** Each image's plans as inspection found them, before the supplied tools (wimboot) are applied. */
  private readonly inspected = new Map<string, BootPlan[]>();
  private readonly file: string;
  /** How each Windows Setup image stands with the install share (the engine knows; none by default). */
  private setupSource: (info: ImageInfo) => SetupSourceView | undefined = () => undefined;

  /**
   * `persist: false` serves a fixed set (`bootcast serve IMAGE…`) without touching the desktop
   * app's saved library in the same data directory. `wimboot` is asked each time the library is
   * read, so a wimboot placed while Bootcast runs makes Windows plans bootable.
   */
  constructor(
    dataDir: string,
    private readonly persist = true,
    private readonly wimboot: () => WimbootStatus = () => ({ reason: 'no wimboot lookup configured' }),
  ) {
    this.file = join(dataDir, 'images.json');
  }

  async restore(): Promise<void> {
    if (!this.persist) return;
    let stored: StoredImage[] = [];
    try {
      stored = JSON.parse(await readFile(this.file, 'utf8')) as StoredImage[];
    } catch {
      return;
    }
    for (const s of Array.isArray(stored) ? stored : []) {
      if (typeof s?.path !== 'string') continue;
      const img = await this.load(s.path);
      if (s.selectedPlan && img.info.plans.some((p) => p.id === s.selectedPlan)) img.info.selectedPlan = s.selectedPlan;
    }
  }

  list(): ImageInfo[] {
    const wimboot = this.wimboot();
    return [...this.images.values()].map((i) => this.withTools(i, wimboot).info);
  }

  get(id: string): LibraryImage | undefined {
    const img = this.images.get(id);
    return img && this.withTools(img, this.wimboot());
  }

  /** Tells the library how Windows Setup images stand with the install share, asked on every read. */
  useSetupSource(view: (info: ImageInfo) => SetupSourceView | undefined): void {
    this.setupSource = view;
  }

  /** The image with its plans as they stand with the supplied tools (a wimboot or none) and the Setup share. */
  private withTools(img: LibraryImage, wimboot: WimbootStatus): LibraryImage {
    const inspected = this.inspected.get(img.info.id);
    if (inspected) img.info.plans = withSetupSource(withWimboot(inspected, wimboot), this.setupSource({ ...img.info, plans: inspected }));
    return img;
  }

  private readonly checking = new Map<string, Promise<LibraryImage | undefined>>();

  /**
   * The image, re-read first if its file changed size or modification time since it was opened
   * (replaced, re-downloaded, truncated): a reader over the old layout would serve the wrong
   * bytes under the old lengths. Throws with what happened when the file is gone.
   */
  current(id: string): Promise<LibraryImage | undefined> {
    const img = this.images.get(id);
    if (!img) return Promise.resolve(undefined);
    let pending = this.checking.get(id);
    if (!pending) {
      pending = this.recheck(id, img)
        .then((i) => i && this.withTools(i, this.wimboot()))
        .finally(() => this.checking.delete(id));
      this.checking.set(id, pending);
    }
    return pending;
  }

  private async recheck(id: string, img: LibraryImage): Promise<LibraryImage | undefined> {
    const s = await stat(img.info.path).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`image ${img.info.fileName} can no longer be read (${err.code ?? err.message}): was it moved or deleted? Add it again`);
    });
    if (!img.seen || (s.size === img.seen.size && s.mtimeMs === img.seen.mtimeMs)) return img;
    if (this.images.get(id) !== img) return this.images.get(id);
    const selected = img.info.selectedPlan;
    const fresh = await this.load(img.info.path, id);
    if (selected && fresh.info.plans.some((p) => p.id === selected)) fresh.info.selectedPlan = selected;
    // Transfers still reading the old reader fail rather than mix two versions of the file.
    void img.iso?.close().catch(() => undefined);
    if (fresh.info.error) throw new Error(`image ${img.info.fileName} changed on disk and can no longer be served: ${fresh.info.error}`);
    return fresh;
  }

  /** Adds images by path. An image already in the library is returned as it is, not added twice. */
  async add(paths: string[]): Promise<ImageInfo[]> {
    const added: ImageInfo[] = [];
    for (const p of paths) {
      const full = resolve(p);
      const existing = [...this.images.values()].find((i) => i.info.path === full);
      added.push(this.withTools(existing ?? (await this.load(full)), this.wimboot()).info);
    }
    await this.save();
    return added;
  }

  async remove(id: string): Promise<void> {
    const img = this.images.get(id);
    if (!img) throw new Error(`no image with id '${id}' in the library`);
    this.images.delete(id);
    this.inspected.delete(id);
    await img.iso?.close();
    await this.save();
  }

  async selectPlan(id: string, planId: string): Promise<ImageInfo> {
    const img = this.images.get(id);
    if (!img) throw new Error(`no image with id '${id}' in the library`);
    if (!img.info.plans.some((p) => p.id === planId)) {
      throw new Error(`image '${id}' has no boot plan '${planId}' (it has: ${img.info.plans.map((p) => p.id).join(', ') || 'none'})`);
    }
    img.info.selectedPlan = planId;
    if (img.iso) img.info.secureBoot = await inspectSignedChain(img.iso, ImageLibrary.selectedPlan(img.info));
    await this.save();
    return this.withTools(img, this.wimboot()).info;
  }

  /** The plan iPXE boots for this image: the chosen one, else the first bootable one. */
  static selectedPlan(info: ImageInfo): BootPlan | undefined {
    return info.plans.find((p) => p.id === info.selectedPlan) ?? info.plans.find((p) => p.via !== 'none') ?? info.plans[0];
  }

  async close(): Promise<void> {
    await Promise.all([...this.images.values()].map((i) => i.iso?.close()));
    this.images.clear();
    this.inspected.clear();
  }

  private async load(path: string, reuseId?: string): Promise<LibraryImage> {
    const id = reuseId ?? imageIdFor(basename(path), new Set(this.images.keys()));
    const info: ImageInfo = { id, path, fileName: basename(path), sizeBytes: 0, plans: [] };
    this.inspected.delete(id);
    let iso: IsoImage | null = null;
    let seen: LibraryImage['seen'];
    try {
      const s = await stat(path);
      info.sizeBytes = s.size;
      seen = { size: s.size, mtimeMs: s.mtimeMs };
      iso = await IsoImage.open(path);
      info.volumeId = iso.volumeId;
      const inspection = await inspectImage(iso, { sizeBytes: info.sizeBytes, volumeId: iso.volumeId });
      info.distro = inspection.distro;
      info.recipe = inspection.recipe;
      info.arch = inspection.arch;
      info.plans = inspection.plans;
      this.inspected.set(id, inspection.plans);
      info.selectedPlan = ImageLibrary.selectedPlan(info)?.id;
      info.secureBoot = await inspectSignedChain(iso, ImageLibrary.selectedPlan(info));
    } catch (err) {
      info.error = (err as Error).message;
    }
    const img: LibraryImage = { info, iso, seen };
    this.images.set(id, img);
    return img;
  }

  private async save(): Promise<void> {
    if (!this.persist) return;
    const stored: StoredImage[] = [...this.images.values()].map((i) => ({ path: i.info.path, selectedPlan: i.info.selectedPlan }));
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(stored, null, 2));
    await rename(`${this.file}.tmp`, this.file);
  }
}
