"""The build toolchain: site definitions and catalogs compiled into the dist/ bundle."""
