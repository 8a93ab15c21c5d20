#!/bin/sh
# deb postrm addition: the polkit action goes with the app.
rm -f /usr/share/polkit-1/actions/org.bootcast.engine.policy
