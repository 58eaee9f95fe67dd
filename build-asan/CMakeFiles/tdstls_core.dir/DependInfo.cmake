
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/plugin/core/connection.c" "CMakeFiles/tdstls_core.dir/plugin/core/connection.c.o" "gcc" "CMakeFiles/tdstls_core.dir/plugin/core/connection.c.o.d"
  "/work/main/plugin/core/dhe_suites.c" "CMakeFiles/tdstls_core.dir/plugin/core/dhe_suites.c.o" "gcc" "CMakeFiles/tdstls_core.dir/plugin/core/dhe_suites.c.o.d"
  "/work/main/plugin/core/tds_prelogin.c" "CMakeFiles/tdstls_core.dir/plugin/core/tds_prelogin.c.o" "gcc" "CMakeFiles/tdstls_core.dir/plugin/core/tds_prelogin.c.o.d"
  "/work/main/plugin/core/tls_reader.c" "CMakeFiles/tdstls_core.dir/plugin/core/tls_reader.c.o" "gcc" "CMakeFiles/tdstls_core.dir/plugin/core/tls_reader.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
