# extension/ids.json is the one source of the native messaging host name and the extension ids. The host's copy,
# host/caller_ids.h, is generated from it here at configure time; installer/install.sh fills the host manifests
# (manifests/*.json.in) from it; the extension and its tests read it directly.
set(CLOUDFILM_EXTENSION_IDS_JSON "${PROJECT_SOURCE_DIR}/extension/ids.json")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CLOUDFILM_EXTENSION_IDS_JSON}")
file(READ "${CLOUDFILM_EXTENSION_IDS_JSON}" _cloudfilm_ids)

# The values become C++ string literals: each is checked against what its browser accepts, which also keeps quotes
# and backslashes out.
function(_cloudfilm_extension_id out key pattern what)
  string(JSON value ERROR_VARIABLE error GET "${_cloudfilm_ids}" "${key}")
  if(error)
    message(FATAL_ERROR "${CLOUDFILM_EXTENSION_IDS_JSON}: ${error}")
  endif()
  if(NOT value MATCHES "${pattern}")
    message(FATAL_ERROR "${CLOUDFILM_EXTENSION_IDS_JSON}: ${key} \"${value}\" is not ${what}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
_cloudfilm_extension_id(CLOUDFILM_CHROMIUM_EXTENSION_ID chromiumId "^[a-p]+$" "a Chromium extension id (32 letters a to p)")
string(LENGTH "${CLOUDFILM_CHROMIUM_EXTENSION_ID}" _cloudfilm_length)
if(NOT _cloudfilm_length EQUAL 32)
  message(FATAL_ERROR "${CLOUDFILM_EXTENSION_IDS_JSON}: chromiumId has ${_cloudfilm_length} letters, not 32")
endif()
_cloudfilm_extension_id(CLOUDFILM_GECKO_EXTENSION_ID geckoId "^[A-Za-z0-9._@{}+-]+$"
  "a Firefox add-on id (name@domain or {uuid})")
_cloudfilm_extension_id(CLOUDFILM_NATIVE_HOST_NAME nativeHost "^[a-z0-9_]+(\\.[a-z0-9_]+)*$"
  "a native messaging host name (lowercase letters, digits, _ and dots)")
unset(_cloudfilm_ids)
unset(_cloudfilm_length)

# Generated where no source tree header can shadow it; native-host/CMakeLists.txt puts it on the host module's path.
set(CLOUDFILM_GENERATED_INCLUDE_DIR "${PROJECT_BINARY_DIR}/generated")
configure_file("${PROJECT_SOURCE_DIR}/native-host/src/host/caller_ids.h.in"
  "${CLOUDFILM_GENERATED_INCLUDE_DIR}/host/caller_ids.h" @ONLY)
