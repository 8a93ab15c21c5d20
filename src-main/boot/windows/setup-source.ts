/**
 * How Windows Setup booted through wimboot reaches its install image (docs/windows-setup.md):
 * a read-only SMB share of the medium on the boot server, and two small files wimboot injects
 * into boot.wim's \Windows\System32 — winpeshl.ini, which makes WinPE run our script instead
 * of Setup's own start, and that script, which brings the network up, maps the share and starts
 * the medium's setup.exe from it (with an autounattend.xml when the technician dropped one
 * beside the ISO). Pure text generators; the engine decides addresses and paths.
 */

/** Names the files get inside \Windows\System32 (wimboot adds unknown initrd names there). */
export const SETUP_SCRIPT_NAME = 'bootcast-setup.cmd';
export const WINPESHL_NAME = 'winpeshl.ini';
export const UNATTEND_NAME = 'autounattend.xml';

/**
 * The answer file a technician drops for one ISO: `<name>.autounattend.xml` beside `<name>.iso`
 * (per image, so two ISOs in one folder never share an answer file by accident).
 */
export function unattendFileFor(isoPath: string): string {
  return isoPath.replace(/(\.iso)?$/i, '.autounattend.xml');
}

/** Share names are NetBIOS-style: letters, digits, '-' and '_', at most 80 characters. */
export function shareNameFor(imageId: string): string {
  const name = `bootcast-${imageId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  return name;
}

/** winpeshl.ini: WinPE runs these instead of its default shell (Setup's CmdLine included). */
export function winpeshlIni(): string {
  return crlf(['[LaunchApps]', `%SYSTEMROOT%\\System32\\${SETUP_SCRIPT_NAME}`]);
}

export interface SetupScriptOptions {
  /** IPv4 address of the SMB server as the client reaches it. */
  server: string;
  share: string;
  /** An autounattend.xml was injected beside the script. */
  unattend: boolean;
}

/**
 * The script WinPE runs. Guest access: WinPE's SMB client refuses guest logons and, since
 * Windows 11 24H2, unsigned sessions by default; both are relaxed in WinPE's RAM-only registry,
 * never on an installed system. `net use` is retried because wpeinit returns before DHCP has
 * finished on some NICs. On failure the console stays open with what to check.
 */
export function setupScript(o: SetupScriptOptions): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(o.server)) throw new RangeError(`SMB server must be an IPv4 address, got ${JSON.stringify(o.server)}`);
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(o.share)) throw new RangeError(`invalid share name ${JSON.stringify(o.share)}`);
  const unc = `\\\\${o.server}\\${o.share}`;
  const setup = o.unattend ? `S:\\setup.exe /unattend:%SYSTEMROOT%\\System32\\${UNATTEND_NAME}` : 'S:\\setup.exe';
  return crlf([
    '@echo off',
    'rem Bootcast: start Windows Setup from the boot server\'s read-only SMB share of the ISO.',
    'wpeinit',
    'reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters /v AllowInsecureGuestAuth /t REG_DWORD /d 1 /f >nul',
    'reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters /v RequireSecuritySignature /t REG_DWORD /d 0 /f >nul',
    'set BC_TRY=0',
    ':bc_map',
    'set /a BC_TRY+=1',
    `net use S: ${unc} /user:guest "" >nul 2>&1 && goto bc_setup`,
    'if %BC_TRY% GEQ 20 goto bc_fail',
    'ping -n 4 127.0.0.1 >nul',
    'goto bc_map',
    ':bc_setup',
    `echo Bootcast: installing from ${unc}`,
    setup,
    'goto bc_end',
    ':bc_fail',
    `echo Bootcast: cannot reach ${unc}.`,
    'echo Check that Bootcast is still serving and that this machine got an address (ipconfig).',
    'echo The network card may need a driver Windows PE does not have.',
    'cmd /k',
    ':bc_end',
  ]);
}

export interface SambaOptions {
  /** The boot interface's address: smbd listens there only. */
  address: string;
  /** Private directory for smbd's state, locks, logs and pid file. */
  stateDir: string;
  shares: { name: string; path: string }[];
  /** 445 unless testing. */
  port?: number;
}

/**
 * smb.conf for a private smbd: bound to the boot interface only, no NetBIOS, no printers, no
 * home directories, SMB 2.02 or newer (WinPE 10/11 speak SMB 3), guest read-only shares.
 * `server signing = disabled` matches the script: guest sessions cannot be signed.
 */
export function sambaConfig(o: SambaOptions): string {
  const dir = (sub: string) => `${o.stateDir}/${sub}`;
  const lines = [
    '[global]',
    '  server role = standalone server',
    `  interfaces = ${o.address}`,
    '  bind interfaces only = yes',
    `  smb ports = ${o.port ?? 445}`,
    '  disable netbios = yes',
    '  server min protocol = SMB2_02',
    '  server signing = disabled',
    '  map to guest = Bad User',
    '  guest account = nobody',
    '  restrict anonymous = 0',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    // Samba 4.16+ starts samba-dcerpcd for RPC pipes on demand; a file share needs none, and a
    // helper outliving smbd would outlive Bootcast's stop().
    '  rpc start on demand helpers = no',
    '  rpc_server:default = disabled',
    `  private dir = ${dir('private')}`,
    `  lock directory = ${dir('lock')}`,
    `  state directory = ${dir('state')}`,
    `  cache directory = ${dir('cache')}`,
    `  pid directory = ${dir('pid')}`,
    `  ncalrpc dir = ${dir('ncalrpc')}`,
    `  log file = ${dir('log')}/smbd.log`,
    '  max log size = 1000',
    '  logging = file',
  ];
  for (const s of o.shares) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(s.name)) throw new RangeError(`invalid share name ${JSON.stringify(s.name)}`);
    if (/[\n\r]/.test(s.path)) throw new RangeError('share path must be one line');
    lines.push('', `[${s.name}]`, `  path = ${s.path}`, '  read only = yes', '  guest ok = yes', '  guest only = yes', '  browseable = yes');
  }
  return lines.join('\n') + '\n';
}

function crlf(lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}
