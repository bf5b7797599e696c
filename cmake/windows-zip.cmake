# windows-zip.cmake - the download for Windows administrators:
#   cmake --build build-win && (cd build-win && cpack)
# writes build-win/marsplay-<version>-win64.zip:
#   marsplay-<version>-win64/
#     marsplay.exe          static, imports only system DLLs (stripped)
#     README-windows.txt    starts with the command line to run
#     stdlib\  playbooks\  schemas\   found beside marsplay.exe
#     docs\                 README.md, api.md, the guide's facts
# No installer (README "Windows" says why).  Included by the top
# CMakeLists.txt for Windows builds instead of cmake/package.cmake.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/stdlib/ DESTINATION stdlib)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/playbooks/ DESTINATION playbooks
  PATTERN "tests" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/schemas/ DESTINATION schemas)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/api.md DESTINATION docs)
install(FILES ${PROJECT_SOURCE_DIR}/docs/README-windows.txt DESTINATION .)

set(CPACK_GENERATOR ZIP)
set(CPACK_PACKAGE_NAME marsplay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME marsplay-${PROJECT_VERSION}-win64)
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
