# Empty custom commands generated dependencies file for install-user.
# This may be replaced when dependencies are built.
