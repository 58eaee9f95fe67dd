file(REMOVE_RECURSE
  "CMakeFiles/install-user"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/install-user.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
