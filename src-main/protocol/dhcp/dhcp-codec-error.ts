/**
 * Every violation the DHCP codec detects. It is a RangeError (the brief's convention: a limit was
 * exceeded or not met) carrying where in the packet it happened, so a server can count and drop
 * the packet and log one line that says what was wrong.
 */
export class DhcpCodecError extends RangeError {
  constructor(
    message: string,
    /** Byte offset in the packet (or in the option value being decoded) where the problem is. */
    readonly offset: number,
    /** Which part: 'header', 'cookie', 'options', 'file', 'sname', 'option 43', … */
    readonly field: string,
  ) {
    super(message);
    this.name = 'DhcpCodecError';
  }
}
