file(REMOVE_RECURSE
  "CMakeFiles/tdstls.dir/plugin/packet-tdstls.c.o"
  "CMakeFiles/tdstls.dir/plugin/packet-tdstls.c.o.d"
  "CMakeFiles/tdstls.dir/plugin/tdstls-close.c.o"
  "CMakeFiles/tdstls.dir/plugin/tdstls-close.c.o.d"
  "CMakeFiles/tdstls.dir/plugin/tdstls-conv.c.o"
  "CMakeFiles/tdstls.dir/plugin/tdstls-conv.c.o.d"
  "CMakeFiles/tdstls.dir/plugin/tdstls-dissect.c.o"
  "CMakeFiles/tdstls.dir/plugin/tdstls-dissect.c.o.d"
  "CMakeFiles/tdstls.dir/plugin/tdstls-stat.c.o"
  "CMakeFiles/tdstls.dir/plugin/tdstls-stat.c.o.d"
  "plugins/4.0/epan/tdstls.pdb"
  "plugins/4.0/epan/tdstls.so"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/tdstls.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
