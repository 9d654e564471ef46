# Installs libqac, its public headers, the qac tool, the ONNX Runtime library it runs on,
# and a CMake package so that `find_package(qac)` + `target_link_libraries(app qac::qac)` works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS qac EXPORT qacTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS qac_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/qac DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
file(GLOB _ort_libs "${ORT_LIBRARY_DIR}/libonnxruntime.so*")
install(FILES ${_ort_libs} DESTINATION ${CMAKE_INSTALL_LIBDIR})

install(EXPORT qacTargets NAMESPACE qac:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qac)
configure_package_config_file(cmake/qacConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/qacConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qac)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/qacConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/qacConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/qacConfigVersion.cmake"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qac)
