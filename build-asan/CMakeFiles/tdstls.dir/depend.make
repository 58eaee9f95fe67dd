# Empty dependencies file for tdstls.
# This may be replaced when dependencies are built.
