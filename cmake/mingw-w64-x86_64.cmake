# Cross-compile for 64-bit Windows (x86_64, Windows Server 2012 R2 and later)
# with Debian's mingw-w64.  Used by scripts/windows-build and
# scripts/windows-deps:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DMARSPLAY_WIN_DEPS=<prefix printed by scripts/windows-deps>
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_mp_host x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_mp_host}-gcc)
set(CMAKE_CXX_COMPILER ${_mp_host}-g++)
set(CMAKE_RC_COMPILER ${_mp_host}-windres)
set(CMAKE_AR ${_mp_host}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${_mp_host}-ranlib CACHE FILEPATH "")

# _WIN32_WINNT 0x0603 = Windows 8.1 / Server 2012 R2: no API newer than
# that is declared.  The C runtime's printf family is mingw's C99 one, so
# %zu and %lld mean what they mean on Linux.
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0603 -DWINVER=0x0603 -D__USE_MINGW_ANSI_STDIO=1")
# A static exe: no libgcc or winpthread DLL next to it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

set(CMAKE_FIND_ROOT_PATH /usr/${_mp_host})
if(MARSPLAY_WIN_DEPS)
  list(APPEND CMAKE_FIND_ROOT_PATH ${MARSPLAY_WIN_DEPS})
  set(ENV{PKG_CONFIG_LIBDIR} ${MARSPLAY_WIN_DEPS}/lib/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs the test programs under Wine (quiet, no display needed).
find_program(MARSPLAY_WINE NAMES wine wine64)
if(MARSPLAY_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MARSPLAY_WINE})
endif()
