"""Region Bridge: partnerships between Ukraine's regions and the regions of other countries."""
