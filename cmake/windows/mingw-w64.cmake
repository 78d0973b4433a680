# Windows x64 from Debian: mingw-w64's -posix compilers (the -win32 thread model has no std::thread in GCC 12), linked
# statically so the .exe needs only Windows' own DLLs, and Wine to run what is built (ctest runs the tests under it).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CLOUDFILM_MINGW x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${CLOUDFILM_MINGW}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CLOUDFILM_MINGW}-g++-posix)
set(CMAKE_RC_COMPILER ${CLOUDFILM_MINGW}-windres)
# Never /usr/include or /usr/lib: only the mingw sysroot and the prefixes named in CMAKE_PREFIX_PATH.
set(CMAKE_FIND_ROOT_PATH /usr/${CLOUDFILM_MINGW})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
# zlib linked in, never zlib1.dll (FindZLIB would otherwise take the import library libz.dll.a, and libarchive then
# compiles against it with ZLIB_DLL).
set(ZLIB_USE_STATIC_LIBS ON)
