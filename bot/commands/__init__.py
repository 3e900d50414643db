"""Commands: the one `/tandem` grammar shared by every platform."""
