; Included by electron-builder's NSIS script (package.json build.nsis.include). The installer runs
; elevated (perMachine), so it adds the inbound firewall rules once; the app then needs no UAC to
; serve. Internet sharing (ICS) still asks for UAC when switched on.
!macro customInstall
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Bootcast (UDP)"'
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Bootcast (TCP)"'
  nsExec::ExecToLog 'netsh advfirewall firewall add rule name="Bootcast (UDP)" dir=in action=allow protocol=UDP localport=67,69,4011 program="$INSTDIR\${APP_EXECUTABLE_FILENAME}" enable=yes'
  nsExec::ExecToLog 'netsh advfirewall firewall add rule name="Bootcast (TCP)" dir=in action=allow protocol=TCP localport=80,10809 program="$INSTDIR\${APP_EXECUTABLE_FILENAME}" enable=yes'
!macroend

!macro customUnInstall
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Bootcast (UDP)"'
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="Bootcast (TCP)"'
!macroend
