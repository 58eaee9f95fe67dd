# Empty dependencies file for tdstls_core.
# This may be replaced when dependencies are built.
