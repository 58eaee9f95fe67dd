file(REMOVE_RECURSE
  "CMakeFiles/tdstls_core.dir/plugin/core/connection.c.o"
  "CMakeFiles/tdstls_core.dir/plugin/core/connection.c.o.d"
  "CMakeFiles/tdstls_core.dir/plugin/core/dhe_suites.c.o"
  "CMakeFiles/tdstls_core.dir/plugin/core/dhe_suites.c.o.d"
  "CMakeFiles/tdstls_core.dir/plugin/core/tds_prelogin.c.o"
  "CMakeFiles/tdstls_core.dir/plugin/core/tds_prelogin.c.o.d"
  "CMakeFiles/tdstls_core.dir/plugin/core/tls_reader.c.o"
  "CMakeFiles/tdstls_core.dir/plugin/core/tls_reader.c.o.d"
  "libtdstls_core.a"
  "libtdstls_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/tdstls_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
