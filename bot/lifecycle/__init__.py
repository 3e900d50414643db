"""A pair's lifecycle, one module per stage; `transition.move` is the only way a stage changes."""
