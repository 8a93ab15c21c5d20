#!/bin/sh
# Regenerates the app icons from icon.svg (Debian: apt-get install librsvg2-bin imagemagick).
# The outputs are committed: electron-builder reads them from build/ on every release machine.
set -eu
cd "$(dirname "$0")"
rsvg-convert -w 1024 -h 1024 icon.svg -o icon.png
for s in 16 24 32 48 64 128 256; do rsvg-convert -w $s -h $s icon.svg -o "/tmp/bootcast-icon-$s.png"; done
convert /tmp/bootcast-icon-16.png /tmp/bootcast-icon-24.png /tmp/bootcast-icon-32.png /tmp/bootcast-icon-48.png \
  /tmp/bootcast-icon-64.png /tmp/bootcast-icon-128.png /tmp/bootcast-icon-256.png icon.ico
# ICNS: a header and PNG entries by type (ic10 1024, ic09 512, ic08 256, ic07 128), what iconutil writes on macOS.
rsvg-convert -w 512 -h 512 icon.svg -o /tmp/bootcast-icon-512.png
python3 - <<'PY'
import struct
entries = b''.join(t + struct.pack('>I', 8 + len(d)) + d for t, d in (
    (t.encode(), open(f, 'rb').read()) for t, f in (('ic10', 'icon.png'), ('ic09', '/tmp/bootcast-icon-512.png'),
                                                   ('ic08', '/tmp/bootcast-icon-256.png'), ('ic07', '/tmp/bootcast-icon-128.png'))))
open('icon.icns', 'wb').write(b'icns' + struct.pack('>I', 8 + len(entries)) + entries)
PY
rsvg-convert -w 32 -h 32 icon.svg -o tray.png
rm -f /tmp/bootcast-icon-*.png
