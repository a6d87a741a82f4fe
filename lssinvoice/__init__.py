"""lssinvoice: the command-line shell."""
__version__ = "0.1.0"
