; CloudFilm's Windows installer, per user, no administrator rights: built on Debian with makensis (Debian's nsis) by
; the CMake target cloudfilm_installer (cmake --build --preset windows --target cloudfilm_installer), which passes:
;   VERSION, HOST_NAME (extension/ids.json), BIN_DIR (the two .exe and the two host manifests made from
;   manifests/*.json.in), EXTENSION_DIR (extension/dist, built by npm), OUT_FILE.
; It installs into %LOCALAPPDATA%\Programs\CloudFilm, registers the native messaging host for Chrome (which Brave and
; Vivaldi read too), Chromium, Edge and Firefox under HKCU, and adds an uninstaller that removes exactly what it wrote.
; 64-bit (Target amd64-unicode): Debian's Wine runs 64-bit programs without i386 multiarch, and the host is 64-bit.
Unicode true
Target amd64-unicode
RequestExecutionLevel user
SetCompressor /SOLID lzma
ManifestDPIAware true

!include "MUI2.nsh"

Name "CloudFilm ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\CloudFilm"
BrandingText "CloudFilm ${VERSION}"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\CloudFilm"
!define CHROMIUM_MANIFEST "${HOST_NAME}.chromium.json"
!define FIREFOX_MANIFEST "${HOST_NAME}.firefox.json"

!define MUI_FINISHPAGE_TEXT "$(finishText)"
!define MUI_FINISHPAGE_SHOWREADME "$INSTDIR\README-Windows.txt"
!define MUI_FINISHPAGE_SHOWREADME_TEXT "$(readmeText)"
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_INSTFILES
; The first language is the default; Windows' display language picks the other.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

LangString finishText ${LANG_SIMPCHINESE} "CloudFilm 已安装。$\r$\n$\r$\n还差一步：在浏览器中加载扩展程序。Chrome 或 Edge：打开 chrome://extensions（Edge 为 edge://extensions），打开“开发者模式”，点击“加载已解压的扩展程序”，选择：$\r$\n$INSTDIR\extension\chromium$\r$\n$\r$\n说明文件里有 Firefox 的步骤。"
LangString finishText ${LANG_ENGLISH} "CloudFilm is installed.$\r$\n$\r$\nOne step is left: load the extension in your browser. Chrome or Edge: open chrome://extensions (edge://extensions in Edge), turn on $\"Developer mode$\", click $\"Load unpacked$\" and choose:$\r$\n$INSTDIR\extension\chromium$\r$\n$\r$\nThe instructions file has the steps for Firefox."
LangString readmeText ${LANG_SIMPCHINESE} "打开说明文件（中文和英文）"
LangString readmeText ${LANG_ENGLISH} "Open the instructions (Chinese and English)"

; The keys each browser reads for a per-user native messaging host; the default value is the manifest's path.
!macro RegisterHost ROOT_KEY MANIFEST
  WriteRegStr HKCU "${ROOT_KEY}\NativeMessagingHosts\${HOST_NAME}" "" "$INSTDIR\${MANIFEST}"
!macroend
!macro UnregisterHost ROOT_KEY
  DeleteRegKey HKCU "${ROOT_KEY}\NativeMessagingHosts\${HOST_NAME}"
  ; Keys the install created for a browser that is not there; a browser's own keys are never empty.
  DeleteRegKey /ifempty HKCU "${ROOT_KEY}\NativeMessagingHosts"
  DeleteRegKey /ifempty HKCU "${ROOT_KEY}"
!macroend

Section "CloudFilm"
  SetOutPath "$INSTDIR"
  File "${BIN_DIR}\cloudfilm-host.exe"
  File "${BIN_DIR}\cloudfilm.exe"
  File "${BIN_DIR}\${CHROMIUM_MANIFEST}"
  File "${BIN_DIR}\${FIREFOX_MANIFEST}"
  File "${README}"  ; README-Windows.txt
  SetOutPath "$INSTDIR\extension\chromium"
  File /r "${EXTENSION_DIR}\chromium\*.*"
  SetOutPath "$INSTDIR\extension\firefox"
  File /r "${EXTENSION_DIR}\firefox\*.*"
  SetOutPath "$INSTDIR"

  !insertmacro RegisterHost "Software\Google\Chrome" "${CHROMIUM_MANIFEST}"
  !insertmacro RegisterHost "Software\Chromium" "${CHROMIUM_MANIFEST}"
  !insertmacro RegisterHost "Software\Microsoft\Edge" "${CHROMIUM_MANIFEST}"
  !insertmacro RegisterHost "Software\Mozilla" "${FIREFOX_MANIFEST}"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "CloudFilm 云胶片保存"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "CloudFilm"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\cloudfilm-host.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; Removes what the installer wrote and nothing else: not the images the person saved, and not the host's own
; %LOCALAPPDATA%\CloudFilm (captured images not yet saved, the log), which a reinstall picks up again.
Section "Uninstall"
  !insertmacro UnregisterHost "Software\Google\Chrome"
  !insertmacro UnregisterHost "Software\Chromium"
  !insertmacro UnregisterHost "Software\Microsoft\Edge"
  !insertmacro UnregisterHost "Software\Mozilla"
  DeleteRegKey /ifempty HKCU "Software\Google"  ; Chrome's parent, when the install made it
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  Delete "$INSTDIR\cloudfilm-host.exe"
  Delete "$INSTDIR\cloudfilm.exe"
  Delete "$INSTDIR\${CHROMIUM_MANIFEST}"
  Delete "$INSTDIR\${FIREFOX_MANIFEST}"
  Delete "$INSTDIR\README-Windows.txt"
  RMDir /r "$INSTDIR\extension\chromium"
  RMDir /r "$INSTDIR\extension\firefox"
  RMDir "$INSTDIR\extension"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
