file(REMOVE_RECURSE
  "libtdstls_core.a"
)
