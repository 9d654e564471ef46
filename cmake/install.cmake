# Installs libqac, its public headers, the qac tool, the ONNX Runtime library it runs on,
# and a CMake package so that `find_package(qac)` + `target_link_libraries(app qac::qac)` works.
#
# Layout under the prefix: bin/qac, <libdir>/libqac.so* next to libonnxruntime.so*,
# include/qac/*.h (no ONNX, protobuf or ONNX Runtime header is needed by consumers),
# <libdir>/cmake/qac/{qacConfig,qacConfigVersion,qacTargets}.cmake.
# Installed binaries find their libraries relative to themselves ($ORIGIN), so the prefix can
# be moved; ONNX and protobuf come from the system (Debian: libonnx1, libprotobuf32).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The tool reaches the library folder from the binary folder, whatever the libdir is
# (lib, lib64, lib/x86_64-linux-gnu).
file(RELATIVE_PATH _qac_bin_to_lib "/prefix/${CMAKE_INSTALL_BINDIR}" "/prefix/${CMAKE_INSTALL_LIBDIR}")
set_target_properties(qac PROPERTIES INSTALL_RPATH "$ORIGIN")
# Usage requirement of the exported target: the public headers need C++17.
target_compile_features(qac INTERFACE cxx_std_17)
set_target_properties(qac_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_qac_bin_to_lib}")

install(TARGETS qac EXPORT qacTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS qac_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/qac DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# ONNX Runtime: the library libqac was linked against (SONAME libonnxruntime.so.1, symlinks
# kept) and, for official release folders, the shared provider bridge it may dlopen.
file(GLOB _qac_ort_libs "${ORT_LIBRARY_DIR}/libonnxruntime.so*"
                        "${ORT_LIBRARY_DIR}/libonnxruntime_providers_shared.so")
install(FILES ${_qac_ort_libs} DESTINATION ${CMAKE_INSTALL_LIBDIR})

set(_qac_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/qac)
install(EXPORT qacTargets NAMESPACE qac:: DESTINATION ${_qac_cmake_dir})
configure_package_config_file(cmake/qacConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/qacConfig.cmake"
  INSTALL_DESTINATION ${_qac_cmake_dir}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x releases may break the API between minor versions: a request for 0.1 accepts 0.1.z only.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/qacConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/qacConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/qacConfigVersion.cmake"
        DESTINATION ${_qac_cmake_dir})
