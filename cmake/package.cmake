# package.cmake - what an embedder finds after `cmake --install`: the
# pkg-config file (lib/pkgconfig/marsplay.pc), the CMake package
# (lib/cmake/marsplay: marsplayConfig.cmake, its version file and the
# exported target marsplay::marsplay), and the man page marsplay(1).
# Included by the top CMakeLists.txt after runtime/.
include(CMakePackageConfigHelpers)

set(MARSPLAY_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/marsplay)
set(MARSPLAY_STDLIB_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/marsplay/stdlib)
set(MARSPLAY_PLAYBOOK_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/marsplay/playbooks)

# pkg-config: paths relative to the .pc file's folder when the install
# dirs are relative (the usual case), so the installed tree can move.
set(_mp_pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MARSPLAY_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(MARSPLAY_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _mp_up "/mp/${_mp_pcdir}" "/mp")
  string(REGEX REPLACE "/$" "" _mp_up "${_mp_up}")
  set(MARSPLAY_PC_PREFIX "\${pcfiledir}/${_mp_up}")
  set(MARSPLAY_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
foreach(_mp_d INCLUDEDIR DATADIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_mp_d}}")
    set(MARSPLAY_PC_${_mp_d} "${CMAKE_INSTALL_${_mp_d}}")
  else()
    set(MARSPLAY_PC_${_mp_d} "\${prefix}/${CMAKE_INSTALL_${_mp_d}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/marsplay.pc.in ${PROJECT_BINARY_DIR}/marsplay.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/marsplay.pc DESTINATION ${_mp_pcdir})

# CMake package.
install(EXPORT marsplayTargets NAMESPACE marsplay:: DESTINATION ${MARSPLAY_CMAKE_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/marsplayConfig.cmake.in
  ${PROJECT_BINARY_DIR}/marsplayConfig.cmake
  INSTALL_DESTINATION ${MARSPLAY_CMAKE_INSTALL_DIR}
  PATH_VARS MARSPLAY_STDLIB_INSTALL_DIR MARSPLAY_PLAYBOOK_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/marsplayConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/marsplayConfig.cmake
  ${PROJECT_BINARY_DIR}/marsplayConfigVersion.cmake DESTINATION ${MARSPLAY_CMAKE_INSTALL_DIR})

# marsplay(1).
install(FILES ${PROJECT_SOURCE_DIR}/docs/marsplay.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
