#!/bin/sh
# deb postinst addition: the polkit action for the engine helper, and a root-only helper path
# (pkexec runs it as root, so nobody else may be able to change it).
set -e
helper=/opt/Bootcast/resources/helper
chown -R root:root "$helper"
chmod 0755 "$helper" "$helper/bootcast-engine-helper"
install -D -m 0644 "$helper/org.bootcast.engine.policy" /usr/share/polkit-1/actions/org.bootcast.engine.policy
