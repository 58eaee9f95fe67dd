
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/plugin/packet-tdstls.c" "CMakeFiles/tdstls.dir/plugin/packet-tdstls.c.o" "gcc" "CMakeFiles/tdstls.dir/plugin/packet-tdstls.c.o.d"
  "/work/main/plugin/tdstls-close.c" "CMakeFiles/tdstls.dir/plugin/tdstls-close.c.o" "gcc" "CMakeFiles/tdstls.dir/plugin/tdstls-close.c.o.d"
  "/work/main/plugin/tdstls-conv.c" "CMakeFiles/tdstls.dir/plugin/tdstls-conv.c.o" "gcc" "CMakeFiles/tdstls.dir/plugin/tdstls-conv.c.o.d"
  "/work/main/plugin/tdstls-dissect.c" "CMakeFiles/tdstls.dir/plugin/tdstls-dissect.c.o" "gcc" "CMakeFiles/tdstls.dir/plugin/tdstls-dissect.c.o.d"
  "/work/main/plugin/tdstls-stat.c" "CMakeFiles/tdstls.dir/plugin/tdstls-stat.c.o" "gcc" "CMakeFiles/tdstls.dir/plugin/tdstls-stat.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/CMakeFiles/tdstls_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
